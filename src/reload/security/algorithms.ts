import { createHash, type KeyObject } from 'node:crypto';
import { LocalError } from '../../core/errors.js';
import { HashAlgorithm, SignatureAlgorithm } from '../messages/codes.js';
import type { SignatureAndHashAlgorithm } from '../messages/security.js';

/**
 * The algorithms RELOAD signatures and identities use, mapped between the TLS code points that go on the
 * wire (RFC 6940 §6.3.4 SignatureAndHashAlgorithm, HashAlgorithm) and node:crypto names.
 */

/** Key types we generate; RSA-2048 is the default (docs/decisions/0011-node-key-algorithm.md). */
export type KeyAlgorithm = 'rsa-2048' | 'ecdsa-p256';
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'rsa-2048';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['rsa-2048', 'ecdsa-p256'];

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export function digest(name: DigestName, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash(name);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Hashes a SignerIdentity may name (certificate lookup only: the signature itself still has to verify). */
const IDENTITY_HASHES: ReadonlyMap<number, DigestName> = new Map([
  [HashAlgorithm.sha1, 'sha1'],
  [HashAlgorithm.sha256, 'sha256'],
  [HashAlgorithm.sha384, 'sha384'],
  [HashAlgorithm.sha512, 'sha512'],
]);

/**
 * Hashes we accept inside a signature. RFC 6940 §6.3.4 makes RSASSA-PKCS1-v1_5 with SHA-256 mandatory;
 * SHA-1 and MD5 are refused because collisions in them are practical.
 */
const SIGNATURE_HASHES: ReadonlyMap<number, DigestName> = new Map([
  [HashAlgorithm.sha256, 'sha256'],
  [HashAlgorithm.sha384, 'sha384'],
  [HashAlgorithm.sha512, 'sha512'],
]);

export function identityHash(code: number): DigestName | undefined {
  return IDENTITY_HASHES.get(code);
}

export function signatureHash(code: number): DigestName | undefined {
  return SIGNATURE_HASHES.get(code);
}

/** The node:crypto key type a SignatureAlgorithm code needs ('rsa' for rsa(1), 'ec' for ecdsa(3)). */
export function keyTypeFor(signatureCode: number): 'rsa' | 'ec' | undefined {
  if (signatureCode === SignatureAlgorithm.rsa) return 'rsa';
  if (signatureCode === SignatureAlgorithm.ecdsa) return 'ec';
  return undefined;
}

/**
 * What we sign with: SHA-256 always, RSA (PKCS#1 v1.5, the RFC 6940 mandatory algorithm) or ECDSA per
 * the key. ECDSA signatures are DER-encoded (r, s) as in TLS 1.2, which node:crypto produces by default.
 */
export function signatureAlgorithmFor(key: KeyObject): SignatureAndHashAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return { hash: HashAlgorithm.sha256, signature: SignatureAlgorithm.rsa };
  if (type === 'ec') return { hash: HashAlgorithm.sha256, signature: SignatureAlgorithm.ecdsa };
  throw new LocalError('ERR_CRYPTO', `cannot sign RELOAD messages with a ${String(type)} key`);
}
