/**
 * Randomness as an injected component. Cores draw transaction ids, jitter and Node-ID choices from a
 * Random, so the simulator can replay a run from its seed. platform/node supplies a cryptographic one.
 */
export interface Random {
  /** A uniform uint32. */
  u32(): number;
  /** A uniform float in [0, 1). */
  float(): number;
  /** `n` uniform bytes. */
  bytes(n: number): Uint8Array;
}

/** A uniform uint64 as a bigint. */
export function randomU64(r: Random): bigint {
  return (BigInt(r.u32()) << 32n) | BigInt(r.u32());
}

/** A uniform integer in [0, n). */
export function randomInt(r: Random, n: number): number {
  return Math.floor(r.float() * n);
}

/** Exponentially distributed with the given mean (for churn and Poisson arrivals). */
export function randomExponential(r: Random, mean: number): number {
  return -Math.log(1 - r.float()) * mean;
}

export function randomPick<T>(r: Random, items: readonly T[]): T | undefined {
  return items.length === 0 ? undefined : items[randomInt(r, items.length)];
}

/**
 * A small, fast, seedable generator (sfc32, seeded through splitmix32). Not for keys or secrets: the
 * simulator and the tests use it so that the same seed gives the same run.
 */
export class SeededRandom implements Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let v = this.u32();
      for (let j = i; j < Math.min(n, i + 4); j++) {
        out[j] = v & 0xff;
        v >>>= 8;
      }
    }
    return out;
  }

  /** An independent generator derived from this one (per simulated node, per test). */
  fork(): SeededRandom {
    return new SeededRandom(this.u32());
  }
}
