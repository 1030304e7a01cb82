import type { KindId } from '../../core/ids.js';
import type { AccessPolicy, DataModel } from '../messages/data-model.js';

/**
 * The typed form of one `<configuration>` element of an overlay configuration document (RFC 6940 §11.1),
 * with every default filled in, plus the p2psip settings RFC 6940 leaves to implementations.
 */

/** XML namespaces of the document (RFC 6940 §14.17, RFC 7904 §3.4) and our own settings. */
export const CONFIG_NS = {
  base: 'urn:ietf:params:xml:ns:p2p:config-base',
  chord: 'urn:ietf:params:xml:ns:p2p:config-chord',
  sip: 'urn:ietf:params:xml:ns:p2p:config-base:sip',
  /**
   * Our implementation settings that RFC 6940 leaves open (neighbour and finger table sizes, replicas).
   * A private namespace name, not registered: other implementations ignore it as a foreign element
   * (RFC 6940 §11.1.1 `foreign-elements`), so it is never listed as a mandatory-extension.
   */
  p2psip: 'urn:p2psip:config',
} as const;

export type SelfSignedDigest = 'sha1' | 'sha256';

export interface BootstrapNode {
  readonly family: 'ipv4' | 'ipv6';
  /** An IP literal; IPv6 in the RFC 5952 canonical form. */
  readonly address: string;
  readonly port: number;
}

/** RFC 7904 §3.4: which AOR domains a SIP-REGISTRATION may be stored for. */
export interface DomainRestriction {
  /** false: only the overlay's own domain; true: only domains matching one of `patterns`. */
  readonly enable: boolean;
  /** POSIX extended regular expressions, matched against the whole domain. */
  readonly patterns: readonly string[];
}

/** One kind the overlay's members must support (RFC 6940 §11.1 `kind-block`). */
export interface KindDefinition {
  readonly id: KindId;
  /** The IANA name when the document names the kind (`<kind name="...">`); absent for `<kind id="...">`. */
  readonly name?: string;
  readonly dataModel: DataModel;
  readonly accessPolicy: AccessPolicy;
  readonly maxCount: number;
  readonly maxSize: number;
  /** NODE-MULTIPLE only: the largest i in H(Node-ID ‖ i) (RFC 6940 §7.3.4). */
  readonly maxNodeMultiple?: number;
  readonly domainRestriction?: DomainRestriction;
}

export interface ChordSettings {
  /** Seconds between neighbour Updates (RFC 6940 §10.7.4.1 chord-update-interval). */
  readonly updateInterval: number;
  /** Minimum seconds between finger-search Pings (RFC 6940 §10.7.4.2 chord-ping-interval). */
  readonly pingInterval: number;
  /** Reactive (true) or periodic recovery (RFC 6940 §10.7.4.1 chord-reactive). */
  readonly reactive: boolean;
  /** p2psip: successors kept (RFC 6940 §10.3: at least three). */
  readonly successorCount: number;
  /** p2psip: predecessors kept (RFC 6940 §10.3: at least three). */
  readonly predecessorCount: number;
  /** p2psip: finger table size (RFC 6940 §10.7.4.3: grow to 16, be able to reach 128). */
  readonly fingerCount: number;
}

export interface OverlayConfig {
  /** The overlay name, a DNS name (RFC 6940 §11.1 instance-name). */
  readonly instanceName: string;
  /** 0..65534 (RFC 6940 §11.1: "between 0 and 2^16-2"; 65535 only ever appears in a ConfigUpdate). */
  readonly sequence: number;
  /** Milliseconds since the epoch after which the document is stale; absent when the document sets none. */
  readonly expiration?: number;
  readonly topologyPlugin: string;
  readonly nodeIdLength: number;
  /** DER of each trust anchor, as written (not checked here: reload/security parses certificates). */
  readonly rootCerts: readonly Uint8Array[];
  readonly enrollmentServers: readonly string[];
  readonly selfSignedPermitted: boolean;
  /** The digest that makes a self-signed Node-ID from the public key (RFC 6940 §11.3.1). */
  readonly selfSignedDigest: SelfSignedDigest;
  readonly bootstrapNodes: readonly BootstrapNode[];
  /** 0..255; 0 means the overlay has no TURN servers (RFC 6940 §11.1). */
  readonly turnDensity: number;
  readonly clientsPermitted: boolean;
  readonly noIce: boolean;
  readonly chord: ChordSettings;
  readonly sharedSecret?: string;
  readonly maxMessageSize: number;
  readonly initialTtl: number;
  /** End-to-end retransmission timer in milliseconds (RFC 6940 §11.1 overlay-reliability-timer). */
  readonly reliabilityTimer: number;
  readonly linkProtocols: readonly string[];
  /** Lower-case hex Node-IDs (see values.ts parseHexNodeId). */
  readonly configurationSigners: readonly string[];
  readonly kindSigners: readonly string[];
  readonly badNodes: readonly string[];
  readonly mandatoryExtensions: readonly string[];
  readonly kinds: readonly KindDefinition[];
  /** p2psip: copies kept on successors besides the responsible peer's (RFC 6940 §10.4: two). */
  readonly replicaCount: number;
}

/** RFC 6940 §11.1 and §10 defaults (reload-digest §8.3, §20) for what a document leaves out. */
export const CONFIG_DEFAULTS = Object.freeze({
  sequence: 0,
  topologyPlugin: 'CHORD-RELOAD',
  nodeIdLength: 16,
  selfSignedPermitted: false,
  selfSignedDigest: 'sha1' as SelfSignedDigest,
  bootstrapPort: 6084,
  turnDensity: 1,
  clientsPermitted: true,
  noIce: false,
  chord: Object.freeze({
    // RFC 6940 §10.7.4.1 says "about ten minutes"; the §11.1 example uses 400.
    updateInterval: 600,
    pingInterval: 3600,
    reactive: true,
    successorCount: 3,
    predecessorCount: 3,
    fingerCount: 16,
  }),
  maxMessageSize: 5000,
  initialTtl: 100,
  reliabilityTimer: 3000,
  linkProtocols: Object.freeze(['TLS']),
  replicaCount: 2,
});

/** Bounds we enforce; each is a MUST of RFC 6940 or a sanity limit named in the comment. */
export const CONFIG_LIMITS = Object.freeze({
  sequence: { min: 0, max: 0xfffe },
  nodeIdLength: { min: 16, max: 20 },
  turnDensity: { min: 0, max: 255 },
  /** An interval of 0 would spin; a day is the longest we accept. */
  chordInterval: { min: 1, max: 86_400 },
  /** RFC 6940 §10.3: at least three; 32 is a sanity ceiling. */
  neighbourCount: { min: 3, max: 32 },
  /** RFC 6940 §10.7.4.3: at least 16, at most 128. */
  fingerCount: { min: 16, max: 128 },
  /** A RELOAD message needs at least its 38-byte header; TLS framing carries at most 2^24-1 bytes. */
  maxMessageSize: { min: 38, max: 0xff_ffff },
  /** The TTL field is a uint8. */
  initialTtl: { min: 1, max: 255 },
  /** RFC 6940 §11.1: at least 200 ms; a minute is a sanity ceiling. */
  reliabilityTimer: { min: 200, max: 60_000 },
  kindCount: { min: 0, max: 0x7fff_ffff },
  maxNodeMultiple: { min: 1, max: 0x7fff_ffff },
});
