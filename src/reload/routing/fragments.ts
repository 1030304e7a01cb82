import { second } from '../../core/clock.js';
import type { TransactionId } from '../../core/ids.js';
import { TimerTable } from '../../core/timer-table.js';
import type { ForwardingHeader } from '../messages/header.js';
import { fragmentWord, parseFragment } from '../messages/header.js';

/**
 * Fragmentation and reassembly (RFC 6940 §6.7). Any hop may fragment; only the final destination
 * reassembles. Each fragment carries a full copy of the forwarding header; `fragment` holds the byte offset
 * of the chunk within the payload (everything after the header) and the last-fragment flag.
 */

/** RFC 6940 §6.7: fragments SHOULD carry at least 256 bytes of payload. */
export const MIN_FRAGMENT_PAYLOAD = 256;

/**
 * Splits a payload into chunks of at most `maxChunk` bytes, in roughly equal sizes (RFC 6940 §6.7: aim for
 * equal-sized fragments), never below MIN_FRAGMENT_PAYLOAD unless the whole payload is smaller.
 * Returns `[header, chunk]` pairs with the fragment word set.
 */
export function fragmentPayload(
  header: ForwardingHeader,
  payload: Uint8Array,
  maxChunk: number,
): Array<[ForwardingHeader, Uint8Array]> {
  const chunk = Math.max(MIN_FRAGMENT_PAYLOAD, maxChunk);
  const count = Math.max(1, Math.ceil(payload.length / chunk));
  const size = Math.ceil(payload.length / count);
  const out: Array<[ForwardingHeader, Uint8Array]> = [];
  for (let i = 0; i < count; i++) {
    const offset = i * size;
    const last = i === count - 1;
    const piece = payload.subarray(offset, last ? payload.length : offset + size);
    out.push([{ ...header, fragment: fragmentWord(offset, last) }, piece]);
  }
  return out;
}

interface Partial {
  readonly chunks: Map<number, Uint8Array>;
  total: number | undefined;
  bytes: number;
  header: ForwardingHeader | undefined;
}

export type ReassemblyResult =
  | { readonly status: 'complete'; readonly header: ForwardingHeader; readonly payload: Uint8Array }
  | { readonly status: 'pending' }
  | { readonly status: 'dropped'; readonly reason: string };

export interface ReassemblerOptions {
  /** RFC 6940 §6.7: partial messages time out after 15 s. */
  readonly timeout?: number;
  /** Upper bound on one reassembled payload (max-message-size). */
  readonly maxMessageSize: number;
  /** Upper bound on all buffered fragment bytes; beyond it new fragments are dropped (RFC 6940 §6.7). */
  readonly maxBufferedBytes?: number;
}

/** Collects fragments by transaction id until a payload is complete. */
export class Reassembler {
  readonly #partials = new Map<TransactionId, Partial>();
  readonly #timers = new TimerTable<TransactionId>();
  readonly #timeout: number;
  readonly #maxMessage: number;
  readonly #maxBuffered: number;
  #buffered = 0;

  constructor(opts: ReassemblerOptions) {
    this.#timeout = opts.timeout ?? 15 * second;
    this.#maxMessage = opts.maxMessageSize;
    this.#maxBuffered = opts.maxBufferedBytes ?? 64 * opts.maxMessageSize;
  }

  /** Adds one fragment; returns the whole payload once every byte from 0 to the end has arrived. */
  add(header: ForwardingHeader, chunk: Uint8Array, now: number): ReassemblyResult {
    const f = parseFragment(header.fragment);
    if (f.last && f.offset === 0) return { status: 'complete', header, payload: chunk };
    const end = f.offset + chunk.length;
    if (end > this.#maxMessage) {
      this.#discard(header.transactionId);
      return { status: 'dropped', reason: `fragment ends at ${end}, beyond max-message-size` };
    }
    if (this.#buffered + chunk.length > this.#maxBuffered) {
      return { status: 'dropped', reason: 'reassembly buffer full' };
    }
    let p = this.#partials.get(header.transactionId);
    if (p === undefined) {
      p = { chunks: new Map(), total: undefined, bytes: 0, header: undefined };
      this.#partials.set(header.transactionId, p);
      this.#timers.set(header.transactionId, now + this.#timeout);
    }
    if (p.chunks.has(f.offset)) return { status: 'pending' };
    p.chunks.set(f.offset, chunk);
    p.bytes += chunk.length;
    this.#buffered += chunk.length;
    if (f.offset === 0) p.header = header;
    if (f.last) p.total = end;
    return this.#tryComplete(header.transactionId, p);
  }

  #tryComplete(txid: TransactionId, p: Partial): ReassemblyResult {
    if (p.total === undefined || p.header === undefined || p.bytes < p.total) return { status: 'pending' };
    const payload = new Uint8Array(p.total);
    let covered = 0;
    for (const offset of [...p.chunks.keys()].sort((a, b) => a - b)) {
      const c = p.chunks.get(offset) as Uint8Array;
      if (offset > covered) return { status: 'pending' };
      if (offset + c.length > p.total) {
        this.#discard(txid);
        return { status: 'dropped', reason: 'fragment beyond the last fragment' };
      }
      payload.set(c, offset);
      covered = Math.max(covered, offset + c.length);
    }
    if (covered < p.total) return { status: 'pending' };
    const header = { ...p.header, fragment: fragmentWord(0, true) };
    this.#discard(txid);
    return { status: 'complete', header, payload };
  }

  #discard(txid: TransactionId): void {
    const p = this.#partials.get(txid);
    if (p === undefined) return;
    this.#buffered -= p.bytes;
    this.#partials.delete(txid);
    this.#timers.clear(txid);
  }

  /** Drops partial messages older than the timeout; returns how many. */
  handleTimeout(now: number): number {
    const expired = this.#timers.expire(now);
    for (const txid of expired) this.#discard(txid);
    return expired.length;
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  get pendingCount(): number {
    return this.#partials.size;
  }
}
