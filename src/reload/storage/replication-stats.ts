/**
 * What replication did (RFC 6940 §10.4), for /metrics: copies sent and refused, resources handed off,
 * partitions healed, and the replication lag of original Stores.
 */
/** The counters at one moment, in plain numbers (for /metrics). */
export interface ReplicationSnapshot {
  /** Replica Stores sent (to replicas and to new holders) and how many failed. */
  readonly sent: number;
  readonly failed: number;
  /** Resources handed off and dropped; copies refused as too old that were healed. */
  readonly dropped: number;
  readonly healed: number;
  readonly lagCount: number;
  /** Milliseconds. */
  readonly lagTotal: number;
  readonly lagMax: number;
  readonly incomplete: number;
  readonly pending: number;
  /** Age of the oldest Store whose copies are still out (ms; 0 when none is). */
  readonly oldestPending: number;
}

export class ReplicationStats {
  replicaStores = 0;
  replicaFailures = 0;
  /** Resources dropped because this peer stopped being one of their holders. */
  dropped = 0;
  /** Copies refused as too old that led to adopting the newer values (§7.4.1.1). */
  healed = 0;
  /**
   * Replication lag of an original Store: from its answer to the last replica peer's acknowledgement (ms).
   * The copies leave with the answer, so this is the slowest copy's round trip. Only Stores whose every
   * copy was acknowledged count here; the others count in `incomplete`.
   */
  lagCount = 0;
  lagTotal = 0;
  lagMax = 0;
  lagLast: number | undefined;
  /** Original Stores with a copy refused or lost; the next holder check (sync) repairs them. */
  incomplete = 0;
  /** Original Stores whose copies are still out, by when they were answered (ms). */
  readonly #pending = new Map<number, number>();
  #nextPending = 0;

  recordLag(ms: number): void {
    this.lagCount++;
    this.lagTotal += ms;
    this.lagMax = Math.max(this.lagMax, ms);
    this.lagLast = ms;
  }

  /** Copies of an original Store went out at `now`; returns the handle for `copiesDone`. */
  copiesSent(now: number): number {
    const id = this.#nextPending++;
    this.#pending.set(id, now);
    return id;
  }

  copiesDone(id: number, allAcknowledged: boolean, lag: number): void {
    this.#pending.delete(id);
    if (allAcknowledged) this.recordLag(lag);
    else this.incomplete++;
  }

  /** Original Stores whose copies are not all answered yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Age at `now` of the oldest Store whose copies are not all answered (0 when none is). */
  oldestPendingAge(now: number): number {
    let oldest = now;
    for (const t of this.#pending.values()) oldest = Math.min(oldest, t);
    return now - oldest;
  }

  snapshot(now: number): ReplicationSnapshot {
    return {
      sent: this.replicaStores,
      failed: this.replicaFailures,
      dropped: this.dropped,
      healed: this.healed,
      lagCount: this.lagCount,
      lagTotal: this.lagTotal,
      lagMax: this.lagMax,
      incomplete: this.incomplete,
      pending: this.pending,
      oldestPending: this.oldestPendingAge(now),
    };
  }
}
