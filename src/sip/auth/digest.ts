import { createHash } from 'node:crypto';

/**
 * HTTP Digest as SIP uses it (RFC 3261 §22.4, RFC 2617 §3.2.2, RFC 7616 §3.4): MD5 and SHA-256 with
 * their "-sess" variants, qop "auth" or none (RFC 2069 compatibility for old clients). node:crypto is a
 * computation, not I/O, so it may be used here.
 */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

export function parseAlgorithm(text: string | undefined): DigestAlgorithm | undefined {
  // RFC 7616 §3.3: absent means MD5; names are case-insensitive.
  if (text === undefined) return 'MD5';
  return DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === text.toLowerCase());
}

function hashName(a: DigestAlgorithm): 'md5' | 'sha256' {
  return a.startsWith('MD5') ? 'md5' : 'sha256';
}

export function digestHash(a: DigestAlgorithm, text: string): string {
  return createHash(hashName(a)).update(text, 'utf8').digest('hex');
}

/**
 * H(username ":" realm ":" password) (RFC 7616 §3.4.2): what a server stores instead of the password, one
 * per realm and hash. For the "-sess" algorithms the stored value is the same; the session key is derived
 * per nonce by `sessionHa1`.
 */
export function ha1(
  user: string,
  realm: string,
  password: string,
  algorithm: DigestAlgorithm = 'MD5',
): string {
  return digestHash(algorithm, `${user}:${realm}:${password}`);
}

/** RFC 7616 §3.4.2: for "-sess", HA1 = H(H(user:realm:password) ":" nonce ":" cnonce). */
export function sessionHa1(a: DigestAlgorithm, storedHa1: string, nonce: string, cnonce: string): string {
  return a.endsWith('-sess') ? digestHash(a, `${storedHa1}:${nonce}:${cnonce}`) : storedHa1;
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  /** The stored HA1 (not the session one). */
  readonly ha1: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /** With qop=auth: nonce-count (8 hex digits) and client nonce. */
  readonly qop?: 'auth';
  readonly nc?: string;
  readonly cnonce?: string;
}

/**
 * request-digest (RFC 7616 §3.4.1): KD(HA1, nonce:nc:cnonce:qop:HA2) with qop, or KD(HA1, nonce:HA2)
 * without (RFC 2069 / RFC 2617 §3.2.2.1); HA2 = H(method:uri) for qop=auth.
 */
export function digestResponse(d: DigestInput): string {
  const ha2 = digestHash(d.algorithm, `${d.method}:${d.uri}`);
  const key = sessionHa1(d.algorithm, d.ha1, d.nonce, d.cnonce ?? '');
  if (d.qop === 'auth')
    return digestHash(d.algorithm, `${key}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:auth:${ha2}`);
  return digestHash(d.algorithm, `${key}:${d.nonce}:${ha2}`);
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.toLowerCase().charCodeAt(i);
  return diff === 0;
}
