import { bytesEqual, utf8 } from '../core/bytes.js';
import { second } from '../core/clock.js';
import { type NodeId, type ResourceId, resourceIdToBigInt } from '../core/ids.js';
import { NODE_MULTIPLE_MAX_INDEX, nodeMultipleResourceName } from '../reload/storage/access.js';
import type { FetchResult } from '../reload/storage/client.js';
import type { SimEndpoint, SimOverlay } from './overlay.js';
import { SIM_VALUE_KIND } from './value-kind.js';

/**
 * The storage workload (issue #4): values put into the overlay through the real ReloadNode.store API from
 * random live peers, and later checked two ways: by the oracle (which live peers hold each value, and
 * whether the peer the LiveRing names responsible is one of them) and by a real Fetch from a random live
 * peer (RFC 6940 §7.4.2). A value is lost when no Fetch finds it; nobody refreshes values, so whatever
 * survives does so by replication and migration alone (§10.4, §10.5, §10.7.1).
 */
export const STORAGE_WORKLOAD = {
  /** Seconds a value lives: a day, longer than any run, since nobody refreshes it. */
  lifetime: 24 * 3600,
  /** Store and Fetch attempts per value; a retry goes out from another random live peer. */
  attempts: 3,
  retryDelay: 2 * second,
} as const;

interface SimValue {
  readonly index: number;
  resource: ResourceId;
  key: bigint;
  bytes: Uint8Array;
  stored: boolean;
  found: boolean;
  attempts: number;
}

/** What the oracle and the Fetches say about the stored values. */
export interface StorageCheck {
  /** Values whose Store was answered with success. */
  readonly stored: number;
  /** Stored values that no Fetch found. */
  readonly lost: number;
  /** Stored values with fewer than replicaCount + 1 (3) live holders. */
  readonly underReplicated: number;
  /** Stored values that no live peer holds (the oracle's count of lost values). */
  readonly noHolder: number;
  /** Stored values the responsible peer (LiveRing owner) does not hold. */
  readonly ownerMissing: number;
  /** Stored values by number of live holders (index: holders; the last bucket: that many or more). */
  readonly holders: readonly number[];
  /** Fetches that found their value only on a second or later attempt. */
  readonly fetchRetries: number;
}

export class StorageWorkload {
  readonly #overlay: SimOverlay;
  readonly #values: SimValue[] = [];
  /** The last NODE-MULTIPLE index each storing peer used. */
  readonly #nextIndex = new Map<NodeId, number>();
  #pendingStores = 0;
  #pendingFetches = 0;
  #fetchRetries = 0;
  #storeFailures = 0;

  constructor(overlay: SimOverlay) {
    this.#overlay = overlay;
  }

  get pending(): number {
    return this.#pendingStores + this.#pendingFetches;
  }

  get stored(): number {
    return this.#values.filter((v) => v.stored).length;
  }

  /** Store attempts that were refused or timed out (each was retried until the attempts ran out). */
  get storeFailures(): number {
    return this.#storeFailures;
  }

