import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { minute, second } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { NodeId } from '../../core/ids.js';
import { nodeIdToHex } from '../../core/ids.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../sip/message/framer.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import type { AppConnectOutput } from '../../usages/sip/app-attach.js';
import { listenOn } from './listen.js';
import { bytesOf, SipStream, type SipStreamLimits } from './sip-stream.js';
import type { TlsIdentity } from './tls-host.js';

/**
 * SIP application connections between adapters (RFC 7904 §4, RFC 6940 §6.5.2 AppAttach): a TLS listener
 * whose address the AppAttach requester advertises, and the outgoing connections an answerer opens to it.
 * Both ends present their node certificate and check the other's like a RELOAD link (`authenticate`: the
 * overlay's trust rules); the peer is the Node-ID in its certificate, and an outgoing connection must
 * reach the Node-ID the AppAttach named. SIP on them is framed like any SIP stream.
 */
export interface AppConnectionEvents {
  /** A connection is up with an authenticated peer (accepted or opened). */
  up(connection: string, peer: NodeId): void;
  down(connection: string): void;
  message(message: SipMessage, source: TransportAddress): void;
}

export interface AppConnectionOptions {
  readonly identity: TlsIdentity;
  /** Checks a peer certificate (DER) and returns its Node-IDs; throws to refuse it. */
  readonly authenticate: (der: Uint8Array, now: number) => readonly NodeId[];
  readonly log: Logger;
  readonly limits?: Partial<AppConnectionLimits>;
}

export interface AppConnectionLimits extends SipStreamLimits {
  readonly maxConnections: number;
}

export const DEFAULT_APP_LIMITS: AppConnectionLimits = {
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  // An unused connection is dropped and a later call AppAttaches again.
  idleTimeout: 15 * minute,
  firstMessageTimeout: 15 * minute,
  maxWriteBuffer: 4 * 1024 * 1024,
  maxConnections: 512,
};

const HANDSHAKE_TIMEOUT = 10 * second;

export class AppConnections {
  readonly #opts: AppConnectionOptions;
  readonly #limits: AppConnectionLimits;
  readonly #events: AppConnectionEvents;
  readonly #log: Logger;
  readonly #streams = new Map<string, SipStream>();
  /** Ids of connections announced `up` (only those are announced `down`). */
  readonly #up = new Set<string>();
  readonly #pending = new Set<Socket>();
  readonly refused = new Map<string, number>();
  #server: Server | undefined;
  #nextIn = 1;

  constructor(opts: AppConnectionOptions, events: AppConnectionEvents) {
    this.#opts = opts;
    this.#limits = { ...DEFAULT_APP_LIMITS, ...opts.limits };
    this.#events = events;
    this.#log = opts.log;
  }

  get connectionCount(): number {
    return this.#streams.size;
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = createServer({
      key: this.#opts.identity.keyPem,
      cert: this.#opts.identity.certPem,
      // RFC 6940 §6.5.1 as for links: mutual authentication, our own checks of the certificate.
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      handshakeTimeout: HANDSHAKE_TIMEOUT,
    });
    server.on('connection', (raw: Socket) => {
      if (this.#streams.size + this.#pending.size >= this.#limits.maxConnections) {
        this.#refuse('connection limit', raw);
        raw.destroy();
      }
    });
    server.on('secureConnection', (s: TLSSocket) => {
      const peer = this.#authenticate(s, undefined);
      if (peer === undefined) return;
      this.#open(`app:in${this.#nextIn++}`, s, peer);
    });
    server.on('tlsClientError', (e: Error, s: TLSSocket) => {
      this.#refuse('TLS handshake failed', s, e.message);
      s.destroy();
    });
    this.#server = server;
    return listenOn(server, host, port, this.#log);
  }

  /** An `app-connect` output of SipAppAttach: connect as TLS client to the requester. */
  connect(out: AppConnectOutput): void {
    if (this.#streams.size + this.#pending.size >= this.#limits.maxConnections) {
      this.#log.warn({ connection: out.connection }, 'app: connection limit, not connecting');
      return;
    }
    const socket = tlsConnect({
      host: out.host,
      port: out.port,
      key: this.#opts.identity.keyPem,
      cert: this.#opts.identity.certPem,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    this.#pending.add(socket);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT);
    socket.once('close', () => {
      clearTimeout(timer);
      this.#pending.delete(socket);
    });
    socket.on('error', (e: Error) =>
      this.#log.info({ connection: out.connection, error: e.message }, 'app: connection failed'),
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      this.#pending.delete(socket);
      // RFC 7904 §4: the requester must be the node the AppAttach came from.
      const peer = this.#authenticate(socket, out.expected);
      if (peer !== undefined) this.#open(out.connection, socket, peer);
    });
  }

  #authenticate(socket: TLSSocket, expected: NodeId | undefined): NodeId | undefined {
    const cert = socket.getPeerX509Certificate();
    if (cert === undefined) {
      this.#refuse('no certificate', socket);
      socket.destroy();
      return undefined;
    }
    let ids: readonly NodeId[];
    try {
      ids = this.#opts.authenticate(bytesOf(cert.raw), Date.now());
    } catch (e) {
      this.#refuse('bad certificate', socket, errorMessage(e));
      socket.destroy();
      return undefined;
    }
    const peer = expected ?? ids[0];
    if (peer === undefined || !ids.includes(peer)) {
      this.#refuse('not the expected node', socket, expected === undefined ? '' : nodeIdToHex(expected));
      socket.destroy();
      return undefined;
    }
    return peer;
  }

  #refuse(reason: string, socket: Socket, detail = ''): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    const remote =
      socket.remoteAddress === undefined
        ? 'unknown'
        : formatHostPort(socket.remoteAddress, socket.remotePort ?? 0);
    this.#log.warn({ remote, reason, detail }, 'app: connection refused');
  }

  #open(id: string, socket: TLSSocket, peer: NodeId): void {
    const s = new SipStream(
      id,
      socket,
      'tls',
      this.#limits,
      {
        message: (stream, message) => this.#events.message(message, stream.address),
        closed: (stream) => {
          this.#streams.delete(stream.id);
          if (this.#up.delete(stream.id)) this.#events.down(stream.id);
        },
      },
      this.#log,
    );
    s.trust();
    this.#streams.set(id, s);
    this.#up.add(id);
    s.start();
    this.#events.up(id, peer);
  }

  /** Writes SIP on an app connection; false when it is gone. */
  send(connection: string, bytes: Uint8Array): boolean {
    const s = this.#streams.get(connection);
    if (s === undefined || s.closed) return false;
    s.write(bytes);
    return true;
  }

  async close(): Promise<void> {
    for (const s of this.#pending) s.destroy();
    for (const s of this.#streams.values()) s.drop('shutting down');
    const server = this.#server;
    this.#server = undefined;
    if (server?.listening === true) await new Promise<void>((r) => server.close(() => r()));
  }
}
