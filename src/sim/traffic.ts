import { readU32 } from '../core/bytes.js';
import type { TransactionId } from '../core/ids.js';
import {
  FORWARDING_HEADER_FIXED_LENGTH,
  FRAGMENT_OFFSET_MASK,
  FramedMessageType,
  isRequestCode,
} from '../reload/messages/codes.js';
import { ACK_FRAME_LENGTH, DATA_FRAME_OVERHEAD } from '../reload/messages/framing.js';
import type { Endpoint, SimHost, TrafficObserver } from './network.js';

/**
 * Reads what the virtual network carries, the way a packet capture on every link would: RFC 6940 §6.6.2
 * frames, and inside each data frame the fixed part of the forwarding header (§6.3.2). It tells workload
 * traffic (the lookups under measurement, by transaction id) from everything else (maintenance), and
 * records at which hop each lookup request reached each node: hop = initial-ttl − ttl + 1, since the
 * originator sends with initial-ttl and every forwarding peer decrements it (§6.3.2).
 */
export interface TrackedRequest {
  /** The two halves of the 64-bit transaction id. */
  readonly hi: number;
  readonly lo: number;
  /** Endpoint index → the smallest hop number at which a copy of the request reached it. */
  readonly hopsAt: Map<number, number>;
  /** Link transmissions of the request (every hop of every copy). */
  transmissions: number;
  /** Called when a copy of the request first reaches an endpoint (by index). */
  arrived: ((index: number) => void) | undefined;
}

/** A delivered workload request frame: which lookup, at which hop. */
export type HopToken = readonly (readonly [TrackedRequest, number])[];

export interface TrafficCounters {
  bytes: number;
  dataFrames: number;
  workloadBytes: number;
  workloadFrames: number;
  /** Maintenance messages and bytes by message code (0 for fragments after the first). */
  readonly byCode: Map<number, { messages: number; bytes: number }>;
}

// Offsets inside a RELOAD message (RFC 6940 §6.3.2): relo_token 4, overlay 4, configuration_sequence 2,
// version 1, ttl 1, fragment 4, length 4, transaction_id 8, max_response_length 4, then three uint16
// list lengths (via, destination, options).
const TTL_AT = 11;
const FRAGMENT_AT = 12;
const TXID_AT = 20;
const LISTS_AT = 32;

export function emptyCounters(): TrafficCounters {
  return { bytes: 0, dataFrames: 0, workloadBytes: 0, workloadFrames: 0, byCode: new Map() };
}

export class TrafficMonitor<H extends SimHost> implements TrafficObserver<H, HopToken> {
  readonly #tracked = new Map<number, TrackedRequest>();
  readonly #initialTtl: number;
  counters: TrafficCounters = emptyCounters();

  constructor(initialTtl: number) {
    this.#initialTtl = initialTtl;
  }

  /** Follows a workload request on the wire from now on. */
  track(transactionId: TransactionId): TrackedRequest {
    const hi = Number(transactionId >> 32n);
    const lo = Number(transactionId & 0xffff_ffffn);
    const t: TrackedRequest = { hi, lo, hopsAt: new Map(), transmissions: 0, arrived: undefined };
    this.#tracked.set(hi * 0x1_0000_0000 + lo, t);
    return t;
  }

  untrack(t: TrackedRequest): void {
    this.#tracked.delete(t.hi * 0x1_0000_0000 + t.lo);
  }

  /** Starts a new measurement window. */
  reset(): TrafficCounters {
    const old = this.counters;
    this.counters = emptyCounters();
    return old;
  }

  sent(_from: Endpoint<H>, _to: Endpoint<H>, chunks: readonly Uint8Array[]): HopToken | undefined {
    const hits: [TrackedRequest, number][] = [];
    for (const bytes of chunks) this.#chunk(bytes, hits);
    return hits.length === 0 ? undefined : hits;
  }

  #chunk(bytes: Uint8Array, hits: [TrackedRequest, number][]): void {
    const c = this.counters;
    c.bytes += bytes.length;
    let at = 0;
    while (at + ACK_FRAME_LENGTH <= bytes.length) {
      const type = bytes[at] as number;
      if (type !== FramedMessageType.data) {
        at += ACK_FRAME_LENGTH;
        continue;
      }
      const len = u24(bytes, at + 5);
      const m = at + DATA_FRAME_OVERHEAD;
      const size = DATA_FRAME_OVERHEAD + len;
      at += size;
      c.dataFrames++;
      const hit = this.#classify(bytes, m, len, size);
      if (hit !== undefined) hits.push(hit);
    }
  }

  /** Counts one data frame; returns the lookup and hop when it is a tracked request. */
  #classify(b: Uint8Array, m: number, len: number, size: number): [TrackedRequest, number] | undefined {
    const c = this.counters;
    const code = len >= FORWARDING_HEADER_FIXED_LENGTH ? messageCode(b, m, len) : undefined;
    const t =
      len >= FORWARDING_HEADER_FIXED_LENGTH
        ? this.#tracked.get(readU32(b, m + TXID_AT) * 0x1_0000_0000 + readU32(b, m + TXID_AT + 4))
        : undefined;
    if (t !== undefined) {
      // Each data frame is answered by exactly one ack frame: both belong to the workload.
      c.workloadBytes += size + ACK_FRAME_LENGTH;
      c.workloadFrames++;
      if (code === undefined || !isRequestCode(code)) return undefined;
      t.transmissions++;
      return [t, this.#initialTtl - (b[m + TTL_AT] as number) + 1];
    }
    const k = code ?? 0;
    const e = c.byCode.get(k);
    if (e === undefined) c.byCode.set(k, { messages: 1, bytes: size });
    else {
      e.messages++;
      e.bytes += size;
    }
    return undefined;
  }

  delivered(to: Endpoint<H>, token: HopToken): void {
    for (const [t, hop] of token) {
      const prev = t.hopsAt.get(to.index);
      if (prev === undefined) t.arrived?.(to.index);
      if (prev === undefined || hop < prev) t.hopsAt.set(to.index, hop);
    }
  }
}

function u24(b: Uint8Array, at: number): number {
  return (((b[at] as number) << 16) | ((b[at + 1] as number) << 8) | (b[at + 2] as number)) >>> 0;
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] as number) << 8) | (b[at + 1] as number);
}

/** The message code of an unfragmented message or first fragment (RFC 6940 §6.3.3), else undefined. */
function messageCode(b: Uint8Array, m: number, len: number): number | undefined {
  if ((readU32(b, m + FRAGMENT_AT) & FRAGMENT_OFFSET_MASK) !== 0) return undefined;
  const payload =
    FORWARDING_HEADER_FIXED_LENGTH +
    u16(b, m + LISTS_AT) +
    u16(b, m + LISTS_AT + 2) +
    u16(b, m + LISTS_AT + 4);
  return payload + 2 <= len ? u16(b, m + payload) : undefined;
}
