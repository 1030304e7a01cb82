import { formatIPv6, ipFamily, parseIPv6 } from '../../core/ip.js';
import {
  type BootstrapNode,
  CONFIG_DEFAULTS,
  CONFIG_LIMITS,
  CONFIG_NS,
  type KindDefinition,
  type OverlayConfig,
  type SelfSignedDigest,
} from './overlay-config.js';
import {
  attribute,
  configError,
  isOverlayName,
  label,
  leafText,
  parseBase64,
  parseBoolean,
  parseDateTime,
  parseHexNodeId,
  parseInteger,
} from './values.js';
import type { XmlElement } from './xml-tree.js';

/**
 * The parameters of one `<configuration>` element (RFC 6940 §11.1, §11.1.1 grammar) and our own p2psip
 * ones, each read with its type, bounds and default.
 */

export const key = (ns: string, name: string): string => `${ns} ${name}`;

/** Configuration parameters: name → may it repeat (RFC 6940 §11.1.1 `*` versus `?`). */
const PARAMETERS: ReadonlyMap<string, boolean> = new Map([
  ...[
    ['topology-plugin', false],
    ['node-id-length', false],
    ['root-cert', true],
    ['enrollment-server', true],
    ['self-signed-permitted', false],
    ['bootstrap-node', true],
    ['turn-density', false],
    ['clients-permitted', false],
    ['no-ice', false],
    ['shared-secret', false],
    ['max-message-size', false],
    ['initial-ttl', false],
    ['overlay-reliability-timer', false],
    ['overlay-link-protocol', true],
    ['configuration-signer', true],
    ['kind-signer', true],
    ['bad-node', true],
    ['mandatory-extension', true],
    ['required-kinds', false],
  ].map(([n, many]) => [key(CONFIG_NS.base, n as string), many as boolean] as const),
  ...['chord-update-interval', 'chord-ping-interval', 'chord-reactive'].map(
    (n) => [key(CONFIG_NS.chord, n), false] as const,
  ),
  ...['successor-count', 'predecessor-count', 'finger-count', 'replica-count'].map(
    (n) => [key(CONFIG_NS.p2psip, n), false] as const,
  ),
]);

/** Groups the known parameters; rejects unknown ones in our namespaces and repeated singletons. */
export function groupChildren(config: XmlElement): Map<string, XmlElement[]> {
  const out = new Map<string, XmlElement[]>();
  for (const c of config.children) {
    const k = key(c.ns, c.name);
    const many = PARAMETERS.get(k);
    if (many === undefined) {
      const ours =
        c.ns === CONFIG_NS.base || c.ns === CONFIG_NS.chord || c.ns === CONFIG_NS.p2psip || c.ns === '';
      if (ours) throw configError(label(c), 'is not a configuration parameter (RFC 6940 §11.1.1)');
      continue;
    }
    const list = out.get(k) ?? [];
    if (!many && list.length > 0) throw configError(label(c), 'may appear only once');
    list.push(c);
    out.set(k, list);
  }
  for (const a of config.attributes) {
    if (a.ns === '' && !['instance-name', 'sequence', 'expiration'].includes(a.name)) {
      throw configError(label(config, a.name), 'is not an attribute of <configuration>');
    }
  }
  return out;
}

export type Children = ReadonlyMap<string, readonly XmlElement[]>;

/** A reader of optional single-valued parameters with a default. */
function reader(children: Children) {
  const one = (ns: string, name: string): XmlElement | undefined => children.get(key(ns, name))?.[0];
  const all = (ns: string, name: string): readonly XmlElement[] => children.get(key(ns, name)) ?? [];
  const int = (ns: string, name: string, dflt: number, lim: { min: number; max: number }): number => {
    const el = one(ns, name);
    return el === undefined ? dflt : parseInteger(label(el), leafText(el), lim.min, lim.max);
  };
  const bool = (ns: string, name: string, dflt: boolean): boolean => {
    const el = one(ns, name);
    return el === undefined ? dflt : parseBoolean(label(el), leafText(el));
  };
  return { one, all, int, bool };
}

