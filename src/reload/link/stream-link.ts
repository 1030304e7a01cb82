import { second } from '../../core/clock.js';
import { CodecError } from '../../wire/codec-error.js';
import { encodeFrame, type FramedMessage, FrameSplitter } from '../messages/framing.js';
import { RtoEstimator, type RtoOptions } from './rto.js';

/**
 * The sans-I/O core of one TLS-TCP-FH-NO-ICE link (RFC 6940 §6.6.2–§6.6.4): stream bytes and `now` in,
 * stream bytes, RELOAD messages and liveness events out. The platform feeds it what TLS decrypted and
 * writes what `pollTransmit()` returns; the simulator feeds it in-memory bytes.
 *
 * - Every data frame carries a new sequence number (per connection, starting at 0).
 * - Every received data frame is acked at once, with the `received` bitmap of recent sequences.
 * - Acks give RTT samples and an RFC 6298 RTO. A data frame unacked for one RTO makes the link
 *   "suspect" (routing should avoid it); unacked for the failure grace (30 s, RFC 6940 §6.6.4) the link
 *   has failed and must be closed.
 * - A frame may carry a tag from the sender (what it needs to send the message another way); when the link
 *   turns suspect, `takeUnacked()` hands back the tags of the frames still unacked (RFC 6940 §6.6.4:
 *   the RTO is the signal that the link looks dead, so the node may route around it).
 */
export interface StreamLinkOptions extends RtoOptions {
  /** The overlay's max-message-size (RFC 6940 §11.1, default 5000). */
  readonly maxMessageSize: number;
  /** How long a frame may stay unacked before the link is declared failed. */
  readonly failureGrace?: number;
}

export type LinkEvent =
  | { readonly type: 'message'; readonly bytes: Uint8Array }
  | { readonly type: 'rtt'; readonly sample: number; readonly srtt: number; readonly rto: number }
  | { readonly type: 'suspect' }
  | { readonly type: 'recovered' }
  | { readonly type: 'failed'; readonly reason: string };

export interface LinkStats {
  framesSent: number;
  framesReceived: number;
  acksSent: number;
  acksReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

/** How many recent sequence numbers an ack reports on (RFC 6940 §6.6.2: the previous 32). */
const WINDOW = 32;
/** Outstanding frames beyond this mean the peer has stopped acking: treat as failure. */
const MAX_OUTSTANDING = 4096;

export class StreamLink<Tag = never> {
  readonly #splitter: FrameSplitter;
  readonly #maxMessageSize: number;
  readonly #failureGrace: number;
  readonly #rto: RtoEstimator;
  /**
   * The link's two timers, as plain fields: a node holds one StreamLink per connection (tens of them,
   * 10^6 in a large simulation), and a TimerTable each cost more memory than the link itself.
   */
  #suspectAt: number | undefined;
  #failedAt: number | undefined;
  /*
   * The queues below exist only while they hold something: most links of a large overlay are idle most
   * of the time, and an empty Map or array costs more memory than the rest of the link (10^6 links in a
   * simulation of 10^5 peers).
   */
  /** Unacked data frames: sequence → time sent (Map keeps insertion order, i.e. oldest first). */
  #outstanding: Map<number, number> | undefined;
  /** Sequence → the sender's tag, for unacked frames sent with one (not yet taken). */
  #tags: Map<number, Tag> | undefined;
  #nextSequence = 0;
  /** Highest data sequence received and a bitmap of the WINDOW before it (bit k ⇔ highest − k). */
  #highest = -1;
  #seen = 0;
  #out: Uint8Array[] | undefined;
  #events: LinkEvent[] | undefined;
  #suspect = false;
  #failed = false;
  readonly stats: LinkStats = {
    framesSent: 0,
    framesReceived: 0,
    acksSent: 0,
    acksReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };

  constructor(opts: StreamLinkOptions) {
    this.#maxMessageSize = opts.maxMessageSize;
    this.#splitter = new FrameSplitter(opts.maxMessageSize);
    this.#failureGrace = opts.failureGrace ?? 30 * second;
    this.#rto = new RtoEstimator(opts);
  }

  get failed(): boolean {
    return this.#failed;
  }

  get suspect(): boolean {
    return this.#suspect;
  }

  get rto(): number {
    return this.#rto.rto;
  }

  get srtt(): number | undefined {
    return this.#rto.srtt;
  }

