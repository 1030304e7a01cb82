import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import {
  createServer as createTlsServer,
  type TLSSocket,
  type Server as TlsServer,
  connect as tlsConnect,
} from 'node:tls';
import { minute, second } from '../../core/clock.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort, ipFamily } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../sip/message/framer.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { TransportAddress, TransportKind } from '../../sip/transport/address.js';
import { listenOn } from './listen.js';
import { bytesOf, plainAddress, SipStream, type SipStreamLimits } from './sip-stream.js';
import type { TlsIdentity } from './tls-host.js';

/**
 * The SIP transports phones use (RFC 3261 §18): UDP and TCP on the `--sip` port, TLS on the next port up
 * (5060/5061 as phones expect), IPv4 or IPv6. Datagrams and stream messages go up with their source; a
 * stream source carries its connection id (`sip:N`) so responses and requests to that phone go back over
 * the same connection (RFC 3261 §18.2.2, RFC 5626 flows). A destination without a connection is reached
 * over an open one to that address, one aliased to it (RFC 5923), or a new one. Only IP literals are
 * dialled: names would need RFC 3263 resolution, which a proxy peer does, not this transport.
 */
export interface SipTransportLimits extends SipStreamLimits {
  /** Simultaneous TCP and TLS connections, both directions. */
  readonly maxConnections: number;
}

/** Receive and send buffer asked of the kernel for each SIP UDP socket (bytes). */
export const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

export const DEFAULT_SIP_LIMITS: SipTransportLimits = {
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  // Longer than the longest registration (7200 s), so a phone's flow outlives what it registered.
  idleTimeout: 7200 * second + 5 * minute,
  firstMessageTimeout: 30 * second,
  maxWriteBuffer: 1024 * 1024,
  maxConnections: 1024,
};

export interface SipTransportEvents {
  datagram(bytes: Uint8Array, source: TransportAddress): void;
  message(message: SipMessage, source: TransportAddress): void;
}

export interface SipTransportOptions {
  readonly host: string;
  /** UDP and TCP; 0 picks a free port (the same one for both). */
  readonly port: number;
  /** Default `port + 1`; 0 picks a free port. */
  readonly tlsPort?: number;
  /** The TLS server certificate (the node's). */
  readonly identity: TlsIdentity;
  /** CA certificates (PEM) a client certificate must chain to for its RFC 5923 alias to count; default: the system's. */
  readonly clientCa?: readonly string[];
  readonly limits?: Partial<SipTransportLimits>;
  readonly log: Logger;
}

export interface SipTransportStats {
  datagramsIn: number;
  datagramsOut: number;
  streamMessagesIn: number;
  readonly dropped: Map<string, number>;
}

export class SipTransports {
  readonly #opts: SipTransportOptions;
  readonly #limits: SipTransportLimits;
  readonly #log: Logger;
  readonly #events: SipTransportEvents;
  readonly #streams = new Map<string, SipStream>();
  /** `transport|host|port` → connection id: connections we opened, accepted ones by their source, aliases. */
  readonly #byAddress = new Map<string, string>();
  readonly #keysOf = new Map<string, string[]>();
  readonly stats: SipTransportStats = {
    datagramsIn: 0,
    datagramsOut: 0,
    streamMessagesIn: 0,
    dropped: new Map(),
  };
  #udp: UdpSocket | undefined;
  /** Whether the UDP socket is IPv6 (dual stack), read once at bind: address() is a system call. */
  #udpIsV6 = false;
  #tcp: Server | undefined;
  #tls: TlsServer | undefined;
  #nextId = 1;
  /** The bound addresses, one per transport. */
  listeners: readonly TransportAddress[] = [];

  private constructor(opts: SipTransportOptions, events: SipTransportEvents) {
    this.#opts = opts;
    this.#limits = { ...DEFAULT_SIP_LIMITS, ...opts.limits };
    this.#log = opts.log;
    this.#events = events;
  }

  /** Binds UDP, TCP and TLS; throws ERR_IO (one line) when a port is taken. */
  static async open(opts: SipTransportOptions, events: SipTransportEvents): Promise<SipTransports> {
    const t = new SipTransports(opts, events);
    try {
      await t.#bind();
    } catch (e) {
      await t.close();
      throw e;
    }
    return t;
  }

  get connectionCount(): number {
    return this.#streams.size;
  }

  /** The UDP socket's receive buffer as the kernel granted it (bytes, as getsockopt reports it). */
  get udpReceiveBuffer(): number | undefined {
    return this.#udp?.getRecvBufferSize();
  }

