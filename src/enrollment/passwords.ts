import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { toBase64, tryFromBase64, utf8 } from '../core/bytes.js';

/**
 * Password hashes for the enrolment server's users: scrypt (RFC 7914) with a random salt per user. RFC 6940
 * §11.3 compares user names and passwords "as binary objects", so the UTF-8 bytes are hashed as given.
 */
export interface PasswordHash {
  /** base64 */
  readonly salt: string;
  /** base64 */
  readonly hash: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export interface ScryptParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 2^15 × 8 × 128 bytes = 32 MiB and roughly 100 ms per check: interactive-login strength. */
export const SCRYPT_DEFAULTS: ScryptParameters = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** Parameters we are willing to run: anything else in a users file is refused, not executed. */
export function isScryptParameters(v: ScryptParameters): boolean {
  const pow2 = Number.isInteger(Math.log2(v.N));
  return pow2 && v.N >= 2 ** 10 && v.N <= 2 ** 20 && v.r >= 1 && v.r <= 32 && v.p >= 1 && v.p <= 16;
}

function derive(password: string, salt: Uint8Array, o: ScryptParameters): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    scrypt(
      utf8(password),
      salt,
      KEY_LENGTH,
      { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r * o.p + 1024 * 1024 },
      (err, key) => (err === null ? resolve(new Uint8Array(key)) : reject(err)),
    );
  });
}

export async function hashPassword(
  password: string,
  o: ScryptParameters = SCRYPT_DEFAULTS,
): Promise<PasswordHash> {
  const salt = new Uint8Array(randomBytes(SALT_LENGTH));
  const hash = await derive(password, salt, o);
  return {
    salt: toBase64(salt),
    hash: toBase64(hash),
    N: o.N,
    r: o.r,
    p: o.p,
  };
}

/** A hash no password matches, checked for unknown users so they cost the same time as known ones. */
const DUMMY: PasswordHash = {
  salt: toBase64(new Uint8Array(SALT_LENGTH)),
  hash: toBase64(new Uint8Array(KEY_LENGTH).fill(0xff)),
  ...SCRYPT_DEFAULTS,
};

/** Does `password` match `stored`? An unknown user (undefined) is checked against a dummy and fails. */
export async function checkPassword(password: string, stored: PasswordHash | undefined): Promise<boolean> {
  const h = stored ?? DUMMY;
  const want = tryFromBase64(h.hash) ?? new Uint8Array(0);
  const got = await derive(password, tryFromBase64(h.salt) ?? new Uint8Array(0), h);
  return stored !== undefined && want.length === got.length && timingSafeEqual(want, got);
}
