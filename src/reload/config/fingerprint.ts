import { createHash } from 'node:crypto';
import { toHex, utf8 } from '../../core/bytes.js';
import type { OverlayConfig } from './overlay-config.js';

/**
 * What tells two overlays of the same name apart: a digest of the name and of who may speak for the
 * overlay, its root-certs (RFC 6940 §11.1 root-cert) and its configuration-signers. Two self-signed overlays
 * that were both created as `local.p2psip` differ here, since each signer's Node-ID is the digest of its
 * own key (RFC 6940 §11.3.1); a new sequence of the same overlay keeps it. LAN discovery announces it so a
 * peer never joins a foreign overlay that merely shares its name.
 */
export const FINGERPRINT_HEX_LENGTH = 32;

export function overlayFingerprint(config: OverlayConfig): string {
  const roots = config.rootCerts.map((der) => createHash('sha256').update(der).digest('hex')).sort();
  const signers = config.configurationSigners.map((s) => s.toLowerCase()).sort();
  const text = [
    'p2psip-overlay-fingerprint',
    config.instanceName.toLowerCase(),
    ...roots.map((r) => `root ${r}`),
    ...signers.map((s) => `signer ${s}`),
  ].join('\n');
  return toHex(new Uint8Array(createHash('sha256').update(utf8(text)).digest())).slice(
    0,
    FINGERPRINT_HEX_LENGTH,
  );
}