  /** Schedules `count` Stores over `window` ms from now, one at a random moment of each equal slice. */
  put(count: number, window: number): void {
    const o = this.#overlay;
    const start = o.now;
    for (let i = 0; i < count; i++) {
      const v: SimValue = {
        index: this.#values.length,
        resource: new Uint8Array(0) as ResourceId,
        key: 0n,
        bytes: new Uint8Array(0),
        stored: false,
        found: false,
        attempts: 0,
      };
      this.#values.push(v);
      this.#pendingStores++;
      o.net.schedule(start + (window * (i + o.random.float())) / count, () => this.#store(v));
    }
  }

  /** One Store from a random joined peer, at a resource of its own: H(Node-ID ‖ i) (RFC 6940 §7.3.4). */
  #store(v: SimValue): void {
    const o = this.#overlay;
    const from = this.#storer();
    if (from === undefined) {
      this.#storeDone(v, false);
      return;
    }
    const id = from.host.localId;
    const i = (this.#nextIndex.get(id) ?? 0) + 1;
    this.#nextIndex.set(id, i);
    v.resource = from.host.resourceIdOf(nodeMultipleResourceName(id, i, o.config.nodeIdLength));
    v.key = resourceIdToBigInt(v.resource);
    v.bytes = utf8(`sim value ${v.index} by ${id.toString(16)}/${i}`);
    v.attempts++;
    o.net.input(from, (node, now) => {
      node.store(SIM_VALUE_KIND.id, v.resource, [{ value: v.bytes }], STORAGE_WORKLOAD.lifetime, now, (r) =>
        this.#storeDone(v, r.ok),
      );
    });
  }

  /** A random joined peer that has NODE-MULTIPLE indices left. */
  #storer(): SimEndpoint | undefined {
    for (let tries = 0; tries < 100; tries++) {
      const ep = this.#overlay.pickJoined();
      if (ep === undefined) return undefined;
      if ((this.#nextIndex.get(ep.host.localId) ?? 0) < NODE_MULTIPLE_MAX_INDEX) return ep;
    }
    return undefined;
  }

  #storeDone(v: SimValue, ok: boolean): void {
    if (ok) {
      v.stored = true;
      this.#pendingStores--;
      return;
    }
    this.#storeFailures++;
    if (v.attempts >= STORAGE_WORKLOAD.attempts) {
      this.#pendingStores--;
      return;
    }
    const o = this.#overlay;
    o.net.schedule(o.now + STORAGE_WORKLOAD.retryDelay, () => this.#store(v));
  }

  /** Schedules a Fetch of every stored value over `window` ms from now, each from a random joined peer. */
  fetchAll(window: number): void {
    const o = this.#overlay;
    const start = o.now;
    const stored = this.#values.filter((v) => v.stored);
    stored.forEach((v, i) => {
      v.found = false;
      v.attempts = 0;
      this.#pendingFetches++;
      o.net.schedule(start + (window * (i + o.random.float())) / stored.length, () => this.#fetch(v));
    });
  }

  #fetch(v: SimValue): void {
    const o = this.#overlay;
    const from = o.pickJoined();
    v.attempts++;
    if (from === undefined) {
      this.#fetchDone(v, false);
      return;
    }
    o.net.input(from, (node, now) => {
      node.fetch(SIM_VALUE_KIND.id, v.resource, {}, now, (r) => this.#fetchDone(v, holds(r, v.bytes)));
    });
  }

  #fetchDone(v: SimValue, found: boolean): void {
    if (found || v.attempts >= STORAGE_WORKLOAD.attempts) {
      v.found = found;
      if (found && v.attempts > 1) this.#fetchRetries++;
      this.#pendingFetches--;
      return;
    }
    const o = this.#overlay;
    o.net.schedule(o.now + STORAGE_WORKLOAD.retryDelay, () => this.#fetch(v));
  }

  /** The oracle's view now, and the outcome of the last fetchAll (run it and let it finish first). */
  check(replicaCount = 2): StorageCheck {
    const o = this.#overlay;
    const byKey = new Map<bigint, SimValue>();
    for (const v of this.#values) if (v.stored) byKey.set(v.key, v);
    const count = new Map<SimValue, number>();
    const ownerHolds = new Set<SimValue>();
    for (const ep of o.net.endpoints) {
      if (ep.state !== 'up') continue;
      for (const h of ep.host.storage.holdings()) {
        const v = byKey.get(resourceIdToBigInt(h.resource));
        if (v === undefined || !h.kinds.some((k) => k.kind === SIM_VALUE_KIND.id && k.values > 0)) continue;
        count.set(v, (count.get(v) ?? 0) + 1);
        if (o.ring.ownerOf(v.key) === ep.host.localId) ownerHolds.add(v);
      }
    }
    const holders = new Array<number>(replicaCount + 3).fill(0);
    let lost = 0;
    let under = 0;
    for (const v of byKey.values()) {
      const n = count.get(v) ?? 0;
      const bucket = Math.min(n, holders.length - 1);
      holders[bucket] = (holders[bucket] ?? 0) + 1;
      if (n < replicaCount + 1) under++;
      if (!v.found) lost++;
    }
    return {
      stored: byKey.size,
      lost,
      underReplicated: under,
      noHolder: holders[0] ?? 0,
      ownerMissing: byKey.size - ownerHolds.size,
      holders,
      fetchRetries: this.#fetchRetries,
    };
  }
}

/** Whether a Fetch answer carries the value (verified by the client: signature and access policy). */
function holds(r: FetchResult, bytes: Uint8Array): boolean {
  if (!r.ok) return false;
  return r.kinds.some((k) =>
    k.values.some((v) => v.value.model === 'single' && v.value.exists && bytesEqual(v.value.value, bytes)),
  );
}
