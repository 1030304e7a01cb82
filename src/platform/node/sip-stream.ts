import type { Socket } from 'node:net';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { SipStreamFramer } from '../../sip/message/framer.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { SipParseError } from '../../sip/message/parse-error.js';
import { buildResponse } from '../../sip/message/response.js';
import { serializeMessage } from '../../sip/message/serializer.js';
import type { TransportAddress, TransportKind } from '../../sip/transport/address.js';

/**
 * One SIP stream connection (TCP or TLS, a phone's or another adapter's): Content-Length framing with
 * `SipStreamFramer`, RFC 5626 §4.4.1 keep-alives, and the limits that keep one peer from costing us more
 * than its share (message size, idle time, unread output). Shared by sip-transports.ts (phones) and
 * app-connections.ts (adapters).
 */
export interface SipStreamLimits {
  /** Largest message (headers and body) a connection may send us. */
  readonly maxMessageSize: number;
  /** A connection with no traffic either way for this long is closed (ms). */
  readonly idleTimeout: number;
  /** A connection that has not sent one whole message by then is closed (ms). */
  readonly firstMessageTimeout: number;
  /** Bytes queued toward a peer beyond which it is judged not to read, and dropped. */
  readonly maxWriteBuffer: number;
}

export interface SipStreamEvents {
  message(stream: SipStream, message: SipMessage): void;
  closed(stream: SipStream, reason: string): void;
}

/** IPv4-mapped IPv6 (a dual-stack socket's view of an IPv4 peer) as the plain IPv4 address. */
export function plainAddress(host: string): string {
  return host.startsWith('::ffff:') && host.includes('.') ? host.slice(7) : host;
}

export function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

const PONG = new Uint8Array([13, 10]);

export class SipStream {
  readonly id: string;
  readonly socket: Socket;
  readonly transport: TransportKind;
  /** The peer's address, with this connection's id: where messages came from and where answers go. */
  readonly address: TransportAddress;
  readonly #framer: SipStreamFramer;
  readonly #limits: SipStreamLimits;
  readonly #events: SipStreamEvents;
  readonly #log: Logger;
  #reason: string | undefined;
  #closed = false;
  /** Set once the input stopped parsing: nothing more is read. */
  #broken = false;
  #heard = false;

  constructor(
    id: string,
    socket: Socket,
    transport: TransportKind,
    limits: SipStreamLimits,
    events: SipStreamEvents,
    log: Logger,
    /** Where an outgoing connection goes (its socket has no remote address until connected). */
    remote?: TransportAddress,
  ) {
    this.id = id;
    this.socket = socket;
    this.transport = transport;
    this.#limits = limits;
    this.#events = events;
    this.#log = log;
    this.#framer = new SipStreamFramer(limits.maxMessageSize, 'server');
    this.address = {
      transport,
      host: remote?.host ?? plainAddress(socket.remoteAddress ?? '0.0.0.0'),
      port: remote?.port ?? socket.remotePort ?? 0,
      connection: id,
    };
    socket.setNoDelay(true);
    socket.setTimeout(limits.firstMessageTimeout);
    socket.on('timeout', () =>
      this.drop(this.#heard ? `idle for ${limits.idleTimeout} ms` : 'no message from the peer in time'),
    );
    socket.on('error', (e: Error) => {
      this.#reason ??= errorMessage(e);
    });
    socket.on('end', () => {
      this.#reason ??= 'closed by peer';
      // Half-closed by the peer: nothing more will come, and SIP has nothing to finish on our side.
      socket.end();
    });
    socket.once('close', () => {
      this.#closed = true;
      this.#events.closed(this, this.#reason ?? 'connection closed');
    });
  }

  /** A connection we opened (or authenticated) is held to the idle limit, not the first-message one. */
  trust(): void {
    this.#heard = true;
    this.socket.setTimeout(this.#limits.idleTimeout);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Starts reading; call once the connection is ready (after TLS and any certificate check). */
  start(): void {
    this.socket.on('data', (b: Buffer) => this.#onData(bytesOf(b)));
  }

  #onData(bytes: Uint8Array): void {
    if (this.#broken) return;
    const { events, error } = this.#framer.pushAll(bytes);
    for (const ev of events) {
      if (this.#closed) return;
      // RFC 5626 §4.4.1: a double-CRLF ping is answered with a single CRLF pong.
      if (ev.type === 'ping') this.write(PONG);
      else if (ev.type === 'message') {
        if (!this.#heard) this.trust();
        this.#events.message(this, ev.message);
      }
    }
    if (error !== undefined && !this.#closed) this.#refuse(error);
  }

  /**
   * A stream that does not parse cannot be resynchronised (the next message's start is lost): answer the
   * request when it can be answered (RFC 3261 §8.2, 400 or 505), then close.
   */
  #refuse(e: SipParseError): void {
    this.#log.info({ connection: this.id, error: e.message }, 'sip: unparsable stream, closing');
    if (e.respondable && e.partial !== undefined) {
      const reason = `${e.status === 505 ? 'Version Not Supported' : 'Bad Request'} (${e.message.replace(/[^ -~]/g, '?').slice(0, 60)})`;
      this.write(serializeMessage(buildResponse(e.partial, e.status, { reason })));
    }
    this.#reason = `unparsable input: ${e.message}`;
    this.#broken = true;
    this.socket.end(() => this.socket.destroy());
  }

  /** Queues bytes; a peer that leaves more than the limit unread loses its connection. */
  write(bytes: Uint8Array): void {
    if (this.#closed || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(bytes);
    if (this.socket.writableLength > this.#limits.maxWriteBuffer) {
      this.drop(`write buffer above ${this.#limits.maxWriteBuffer} bytes: the peer does not read`);
    }
  }

  drop(reason: string): void {
    if (this.#closed) return;
    this.#reason ??= reason;
    this.socket.destroy();
  }

  /** Closes after flushing what was written. */
  end(reason: string): void {
    this.#reason ??= reason;
    this.socket.end();
  }
}
