import { createWriteStream, type WriteStream } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { second } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { NodeId } from '../../core/ids.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import type { LinkId } from '../../reload/routing/types.js';
import { listenOn } from './listen.js';
import { type LinkPsk, RSA_PSK_CIPHERS } from './shared-secret.js';

/**
 * TLS-TCP-FH-NO-ICE links over node:tls (RFC 6940 §6.6): one listener for the links peers open to us and
 * outgoing connections for the node's `connect` outputs. Both ends present the node certificate and the
 * server requests the client's (RFC 6940 §6.5.1: mutual authentication always). OpenSSL's chain checks
 * are off because overlay certificates are self-signed or chain to the overlay's own root-certs; our own
 * check (`authenticate`) runs on the peer certificate once the handshake is done, and a certificate it
 * refuses closes the socket before the node ever hears of it.
 */
export interface LinkEvents {
  /** An outgoing connection finished TLS; the peer's certificate carries these Node-IDs. */
  connected(link: LinkId, peerIds: readonly NodeId[]): void;
  /** A peer connected to us; returns the node's link id, or undefined to refuse the connection. */
  accepted(peerIds: readonly NodeId[]): LinkId | undefined;
  data(link: LinkId, bytes: Uint8Array): void;
  /** The link closed by itself (peer, network, a limit) or could not be opened. */
  closed(link: LinkId, reason: string): void;
}

export interface TlsIdentity {
  readonly keyPem: string;
  readonly certPem: string;
}

export interface TlsLimits {
  /** Simultaneous sockets, incoming and outgoing, including those still in the handshake. */
  readonly maxConnections: number;
  /** A socket that has not finished TLS by then is closed. */
  readonly handshakeTimeout: number;
  /** Bytes queued on one socket beyond which its link is closed: the peer does not read. */
  readonly maxWriteBuffer: number;
  /** How long a socket may stay above its high-water mark without draining. */
  readonly drainTimeout: number;
  /** After we close a link, how long its socket may take to flush before it is destroyed. */
  readonly closeGrace: number;
}

export const DEFAULT_TLS_LIMITS: TlsLimits = {
  maxConnections: 512,
  handshakeTimeout: 10 * second,
  maxWriteBuffer: 2 * 1024 * 1024,
  drainTimeout: 30 * second,
  closeGrace: 2 * second,
};

export interface TlsHostOptions {
  readonly identity: TlsIdentity;
  /** Checks a peer certificate (DER) and returns its Node-IDs; throws (ERR_BAD_CERT) to refuse it. */
  readonly authenticate: (der: Uint8Array, now: number) => readonly NodeId[];
  readonly log: Logger;
  readonly clock?: () => number;
  readonly limits?: Partial<TlsLimits>;
  /** Append NSS key-log lines here so Wireshark can decrypt the links. */
  readonly keylogPath?: string;
  /** Shared-secret admission (RFC 6940 §13.4, RFC 4279): every link is TLS 1.2 RSA_PSK with this key. */
  readonly psk?: LinkPsk;
}

interface Conn {
  readonly socket: TLSSocket;
  readonly direction: 'in' | 'out';
  link: LinkId | undefined;
  state: 'handshake' | 'up' | 'closing' | 'closed';
  /** Whether the node still needs to hear that this link closed (false once the node closed it itself). */
  report: boolean;
  reason: string | undefined;
  /** The handshake deadline, then the close grace. */
  timer: NodeJS.Timeout | undefined;
  /** Armed while the socket is above its high-water mark. */
  drainTimer: NodeJS.Timeout | undefined;
  /** The peer certificate (DER) our check accepted, kept to check it again when trust changes. */
  peerCert: Uint8Array | undefined;
}

const TLS_MIN_VERSION = 'TLSv1.2';

/**
 * The TLS options both ends share. With a PSK, only TLS 1.2 RSA_PSK suites: a TLS 1.3 PSK handshake (and
 * every other PSK suite) leaves the certificates out, and with them the Node-IDs of the link.
 */
