import { second } from '../../core/clock.js';
import type { TransactionId } from '../../core/ids.js';
import { TimerTable } from '../../core/timer-table.js';

/**
 * Duplicate detection at the responder (RFC 6940 §6.2.1): a retransmitted request (same transaction_id)
 * seen within the maximum request lifetime (5 × overlay-reliability-timer, 15 s by default) must get a
 * semantically identical answer, so a Store is never applied twice. We keep the encoded answer payload
 * (MessageContents ‖ SecurityBlock, which the signature covers) and re-route it along the new request's
 * path. A request still being processed is marked so its duplicates are simply absorbed.
 */
export type CachedAnswer =
  | { readonly state: 'processing' }
  | { readonly state: 'answered'; readonly payload: Uint8Array };

export class AnswerCache {
  readonly #entries = new Map<TransactionId, CachedAnswer>();
  readonly #timers = new TimerTable<TransactionId>();
  readonly #lifetime: number;
  readonly #maxEntries: number;

  constructor(lifetime = 15 * second, maxEntries = 100_000) {
    this.#lifetime = lifetime;
    this.#maxEntries = maxEntries;
  }

  get(id: TransactionId): CachedAnswer | undefined {
    return this.#entries.get(id);
  }

  /** Marks a request as being handled; false when the cache is full (the request is then handled uncached). */
  begin(id: TransactionId, now: number): boolean {
    if (this.#entries.size >= this.#maxEntries) return false;
    this.#entries.set(id, { state: 'processing' });
    this.#timers.set(id, now + this.#lifetime);
    return true;
  }

  answer(id: TransactionId, payload: Uint8Array): void {
    if (this.#entries.has(id)) this.#entries.set(id, { state: 'answered', payload });
  }

  handleTimeout(now: number): void {
    for (const id of this.#timers.expire(now)) this.#entries.delete(id);
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  get size(): number {
    return this.#entries.size;
  }
}
