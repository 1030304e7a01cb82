import { fileURLToPath } from 'node:url';
import { formatHostPort } from '../core/ip.js';
import type { Logger } from '../core/logger.js';
import { type ControlPeer, controlApi } from '../dashboard/control-api.js';
import { createMetrics, type Metrics, type SipMetricsSource } from '../dashboard/metrics.js';
import { type HttpServerHandle, startHttpServer } from '../platform/node/http-server.js';
import { isAddressInUse } from '../platform/node/listen.js';
import type { PeerRuntime } from '../platform/node/peer-runtime.js';
import type { SipService } from '../platform/node/sip-service.js';
import { readWebAssets } from '../platform/node/web-assets.js';
import type { HostPort } from '../reload/node/attach.js';

/**
 * The control API of a running peer (DESIGN §4) for `p2psip peer` and `p2psip start`: /status, /metrics,
 * /events, /ping, /trace and the dashboard page, on `at` (or, with `attempts` > 1, the next free port).
 */
export function metricsOf(peer: PeerRuntime): Metrics {
  const t = peer.node.transport;
  return createMetrics({
    stats: t.stats,
    links: () => t.connections.upCount,
    connections: () => peer.host.connectionCount,
    routingTableSize: () => peer.node.chord.table.size,
    pendingRequests: () => t.pendingRequests,
    internalErrors: () => peer.driver.internalErrors,
    tlsRefused: () => peer.host.refused,
    ...(peer.sip === undefined ? {} : { sip: sipMetricsOf(peer.sip) }),
    storage: peer.storage,
  });
}

function sipMetricsOf(sip: SipService): SipMetricsSource {
  return {
    stats: sip.adapter.stats,
    transactions: () => sip.adapter.transactions.size,
    registrations: () => sip.adapter.registrations,
    bindings: () => sip.adapter.bindings.bindingCount,
    connections: () => sip.transports.connectionCount,
    appConnections: () => sip.appConnections.connectionCount,
    dropped: () => sip.transports.stats.dropped,
    datagramsIn: () => sip.transports.stats.datagramsIn,
    streamMessagesIn: () => sip.transports.stats.streamMessagesIn,
  };
}

const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

export async function startControl(
  peer: PeerRuntime,
  at: HostPort,
  log: Logger,
  attempts = 1,
): Promise<HttpServerHandle> {
  const target: ControlPeer = peer;
  const handler = controlApi(target, metricsOf(peer), await readWebAssets(WEB_DIR));
  const clog = log.child({ part: 'control' });
  for (let i = 0; ; i++) {
    try {
      const control = await startHttpServer(at.host, at.port === 0 ? 0 : at.port + i, handler, { log: clog });
      const where = formatHostPort(control.host, control.port);
      if (!(control.host.startsWith('127.') || control.host === '::1')) {
        log.warn(
          { control: where },
          'the control API has no authentication and is reachable from the network',
        );
      }
      return control;
    } catch (e) {
      if (!isAddressInUse(e) || at.port === 0 || i + 1 >= attempts || at.port + i >= 65535) throw e;
    }
  }
}
