import { createHash } from 'node:crypto';
import { utf8 } from '../../core/bytes.js';
import { type ResourceId, resourceIdFromBytes } from '../../core/ids.js';

/**
 * The two hashes the overlay name and resource names go through. node:crypto is pure computation here
 * (no I/O), which the layer rules allow in src/reload.
 */

function sha1(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(data).digest());
}

/**
 * RFC 6940 §6.3.2: the forwarding header's `overlay` field is the low-order 32 bits of SHA-1(overlay name),
 * i.e. the last four bytes of the digest read big-endian. "overlay.example.org" → 0x9aa32b8d.
 */
export function overlayHash(instanceName: string): number {
  const d = sha1(utf8(instanceName));
  return (((d[16] ?? 0) << 24) | ((d[17] ?? 0) << 16) | ((d[18] ?? 0) << 8) | (d[19] ?? 0)) >>> 0;
}

/** CHORD-RELOAD's Resource-IDs are 128 bits (RFC 6940 §10.2). */
export const CHORD_RESOURCE_ID_LENGTH = 16;

/**
 * RFC 6940 §10.2: a CHORD-RELOAD Resource-ID is the first (most significant) 128 bits of SHA-1 over the
 * Resource Name. "alice@example.org" → 45a6b241a242c97f0492d382c390dfa3.
 */
export function chordResourceId(name: string | Uint8Array): ResourceId {
  const bytes = typeof name === 'string' ? utf8(name) : name;
  return resourceIdFromBytes(sha1(bytes).subarray(0, CHORD_RESOURCE_ID_LENGTH));
}
