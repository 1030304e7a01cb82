import type { TransactionId } from '../../core/ids.js';
import { TimerTable } from '../../core/timer-table.js';

/**
 * End-to-end reliability at the originator (RFC 6940 §6.2.1): a request is retransmitted with the same
 * transaction_id every overlay-reliability-timer (default 3 s) until an answer arrives, at most 5
 * transmissions in all; then it fails with a timeout. Intermediate peers keep no such state.
 *
 * Pure bookkeeping: `due(now)` tells the node which requests to send again and which have failed; the node
 * re-routes them (the next hop may have changed since the first attempt).
 */
export interface PendingRequest<T> {
  readonly id: TransactionId;
  readonly context: T;
  readonly maxTransmissions: number;
  /** How many times it has been sent. */
  transmissions: number;
  readonly firstSentAt: number;
  readonly interval: number;
}

export interface TransactionOptions {
  /** RFC 6940 §11.1 overlay-reliability-timer, default 3000 ms. */
  readonly reliabilityTimer: number;
  /** RFC 6940 §6.2.1: at most 5 transmissions of one request. */
  readonly maxTransmissions?: number;
}

export class TransactionTable<T> {
  readonly #pending = new Map<TransactionId, PendingRequest<T>>();
  readonly #timers = new TimerTable<TransactionId>();
  readonly #interval: number;
  readonly #max: number;

  constructor(opts: TransactionOptions) {
    this.#interval = opts.reliabilityTimer;
    this.#max = opts.maxTransmissions ?? 5;
  }

  /** Records a request that was just sent for the first time. */
  start(
    id: TransactionId,
    context: T,
    now: number,
    interval = this.#interval,
    maxTransmissions = this.#max,
  ): PendingRequest<T> {
    const p: PendingRequest<T> = {
      id,
      context,
      transmissions: 1,
      firstSentAt: now,
      maxTransmissions: Math.max(1, Math.min(maxTransmissions, this.#max)),
      interval,
    };
    this.#pending.set(id, p);
    this.#timers.set(id, now + interval);
    return p;
  }

  has(id: TransactionId): boolean {
    return this.#pending.has(id);
  }

  get(id: TransactionId): PendingRequest<T> | undefined {
    return this.#pending.get(id);
  }

  /** Removes the request when its answer arrives; returns it, or undefined for an unknown or late answer. */
  complete(id: TransactionId): PendingRequest<T> | undefined {
    const p = this.#pending.get(id);
    if (p === undefined) return undefined;
    this.#pending.delete(id);
    this.#timers.clear(id);
    return p;
  }

  /**
   * Requests whose timer ran out: those to send again (their transmission count already incremented)
   * and those that used all their transmissions (already removed).
   */
  due(now: number): { retransmit: PendingRequest<T>[]; failed: PendingRequest<T>[] } {
    const retransmit: PendingRequest<T>[] = [];
    const failed: PendingRequest<T>[] = [];
    for (const id of this.#timers.expire(now)) {
      const p = this.#pending.get(id);
      if (p === undefined) continue;
      if (p.transmissions >= p.maxTransmissions) {
        this.#pending.delete(id);
        failed.push(p);
      } else {
        p.transmissions++;
        this.#timers.set(id, now + p.interval);
        retransmit.push(p);
      }
    }
    return { retransmit, failed };
  }

  /** Fails every pending request at once (the node is shutting down). */
  abortAll(): PendingRequest<T>[] {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    this.#timers.clearAll();
    return all;
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  get size(): number {
    return this.#pending.size;
  }
}
