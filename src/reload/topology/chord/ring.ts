import type { NodeId } from '../../../core/ids.js';

/**
 * CHORD-RELOAD ring arithmetic (RFC 6940 §10.1, §10.3): a circle of 2^128 positions; ids are 128-bit
 * Node-IDs and the first 128 bits of SHA-1(Resource Name). All arithmetic is modulo 2^128.
 */
export const RING_BITS = 128;
export const RING_SIZE = 1n << 128n;
const MASK = RING_SIZE - 1n;

/** Clockwise distance from `a` to `b` (0 when equal). */
export function distance(a: bigint, b: bigint): bigint {
  return (b - a) & MASK;
}

export function add(a: bigint, b: bigint): bigint {
  return (a + b) & MASK;
}

/** x ∈ (a, b] clockwise; when a = b the interval is the whole ring. */
export function inHalfOpen(x: bigint, a: bigint, b: bigint): boolean {
  if (a === b) return true;
  return distance(a, x) !== 0n && distance(a, x) <= distance(a, b);
}

/** x ∈ (a, b) clockwise; when a = b, every x ≠ a. */
export function inOpen(x: bigint, a: bigint, b: bigint): boolean {
  if (a === b) return x !== a;
  const dx = distance(a, x);
  return dx !== 0n && dx < distance(a, b);
}

/**
 * The start of finger i (RFC 6940 §10.3: finger i lies in [n + 2^(128−i), n + 2^(128−i+1) − 1]; entry 1
 * is half way round the ring, entry 2 a quarter, ...).
 */
export function fingerStart(n: bigint, i: number): bigint {
  return add(n, 1n << BigInt(RING_BITS - i));
}

/** Whether `x` lies in the interval of finger i of `n`. */
export function inFingerInterval(n: bigint, i: number, x: bigint): boolean {
  const lo = 1n << BigInt(RING_BITS - i);
  const d = distance(n, x);
  return d >= lo && d < lo << 1n;
}

/** The finger index whose interval holds `x` (1 = farthest half), or undefined for x = n. */
export function fingerIndexOf(n: bigint, x: bigint): number | undefined {
  const d = distance(n, x);
  if (d === 0n) return undefined;
  // d lies in [2^(128−i), 2^(129−i)) ⇔ i = 128 − floor(log2 d).
  return RING_BITS - floorLog2(d);
}

/** floor(log2 x) for x ≥ 1: a float estimate, corrected where rounding crossed a power of two. */
export function floorLog2(x: bigint): number {
  let e = Math.floor(Math.log2(Number(x)));
  if (1n << BigInt(e) > x) e--;
  else if (1n << BigInt(e + 1) <= x) e++;
  return e;
}

/** Sorts ids by clockwise distance from `from` (closest successor first). */
export function sortClockwise(from: bigint, ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => {
    const da = distance(from, a);
    const db = distance(from, b);
    return da < db ? -1 : da > db ? 1 : 0;
  });
}

/** Sorts ids by counter-clockwise distance to `to` (closest predecessor first). */
export function sortCounterClockwise(to: bigint, ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => {
    const da = distance(a, to);
    const db = distance(b, to);
    return da < db ? -1 : da > db ? 1 : 0;
  });
}

/** The fraction of the ring in (pred, self], in parts per billion (RFC 6940 §6.4.2.5.? responsible_set). */
export function partsPerBillion(pred: bigint, self: bigint): number {
  const d = pred === self ? RING_SIZE : distance(pred, self);
  return Number((d * 1_000_000_000n) / RING_SIZE);
}
