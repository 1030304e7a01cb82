import type { KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdToHex } from '../../core/ids.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import type { Aor } from '../../peer/adapter/aor.js';
import type { LookupResult } from '../../peer/adapter/overlay-port.js';
import { lookupRegistrations } from '../../peer/adapter/reload-overlay.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { checkSupported } from '../../reload/config/supported.js';
import type { Destination } from '../../reload/messages/common.js';
import type { HostPort } from '../../reload/node/attach.js';
import type { TraceResult } from '../../reload/node/diagnostics.js';
import type { RequestResult } from '../../reload/node/types.js';
import { messageSecurity } from '../../reload/node/x509-security.js';
import { type NodeStatus, ReloadNode } from '../../reload/node.js';
import { certificateToPem } from '../../reload/security/certificate.js';
import type { NodeIdentity } from '../../reload/security/identity.js';
import { privateKeyToPem } from '../../reload/security/keys.js';
import { X509Signer } from '../../reload/security/signer.js';
import { trustSettingsFromConfig } from '../../reload/security/trust.js';
import { X509Verifier } from '../../reload/security/verifier.js';
import type { DigestAlgorithm } from '../../sip/auth/digest.js';
import { advertisedAddress } from './addresses.js';
import { ConfigurationKeeper, type KeeperOptions, readStartConfiguration } from './configuration-keeper.js';
import { CryptoRandom } from './crypto-random.js';
import { NodeDriver } from './driver.js';
import { loadOrCreateIdentity, OVERLAY_FILE } from './identity-files.js';
import { isAddressInUse } from './listen.js';
import { nodeConfigFrom } from './node-config.js';
import { PeerEvents } from './peer-events.js';
import { PeerStorage } from './peer-storage.js';
import { checkPskKey, linkPskFor } from './shared-secret.js';
import { SipService } from './sip-service.js';
import { SqliteStorage } from './sqlite-storage.js';
import { TlsHost, type TlsLimits } from './tls-host.js';

/**
 * One RELOAD peer as a running process (DESIGN §4 `p2psip peer`): identity files, the TLS listener, the
 * sans-I/O node and its driver, wired together. The control API (src/dashboard) reads it through
 * `status()`, `metrics()`, `ping`, `trace` and `events`.
 */
export interface PeerOptions {
  readonly identityDir: string;
  /** The configuration document; default identityDir/overlay.xml. */
  readonly overlayFile?: string;
  /** Where to bind; a wildcard host or port 0 is allowed. */
  readonly listen: HostPort;
  /** Also try the next ports when listen.port is taken (`p2psip start`: 6084 or the next free one). */
  readonly listenAttempts?: number;
  /** The address to advertise instead of the derived one (a NAT's port forward, a chosen interface). */
  readonly advertise?: { readonly host: string; readonly port?: number };
  readonly bootstrap: readonly HostPort[];
  /** Peers this node had links to before (tried first, RFC 6940 §11.4 leaves the order to us). */
  readonly cachedPeers?: readonly HostPort[];
  /** Found the overlay alone when nobody answers (the node created it; see ReloadNodeConfig). */
  readonly mayStartAlone?: boolean;
  readonly dataDir?: string;
  /** A key generated ahead, used only if the identity directory has none yet (IdentityOptions.newKey). */
  readonly newKey?: Promise<KeyObject>;
  readonly keylogPath?: string;
  readonly softwareVersion: string;
  readonly log: Logger;
  readonly tlsLimits?: Partial<TlsLimits>;
  /** `--sip`: run the SIP adapter (DESIGN §3) with these listeners. */
  readonly sip?: PeerSipOptions;
  /** How often to ask the configuration server for a newer document (ms); 0 never, default one hour. */
  readonly configRefreshMs?: number;
  /**
   * Keep our certificate under CERTIFICATE_BY_NODE/USER (RFC 6940 §8), default true; without it, fetchers
   * that never linked to us cannot verify the values we signed.
   */
  readonly publishCertificate?: boolean;
}

