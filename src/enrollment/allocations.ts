import { LocalError } from '../core/errors.js';
import { type NodeId, nodeIdFromHex, nodeIdToHex } from '../core/ids.js';
import { usersObject } from './json-file.js';

/**
 * Which Node-IDs the enrolment server gave whom (nodeids.json). RFC 6940 §11.3: the server "SHOULD maintain
 * a mapping of users to Node-IDs and if the same user returns (e.g., to have their certificate re-issued),
 * the enrollment server should return the same Node-IDs". We key the mapping by user *and* key: a user
 * re-enrolling a device (same key) gets its Node-IDs back, a second device (another key) gets its own, so
 * two devices of one user never claim one place on the ring.
 *
 * A key is also bound to its Node-IDs whoever enrols it (docs/decisions/0013-adapter-identities.md): an
 * adapter asks for a certificate per SIP user over its node key, and USER-NODE-MATCH (RFC 6940 §7.3.3)
 * wants that certificate to carry the node's Node-ID. The binding is the file itself: every user's entry
 * for a key lists the key's Node-IDs, so a restarted server rebuilds it from the users.
 */
export interface Allocation {
  /** Lower-case hex SHA-256 of the key's SubjectPublicKeyInfo. */
  readonly key: string;
  /** Lower-case hex Node-IDs, in certificate order. */
  readonly nodeIds: readonly string[];
}

export interface AllocationsFile {
  readonly version: 1;
  readonly users: Readonly<Record<string, readonly Allocation[]>>;
}

export type AllocationResult =
  | { readonly ok: true; readonly nodeIds: readonly NodeId[]; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string };

/** True when `a` is `b` or the start of it. */
function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  return a.length <= b.length && a.every((id, i) => id === b[i]);
}

export class NodeIdAllocations {
  readonly #users = new Map<string, Allocation[]>();
  readonly #taken = new Set<string>();
  /** Key → the Node-IDs bound to it: the longest list any user's entry for that key holds. */
  readonly #byKey = new Map<string, readonly string[]>();
  readonly #nodeIdLength: number;

  constructor(nodeIdLength: number, file?: AllocationsFile) {
    this.#nodeIdLength = nodeIdLength;
    for (const [user, list] of Object.entries(file?.users ?? {})) {
      this.#users.set(
        user,
        list.map((a) => ({ key: a.key, nodeIds: [...a.nodeIds] })),
      );
      for (const a of list) {
        for (const id of a.nodeIds) this.#taken.add(id);
        // Files from before the binding may give one key different Node-IDs under two users: the first wins.
        const bound = this.#byKey.get(a.key);
        if (bound === undefined || isPrefix(bound, a.nodeIds)) this.#byKey.set(a.key, [...a.nodeIds]);
      }
    }
  }

  /**
   * The Node-IDs for `count` identities of `user` with `key`: the ones bound to the key before (by this
   * user or another), topped up with fresh ones from `fresh` (which must be cryptographically random,
   * RFC 6940 §11.3).
   */
  allocate(user: string, key: string, count: number, maxKeys: number, fresh: () => NodeId): AllocationResult {
    const list = this.#users.get(user) ?? [];
    const i = list.findIndex((a) => a.key === key);
    if (i < 0 && list.length >= maxKeys) {
      return { ok: false, reason: `user ${user} already enrolled ${list.length} keys` };
    }
    const own = list[i]?.nodeIds ?? [];
    const bound = this.#byKey.get(key) ?? [];
    // The user's own list differs from the binding only in an old file (see the constructor): keep theirs.
    const ids = [...(isPrefix(own, bound) ? bound : own)];
    while (ids.length < count) {
      const hex = nodeIdToHex(fresh(), this.#nodeIdLength);
      // 2^-128 per draw, but a collision would put two nodes on one place: check.
      if (this.#taken.has(hex)) continue;
      this.#taken.add(hex);
      ids.push(hex);
    }
    const changed = i < 0 || ids.length !== own.length;
    if (changed) {
      const next = { key, nodeIds: ids };
      if (i < 0) list.push(next);
      else list[i] = next;
      this.#users.set(user, list);
    }
    if (isPrefix(bound, ids)) this.#byKey.set(key, ids);
    return { ok: true, nodeIds: ids.slice(0, count).map(nodeIdFromHex), changed };
  }

  toFile(): AllocationsFile {
    return { version: 1, users: Object.fromEntries(this.#users) };
  }
}

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_INPUT', `Node-ID allocations file: ${message}`);
}

export function parseAllocationsFile(text: string, nodeIdLength: number): AllocationsFile {
  const all = usersObject(text, 'Node-ID allocations file');
  const hex = new RegExp(`^[0-9a-f]{${2 * nodeIdLength}}$`);
  const users: Record<string, Allocation[]> = Object.create(null);
  for (const [user, list] of Object.entries(all)) {
    if (!Array.isArray(list)) throw bad(`${JSON.stringify(user)} is not a list`);
    users[user] = list.map((a: unknown) => {
      const r = a as { key?: unknown; nodeIds?: unknown };
      const ok =
        typeof r?.key === 'string' &&
        /^[0-9a-f]{64}$/.test(r.key) &&
        Array.isArray(r.nodeIds) &&
        r.nodeIds.every((id) => typeof id === 'string' && hex.test(id));
      if (!ok) throw bad(`an entry of ${JSON.stringify(user)} is malformed`);
      return { key: r.key as string, nodeIds: r.nodeIds as string[] };
    });
  }
  return { version: 1, users };
}

export function formatAllocationsFile(file: AllocationsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
