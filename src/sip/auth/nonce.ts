import { createHmac } from 'node:crypto';
import { minute } from '../../core/clock.js';
import type { Random } from '../../core/random.js';

/**
 * Server nonces (RFC 7616 §3.3, §5.4): base64url(timestamp ‖ 8 random bytes ‖ HMAC-SHA-256(secret,
 * timestamp ‖ random ‖ realm)[0..16]). Unforgeable without the secret, so a server keeps no state to
 * know a nonce is its own; its age tells whether it is stale. The secret and the randomness come from
 * outside (sans-I/O: platform/node supplies crypto randomness).
 */
export type NonceCheck = 'valid' | 'stale' | 'invalid';

export interface NonceOptions {
  readonly secret: Uint8Array;
  readonly random: Random;
  /** How long a nonce is fresh (default 5 minutes). */
  readonly lifetimeMs?: number;
}

function b64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromB64url(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined;
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class NonceFactory {
  readonly #secret: Uint8Array;
  readonly #random: Random;
  readonly lifetimeMs: number;

  constructor(opts: NonceOptions) {
    if (opts.secret.length < 16) throw new RangeError('the nonce secret needs at least 16 bytes');
    this.#secret = opts.secret;
    this.#random = opts.random;
    this.lifetimeMs = opts.lifetimeMs ?? 5 * minute;
  }

  #mac(body: Uint8Array, realm: string): Uint8Array {
    return new Uint8Array(
      createHmac('sha256', this.#secret).update(body).update(realm, 'utf8').digest(),
    ).slice(0, 16);
  }

  issue(realm: string, now: number): string {
    const body = new Uint8Array(16);
    new DataView(body.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(now))));
    body.set(this.#random.bytes(8), 8);
    const out = new Uint8Array(32);
    out.set(body);
    out.set(this.#mac(body, realm), 16);
    return b64url(out);
  }

  check(nonce: string, realm: string, now: number): NonceCheck {
    const raw = fromB64url(nonce);
    if (raw === undefined || raw.length !== 32) return 'invalid';
    const mac = this.#mac(raw.subarray(0, 16), realm);
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= (mac[i] as number) ^ (raw[16 + i] as number);
    if (diff !== 0) return 'invalid';
    const issued = Number(new DataView(raw.buffer, raw.byteOffset).getBigUint64(0));
    if (issued > now + minute) return 'invalid';
    return now - issued > this.lifetimeMs ? 'stale' : 'valid';
  }
}