  async #bind(): Promise<void> {
    const { host, port } = this.#opts;
    const tcp = createTcpServer((s) => this.#accept(s, 'tcp'));
    this.#tcp = tcp;
    const boundTcp = await listenOn(tcp, host, port, this.#log);
    const udp = await this.#bindUdp(host, boundTcp.port);
    const tls = createTlsServer({
      key: this.#opts.identity.keyPem,
      cert: this.#opts.identity.certPem,
      // Client certificates are optional for phones; asked for so a proxy's RFC 5923 alias can be checked.
      requestCert: true,
      rejectUnauthorized: false,
      ...(this.#opts.clientCa === undefined ? {} : { ca: [...this.#opts.clientCa] }),
      minVersion: 'TLSv1.2',
      handshakeTimeout: this.#limits.firstMessageTimeout,
    });
    tls.on('connection', (raw: Socket) => {
      if (this.#streams.size >= this.#limits.maxConnections) {
        this.#drop('connection limit');
        raw.destroy();
      }
    });
    tls.on('secureConnection', (s: TLSSocket) => this.#accept(s, 'tls'));
    tls.on('tlsClientError', (e: Error, s: TLSSocket) => {
      this.#drop('TLS handshake failed');
      this.#log.debug({ error: e.message }, 'sip: TLS handshake failed');
      s.destroy();
    });
    this.#tls = tls;
    const tlsPort = this.#opts.tlsPort ?? (port === 0 ? 0 : port + 1);
    const boundTls = await listenOn(tls, host, tlsPort, this.#log);
    this.listeners = [
      { transport: 'udp', host: plainAddress(udp.address().address), port: udp.address().port },
      { transport: 'tcp', host: plainAddress(boundTcp.host), port: boundTcp.port },
      { transport: 'tls', host: plainAddress(boundTls.host), port: boundTls.port },
    ];
  }

  #bindUdp(host: string, port: number): Promise<UdpSocket> {
    const v6 = ipFamily(host) === 6;
    // A peer's event loop can be busy for a while (signing, a burst of Stores): datagrams that arrive
    // meanwhile wait in the socket's receive buffer, and the kernel's default (~200 KB) drops a burst of
    // calls' responses, which the phones then see as timeouts. The kernel caps this at net.core.rmem_max.
    const udp = createSocket({
      type: v6 ? 'udp6' : 'udp4',
      ipv6Only: false,
      recvBufferSize: UDP_RECEIVE_BUFFER,
      sendBufferSize: UDP_RECEIVE_BUFFER,
    });
    return new Promise((resolve, reject) => {
      udp.once('error', (e) =>
        reject(
          new LocalError('ERR_IO', `cannot listen on udp ${formatHostPort(host, port)}: ${errorMessage(e)}`),
        ),
      );
      udp.bind({ address: host, port, exclusive: true }, () => {
        udp.removeAllListeners('error');
        udp.on('error', (e) => this.#log.warn({ err: e }, 'sip: udp socket error'));
        udp.on('message', (b: Buffer, rinfo) => this.#onDatagram(b, rinfo.address, rinfo.port));
        this.#udp = udp;
        this.#udpIsV6 = udp.address().family === 'IPv6';
        resolve(udp);
      });
    });
  }

  #onDatagram(b: Buffer, host: string, port: number): void {
    this.stats.datagramsIn++;
    if (b.length > this.#limits.maxMessageSize) {
      this.#drop('datagram too large');
      return;
    }
    // A keep-alive CRLF (RFC 5626 §3.5.1 for UDP uses STUN; phones also send bare CRLFs): nothing to do.
    if (b.length <= 4 && b.every((x) => x === 13 || x === 10)) return;
    this.#events.datagram(bytesOf(b), { transport: 'udp', host: plainAddress(host), port });
  }

  #drop(reason: string): void {
    this.stats.dropped.set(reason, (this.stats.dropped.get(reason) ?? 0) + 1);
  }

  // ---- streams -------------------------------------------------------------------------------------

  #accept(socket: Socket, transport: 'tcp' | 'tls'): void {
    if (this.#streams.size >= this.#limits.maxConnections) {
      this.#drop('connection limit');
      socket.destroy();
      return;
    }
    const s = this.#track(socket, transport, undefined);
    this.#remember(s, s.address);
    s.start();
  }

  #track(socket: Socket, transport: 'tcp' | 'tls', remote: TransportAddress | undefined): SipStream {
    const id = `sip:${this.#nextId++}`;
    const s = new SipStream(
      id,
      socket,
      transport,
      this.#limits,
      {
        message: (stream, message) => this.#onStreamMessage(stream, message),
        closed: (stream, reason) => this.#forget(stream, reason),
      },
      this.#log,
      remote,
    );
    this.#streams.set(id, s);
    return s;
  }

  #onStreamMessage(s: SipStream, message: SipMessage): void {
    this.stats.streamMessagesIn++;
    if (message.isRequest && s.transport === 'tls') this.#maybeAlias(s, message);
    this.#events.message(message, s.address);
  }

