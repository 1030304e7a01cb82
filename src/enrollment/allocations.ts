import { LocalError } from '../core/errors.js';
import { type NodeId, nodeIdFromHex, nodeIdToHex } from '../core/ids.js';
import { usersObject } from './json-file.js';

/**
 * Which Node-IDs the enrolment server gave whom (nodeids.json). RFC 6940 §11.3: the server "SHOULD maintain
 * a mapping of users to Node-IDs and if the same user returns (e.g., to have their certificate re-issued),
 * the enrollment server should return the same Node-IDs". We key the mapping by user *and* key: a user
 * re-enrolling a device (same key) gets its Node-IDs back, a second device (another key) gets its own, so
 * two devices of one user never claim one place on the ring.
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

export class NodeIdAllocations {
  readonly #users = new Map<string, Allocation[]>();
  readonly #taken = new Set<string>();
  readonly #nodeIdLength: number;

  constructor(nodeIdLength: number, file?: AllocationsFile) {
    this.#nodeIdLength = nodeIdLength;
    for (const [user, list] of Object.entries(file?.users ?? {})) {
      this.#users.set(
        user,
        list.map((a) => ({ key: a.key, nodeIds: [...a.nodeIds] })),
      );
      for (const a of list) for (const id of a.nodeIds) this.#taken.add(id);
    }
  }

  /**
   * The Node-IDs for `count` identities of `user` with `key`: the ones given before, topped up with fresh
   * ones from `fresh` (which must be cryptographically random, RFC 6940 §11.3).
   */
  allocate(user: string, key: string, count: number, maxKeys: number, fresh: () => NodeId): AllocationResult {
    const list = this.#users.get(user) ?? [];
    const i = list.findIndex((a) => a.key === key);
    const before = list[i]?.nodeIds ?? [];
    if (i < 0 && list.length >= maxKeys) {
      return { ok: false, reason: `user ${user} already enrolled ${list.length} keys` };
    }
    const ids = [...before];
    while (ids.length < count) {
      const hex = nodeIdToHex(fresh(), this.#nodeIdLength);
      // 2^-128 per draw, but a collision would put two nodes on one place: check.
      if (this.#taken.has(hex)) continue;
      this.#taken.add(hex);
      ids.push(hex);
    }
    const changed = ids.length !== before.length;
    if (changed) {
      const next = { key, nodeIds: ids };
      if (i < 0) list.push(next);
      else list[i] = next;
      this.#users.set(user, list);
    }
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
