import { randomBytes } from 'node:crypto';
import type { NodeId } from '../../core/ids.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { Adapter } from '../../peer/adapter/adapter.js';
import { ReloadAdapterOverlay } from '../../peer/adapter/reload-overlay.js';
import { MessageCode } from '../../reload/messages/codes.js';
import type { HostPort } from '../../reload/node/attach.js';
import type { ReloadNode } from '../../reload/node.js';
import type { NodeIdentity } from '../../reload/security/identity.js';
import type { DigestAlgorithm } from '../../sip/auth/digest.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import { SipAppAttach } from '../../usages/sip/app-attach.js';
import { isWildcard } from './addresses.js';
import { AppConnections } from './app-connections.js';
import { CryptoRandom } from './crypto-random.js';
import type { NodeDriver } from './driver.js';
import { SipDrivenNode } from './sip-driven-node.js';
import { type SipTransportLimits, SipTransports } from './sip-transports.js';
import { SipUserTable, watchSipUsers } from './sip-user-table.js';
import type { TlsIdentity } from './tls-host.js';

/**
 * `p2psip peer --sip HOST:PORT`: the adapter peer's I/O (DESIGN §3). It binds the phone-facing transports
 * and the AppAttach listener, loads and watches the SIP users, and composes the sans-I/O parts — the
 * Adapter, SipAppAttach and ReloadAdapterOverlay on the node — into the SipDrivenNode the peer's one
 * NodeDriver runs. Sockets deliver into the driver (`attach`), so SIP work, overlay work and timers share
 * one clock and one thread of control.
 */
export interface SipServiceOptions {
  /** `--sip`: UDP and TCP here, TLS on the next port (`tlsPort` overrides). */
  readonly listen: HostPort;
  readonly tlsPort?: number;
  /** Where adapters connect to us (AppAttach); port 0 picks one, which AppAttach advertises. */
  readonly appListen: HostPort;
  /** The concrete address to name in Via, Record-Route and AppAttach when a listener is on a wildcard. */
  readonly advertiseHost: string;
  readonly identityDir: string;
  readonly identity: NodeIdentity;
  readonly tls: TlsIdentity;
  /** The overlay's certificate check (as for links): Node-IDs of a peer certificate, or a throw. */
  readonly authenticate: (der: Uint8Array, now: number) => readonly NodeId[];
  readonly nodeIdLength: number;
  readonly log: Logger;
  readonly limits?: Partial<SipTransportLimits>;
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
}

/** docs/decisions/0025-digest-challenges.md. */
export const DEFAULT_DIGEST: readonly DigestAlgorithm[] = ['MD5'];

interface Sink {
  datagram(bytes: Uint8Array, source: TransportAddress): void;
  message(message: SipMessage, source: TransportAddress): void;
  appUp(connection: string, peer: NodeId): void;
  appDown(connection: string): void;
}

export class SipService {
  readonly transports: SipTransports;
  readonly appConnections: AppConnections;
  readonly users: SipUserTable;
  readonly driven: SipDrivenNode;
  /** The advertised UDP/TCP address (`/status` sip). */
  readonly address: string;
  readonly #watcher: { close(): void };
  readonly #sink: { current: Sink | undefined };

  private constructor(parts: {
    transports: SipTransports;
    appConnections: AppConnections;
    users: SipUserTable;
    driven: SipDrivenNode;
    address: string;
    watcher: { close(): void };
    sink: { current: Sink | undefined };
  }) {
    this.transports = parts.transports;
    this.appConnections = parts.appConnections;
    this.users = parts.users;
    this.driven = parts.driven;
    this.address = parts.address;
    this.#watcher = parts.watcher;
    this.#sink = parts.sink;
  }

  get adapter(): Adapter {
    return this.driven.adapter;
  }

  get apps(): SipAppAttach {
    return this.driven.apps;
  }