export interface PeerSipOptions {
  /** UDP and TCP; TLS on the next port unless `tlsPort` says otherwise. */
  readonly listen: HostPort;
  readonly tlsPort?: number;
  /** The AppAttach listener (default: the RELOAD listener's host, a port the OS picks). */
  readonly appListen?: HostPort;
  /** Digest challenges in the order offered (default MD5 alone, decision 0025). */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
}

/** DESIGN §4 /status. */
export interface PeerStatus extends NodeStatus {
  readonly sip: string | null;
  readonly storedResources: number;
  readonly storedValues: number;
  readonly registrations: number;
  readonly internalErrors: number;
  readonly connections: number;
  /** The sequence of the configuration in force (RFC 6940 §11.1), which ConfigUpdates advance. */
  readonly configurationSequence: number;
}

const INTERNAL = 'internal error (see the peer log)';
/** The SQLite file of stored values in the data directory. */
export const STORAGE_FILE = 'storage.sqlite';

export class PeerRuntime {
  readonly node: ReloadNode;
  readonly driver: NodeDriver;
  readonly host: TlsHost;
  readonly #startConfig: OverlayConfig;
  readonly #keeper: ConfigurationKeeper;
  /** The advertised listening address (our passive candidate). */
  readonly listen: HostPort;
  readonly events: PeerEvents;
  readonly identity: NodeIdentity;
  /** The configuration document exactly as read (its signature covers these bytes). */
  readonly document: Uint8Array;
  /** The SIP adapter, when the peer runs with `--sip`. */
  readonly sip: SipService | undefined;
  /** Store, Fetch, Stat and Find through this peer, for the control API. */
  readonly storage: PeerStorage;
  readonly #log: Logger;
  readonly #backend: SqliteStorage | undefined;

