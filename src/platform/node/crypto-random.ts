import { randomBytes } from 'node:crypto';
import type { Random } from '../../core/random.js';

/**
 * The real process's randomness: transaction ids (RFC 6940 §6.3.2: random, so answers cannot be forged
 * by guessing), ICE credentials and timer jitter. Bytes come from the OS CSPRNG in pooled reads.
 */
const POOL = 4096;

export class CryptoRandom implements Random {
  #pool = new Uint8Array(0);
  #at = 0;

  bytes(n: number): Uint8Array {
    if (n > POOL) return new Uint8Array(randomBytes(n));
    if (this.#at + n > this.#pool.length) {
      this.#pool = new Uint8Array(randomBytes(POOL));
      this.#at = 0;
    }
    const out = this.#pool.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  u32(): number {
    const b = this.bytes(4);
    return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
  }

  float(): number {
    return this.u32() / 0x1_0000_0000;
  }
}