function tlsOptions(psk: LinkPsk | undefined): {
  minVersion: 'TLSv1.2';
  maxVersion?: 'TLSv1.2';
  ciphers?: string;
} {
  if (psk === undefined) return { minVersion: TLS_MIN_VERSION };
  return { minVersion: TLS_MIN_VERSION, maxVersion: 'TLSv1.2', ciphers: RSA_PSK_CIPHERS };
}

export class TlsHost {
  readonly #opts: TlsHostOptions;
  readonly #limits: TlsLimits;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #conns = new Set<Conn>();
  readonly #byLink = new Map<LinkId, Conn>();
  /** Why connections were refused, by reason: /metrics reads it. */
  readonly refused = new Map<string, number>();
  #events: LinkEvents | undefined;
  #server: Server | undefined;
  #keylog: WriteStream | undefined;
  /** Every socket the listener accepted, from the TCP handshake on (ours to destroy at shutdown). */
  readonly #rawIn = new Set<Socket>();
  #outgoing = 0;

  constructor(options: TlsHostOptions) {
    this.#opts = options;
    this.#limits = { ...DEFAULT_TLS_LIMITS, ...options.limits };
    this.#log = options.log;
    this.#clock = options.clock ?? Date.now;
    if (options.keylogPath !== undefined) {
      this.#keylog = createWriteStream(options.keylogPath, { flags: 'a', mode: 0o600 });
      this.#keylog.on('error', (e) => this.#log.error({ err: e }, 'tls key log: cannot write'));
    }
  }

  /** Where the node's events go; set before the first connection can complete. */
  setHandler(events: LinkEvents): void {
    this.#events = events;
  }

  get connectionCount(): number {
    return this.#rawIn.size + this.#outgoing;
  }

