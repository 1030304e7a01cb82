import { defaultKinds } from './kinds.js';
import {
  type BootstrapNode,
  CONFIG_DEFAULTS,
  type OverlayConfig,
  type SelfSignedDigest,
} from './overlay-config.js';
import { configError, isOverlayName } from './values.js';

/** What `p2psip overlay create --self-signed` asks for. */
export interface NewOverlayOptions {
  readonly name: string;
  readonly bootstrapNodes: readonly BootstrapNode[];
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly sharedSecret?: string;
  /** Default sha256: both are mandatory to implement (RFC 6940 §11.1); SHA-1 is the weaker. */
  readonly digest?: SelfSignedDigest;
}

/** How long a new overlay's document stays fresh: self-signed overlays have no server to refetch it from. */
export const NEW_OVERLAY_LIFETIME_MS = 20 * 365 * 24 * 3600 * 1000;

/**
 * A new self-signed overlay (RFC 6940 §11.3.1): CHORD-RELOAD, No-ICE (TLS over TCP to the bootstrap nodes
 * and between peers), 16-byte Node-IDs, the RFC's limits, the RELOAD and SIP usage kinds, sequence 1.
 */
export function newSelfSignedOverlay(o: NewOverlayOptions): OverlayConfig {
  if (!isOverlayName(o.name))
    throw configError('overlay name', `must be a DNS name, got ${JSON.stringify(o.name)}`);
  const D = CONFIG_DEFAULTS;
  return {
    instanceName: o.name,
    sequence: 1,
    expiration: Math.floor((o.now + NEW_OVERLAY_LIFETIME_MS) / 1000) * 1000,
    topologyPlugin: D.topologyPlugin,
    nodeIdLength: D.nodeIdLength,
    rootCerts: [],
    enrollmentServers: [],
    selfSignedPermitted: true,
    selfSignedDigest: o.digest ?? 'sha256',
    bootstrapNodes: [...o.bootstrapNodes],
    turnDensity: D.turnDensity,
    clientsPermitted: D.clientsPermitted,
    noIce: true,
    chord: { ...D.chord },
    ...(o.sharedSecret === undefined ? {} : { sharedSecret: o.sharedSecret }),
    maxMessageSize: D.maxMessageSize,
    initialTtl: D.initialTtl,
    reliabilityTimer: D.reliabilityTimer,
    linkProtocols: [...D.linkProtocols],
    configurationSigners: [],
    kindSigners: [],
    badNodes: [],
    mandatoryExtensions: [],
    kinds: defaultKinds(),
    replicaCount: D.replicaCount,
  };
}
