import { ipFamily } from '../core/ip.js';
import { type DnsName, type DnsRecord, txtFromMap, txtToMap } from './dns-message.js';

/**
 * The p2psip service in DNS-SD terms (RFC 6763): `_p2psip._tcp.local` names RELOAD peers on the link. One
 * service instance per peer, with a PTR from the service type (§4.1), an SRV to its host name and RELOAD
 * port (§5), a TXT record (§6) saying which overlay it belongs to, and the host's A or AAAA record
 * (RFC 6762 §6.2 "additional records"). The TXT keys:
 *
 *   txtvers=1    overlay=NAME    fp=FINGERPRINT (overlayFingerprint; empty while seeking)
 *   state=seeking|joining|joined    node=NODE-ID (hex)    cfg=PORT (where the document is served)
 *   tb=HEX (a seeker's tie-break: which of several seekers creates the overlay)
 *
 * A "seeking" instance is a `p2psip start` that has no overlay yet and is looking for one (port 0).
 */
export const SERVICE_TYPE: DnsName = ['_p2psip', '_tcp', 'local'];
/** RFC 6763 §9: browsing for service types. */
export const SERVICE_TYPES_META: DnsName = ['_services', '_dns-sd', '_udp', 'local'];
/** RFC 6762 §10: 120 s for records naming a host; we use it for all, so a vanished peer is soon forgotten. */
export const BEACON_TTL = 120;

export type BeaconState = 'seeking' | 'joining' | 'joined';

export interface Beacon {
  /** The instance label: `p2psip-` and 12 hex digits, unique per peer (its Node-ID, or a random tie-break). */
  readonly instance: string;
  readonly overlay: string;
  readonly fingerprint: string;
  readonly state: BeaconState;
  /** Where the peer accepts RELOAD links (TLS-TCP-FH-NO-ICE). */
  readonly address: string;
  readonly port: number;
  readonly nodeId?: string;
  /** The port of the small HTTP endpoint serving its configuration document (RFC 6940 §11.2 path). */
  readonly configPort?: number;
  readonly tiebreak?: string;
}

const STATES: readonly string[] = ['seeking', 'joining', 'joined'];
const INSTANCE = /^p2psip-[0-9a-f]{12}$/;
const HEX = /^[0-9a-f]*$/;

export function instanceName(instance: string): DnsName {
  return [instance, ...SERVICE_TYPE];
}

export function hostName(instance: string): DnsName {
  return [instance, 'local'];
}

/** The instance label of a peer: its Node-ID (or tie-break) shortened to 12 hex digits. */
export function instanceLabel(idHex: string): string {
  return `p2psip-${idHex.toLowerCase().padStart(12, '0').slice(0, 12)}`;
}

/** RFC 6762 §10.2: unique records (SRV, TXT, address) carry the cache-flush bit; the shared PTR does not. */
export function beaconRecords(b: Beacon, ttl = BEACON_TTL): DnsRecord[] {
  const inst = instanceName(b.instance);
  const host = hostName(b.instance);
  const txt: Record<string, string> = {
    txtvers: '1',
    overlay: b.overlay,
    fp: b.fingerprint,
    state: b.state,
    ...(b.nodeId === undefined ? {} : { node: b.nodeId }),
    ...(b.configPort === undefined ? {} : { cfg: String(b.configPort) }),
    ...(b.tiebreak === undefined ? {} : { tb: b.tiebreak }),
  };
  const family = ipFamily(b.address);
  return [
    { name: SERVICE_TYPE, type: 'PTR', target: inst, ttl, cacheFlush: false },
    { name: inst, type: 'SRV', priority: 0, weight: 0, port: b.port, target: host, ttl, cacheFlush: true },
    { name: inst, type: 'TXT', strings: txtFromMap(txt), ttl, cacheFlush: true },
    family === 6
      ? { name: host, type: 'AAAA', address: b.address, ttl, cacheFlush: true }
      : { name: host, type: 'A', address: b.address, ttl, cacheFlush: true },
  ];
}

/** The PTR answering a service-type browse (RFC 6763 §9). */
export function serviceTypeRecord(ttl = BEACON_TTL): DnsRecord {
  return { name: SERVICE_TYPES_META, type: 'PTR', target: SERVICE_TYPE, ttl, cacheFlush: false };
}

function port(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

export interface BeaconParts {
  readonly instance: string;
  readonly port: number;
  readonly txt: readonly Uint8Array[];
  readonly address: string;
}

/** A beacon from its records, or undefined when they are not a well-formed p2psip instance. */
export function beaconFrom(p: BeaconParts): Beacon | undefined {
  const t = txtToMap(p.txt);
  const overlay = t.get('overlay');
  const fingerprint = t.get('fp') ?? '';
  const state = t.get('state') ?? '';
  if (t.get('txtvers') !== '1' || overlay === undefined || overlay === '' || overlay.length > 253) return;
  if (!INSTANCE.test(p.instance) || !STATES.includes(state) || !HEX.test(fingerprint)) return;
  if (state !== 'seeking' && (fingerprint.length !== 32 || p.port === 0)) return;
  const nodeId = t.get('node');
  const tiebreak = t.get('tb');
  const configPort = port(t.get('cfg'));
  return {
    instance: p.instance,
    overlay,
    fingerprint,
    state: state as BeaconState,
    address: p.address,
    port: p.port,
    ...(nodeId !== undefined && /^[0-9a-f]{1,64}$/.test(nodeId) ? { nodeId } : {}),
    ...(configPort === undefined ? {} : { configPort }),
    ...(tiebreak !== undefined && /^[0-9a-f]{1,32}$/.test(tiebreak) ? { tiebreak } : {}),
  };
}