  /**
   * Queues one RELOAD message (or fragment) as a data frame, with an optional tag that `takeUnacked`
   * returns while the frame is unacked. Returns false if the link has failed.
   */
  send(message: Uint8Array, now: number, tag?: Tag): boolean {
    if (this.#failed) return false;
    if (message.length > this.#maxMessageSize) {
      throw new CodecError(
        `message of ${message.length} bytes exceeds max-message-size ${this.#maxMessageSize}`,
      );
    }
    const sequence = this.#nextSequence;
    this.#nextSequence = (this.#nextSequence + 1) >>> 0;
    const frame = encodeFrame({ type: 'data', sequence, message });
    this.#output(frame);
    this.stats.framesSent++;
    this.stats.bytesSent += frame.length;
    this.#outstanding ??= new Map();
    this.#outstanding.set(sequence, now);
    if (tag !== undefined) {
      this.#tags ??= new Map();
      this.#tags.set(sequence, tag);
    }
    if (this.#outstanding.size > MAX_OUTSTANDING) {
      this.#fail(`peer left ${this.#outstanding.size} frames unacknowledged`);
      return false;
    }
    this.#armTimers();
    return true;
  }

  /** Feeds bytes read from the (decrypted) stream. A stream that cannot be delimited fails the link. */
  receive(chunk: Uint8Array, now: number): void {
    if (this.#failed) return;
    this.stats.bytesReceived += chunk.length;
    let frames: FramedMessage[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (e) {
      // RFC 6940 §6.6.2: a frame that cannot be parsed (or one above max-message-size) leaves no way to
      // find the next frame on a stream, so the connection is closed.
      this.#fail(e instanceof Error ? e.message : 'broken frame stream');
      return;
    }
    for (const f of frames) {
      if (f.type === 'data') this.#onData(f.sequence, f.message);
      else this.#onAck(f.ackSequence, f.received, now);
    }
  }

  #onData(sequence: number, message: Uint8Array): void {
    this.stats.framesReceived++;
    this.#remember(sequence);
    // RFC 6940 §6.6.2: the receiver SHOULD ack each data frame as soon as it receives it.
    const ack = encodeFrame({ type: 'ack', ackSequence: sequence, received: this.#bitmapFor(sequence) });
    this.#output(ack);
    this.stats.acksSent++;
    this.stats.bytesSent += ack.length;
    this.#event({ type: 'message', bytes: message });
  }

  #output(frame: Uint8Array): void {
    if (this.#out === undefined) this.#out = [frame];
    else this.#out.push(frame);
  }

  #event(e: LinkEvent): void {
    if (this.#events === undefined) this.#events = [e];
    else this.#events.push(e);
  }

  #remember(seq: number): void {
    if (seq > this.#highest) {
      const shift = seq - this.#highest;
      this.#seen = shift >= WINDOW ? 0 : (this.#seen << shift) >>> 0;
      this.#seen = (this.#seen | 1) >>> 0;
      this.#highest = seq;
    } else if (this.#highest - seq < WINDOW) {
      this.#seen = (this.#seen | (1 << (this.#highest - seq))) >>> 0;
    }
  }

  /** Bit (N − M) set for each received M with N − 32 < M < N (RFC 6940 §6.6.2). */
  #bitmapFor(n: number): number {
    let bits = 0;
    for (let k = 1; k < WINDOW; k++) {
      const m = n - k;
      const back = this.#highest - m;
      if (m >= 0 && back >= 0 && back < WINDOW && (this.#seen >>> back) & 1) bits |= 1 << k;
    }
    return bits >>> 0;
  }

  #onAck(ackSequence: number, received: number, now: number): void {
    this.stats.acksReceived++;
    const outstanding = this.#outstanding;
    const sentAt = outstanding?.get(ackSequence);
    if (outstanding !== undefined && sentAt !== undefined) {
      outstanding.delete(ackSequence);
      this.#tags?.delete(ackSequence);
      // No retransmission happens on this link, so every ack is an unambiguous sample (Karn's rule holds).
      const sample = Math.max(0, now - sentAt);
      this.#rto.sample(sample);
      this.#event({ type: 'rtt', sample, srtt: this.#rto.srtt ?? sample, rto: this.#rto.rto });
    }
    if (outstanding !== undefined) {
      for (let k = 1; k < WINDOW; k++) {
        if ((received >>> k) & 1 && outstanding.delete(ackSequence - k)) this.#tags?.delete(ackSequence - k);
      }
      if (outstanding.size === 0) this.#outstanding = undefined;
    }
    if (this.#tags?.size === 0) this.#tags = undefined;
    if (this.#suspect) {
      this.#suspect = false;
      this.#event({ type: 'recovered' });
    }
    this.#armTimers();
  }

  #armTimers(): void {
    const oldest = this.#outstanding?.values().next();
    if (oldest === undefined || oldest.done) {
      this.#suspectAt = undefined;
      this.#failedAt = undefined;
      return;
    }
    if (!this.#suspect) this.#suspectAt = oldest.value + this.#rto.rto;
    this.#failedAt = oldest.value + this.#failureGrace;
  }

  handleTimeout(now: number): void {
    // The suspect deadline (one RTO) comes before the failure one (the grace), so it is looked at first.
    if (this.#failed) return;
    if (this.#suspectAt !== undefined && this.#suspectAt <= now) {
      this.#suspectAt = undefined;
      this.#suspect = true;
      this.#event({ type: 'suspect' });
    }
    if (this.#failedAt !== undefined && this.#failedAt <= now) {
      this.#failedAt = undefined;
      this.#fail(`no acknowledgement for ${this.#failureGrace} ms`);
    }
  }

  nextDeadline(): number | undefined {
    const s = this.#suspectAt;
    const f = this.#failedAt;
    if (s === undefined) return f;
    return f === undefined || s <= f ? s : f;
  }

  #fail(reason: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#suspectAt = undefined;
    this.#failedAt = undefined;
    this.#outstanding = undefined;
    this.#tags = undefined;
    this.#event({ type: 'failed', reason });
  }

  /**
   * The tags of the frames still unacked, oldest first; each tag is handed out once. The frames stay
   * outstanding: an ack that comes later still clears the suspicion.
   */
  takeUnacked(): Tag[] {
    const out = this.#tags === undefined ? [] : [...this.#tags.values()];
    this.#tags = undefined;
    return out;
  }

  /** Bytes to write to the stream (all pending frames, concatenated), or undefined. */
  pollTransmit(): Uint8Array | undefined {
    const parts = this.#out;
    if (parts === undefined) return undefined;
    this.#out = undefined;
    if (parts.length === 1) return parts[0];
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  pollEvent(): LinkEvent | undefined {
    const events = this.#events;
    if (events === undefined) return undefined;
    const e = events.shift();
    if (events.length === 0) this.#events = undefined;
    return e;
  }
}
