import { second } from '../../core/clock.js';
import { overlayHash } from '../../reload/config/hashes.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import type { HostPort } from '../../reload/node/attach.js';
import type { ReloadNodeConfig } from '../../reload/node.js';
import { DEFAULT_CHORD_OPTIONS } from '../../reload/topology/chord/options.js';

/**
 * OverlayConfig (the overlay's document, RFC 6940 §11.1) plus the command line → the node's configuration.
 * Pure, so what a document means for a peer is testable without starting one.
 */
/** How often a joined peer checks its bootstrap nodes for a partitioned ring. */
export const PARTITION_CHECK_INTERVAL = 60 * second;

export interface LocalSettings {
  /** The advertised (concrete) address of our listener. */
  readonly listen: HostPort;
  /** `--bootstrap` addresses, tried after the document's bootstrap nodes. */
  readonly extraBootstrap: readonly HostPort[];
  /** Peers linked in an earlier run, tried first (they were in the overlay most recently). */
  readonly cachedPeers?: readonly HostPort[];
  readonly softwareVersion: string;
  /** `--no-certificate-publishing`: keep our certificate out of the overlay's certificate kinds. */
  readonly publishCertificate?: boolean;
  /** This node created the overlay and may start it alone (ReloadNodeConfig.mayStartAlone). */
  readonly mayStartAlone?: boolean;
}

export function nodeConfigFrom(config: OverlayConfig, local: LocalSettings): ReloadNodeConfig {
  const c = config.chord;
  return {
    overlayName: config.instanceName,
    // RFC 6940 §6.3.2: the forwarding header carries the low 32 bits of SHA-1 of the overlay name.
    overlayHash: overlayHash(config.instanceName),
    configurationSequence: config.sequence,
    nodeIdLength: config.nodeIdLength,
    initialTtl: config.initialTtl,
    maxMessageSize: config.maxMessageSize,
    reliabilityTimer: config.reliabilityTimer,
    listen: local.listen,
    bootstrap: [
      ...(local.cachedPeers ?? []),
      ...config.bootstrapNodes.map((b) => ({ host: b.address, port: b.port })),
      ...local.extraBootstrap,
    ],
    ...(local.mayStartAlone === true ? { mayStartAlone: true } : {}),
    chord: {
      // The table maintenance the simulator measured (finger slots, probes, coalesced reactive Updates),
      // without its connectivity checks: a real peer process that dies closes its TLS links at once, and on
      // a CPU-starved host the checks (one Update, one timeout) declared live neighbours dead, buried them for
      // a keepalive period and broke a 3-peer ring apart. A silently vanished host is still noticed when an
      // Update goes unanswered 5 times (RFC 6940 §6.2.1's maximum).
      fingerDensity: DEFAULT_CHORD_OPTIONS.fingerDensity,
      fingerProbesPerPeriod: DEFAULT_CHORD_OPTIONS.fingerProbesPerPeriod,
      reactiveDelay: DEFAULT_CHORD_OPTIONS.reactiveDelay,
      updateTransmissions: 5,
      successors: c.successorCount,
      predecessors: c.predecessorCount,
      fingers: c.fingerCount,
      // RFC 6940 §10.7.4.1 chord-update-interval and §10.7.4.2 chord-ping-interval are in seconds.
      updateInterval: c.updateInterval * second,
      fingerInterval: c.pingInterval * second,
      reactive: c.reactive,
    },
    softwareVersion: local.softwareVersion,
    // RFC 6940 §10.7.4.3: re-contact the bootstrap nodes now and then to detect a partitioned ring.
    partitionCheckInterval: PARTITION_CHECK_INTERVAL,
    // RFC 6940 §11.1 kind-blocks and our replica count (§10.4: two copies besides the responsible peer);
    // §8: every node keeps its certificate in the overlay.
    storage: {
      kinds: config.kinds,
      replicaCount: config.replicaCount,
      publishCertificate: local.publishCertificate ?? true,
    },
  };
}
