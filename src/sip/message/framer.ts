import type { SipMessage } from './message.js';
import { SipParseError } from './parse-error.js';
import { findHeaderEnd, type ParsedHead, parseHead } from './parser.js';

/**
 * What a stream (TCP, TLS) delivers between and as messages. RFC 5626 §4.4.1 keep-alives: a client sends
 * a double CRLF ("ping") and the server answers a single CRLF ("pong"); both may appear only between
 * messages.
 */
export type StreamEvent =
  | { readonly type: 'message'; readonly message: SipMessage }
  | { readonly type: 'ping' }
  | { readonly type: 'pong' };

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

/**
 * Cuts a byte stream into SIP messages by Content-Length (RFC 3261 §18.3). A parse error is fatal for the
 * stream — the next message's start can no longer be found — so the caller answers it (when
 * `respondable`) and closes the connection.
 */
export class SipStreamFramer {
  readonly #max: number;
  readonly #role: 'server' | 'client';
  #buf = new Uint8Array(0);
  #head: ParsedHead | undefined;

  /**
   * `role` decides a lone CRLF at the end of the data: a server (which receives pings) waits for the next
   * bytes, since it may be the first half of a ping cut by the network; a client (which receives pongs)
   * reports the pong at once.
   */
  constructor(maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE, role: 'server' | 'client' = 'server') {
    this.#max = maxMessageSize;
    this.#role = role;
  }

  /** Bytes held for an incomplete message. */
  get pending(): number {
    return this.#buf.length;
  }

  push(chunk: Uint8Array): StreamEvent[] {
    const r = this.pushAll(chunk);
    if (r.error !== undefined) throw r.error;
    return r.events;
  }

  /**
   * `push` that returns a parse error beside the events framed before it from the same chunk: a peer that
   * pipelines good messages ahead of a bad one has them handled before the stream is closed.
   */
  pushAll(chunk: Uint8Array): { readonly events: StreamEvent[]; readonly error?: SipParseError } {
    const events: StreamEvent[] = [];
    try {
      this.#frame(chunk, events);
      return { events };
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      return { events, error: e };
    }
  }

  #frame(chunk: Uint8Array, out: StreamEvent[]): void {
    this.#append(chunk);
    let pos = 0;
    const b = this.#buf;
    for (;;) {
      const left = b.length - pos;
      if (left === 0) break;
      if (this.#head === undefined && b[pos] === 13) {
        if (left < 2) break;
        if (b[pos + 1] !== 10) throw new SipParseError('bare CR between messages', pos);
        if (left >= 4 && b[pos + 2] === 13 && b[pos + 3] === 10) {
          out.push({ type: 'ping' });
          pos += 4;
        } else if ((left === 3 && b[pos + 2] === 13) || (left === 2 && this.#role === 'server')) {
          break; // maybe the first half of a ping: wait for the next bytes
        } else {
          out.push({ type: 'pong' });
          pos += 2;
        }
        continue;
      }
      if (this.#head === undefined) {
        const end = findHeaderEnd(b, pos);
        if (end < 0) {
          if (left > this.#max) throw new SipParseError(`header section larger than ${this.#max} bytes`, pos);
          break;
        }
        this.#head = parseHead(b, pos, end);
        const total = end + 4 - pos + (this.#head.contentLength ?? 0);
        if (total > this.#max) {
          throw new SipParseError(`message of ${total} bytes exceeds ${this.#max}`, pos, {
            respondable: this.#head.message.canRespond(),
          });
        }
      }
      const head = this.#head;
      // RFC 3261 §18.3: Content-Length MUST be present on streams; a message without one has no body.
      const length = head.contentLength ?? 0;
      if (b.length - head.bodyStart < length) break;
      head.message.body = b.slice(head.bodyStart, head.bodyStart + length);
      out.push({ type: 'message', message: head.message });
      pos = head.bodyStart + length;
      this.#head = undefined;
    }
    this.#consume(pos);
  }

  #append(chunk: Uint8Array): void {
    if (this.#buf.length === 0) {
      this.#buf = chunk.slice();
      return;
    }
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    this.#buf = joined;
  }

  #consume(pos: number): void {
    if (pos === 0) return;
    if (this.#head !== undefined) {
      // Offsets in the pending head refer to the old buffer; re-parse once the body is complete.
      this.#head = undefined;
    }
    this.#buf = pos >= this.#buf.length ? new Uint8Array(0) : this.#buf.slice(pos);
  }
}
