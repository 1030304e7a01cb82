import { minute, second } from '../../core/clock.js';
import type { NodeId, ResourceId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { TimerTable } from '../../core/timer-table.js';
import { ErrorCode, MessageCode } from '../messages/codes.js';
import type { Destination } from '../messages/common.js';
import type { StoreReq } from '../messages/store.js';
import type { RequestResult, RequestSpec } from '../node/types.js';
import { type CopyKind, kindDataOf, split } from './copies.js';
import { ReplicationStats } from './replication-stats.js';
import type { KindWrite, ResourceEntry, ResourceStore } from './resource-store.js';
import type { Placement } from './types.js';
import { certificateBucket } from './value-signing.js';

/**
 * Replication and migration (RFC 6940 §10.4, §10.5, §10.7.1; reload-digest §6.8). Every resource has a
 * set of holders: the responsible peer and the next `replica count` peers after it. This peer keeps
 * copies only while it is a holder, and makes sure every holder it can see has a copy:
 *
 * - after an original Store the responsible peer answers, then Stores the new values to its replica
 *   peers (replica_number 1, 2, ...) and records how long they took to acknowledge (replication lag);
 * - when the tables change (a peer joined, left or died) copies go, with lifetimes reduced by the time
 *   held, to the holders that may lack one: the responsible peer copies to its (possibly new) replica
 *   peers, replica peers copy to the (possibly new) responsible peer, and a peer that left the set copies
 *   to every holder. A joining peer gets its range at once (§10.5: the admitting peer Stores the joining
 *   peer's data to it); other changes wait the successor replacement hold-down (§10.7.1; 2 s here, not
 *   the RFC's 30 s: long enough for the triggered Updates of reactive recovery to correct the table, short
 *   enough that a range seldom loses its other holders meanwhile);
 * - a copy that fails (refused, or lost with an overloaded link) brings the next check `retryDelay` close;
 * - a peer that is no longer a holder drops a resource once every holder has acknowledged a copy; so a
 *   peer that leaves the set stops counting as holding a copy the moment the tables change, not at the
 *   next check, since it may drop its copy meanwhile and come back into the set when another holder
 *   dies (a join and a death within one hold-down); and the responsible peer re-copies every
 *   `syncInterval` regardless, since a peer's view of the ring may have skipped that moment altogether,
 *   and `recheckDelay` after a table change, since a replica peer's view may lag ours;
 * - a copy refused as too old means the other side has newer values: fetch them, keep what is newer, and
 *   push again (partition healing, §7.4.1.1).
 * No copy is deleted before another holder acknowledged one, so data survives while one copy lives.
 */
export interface ReplicationHost {
  readonly localId: NodeId;
  readonly placement: Placement;
  readonly log: Logger;
  now(): number;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
  encodeStore(req: StoreReq): Uint8Array;
  /** Fetch what `peer` holds of the resource and keep what is newer than ours; then call `done`. */
  adoptNewer(resource: ResourceId, peer: NodeId, done: () => void): void;
}

export interface ReplicationOptions {
  /**
   * RFC 6940 §10.7.1: after a table change, wait this long before creating new replicas, "in order to
   * allow a triggered update to inform it of a better match for its Neighbor Table". The RFC's figure is
   * 30 s; with reactive recovery (chord-reactive, reactiveDelay 0.5 s) the triggered Updates arrive within
   * a round trip or two, and every second of wait is a second in which the remaining holders of a range
   * may die too (docs/decisions/0033-replica-hold-down.md), so the default is 2 s.
   */
  readonly holdDown: number;
  /** How often holders are re-checked when nothing changed. */
  readonly syncInterval: number;
  /**
   * After a table change the responsible peer copies everything to its replica peers again this much
   * later, once the other peers have had one connectivity check period to notice the same failures: a
   * replica peer whose view still held dead peers may have taken our copy for one outside its range,
   * handed it back and dropped it (default 90 s: 60 s of silence + 3 s + a sweep, chord options.ts).
   */
  readonly recheckDelay: number;
  /** A copy that failed (refused, or lost with a link) brings the next check this close. */
  readonly retryDelay: number;
  /** StoredData bytes per replica Store, so copies stay under max-message-size. */
  readonly maxStoreBytes: number;
}

export const DEFAULT_REPLICATION: ReplicationOptions = Object.freeze({
  holdDown: 2 * second,
  syncInterval: 5 * minute,
  recheckDelay: 90 * second,
  retryDelay: 10 * second,
  maxStoreBytes: 3000,
});

type Outcome = 'ok' | 'older' | 'failed';

export class Replicator {
  readonly stats = new ReplicationStats();
  readonly #host: ReplicationHost;
  readonly #store: ResourceStore;
  readonly #opts: ReplicationOptions;
  readonly #timers = new TimerTable<'sync'>();
  /** When the responsible peer next re-copies everything to its replica peers (set by the first sync). */
  #refreshAt: number | undefined;

  constructor(host: ReplicationHost, store: ResourceStore, opts: ReplicationOptions) {
    this.#host = host;
    this.#store = store;
    this.#opts = opts;
  }

  /** The replica peers of a resource this peer is responsible for (the `replicas` of a StoreAns). */
  replicaPeers(resource: ResourceId): NodeId[] {
    const holders = this.#host.placement.holders(resource) ?? [];
    return holders.filter((p) => p !== this.#host.localId);
  }

  /** RFC 6940 §10.4: after answering an original Store, copy what it wrote to the replica peers. */
  replicate(resource: ResourceId, writes: readonly KindWrite[], now: number): void {
    const entry = this.#store.resource(resource);
    const peers = this.replicaPeers(resource);
    if (entry === undefined || peers.length === 0 || writes.every((w) => w.values.length === 0)) return;
    const written = writes.reduce((n, w) => n + w.values.length, 0);
    const complete = written === countValues(entry);
    let pending = peers.length;
    let lag = 0;
    let allOk = true;
    const handle = this.stats.copiesSent(now);
    peers.forEach((peer, i) => {
      const kindData = writes.map((w) => kindDataOf(w.kind, w.generation, w.values, now));
      this.#send({ type: 'node', id: peer }, resource, i + 1, kindData, (outcome, rtt) => {
        const e = this.#store.resource(resource);
        if (outcome === 'ok' && complete) e?.syncedTo.add(peer);
        if (outcome !== 'ok') {
          allOk = false;
          e?.syncedTo.delete(peer);
          this.#retrySoon();
        }
        lag = Math.max(lag, rtt);
        if (--pending === 0) this.stats.copiesDone(handle, allOk, lag);
      });
    });
  }

  /** The Neighbor Table changed: re-check holders after the hold-down (RFC 6940 §10.7.1). */
  onTableChanged(now: number): void {
    this.#forgetFormerHolders();
    this.#schedule(now + this.#opts.holdDown);
    // The re-copy a recheck delay later (only ever brought closer, so churn cannot put it off).
    const recheck = now + this.#opts.recheckDelay;
    if (this.#refreshAt === undefined || recheck < this.#refreshAt) this.#refreshAt = recheck;
    this.#schedule(recheck);
  }

  /**
   * A peer that is no longer a holder may drop its copy at once (it hands off and lets go), so it no
   * longer counts as holding one: should it become a holder again before our next check (another holder
   * died meanwhile), it must be sent a copy again (RFC 6940 §10.4: the replicas must exist).
   */
  #forgetFormerHolders(): void {
    if (!this.#host.placement.ready()) return;
    for (const entry of this.#store.resources()) {
      if (entry.syncedTo.size === 0) continue;
      const holders = this.#host.placement.holders(entry.id);
      if (holders === undefined) continue;
      for (const p of entry.syncedTo) if (!holders.includes(p)) entry.syncedTo.delete(p);
    }
  }

  /** We admitted a joining peer: hand it its range now (RFC 6940 §10.5: the admitting peer Stores it). */
  onPeerJoined(now: number): void {
    this.sync(now);
  }

  /** The node has joined (or re-joined): check what it holds (a restart loads data from the backend). */
  onJoined(now: number): void {
    this.#schedule(now + this.#opts.holdDown);
  }

  handleTimeout(now: number): void {
    if (this.#timers.expire(now).length > 0) this.sync(now);
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  /** Pushes copies to every holder that may lack one and drops what this peer no longer holds. */
  sync(now: number): void {
    const recheck = this.#refreshAt !== undefined && this.#refreshAt > now ? this.#refreshAt : Infinity;
    this.#timers.set('sync', Math.min(now + this.#opts.syncInterval, recheck));
    // A node that is not (or no longer) a member cannot tell holders apart: keep everything until it is.
    if (!this.#host.placement.ready()) return;
    // Every syncInterval the responsible peer copies everything to its replica peers again: what it
    // remembers of their copies is a belief, and a replica peer whose view of the ring once put it out
    // of the set may have dropped its copy without our view ever showing that.
    const refresh = this.#refreshAt !== undefined && now >= this.#refreshAt;
    if (refresh || this.#refreshAt === undefined) this.#refreshAt = now + this.#opts.syncInterval;
    for (const entry of [...this.#store.resources()]) {
      if (refresh && this.#host.placement.isResponsible(entry.id)) entry.syncedTo.clear();
      this.#syncOne(entry);
    }
  }

  /**
   * A copy failed: check the holders again soon rather than at the next periodic check, so a copy lost
   * to an overloaded link is made again within seconds (RFC 6940 §10.4: the replicas must exist).
   */
  #retrySoon(): void {
    this.#schedule(this.#host.now() + this.#opts.retryDelay);
  }

  #schedule(at: number): void {
    const cur = this.#timers.get('sync');
    if (cur === undefined || at < cur) this.#timers.set('sync', at);
  }

  #syncOne(entry: ResourceEntry): void {
    const { placement, localId } = this.#host;
    const holders = placement.holders(entry.id);
    if (holders === undefined) {
      // Outside what our tables cover: hand it to whoever is responsible, through the overlay.
      if (placement.isResponsible(entry.id) || entry.pushing.has('owner')) return;
      entry.pushing.add('owner');
      this.#push(entry.id, { type: 'resource', id: entry.id }, 1, true, (ok) => {
        entry.pushing.delete('owner');
        if (!ok) this.#retrySoon();
        const e = this.#store.resource(entry.id);
        if (ok && e !== undefined && this.#host.placement.holders(e.id) === undefined) this.#drop(e);
      });
      return;
    }
    for (const p of entry.syncedTo) if (!holders.includes(p)) entry.syncedTo.delete(p);
    const owner = holders[0];
    const holding = holders.includes(localId);
    holders.forEach((peer, i) => {
      if (peer === localId || entry.syncedTo.has(peer) || entry.pushing.has(peer)) return;
      // Holders converge through the responsible peer: it copies to every replica peer and they copy to
      // it. A peer leaving the set copies to every holder before it lets go.
      if (holding && owner !== localId && peer !== owner) return;
      entry.pushing.add(peer);
      this.#push(entry.id, { type: 'node', id: peer }, Math.max(1, i), true, (ok) => {
        entry.pushing.delete(peer);
        const e = this.#store.resource(entry.id);
        if (e === undefined) return;
        if (ok) e.syncedTo.add(peer);
        else this.#retrySoon();
        this.#dropIfDone(e);
      });
    });
    this.#dropIfDone(entry);
  }

  /** RFC 6940 §10.4: out of the replica set, delete, but only once every holder has a copy. */
  #dropIfDone(entry: ResourceEntry): void {
    const holders = this.#host.placement.holders(entry.id);
    if (holders === undefined || holders.includes(this.#host.localId)) return;
    if (holders.every((p) => entry.syncedTo.has(p))) this.#drop(entry);
  }

  #drop(entry: ResourceEntry): void {
    this.#store.drop(entry);
    this.stats.dropped++;
  }

  /** A full copy of the resource, lifetimes reduced by the time held (§7.4.1.1). */
  #push(
    resource: ResourceId,
    dest: Destination,
    replicaNumber: number,
    mayHeal: boolean,
    done: (ok: boolean) => void,
  ): void {
    const entry = this.#store.resource(resource);
    if (entry === undefined) {
      done(true);
      return;
    }
    const now = this.#host.now();
    const kindData = [...entry.kinds.values()].map((k) =>
      kindDataOf(k.kind, k.generation, [...k.values.values()], now),
    );
    this.#send(dest, resource, replicaNumber, kindData, (outcome) => {
      if (outcome === 'older' && mayHeal && dest.type === 'node') {
        this.stats.healed++;
        this.#host.adoptNewer(resource, dest.id, () =>
          this.#push(resource, dest, replicaNumber, false, done),
        );
        return;
      }
      done(outcome === 'ok');
    });
  }

  /** Sends the values in Stores of at most maxStoreBytes each; one outcome (and the largest rtt) for all. */
  #send(
    dest: Destination,
    resource: ResourceId,
    replicaNumber: number,
    kindData: readonly CopyKind[],
    done: (outcome: Outcome, rtt: number) => void,
  ): void {
    const batches = split(kindData, this.#opts.maxStoreBytes);
    if (batches.length === 0) {
      done('ok', 0);
      return;
    }
    let pending = batches.length;
    let outcome: Outcome = 'ok';
    let rtt = 0;
    for (const batch of batches) {
      const req: StoreReq = { resource, replicaNumber, kindData: batch.map((k) => k.data) };
      const certs = certificateBucket(batch.flatMap((k) => k.certificates));
      this.stats.replicaStores++;
      const spec: RequestSpec = {
        destination: [dest],
        code: MessageCode.store_req,
        body: this.#host.encodeStore(req),
        certificates: certs,
      };
      this.#host.request(spec, (r) => {
        if (r.ok) rtt = Math.max(rtt, r.rtt);
        else {
          this.stats.replicaFailures++;
          const older =
            r.errorCode === ErrorCode.Error_Data_Too_Old ||
            r.errorCode === ErrorCode.Error_Generation_Counter_Too_Low;
          if (outcome !== 'failed') outcome = older ? 'older' : 'failed';
          this.#host.log.debug({ reason: r.reason }, 'replica store refused');
        }
        if (--pending === 0) done(outcome, rtt);
      });
    }
  }
}

function countValues(entry: ResourceEntry): number {
  let n = 0;
  for (const k of entry.kinds.values()) n += k.values.size;
  return n;
}