  private constructor(parts: {
    node: ReloadNode;
    host: TlsHost;
    config: OverlayConfig;
    listen: HostPort;
    log: Logger;
    identity: NodeIdentity;
    document: Uint8Array;
    backend?: SqliteStorage;
    sip?: SipService;
    keeper: Omit<KeeperOptions, 'node' | 'driver' | 'log' | 'recheckLinks'>;
  }) {
    this.#backend = parts.backend;
    this.identity = parts.identity;
    this.document = parts.document;
    this.sip = parts.sip;
    this.node = parts.node;
    this.host = parts.host;
    this.#startConfig = parts.config;
    this.listen = parts.listen;
    this.#log = parts.log;
    const host = parts.host;
    this.driver = new NodeDriver(
      parts.sip?.driven ?? parts.node,
      {
        connect: (link, h, port) => host.connect(link, h, port),
        write: (link, bytes) => host.write(link, bytes),
        close: (link, reason) => host.close(link, reason),
      },
      { log: parts.log },
    );
    host.setHandler(this.driver);
    parts.sip?.attach(this.driver);
    this.events = new PeerEvents(parts.node, parts.log);
    this.#keeper = new ConfigurationKeeper({
      ...parts.keeper,
      node: parts.node,
      driver: this.driver,
      log: parts.log.child({ part: 'config' }),
      recheckLinks: () => host.recheck(),
    });
    this.storage = new PeerStorage(parts.node, this.driver);
  }

  /** The configuration in force: the one the peer started with until a newer one is installed. */
  get config(): OverlayConfig {
    return this.#keeper.config ?? this.#startConfig;
  }

  /** Loads the identity, binds the listener and starts joining. Throws LocalError on any failure. */
  static async start(o: PeerOptions): Promise<PeerRuntime> {
    const overlayPath = o.overlayFile ?? join(o.identityDir, OVERLAY_FILE);
    const { config, installed, document } = await readStartConfiguration(overlayPath, o.log, Date.now());
    checkSupported(config);
    if (!config.noIce) {
      throw new LocalError(
        'ERR_BAD_CONFIG',
        `overlay ${config.instanceName} needs ICE (no-ice is false); p2psip links are TLS-TCP-FH-NO-ICE only so far`,
      );
    }
    const { identity, action } = await loadOrCreateIdentity(
      o.identityDir,
      config,
      o.newKey === undefined ? {} : { newKey: o.newKey },
    );
    const len = config.nodeIdLength;
    const log = o.log.child({ node: nodeIdToHex(identity.nodeId, len) });
    log.info({ identity: o.identityDir, action }, 'identity ready');
    if (o.dataDir !== undefined) await makeDirectory(o.dataDir);
    const psk = linkPskFor(config);
    if (psk !== undefined) checkPskKey(identity.privateKey.asymmetricKeyType, config.instanceName);
    const verifier = new X509Verifier(trustSettingsFromConfig(config));
    const tls = {
      keyPem: privateKeyToPem(identity.privateKey),
      certPem: certificateToPem(identity.certificate.der),
    };
    const authenticate = (der: Uint8Array, now: number): readonly NodeId[] => {
      const cert = verifier.parse(der);
      // RFC 6940 §6.5.1 / §11.3: the same trust check as for message signers, then its Node-IDs.
      verifier.checkCertificate(cert, now);
      return cert.nodeIds;
    };
    const host = new TlsHost({
      identity: tls,
      authenticate,
      log: log.child({ part: 'tls' }),
      ...(psk === undefined ? {} : { psk }),
      ...(o.keylogPath === undefined ? {} : { keylogPath: o.keylogPath }),
      ...(o.tlsLimits === undefined ? {} : { limits: o.tlsLimits }),
    });
    const bound = await listenFrom(host, o.listen, o.listenAttempts ?? 1);
    const bootstrap = [
      ...config.bootstrapNodes.map((b) => ({ host: b.address, port: b.port })),
      ...o.bootstrap,
      ...(o.cachedPeers ?? []),
    ];
    const listen =
      o.advertise === undefined
        ? await advertisedAddress(bound, bootstrap)
        : { host: o.advertise.host, port: o.advertise.port ?? bound.port };
    const signer = new X509Signer(identity, len);
    // DESIGN §5: stored data lives in memory and in SQLite in the data directory, so a restart keeps it.
    const backend = o.dataDir === undefined ? undefined : new SqliteStorage(join(o.dataDir, STORAGE_FILE));
    const node = new ReloadNode(
      nodeConfigFrom(config, {
        listen,
        extraBootstrap: o.bootstrap,
        cachedPeers: o.cachedPeers ?? [],
        softwareVersion: o.softwareVersion,
        mayStartAlone: o.mayStartAlone === true,
        ...(o.publishCertificate === undefined ? {} : { publishCertificate: o.publishCertificate }),
      }),
      {
        localId: identity.nodeId,
        security: messageSecurity(signer, verifier),
        signer,
        verifier,
        random: new CryptoRandom(),
        log,
        ...(backend === undefined ? {} : { storageBackend: backend }),
        ...(installed === undefined ? {} : { configuration: installed }),
      },
    );
    let driver: NodeDriver | undefined;
    let sip: SipService | undefined;
    if (o.sip !== undefined) {
      try {
        sip = await SipService.open(
          {
            listen: o.sip.listen,
            ...(o.sip.tlsPort === undefined ? {} : { tlsPort: o.sip.tlsPort }),
            appListen: o.sip.appListen ?? { host: bound.host, port: 0 },
            ...(o.sip.digestAlgorithms === undefined ? {} : { digestAlgorithms: o.sip.digestAlgorithms }),
            advertiseHost: listen.host,
            identityDir: o.identityDir,
            identity,
            tls,
            authenticate,
            nodeIdLength: len,
            log,
          },
          node,
          () => driver?.now() ?? Date.now(),
        );
      } catch (e) {
        await host.shutdown();
        backend?.close();
        throw e;
      }
    }
    const peer = new PeerRuntime({
      node,
      host,
      config,
      listen,
      log,
      identity,
      document,
      ...(backend === undefined ? {} : { backend }),
      ...(sip === undefined ? {} : { sip }),
      keeper: {
        path: overlayPath,
        // RFC 6940 §11.1: the new document's root-certs and bad-nodes apply from now on, to links too.
        applyTrust: (next) => {
          try {
            verifier.setTrustSettings(trustSettingsFromConfig(next));
          } catch (e) {
            log.error({ reason: errorMessage(e) }, 'the new configuration has no usable trust settings');
          }
        },
        ...(o.configRefreshMs === undefined ? {} : { refreshMs: o.configRefreshMs }),
      },
    });
    driver = peer.driver;
    log.info(
      {
        bound: formatHostPort(bound.host, bound.port),
        advertised: formatHostPort(listen.host, listen.port),
        admission: psk === undefined ? 'certificates' : 'shared secret (TLS RSA_PSK) and certificates',
      },
      'listening',
    );
    peer.driver.start();
    return peer;
  }

  get nodeId(): NodeId {
    return this.node.localId;
  }

  /** Bootstrap addresses learned while running (cached peers, a bootstrap server, LAN discovery). */
  addBootstrapPeers(peers: readonly HostPort[], source: string): void {
    if (peers.length === 0) return;
    this.#log.info(
      { source, peers: peers.map((p) => formatHostPort(p.host, p.port)) },
      'bootstrap: addresses learned',
    );
    this.driver.run('bootstrap peers', (now) => this.node.addBootstrapPeers(peers, now));
  }

  /** The peers this one knows of in the overlay (its routing table), itself included. */
  peersInView(): number {
    const t = this.node.chord.table;
    return new Set([...t.successors, ...t.predecessors, ...t.fingerList(), this.nodeId]).size;
  }

  status(): PeerStatus {
    return {
      sip: this.sip?.address ?? null,
      registrations: this.sip?.adapter.registrations ?? 0,
      ...this.node.status(),
      internalErrors: this.driver.internalErrors,
      connections: this.host.connectionCount,
      configurationSequence: this.node.transport.configurationSequence,
    };
  }

  ping(destination: Destination): Promise<RequestResult> {
    return new Promise((resolve) => {
      const sent = this.driver.run('ping', (now) => {
        this.node.ping(destination, now, resolve);
        return true;
      });
      if (sent !== true) {
        resolve({ ok: false, errorCode: 0, info: new Uint8Array(), reason: INTERNAL, signer: undefined });
      }
    });
  }

  trace(destination: Destination): Promise<TraceResult> {
    return new Promise((resolve) => {
      const sent = this.driver.run('trace', (now) => {
        this.node.trace(destination, now, resolve);
        return true;
      });
      if (sent !== true) resolve({ ok: false, hops: [], reason: INTERNAL });
    });
  }

  /** The stored SIP registrations of an AOR (RFC 7904 §3), for `p2psip lookup`. */
  lookup(aor: Aor): Promise<LookupResult> {
    return new Promise((resolve) => {
      const sent = this.driver.run('lookup', (now) => {
        lookupRegistrations(this.node, aor, now, resolve);
        return true;
      });
      if (sent !== true) resolve({ ok: false, reason: INTERNAL });
    });
  }

  /** Leaves the overlay gracefully, then closes every socket. */
  async stop(): Promise<void> {
    this.#log.info('leaving the overlay');
    await this.sip?.close();
    await this.driver.stop();
    await this.#keeper.stop();
    await this.host.shutdown();
    this.#backend?.close();
    this.events.close();
    this.#log.info('stopped');
  }
}

/** Binds listen.port, or when it is taken one of the `attempts - 1` ports after it. */
async function listenFrom(host: TlsHost, listen: HostPort, attempts: number): Promise<HostPort> {
  for (let i = 0; ; i++) {
    try {
      return await host.listen(listen.host, listen.port + i);
    } catch (e) {
      if (!isAddressInUse(e) || listen.port === 0 || i + 1 >= attempts || listen.port + i >= 65535) throw e;
    }
  }
}

async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new LocalError('ERR_IO', `cannot create ${dir}: ${errorMessage(e)}`, { cause: e });
  }
}