  /**
   * RFC 5923 §5: a request whose top Via carries `alias` lets us send requests for its sent-by over this
   * connection — on TLS only, and only when the client's certificate is trusted and names that host
   * (§5.3), since otherwise anyone could claim to be anyone's next hop.
   */
  #maybeAlias(s: SipStream, message: SipMessage): void {
    const via = message.topVia();
    if (via === undefined || !via.params.some(([n]) => n.toLowerCase() === 'alias')) return;
    const socket = s.socket as TLSSocket;
    const cert = socket.getPeerX509Certificate();
    const host = via.host.replace(/^\[|\]$/g, '');
    const names = ipFamily(host) === undefined ? cert?.checkHost(host) : cert?.checkIP(host);
    if (!socket.authorized || names === undefined) {
      this.#drop('alias without a trusted certificate for its host');
      return;
    }
    this.#remember(s, { transport: 'tls', host, port: via.port ?? 5061 });
  }

  #remember(s: SipStream, a: TransportAddress): void {
    const key = addressKey(a.transport, a.host, a.port);
    this.#byAddress.set(key, s.id);
    this.#keysOf.set(s.id, [...(this.#keysOf.get(s.id) ?? []), key]);
  }

  #forget(s: SipStream, reason: string): void {
    this.#streams.delete(s.id);
    for (const key of this.#keysOf.get(s.id) ?? []) {
      if (this.#byAddress.get(key) === s.id) this.#byAddress.delete(key);
    }
    this.#keysOf.delete(s.id);
    this.#log.debug(
      { connection: s.id, remote: formatHostPort(s.address.host, s.address.port), reason },
      'sip: connection closed',
    );
  }

  // ---- sending -------------------------------------------------------------------------------------

  /** Sends a message where the adapter says; failures are logged (the transaction layer times out). */
  send(destination: TransportAddress, bytes: Uint8Array): void {
    const id = destination.connection;
    const live = id === undefined ? undefined : this.#streams.get(id);
    if (live !== undefined && !live.closed) {
      live.write(bytes);
      return;
    }
    if (ipFamily(destination.host) === undefined) {
      this.#drop('destination is not an IP address');
      // Debug, not info: every retransmission lands here, and anyone can send requests routed to names.
      this.#log.debug(
        { host: destination.host },
        'sip: not sending to a host name (no RFC 3263 resolution here)',
      );
      return;
    }
    if (destination.transport === 'udp') {
      this.#sendDatagram(destination.host, destination.port, bytes);
      return;
    }
    // RFC 3261 §18.2.2: when the connection a request came on is gone, open one to where the response goes.
    const key = addressKey(destination.transport, destination.host, destination.port);
    const reuse = this.#streams.get(this.#byAddress.get(key) ?? '');
    if (reuse !== undefined && !reuse.closed) {
      reuse.write(bytes);
      return;
    }
    this.#connect(destination.transport, destination.host, destination.port)?.write(bytes);
  }

  #sendDatagram(host: string, port: number, bytes: Uint8Array): void {
    const udp = this.#udp;
    if (udp === undefined) return;
    this.stats.datagramsOut++;
    // A dual-stack socket reaches IPv4 peers through IPv4-mapped addresses.
    const to = this.#udpIsV6 && ipFamily(host) === 4 ? `::ffff:${host}` : host;
    udp.send(bytes, port, to, (e) => {
      if (e !== null && e !== undefined) {
        this.#drop('udp send failed');
        this.#log.debug({ error: e.message, to: formatHostPort(host, port) }, 'sip: udp send failed');
      }
    });
  }

  #connect(transport: TransportKind, host: string, port: number): SipStream | undefined {
    if (this.#streams.size >= this.#limits.maxConnections) {
      this.#drop('connection limit');
      return undefined;
    }
    // Phones have no certificates an overlay could check: the transport is protected, the peer not authenticated.
    const socket =
      transport === 'tls'
        ? tlsConnect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.2' })
        : tcpConnect({ host, port });
    const s = this.#track(socket, transport === 'tls' ? 'tls' : 'tcp', { transport, host, port });
    s.trust();
    this.#remember(s, s.address);
    s.start();
    return s;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    for (const s of this.#streams.values()) s.drop('shutting down');
    const udp = this.#udp;
    this.#udp = undefined;
    await Promise.all([
      closeServer(this.#tcp),
      closeServer(this.#tls),
      udp === undefined ? undefined : new Promise<void>((r) => udp.close(() => r())),
    ]);
    this.#tcp = undefined;
    this.#tls = undefined;
  }
}

function addressKey(t: TransportKind, host: string, port: number): string {
  return `${t}|${host}|${port}`;
}

function closeServer(server: Server | undefined): Promise<void> | undefined {
  if (server === undefined || !server.listening) return undefined;
  return new Promise<void>((r) => server.close(() => r()));
}