  /** Binds the sockets and builds the adapter on `node`; inputs flow once `attach` names the driver. */
  static async open(o: SipServiceOptions, node: ReloadNode, now: () => number): Promise<SipService> {
    const log = o.log.child({ part: 'sip' });
    // Datagrams and connections that arrive before the driver exists are dropped (phones retransmit).
    const sink: { current: Sink | undefined } = { current: undefined };
    const transports = await SipTransports.open(
      {
        host: o.listen.host,
        port: o.listen.port,
        ...(o.tlsPort === undefined ? {} : { tlsPort: o.tlsPort }),
        identity: o.tls,
        log,
        ...(o.limits === undefined ? {} : { limits: o.limits }),
      },
      {
        datagram: (b, s) => sink.current?.datagram(b, s),
        message: (m, s) => sink.current?.message(m, s),
      },
    );
    const appConnections = new AppConnections(
      { identity: o.tls, authenticate: o.authenticate, log: log.child({ part: 'app' }) },
      {
        up: (c, p) => sink.current?.appUp(c, p),
        down: (c) => sink.current?.appDown(c),
        message: (m, s) => sink.current?.message(m, s),
      },
    );
    try {
      const appBound = await appConnections.listen(o.appListen.host, o.appListen.port);
      const users = new SipUserTable(o.identity, o.nodeIdLength, log);
      const watcher = await watchSipUsers(o.identityDir, users, log);
      const concrete = (host: string): string => (isWildcard(host) ? o.advertiseHost : host);
      const listeners = transports.listeners.map((l) => ({ ...l, host: concrete(l.host) }));
      const app: TransportAddress = { transport: 'tls', host: concrete(appBound.host), port: appBound.port };
      const random = new CryptoRandom();
      const apps = new SipAppAttach(
        { localId: node.localId, request: (spec, cb) => node.request(spec, now(), cb) },
        { listen: { host: app.host, port: app.port } },
        random,
        log.child({ part: 'app-attach' }),
      );
      node.transport.handle(MessageCode.app_attach_req, (r) => apps.onAppAttach(r));
      const adapter = new Adapter(
        {
          localId: node.localId,
          nodeIdLength: o.nodeIdLength,
          listeners,
          app,
          // RFC 7616 §3.3 / §5.4: nonces must be unforgeable; a fresh secret per process run.
          nonceSecret: new Uint8Array(randomBytes(32)),
          // Decision 0025: MD5 alone unless asked; baresip 1.0 fails on any challenge list with SHA-256 in it.
          digestAlgorithms: o.digestAlgorithms ?? DEFAULT_DIGEST,
        },
        { users, overlay: new ReloadAdapterOverlay(node, apps, users, now), random, log },
      );
      const driven = new SipDrivenNode(node, adapter, apps, {
        send: (out) => {
          const c = out.destination.connection;
          if (c?.startsWith('app:') === true) {
            if (!appConnections.send(c, out.bytes)) log.info({ connection: c }, 'sip: app connection gone');
          } else transports.send(out.destination, out.bytes);
        },
        appConnect: (out) => appConnections.connect(out),
      });
      const udp = listeners[0] as TransportAddress;
      const address = formatHostPort(udp.host, udp.port);
      log.info(
        {
          sip: address,
          listeners: listeners.map((l) => `${l.transport}:${formatHostPort(l.host, l.port)}`),
          app: formatHostPort(app.host, app.port),
          users: users.size,
        },
        'sip listening',
      );
      return new SipService({ transports, appConnections, users, driven, address, watcher, sink });
    } catch (e) {
      await Promise.all([transports.close(), appConnections.close()]);
      throw e;
    }
  }

  /** From now on the sockets deliver into the driver. */
  attach(driver: NodeDriver): void {
    const adapter = this.driven.adapter;
    const apps = this.driven.apps;
    this.#sink.current = {
      datagram: (b, s) => driver.run('sip datagram', (now) => adapter.receiveDatagram(b, s, now)),
      message: (m, s) => driver.run('sip message', (now) => adapter.receive(m, s, now)),
      appUp: (c, p) => driver.run('app connection up', () => apps.connectionUp(c, p)),
      appDown: (c) => driver.run('app connection down', () => apps.connectionDown(c)),
    };
  }

  /** `/status`: the SIP address and the AORs with a binding here. */
  status(): { sip: string; registrations: number } {
    return { sip: this.address, registrations: this.adapter.registrations };
  }

  async close(): Promise<void> {
    this.#sink.current = undefined;
    this.#watcher.close();
    await Promise.all([this.transports.close(), this.appConnections.close()]);
  }
}
