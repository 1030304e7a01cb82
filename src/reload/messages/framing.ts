import { readU32 } from '../../core/bytes.js';
import { CodecError, Reader } from '../../wire/index.js';
import { FramedMessageType } from './codes.js';

/**
 * RFC 6940 §6.6.2 (TLS-TCP-FH-NO-ICE and DTLS-UDP-SR) framing, one frame per hop:
 *   enum { data (128), ack (129), (255) } FramedMessageType;
 *   struct { FramedMessageType type;
 *            select (type) { case data: uint32 sequence; opaque message<0..2^24-1>;
 *                            case ack:  uint32 ack_sequence; uint32 received; }; } FramedMessage;
 */
export type FramedMessage =
  | { readonly type: 'data'; readonly sequence: number; readonly message: Uint8Array }
  | { readonly type: 'ack'; readonly ackSequence: number; readonly received: number };

export const ACK_FRAME_LENGTH = 9;
export const DATA_FRAME_OVERHEAD = 8;

export function encodeFrame(f: FramedMessage): Uint8Array {
  if (f.type === 'data') {
    // Written by hand (the frame is the per-hop hot path): type, sequence, uint24 length, message.
    const n = f.message.length;
    if (n > MAX_FRAMED_MESSAGE) throw new CodecError(`opaque length ${n} outside <0..${MAX_FRAMED_MESSAGE}>`);
    const out = new Uint8Array(DATA_FRAME_OVERHEAD + n);
    out[0] = FramedMessageType.data;
    put32(out, 1, checkedU32(f.sequence));
    out[5] = n >>> 16;
    out[6] = n >>> 8;
    out[7] = n;
    out.set(f.message, DATA_FRAME_OVERHEAD);
    return out;
  }
  const out = new Uint8Array(ACK_FRAME_LENGTH);
  out[0] = FramedMessageType.ack;
  put32(out, 1, checkedU32(f.ackSequence));
  put32(out, 5, checkedU32(f.received));
  return out;
}

const MAX_FRAMED_MESSAGE = 0xff_ffff;

function checkedU32(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new CodecError(`uint32 out of range: ${v}`);
  return v;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

const EMPTY = new Uint8Array(0);

/** Decodes exactly one frame (a datagram, or a frame cut from a stream by FrameSplitter). */
export function decodeFrame(bytes: Uint8Array): FramedMessage {
  const r = new Reader(bytes);
  const type = r.u8();
  let f: FramedMessage;
  if (type === FramedMessageType.data) {
    f = { type: 'data', sequence: r.u32(), message: r.opaque(3) };
  } else if (type === FramedMessageType.ack) {
    f = { type: 'ack', ackSequence: r.u32(), received: r.u32() };
  } else {
    throw new CodecError(`unknown FramedMessageType ${type}`, 0);
  }
  r.end('FramedMessage');
  return f;
}

/**
 * Cuts a TLS byte stream into frames (RFC 6940 §6.6.2 over TCP): a data frame is 1 + 4 + 3 + length bytes,
 * an ack 9 bytes. A frame larger than `maxFrame` or an unknown type byte is a fatal stream error: the
 * caller must close the link, since the stream can no longer be delimited.
 */
export class FrameSplitter {
  readonly #maxFrame: number;
  #buf: Uint8Array = EMPTY;

  constructor(maxMessageSize: number) {
    this.#maxFrame = DATA_FRAME_OVERHEAD + maxMessageSize;
  }

  /** Appends bytes and returns every complete frame they finish. Throws CodecError on a broken stream. */
  push(chunk: Uint8Array): FramedMessage[] {
    if (this.#buf.length === 0) {
      this.#buf = chunk;
    } else {
      const joined = new Uint8Array(this.#buf.length + chunk.length);
      joined.set(this.#buf);
      joined.set(chunk, this.#buf.length);
      this.#buf = joined;
    }
    const out: FramedMessage[] = [];
    let at = 0;
    for (;;) {
      const left = this.#buf.length - at;
      if (left < 1) break;
      const type = this.#buf[at] as number;
      let size: number;
      if (type === FramedMessageType.ack) {
        size = ACK_FRAME_LENGTH;
      } else if (type === FramedMessageType.data) {
        if (left < DATA_FRAME_OVERHEAD) break;
        const len =
          ((this.#buf[at + 5] as number) << 16) |
          ((this.#buf[at + 6] as number) << 8) |
          (this.#buf[at + 7] as number);
        size = DATA_FRAME_OVERHEAD + len;
        if (size > this.#maxFrame) {
          throw new CodecError(`frame of ${size} bytes exceeds the limit of ${this.#maxFrame}`, at);
        }
      } else {
        throw new CodecError(`unknown FramedMessageType ${type} in stream`, at);
      }
      if (left < size) break;
      out.push(frameAt(this.#buf, at, size));
      at += size;
    }
    this.#buf = at === this.#buf.length ? EMPTY : this.#buf.slice(at);
    return out;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.#buf.length;
  }
}

/**
 * The frame of `size` bytes at `at`, whose type byte and length FrameSplitter has already checked: what
 * decodeFrame would return for that subarray, without a Reader (this runs for every frame on every link).
 */
function frameAt(b: Uint8Array, at: number, size: number): FramedMessage {
  const seq = readU32(b, at + 1);
  if (b[at] === FramedMessageType.ack) return { type: 'ack', ackSequence: seq, received: readU32(b, at + 5) };
  return { type: 'data', sequence: seq, message: b.slice(at + DATA_FRAME_OVERHEAD, at + size) };
}
