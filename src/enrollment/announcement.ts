import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { toBase64, tryFromBase64, utf8 } from '../core/bytes.js';
import { errorMessage, LocalError } from '../core/errors.js';
import { type NodeId, nodeIdToHex } from '../core/ids.js';
import { ipFamily } from '../core/ip.js';
import { parseCertificate } from '../reload/security/certificate.js';
import type { NodeIdentity } from '../reload/security/identity.js';
import { checkNodeCertificate, type TrustSettings } from '../reload/security/trust.js';

/**
 * The bootstrap list of the service: the overlay's configured bootstrap nodes plus peers that announced
 * themselves. An announcement is signed with the peer's overlay certificate (the one its links use), so only
 * a member of the overlay can add itself, only under its own Node-ID, and only for a few minutes at a time:
 *
 *   POST /bootstrap  {"overlay","address","port","time","certificate","signature"}   (JSON, base64 fields)
 *
 * The signature (SHA-256 with the certificate's key, RSA PKCS#1 v1.5 or ECDSA) covers the UTF-8 text
 * "p2psip-bootstrap-announcement\n" overlay "\n" address "\n" port "\n" time.
 */
export interface Announcement {
  readonly overlay: string;
  /** An IP literal where the peer accepts links. */
  readonly address: string;
  readonly port: number;
  /** Milliseconds since the epoch when it was signed. */
  readonly time: number;
  /** base64 DER of the peer's node certificate. */
  readonly certificate: string;
  /** base64 signature. */
  readonly signature: string;
}

/** How far an announcement's time may be from ours: replays older than this are refused. */
export const ANNOUNCEMENT_WINDOW_MS = 5 * 60_000;

function input(a: Pick<Announcement, 'overlay' | 'address' | 'port' | 'time'>): Uint8Array {
  return utf8(`p2psip-bootstrap-announcement\n${a.overlay}\n${a.address}\n${a.port}\n${a.time}`);
}

export function signAnnouncement(
  identity: NodeIdentity,
  a: Pick<Announcement, 'overlay' | 'address' | 'port' | 'time'>,
): Announcement {
  // node:crypto signs PKCS#1 v1.5 for RSA keys and DER ECDSA for EC keys with 'sha256'.
  const signature = new Uint8Array(cryptoSign('sha256', input(a), identity.privateKey));
  return { ...a, certificate: toBase64(identity.certificate.der), signature: toBase64(signature) };
}

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_INPUT', `bootstrap announcement: ${message}`);
}

/** Checks the shape of a parsed JSON body. */
export function parseAnnouncement(json: unknown): Announcement {
  const a = json as Record<string, unknown>;
  if (typeof a !== 'object' || a === null) throw bad('not a JSON object');
  const { overlay, address, port, time, certificate, signature } = a;
  if (typeof overlay !== 'string' || typeof address !== 'string' || ipFamily(address) === undefined) {
    throw bad('needs the overlay name and an IP address');
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('bad port');
  if (typeof time !== 'number' || !Number.isSafeInteger(time)) throw bad('bad time');
  if (typeof certificate !== 'string' || typeof signature !== 'string')
    throw bad('needs certificate and signature');
  return { overlay, address, port, time, certificate, signature };
}

export interface AnnouncedPeer {
  readonly nodeId: NodeId;
  readonly address: string;
  readonly port: number;
}

/** Verifies an announcement for this overlay at `now`. Throws LocalError ERR_BAD_INPUT, ERR_BAD_CERT or ERR_FORBIDDEN. */
export function verifyAnnouncement(a: Announcement, trust: TrustSettings, now: number): AnnouncedPeer {
  if (a.overlay.toLowerCase() !== trust.overlay.toLowerCase()) throw bad(`for overlay ${a.overlay}`);
  if (Math.abs(now - a.time) > ANNOUNCEMENT_WINDOW_MS) throw bad('its time is too far from ours');
  const der = tryFromBase64(a.certificate);
  const sig = tryFromBase64(a.signature);
  if (der === undefined || sig === undefined) throw bad('certificate and signature must be base64');
  const cert = parseCertificate(der);
  checkNodeCertificate(cert, trust, now);
  let ok = false;
  try {
    ok = cryptoVerify('sha256', input(a), cert.publicKey, sig);
  } catch (e) {
    throw new LocalError('ERR_FORBIDDEN', `bootstrap announcement: ${errorMessage(e)}`);
  }
  if (!ok) throw new LocalError('ERR_FORBIDDEN', 'bootstrap announcement: the signature does not verify');
  const nodeId = cert.nodeIds[0];
  if (nodeId === undefined) throw bad('the certificate carries no Node-ID');
  return { nodeId, address: a.address, port: a.port };
}

export interface BootstrapEntry {
  readonly nodeId: string;
  readonly address: string;
  readonly port: number;
  /** Milliseconds since the epoch. */
  readonly expires: number;
}

/** Announced peers, one entry per Node-ID, each forgotten `ttl` ms after its last announcement. */
export class BootstrapRegistry {
  readonly #entries = new Map<string, BootstrapEntry>();

  constructor(
    readonly ttl = 10 * 60_000,
    readonly capacity = 256,
  ) {}

  announce(peer: AnnouncedPeer, nodeIdLength: number, now: number): BootstrapEntry {
    this.#expire(now);
    const nodeId = nodeIdToHex(peer.nodeId, nodeIdLength);
    const entry = { nodeId, address: peer.address, port: peer.port, expires: now + this.ttl };
    this.#entries.delete(nodeId);
    // Full: the entry closest to expiry makes room (a live peer re-announces well before its own).
    if (this.#entries.size >= this.capacity) {
      let oldest: BootstrapEntry | undefined;
      for (const e of this.#entries.values())
        if (oldest === undefined || e.expires < oldest.expires) oldest = e;
      if (oldest !== undefined) this.#entries.delete(oldest.nodeId);
    }
    this.#entries.set(nodeId, entry);
    return entry;
  }

  list(now: number): BootstrapEntry[] {
    this.#expire(now);
    return [...this.#entries.values()];
  }

  #expire(now: number): void {
    for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
  }
}