  /** Binds the listener; resolves with the bound address (port 0 picks a free port). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = createServer({
      key: this.#opts.identity.keyPem,
      cert: this.#opts.identity.certPem,
      // RFC 6940 §6.5.1: the server MUST request a client certificate; we check it ourselves.
      requestCert: true,
      rejectUnauthorized: false,
      ...tlsOptions(this.#opts.psk),
      ...this.#serverPsk(),
      handshakeTimeout: this.#limits.handshakeTimeout,
    });
    server.on('connection', (raw: Socket) => this.#onRawConnection(raw));
    server.on('secureConnection', (s: TLSSocket) => this.#onSecureConnection(s));
    server.on('tlsClientError', (e: Error, s: TLSSocket) => {
      this.#refuse('TLS handshake failed', { remote: remoteOf(s), error: e.message });
      // node:tls reports a handshake timeout (or a bad ClientHello) here but leaves the socket open.
      s.destroy();
    });
    server.on('keylog', (line: Buffer) => this.#keylog?.write(line));
    this.#server = server;
    return listenOn(server, host, port, this.#log);
  }

  /** RFC 4279 §5.1: the identity names the key; we have one, for the overlay's instance-name. */
  #serverPsk(): {
    pskIdentityHint?: string;
    pskCallback?: (s: TLSSocket, identity: string) => Buffer | null;
  } {
    const psk = this.#opts.psk;
    if (psk === undefined) return {};
    const key = Buffer.from(psk.key);
    return {
      pskIdentityHint: psk.identity,
      pskCallback: (_socket, identity) => (identity === psk.identity ? key : null),
    };
  }

  #clientPsk(): { pskCallback?: () => { psk: Buffer; identity: string } } {
    const psk = this.#opts.psk;
    if (psk === undefined) return {};
    const key = Buffer.from(psk.key);
    return { pskCallback: () => ({ psk: key, identity: psk.identity }) };
  }

  #onRawConnection(raw: Socket): void {
    if (this.connectionCount >= this.#limits.maxConnections) {
      this.#refuse('connection limit', { remote: remoteOf(raw) });
      raw.destroy();
      return;
    }
    // Small request/answer messages: Nagle's delay would only add latency to every hop.
    raw.setNoDelay(true);
    this.#rawIn.add(raw);
    raw.once('close', () => this.#rawIn.delete(raw));
  }

  #onSecureConnection(socket: TLSSocket): void {
    const c = this.#track(socket, 'in');
    const peerIds = this.#authenticate(c);
    if (peerIds === undefined) return;
    const link = this.#events?.accepted(peerIds);
    if (link === undefined) {
      this.#drop(c, 'refused by the node');
      return;
    }
    c.link = link;
    c.state = 'up';
    this.#logUp(c);
    this.#byLink.set(link, c);
    socket.on('data', (b: Buffer) => this.#events?.data(link, bytesOf(b)));
  }

  /** Opens a link as TLS client (the node answered an Attach, or dials a bootstrap node). */
  connect(link: LinkId, host: string, port: number): void {
    if (this.connectionCount >= this.#limits.maxConnections) {
      this.#refuse('connection limit', { remote: formatHostPort(host, port) });
      setImmediate(() => this.#events?.closed(link, 'connection limit reached'));
      return;
    }
    const socket = tlsConnect({
      host,
      port,
      key: this.#opts.identity.keyPem,
      cert: this.#opts.identity.certPem,
      rejectUnauthorized: false,
      ...tlsOptions(this.#opts.psk),
      ...this.#clientPsk(),
    });
    socket.setNoDelay(true);
    this.#outgoing++;
    socket.once('close', () => this.#outgoing--);
    const c = this.#track(socket, 'out');
    c.link = link;
    this.#byLink.set(link, c);
    c.timer = setTimeout(() => this.#drop(c, 'TLS handshake timed out'), this.#limits.handshakeTimeout);
    socket.on('keylog', (line: Buffer) => this.#keylog?.write(line));
    socket.once('secureConnect', () => {
      // The node may have given up on this link while TLS was still running (close() ended it).
      if (c.state !== 'handshake') return;
      clearTimeout(c.timer);
      c.timer = undefined;
      const peerIds = this.#authenticate(c);
      if (peerIds === undefined) return;
      c.state = 'up';
      this.#logUp(c);
      socket.on('data', (b: Buffer) => this.#events?.data(link, bytesOf(b)));
      this.#events?.connected(link, peerIds);
    });
  }

  #track(socket: TLSSocket, direction: 'in' | 'out'): Conn {
    const c: Conn = {
      socket,
      direction,
      link: undefined,
      state: 'handshake',
      report: true,
      reason: undefined,
      timer: undefined,
      drainTimer: undefined,
      peerCert: undefined,
    };
    this.#conns.add(c);
    socket.on('error', (e: Error) => {
      // The listener counts its own failed handshakes (tlsClientError); ours are counted here (TLS errors
      // only: a peer that is not listening yet is no refusal).
      if (c.state === 'handshake' && direction === 'out' && c.reason === undefined && isTlsError(e)) {
        this.#refuse('TLS handshake failed', { remote: remoteOf(socket), error: errorMessage(e) });
      }
      c.reason ??= errorMessage(e);
    });
    socket.on('end', () => {
      c.reason ??= 'closed by peer';
    });
    socket.on('drain', () => {
      clearTimeout(c.drainTimer);
      c.drainTimer = undefined;
    });
    socket.once('close', () => this.#onClose(c));
    return c;
  }

  /** Our check of the peer certificate; undefined (and the socket closed) when it fails. */
  #authenticate(c: Conn): readonly NodeId[] | undefined {
    const cert = c.socket.getPeerX509Certificate();
    if (cert === undefined) {
      this.#refuse('no certificate', { remote: remoteOf(c.socket) });
      this.#drop(c, 'peer presented no certificate');
      return undefined;
    }
    const der = bytesOf(cert.raw);
    try {
      const ids = this.#opts.authenticate(der, this.#clock());
      c.peerCert = der;
      return ids;
    } catch (e) {
      this.#refuse('bad certificate', { remote: remoteOf(c.socket), error: errorMessage(e) });
      this.#drop(c, `certificate refused: ${errorMessage(e)}`);
      return undefined;
    }
  }

  /**
   * Checks the certificate of every live link again, e.g. after a new configuration changed the root-certs
   * or bad-nodes, or as time passes (RFC 6940 §11.3: an expired certificate is no longer acceptable). A
   * link whose certificate fails is closed and the node hears of it like any link that went down.
   * Returns how many were closed.
   */
  recheck(): number {
    let closed = 0;
    const now = this.#clock();
    for (const c of this.#conns) {
      if (c.state !== 'up' || c.peerCert === undefined) continue;
      try {
        this.#opts.authenticate(c.peerCert, now);
      } catch (e) {
        this.#refuse('certificate no longer accepted', {
          remote: remoteOf(c.socket),
          error: errorMessage(e),
        });
        this.#drop(c, `certificate no longer accepted: ${errorMessage(e)}`);
        closed++;
      }
    }
    return closed;
  }

  #logUp(c: Conn): void {
    const { socket } = c;
    this.#log.debug(
      {
        link: c.link,
        direction: c.direction,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
      },
      'tls: link up',
    );
  }

  #refuse(reason: string, fields: Record<string, unknown>): void {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    this.#log.warn({ ...fields, reason }, 'tls: connection refused');
  }

  /** Bytes from the node for a link. A peer that stops reading loses its link rather than our memory. */
  write(link: LinkId, bytes: Uint8Array): void {
    const c = this.#byLink.get(link);
    if (c === undefined || c.state !== 'up') return;
    const flushed = c.socket.write(bytes);
    if (c.socket.writableLength > this.#limits.maxWriteBuffer) {
      this.#drop(c, `write buffer above ${this.#limits.maxWriteBuffer} bytes: the peer does not read`);
      return;
    }
    if (!flushed && c.drainTimer === undefined) {
      c.drainTimer = setTimeout(
        () => this.#drop(c, `no drain for ${this.#limits.drainTimeout} ms`),
        this.#limits.drainTimeout,
      );
    }
  }

  /** The node closes a link: flush what was written, then close; the node is not told again. */
  close(link: LinkId, reason: string): void {
    const c = this.#byLink.get(link);
    if (c === undefined) return;
    c.report = false;
    this.#byLink.delete(link);
    if (c.state === 'closing' || c.state === 'closed') return;
    this.#log.debug({ link, reason }, 'tls: closing link');
    c.state = 'closing';
    clearTimeout(c.timer);
    clearTimeout(c.drainTimer);
    c.socket.end();
    c.timer = setTimeout(() => c.socket.destroy(), this.#limits.closeGrace);
  }

  /** Closes a socket on our side for a reason the node must hear about. */
  #drop(c: Conn, reason: string): void {
    if (c.state === 'closed') return;
    c.reason = reason;
    c.state = 'closing';
    c.socket.destroy();
  }

  #onClose(c: Conn): void {
    clearTimeout(c.timer);
    clearTimeout(c.drainTimer);
    c.state = 'closed';
    this.#conns.delete(c);
    const link = c.link;
    if (link === undefined) return;
    if (this.#byLink.get(link) === c) this.#byLink.delete(link);
    if (!c.report) return;
    const reason = c.reason ?? 'connection closed';
    this.#log.info({ link, direction: c.direction, reason }, 'tls: link closed');
    this.#events?.closed(link, reason);
  }

  /** Stops listening and closes every socket (after `closeGrace` for those still flushing). */
  async shutdown(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    const sockets: Socket[] = [...this.#rawIn];
    for (const c of this.#conns) {
      sockets.push(c.socket);
      c.report = false;
      if (c.state === 'up' || c.state === 'handshake') {
        c.state = 'closing';
        c.socket.end();
      }
    }
    const grace = setTimeout(() => {
      for (const s of sockets) s.destroy();
    }, this.#limits.closeGrace);
    await Promise.all([
      server === undefined ? undefined : new Promise<void>((r) => server.close(() => r())),
      ...sockets.filter((s) => !s.closed).map((s) => new Promise((r) => s.once('close', r))),
    ]);
    clearTimeout(grace);
    const keylog = this.#keylog;
    this.#keylog = undefined;
    if (keylog !== undefined) await new Promise<void>((r) => keylog.end(() => r()));
  }
}

function isTlsError(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_SSL_');
}

function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function remoteOf(s: Socket): string {
  return s.remoteAddress === undefined ? 'unknown' : formatHostPort(s.remoteAddress, s.remotePort ?? 0);
}
