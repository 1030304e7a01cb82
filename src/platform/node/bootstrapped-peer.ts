import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { overlayFingerprint } from '../../reload/config/fingerprint.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { parseOverlayConfig } from '../../reload/config/parse.js';
import { BootstrapMethods } from './bootstrap-methods.js';
import { bootstrapServers } from './bootstrap-server.js';
import { serveConfiguration } from './config-endpoint.js';
import type { HttpServerHandle } from './http-server.js';
import { inFile, ioError, OVERLAY_FILE } from './identity-files.js';
import type { LanHost } from './lan-host.js';
import { PEER_CACHE_FILE, readPeerCache } from './peer-cache.js';
import { type PeerOptions, PeerRuntime } from './peer-runtime.js';

/**
 * A peer with every bootstrap method (RFC 6940 §11.4; thesis §3.3.2), for `p2psip peer` and `p2psip start`:
 * cached peers from DATA/peers.json (when there is a data directory) tried first, then the configured
 * bootstrap nodes, bootstrap servers (given, and the document's enrollment-servers), and LAN discovery
 * when a LanHost is given, with the document served to the LAN for nodes that have none yet.
 */
export interface BootstrappedPeerOptions extends Omit<PeerOptions, 'cachedPeers'> {
  readonly bootstrapServers: readonly URL[];
  readonly lan?: LanHost;
}

export interface BootstrappedPeer {
  readonly peer: PeerRuntime;
  readonly fingerprint: string;
  stop(): Promise<void>;
}

export async function startBootstrappedPeer(o: BootstrappedPeerOptions): Promise<BootstrappedPeer> {
  const overlayFile = o.overlayFile ?? join(o.identityDir, OVERLAY_FILE);
  const config = await readConfig(overlayFile);
  const fingerprint = overlayFingerprint(config);
  const overlay = { name: config.instanceName, fingerprint };
  const cacheFile = o.dataDir === undefined ? undefined : join(o.dataDir, PEER_CACHE_FILE);
  const cache = cacheFile === undefined ? { peers: [] } : await readPeerCache(cacheFile, overlay);
  if (cache.problem !== undefined) o.log.warn({ reason: cache.problem }, 'bootstrap: peer cache ignored');
  const servers = usableServers(config, o.bootstrapServers, o.log);
  o.log.info(
    {
      cachedPeers: cache.peers.map((p) => formatHostPort(p.address, p.port)),
      configured: [
        ...config.bootstrapNodes.map((b) => formatHostPort(b.address, b.port)),
        ...o.bootstrap.map((b) => formatHostPort(b.host, b.port)),
      ],
      servers: servers.map((u) => u.href),
      lan: o.lan !== undefined,
    },
    'bootstrap methods: cached peers, configured nodes, bootstrap servers, LAN discovery',
  );
  const peer = await PeerRuntime.start({
    ...o,
    overlayFile,
    cachedPeers: cache.peers.map((p) => ({ host: p.address, port: p.port })),
  });
  let endpoint: HttpServerHandle | undefined;
  let methods: BootstrapMethods | undefined;
  try {
    // The document goes to the LAN on the RELOAD listener's interface, at a port the OS picks.
    endpoint =
      o.lan === undefined ? undefined : await serveConfiguration(o.listen.host, peer.document, o.log);
    methods = new BootstrapMethods({
      peer,
      log: o.log,
      fingerprint,
      ...(cacheFile === undefined ? {} : { cache: { file: cacheFile, peers: cache.peers } }),
      servers,
      ...(o.lan === undefined ? {} : { lan: o.lan }),
      ...(endpoint === undefined ? {} : { configPort: endpoint.port }),
    });
    methods.start();
  } catch (e) {
    await methods?.stop();
    await endpoint?.close();
    await peer.stop();
    throw e;
  }
  return {
    peer,
    fingerprint,
    stop: async () => {
      await methods?.stop();
      await peer.stop();
      await endpoint?.close();
    },
  };
}

async function readConfig(path: string): Promise<OverlayConfig> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw ioError('read', path, e);
  }
  return inFile(path, () => parseOverlayConfig(bytes).config);
}

/** Bootstrap servers need the overlay's root-certs to be checked: a self-signed overlay has none. */
function usableServers(config: OverlayConfig, given: readonly URL[], log: Logger): URL[] {
  const all = bootstrapServers(config, given);
  if (all.length > 0 && config.rootCerts.length === 0) {
    log.warn(
      { servers: all.map((u) => u.href) },
      'bootstrap: a self-signed overlay has no root-cert to check a bootstrap server with: not using it',
    );
    return [];
  }
  return all;
}
