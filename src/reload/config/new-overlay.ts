import { defaultKinds } from './kinds.js';
import {
  type BootstrapNode,
  CONFIG_DEFAULTS,
  type OverlayConfig,
  type SelfSignedDigest,
} from './overlay-config.js';
import { configError, isOverlayName } from './values.js';

/** What `p2psip overlay create` asks for, in both modes. */
export interface NewOverlayOptions {
  readonly name: string;
  readonly bootstrapNodes: readonly BootstrapNode[];
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly sharedSecret?: string;
  /** Default sha256: both are mandatory to implement (RFC 6940 §11.1); SHA-1 is the weaker. */
  readonly digest?: SelfSignedDigest;
  /** Lower-case hex Node-IDs allowed to sign the next configuration (RFC 6940 §11.1 configuration-signer). */
  readonly configurationSigners?: readonly string[];
}

/** A CA overlay (RFC 6940 §11.3): nodes get certificates from the enrollment server. */
export interface NewCaOverlayOptions extends NewOverlayOptions {
  /** DER of the overlay CA's certificate, the one root-cert. */
  readonly rootCert: Uint8Array;
  /** https URLs of the enrollment service (RFC 6940 §11.1 enrollment-server). */
  readonly enrollmentServers: readonly string[];
}

/** How long a new self-signed overlay's document stays fresh: there is no server to refetch it from. */
export const NEW_OVERLAY_LIFETIME_MS = 20 * 365 * 24 * 3600 * 1000;

/**
 * How long a CA overlay's document stays fresh. Its configuration server serves the current one, and
 * RFC 6940 §11.1 asks nodes to fetch it again before `expiration`; `p2psip overlay update` renews it.
 */
export const CA_OVERLAY_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/**
 * max-message-size of the overlays we create. The RFC's default of 5000 bytes cannot carry a signed
 * configuration document in a ConfigUpdate (RFC 6940 §6.5.4): a root certificate, a SecurityBlock with the
 * signer's certificate and the kinds come to about 5 KB before the message's own certificate and
 * signature are added.
 */
export const NEW_OVERLAY_MAX_MESSAGE_SIZE = 16 * 1024;

function base(o: NewOverlayOptions, lifetimeMs: number): OverlayConfig {
  if (!isOverlayName(o.name))
    throw configError('overlay name', `must be a DNS name, got ${JSON.stringify(o.name)}`);
  const D = CONFIG_DEFAULTS;
  return {
    instanceName: o.name,
    sequence: 1,
    expiration: Math.floor((o.now + lifetimeMs) / 1000) * 1000,
    topologyPlugin: D.topologyPlugin,
    nodeIdLength: D.nodeIdLength,
    rootCerts: [],
    enrollmentServers: [],
    selfSignedPermitted: false,
    selfSignedDigest: o.digest ?? 'sha256',
    bootstrapNodes: [...o.bootstrapNodes],
    turnDensity: D.turnDensity,
    clientsPermitted: D.clientsPermitted,
    noIce: true,
    chord: { ...D.chord },
    ...(o.sharedSecret === undefined ? {} : { sharedSecret: o.sharedSecret }),
    maxMessageSize: NEW_OVERLAY_MAX_MESSAGE_SIZE,
    initialTtl: D.initialTtl,
    reliabilityTimer: D.reliabilityTimer,
    linkProtocols: [...D.linkProtocols],
    configurationSigners: [...(o.configurationSigners ?? [])],
    kindSigners: [],
    badNodes: [],
    mandatoryExtensions: [],
    kinds: defaultKinds(),
    replicaCount: D.replicaCount,
  };
}

/**
 * A new self-signed overlay (RFC 6940 §11.3.1): CHORD-RELOAD, No-ICE (TLS over TCP to the bootstrap nodes
 * and between peers), 16-byte Node-IDs, the RFC's limits, the RELOAD and SIP usage kinds, sequence 1.
 */
export function newSelfSignedOverlay(o: NewOverlayOptions): OverlayConfig {
  return { ...base(o, NEW_OVERLAY_LIFETIME_MS), selfSignedPermitted: true };
}

/**
 * A new CA overlay (RFC 6940 §11.3): the same parameters as a self-signed one, but self-signed certificates
 * are refused and every node certificate must chain to `rootCert`.
 */
export function newCaOverlay(o: NewCaOverlayOptions): OverlayConfig {
  return {
    ...base(o, CA_OVERLAY_LIFETIME_MS),
    rootCerts: [o.rootCert],
    enrollmentServers: [...o.enrollmentServers],
  };
}