export function buildConfig(
  el: XmlElement,
  children: Children,
  kinds: readonly KindDefinition[],
): OverlayConfig {
  const r = reader(children);
  const B = CONFIG_NS.base;
  const D = CONFIG_DEFAULTS;
  const L = CONFIG_LIMITS;
  const instanceName = (attribute(el, 'instance-name') ?? '').trim();
  if (!isOverlayName(instanceName)) {
    throw configError(label(el, 'instance-name'), `must be a DNS name, got ${JSON.stringify(instanceName)}`);
  }
  const seqText = attribute(el, 'sequence');
  const expText = attribute(el, 'expiration');
  const nodeIdLength = r.int(B, 'node-id-length', D.nodeIdLength, L.nodeIdLength);
  const hexIds = (name: string): string[] =>
    r.all(B, name).map((e) => parseHexNodeId(label(e), leafText(e), nodeIdLength));
  const texts = (name: string): string[] => r.all(B, name).map(nonEmptyText);
  const selfSigned = readSelfSigned(r.one(B, 'self-signed-permitted'));
  const sharedSecret = r.one(B, 'shared-secret');
  const config: OverlayConfig = {
    instanceName,
    sequence:
      seqText === undefined
        ? D.sequence
        : parseInteger(label(el, 'sequence'), seqText, L.sequence.min, L.sequence.max),
    ...(expText === undefined ? {} : { expiration: parseDateTime(label(el, 'expiration'), expText) }),
    topologyPlugin: readTopology(r.one(B, 'topology-plugin')),
    nodeIdLength,
    rootCerts: r.all(B, 'root-cert').map((e) => parseBase64(label(e), leafText(e))),
    enrollmentServers: r.all(B, 'enrollment-server').map(readHttpsUrl),
    selfSignedPermitted: selfSigned.permitted,
    selfSignedDigest: selfSigned.digest,
    bootstrapNodes: r.all(B, 'bootstrap-node').map(readBootstrapNode),
    turnDensity: r.int(B, 'turn-density', D.turnDensity, L.turnDensity),
    clientsPermitted: r.bool(B, 'clients-permitted', D.clientsPermitted),
    noIce: r.bool(B, 'no-ice', D.noIce),
    chord: readChord(r),
    ...(sharedSecret === undefined ? {} : { sharedSecret: nonEmptyText(sharedSecret) }),
    maxMessageSize: r.int(B, 'max-message-size', D.maxMessageSize, L.maxMessageSize),
    initialTtl: r.int(B, 'initial-ttl', D.initialTtl, L.initialTtl),
    reliabilityTimer: r.int(B, 'overlay-reliability-timer', D.reliabilityTimer, L.reliabilityTimer),
    // RFC 6940 §11.1: no overlay-link-protocol element means "TLS" (TLS and DTLS).
    linkProtocols:
      texts('overlay-link-protocol').length > 0 ? texts('overlay-link-protocol') : [...D.linkProtocols],
    configurationSigners: hexIds('configuration-signer'),
    kindSigners: hexIds('kind-signer'),
    badNodes: hexIds('bad-node'),
    mandatoryExtensions: texts('mandatory-extension'),
    kinds,
    replicaCount: r.int(CONFIG_NS.p2psip, 'replica-count', D.replicaCount, {
      min: 1,
      max: L.neighbourCount.max,
    }),
  };
  checkConsistency(config);
  return deepFreeze(config);
}

function nonEmptyText(el: XmlElement): string {
  const t = leafText(el);
  if (t === '') throw configError(label(el), 'must not be empty');
  return t;
}

function readTopology(el: XmlElement | undefined): string {
  if (el === undefined) return CONFIG_DEFAULTS.topologyPlugin;
  const t = leafText(el);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(t))
    throw configError(label(el), `is not a plug-in name: ${JSON.stringify(t)}`);
  return t;
}

/** RFC 6940 §11.1: enrollment-server URLs MUST be https. */
function readHttpsUrl(el: XmlElement): string {
  const t = leafText(el);
  let ok = false;
  try {
    ok = new URL(t).protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) throw configError(label(el), `must be an https: URL, got ${JSON.stringify(t)}`);
  return t;
}

function readSelfSigned(el: XmlElement | undefined): { permitted: boolean; digest: SelfSignedDigest } {
  if (el === undefined) return { permitted: false, digest: CONFIG_DEFAULTS.selfSignedDigest };
  const digest = attribute(el, 'digest')?.trim();
  // RFC 6940 §11.1: the digest is sha1 or sha256, and both MUST be supported.
  if (digest !== 'sha1' && digest !== 'sha256') {
    throw configError(label(el, 'digest'), `must be sha1 or sha256, got ${JSON.stringify(digest ?? null)}`);
  }
  return { permitted: parseBoolean(label(el), leafText(el)), digest };
}

function readBootstrapNode(el: XmlElement): BootstrapNode {
  const address = (attribute(el, 'address') ?? '').trim();
  const family = ipFamily(address);
  if (family === undefined || address.startsWith('[')) {
    throw configError(
      label(el, 'address'),
      `must be an IPv4 or IPv6 address, got ${JSON.stringify(address)}`,
    );
  }
  const portText = attribute(el, 'port');
  const port =
    portText === undefined
      ? CONFIG_DEFAULTS.bootstrapPort
      : parseInteger(label(el, 'port'), portText, 1, 65535);
  if (family === 4) return { family: 'ipv4', address, port };
  return { family: 'ipv6', address: formatIPv6(parseIPv6(address) ?? new Uint8Array(16)), port };
}

function readChord(r: ReturnType<typeof reader>): OverlayConfig['chord'] {
  const C = CONFIG_NS.chord;
  const P = CONFIG_NS.p2psip;
  const D = CONFIG_DEFAULTS.chord;
  const L = CONFIG_LIMITS;
  return {
    updateInterval: r.int(C, 'chord-update-interval', D.updateInterval, L.chordInterval),
    pingInterval: r.int(C, 'chord-ping-interval', D.pingInterval, L.chordInterval),
    reactive: r.bool(C, 'chord-reactive', D.reactive),
    successorCount: r.int(P, 'successor-count', D.successorCount, L.neighbourCount),
    predecessorCount: r.int(P, 'predecessor-count', D.predecessorCount, L.neighbourCount),
    fingerCount: r.int(P, 'finger-count', D.fingerCount, L.fingerCount),
  };
}

function checkConsistency(c: OverlayConfig): void {
  // Replicas live on the next successors (RFC 6940 §10.4), so there cannot be more than we track.
  if (c.replicaCount > c.chord.successorCount) {
    throw configError(
      `<p2psip:replica-count>`,
      `${c.replicaCount} is more than the ${c.chord.successorCount} successors kept`,
    );
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
