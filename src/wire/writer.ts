import { CodecError } from './codec-error.js';
import { type CodecContext, DEFAULT_CONTEXT, maxForPrefix, type PrefixBytes } from './context.js';

/**
 * Scratch buffers reused across writers. Allocating a fresh ArrayBuffer per message costs more than the
 * encoding itself (the simulator encodes millions), so a writer borrows one and gives it back in finish();
 * what finish() returns is always a fresh, exact-size copy.
 */
const SCRATCH: Uint8Array[] = [];
const SCRATCH_SIZE = 2048;
const SCRATCH_KEEP = 16;

/**
 * Writes the TLS presentation language into a growing buffer. Vectors are written by reserving the
 * length prefix, writing the body, then back-patching the prefix (rustls's LengthPrefixedBuffer), so
 * nested structures are encoded in one pass.
 */
export class Writer {
  readonly ctx: CodecContext;
  #buf: Uint8Array;
  #len = 0;
  /** Whether #buf was borrowed from SCRATCH (and goes back there on finish). */
  #scratch: boolean;
  /** #buf is the array finish() returned: copy before touching it again. */
  #frozen = false;

  constructor(ctx: CodecContext = DEFAULT_CONTEXT, initialCapacity = 256) {
    this.ctx = ctx;
    const pooled = initialCapacity <= SCRATCH_SIZE ? SCRATCH.pop() : undefined;
    this.#scratch = true;
    this.#buf = pooled ?? new Uint8Array(Math.max(initialCapacity, SCRATCH_SIZE));
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): number {
    const at = this.#len;
    if (at + n > this.#buf.length || this.#frozen) {
      this.#frozen = false;
      let cap = Math.max(1, this.#buf.length * 2);
      while (cap < at + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, at));
      this.#release();
      this.#buf = next;
    }
    this.#len += n;
    return at;
  }

  #release(): void {
    if (this.#scratch && this.#buf.length === SCRATCH_SIZE && SCRATCH.length < SCRATCH_KEEP)
      SCRATCH.push(this.#buf);
    this.#scratch = false;
  }

  #checkInt(v: number, max: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new CodecError(`${what} out of range: ${v}`);
  }

  u8(v: number): this {
    this.#checkInt(v, 0xff, 'uint8');
    const at = this.#reserve(1);
    this.#buf[at] = v;
    return this;
  }

  u16(v: number): this {
    this.#checkInt(v, 0xffff, 'uint16');
    this.#put16(this.#reserve(2), v);
    return this;
  }

  u24(v: number): this {
    this.#checkInt(v, 0xff_ffff, 'uint24');
    this.#put24(this.#reserve(3), v);
    return this;
  }

  u32(v: number): this {
    this.#checkInt(v, 0xffff_ffff, 'uint32');
    this.#put32(this.#reserve(4), v);
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new CodecError(`uint64 out of range: ${v}`);
    const at = this.#reserve(8);
    this.#put32(at, Number(v >> 32n));
    this.#put32(at + 4, Number(v & 0xffff_ffffn));
    return this;
  }

  bytes(b: Uint8Array): this {
    // Reserve first: it may replace #buf, which must not be read before the call.
    const at = this.#reserve(b.length);
    this.#buf.set(b, at);
    return this;
  }

  #writeLengthAt(at: number, prefix: PrefixBytes, n: number): void {
    switch (prefix) {
      case 1:
        this.#buf[at] = n;
        return;
      case 2:
        this.#put16(at, n);
        return;
      case 3:
        this.#put24(at, n);
        return;
      case 4:
        this.#put32(at, n);
        return;
    }
  }

  /** Writes `body` inside a `<lo..hi>` length prefix that is back-patched once the body is known. */
  vector(
    prefix: PrefixBytes,
    body: (w: this) => void,
    lo = 0,
    hi = maxForPrefix(prefix),
    what = 'vector',
  ): this {
    const at = this.#reserve(prefix);
    body(this);
    const n = this.#len - at - prefix;
    if (n < lo || n > hi) throw new CodecError(`${what} length ${n} outside <${lo}..${hi}>`);
    this.#writeLengthAt(at, prefix, n);
    return this;
  }

  opaque(prefix: PrefixBytes, data: Uint8Array, lo = 0, hi = maxForPrefix(prefix), what = 'opaque'): this {
    if (data.length < lo || data.length > hi) {
      throw new CodecError(`${what} length ${data.length} outside <${lo}..${hi}>`);
    }
    const at = this.#reserve(prefix);
    this.#writeLengthAt(at, prefix, data.length);
    return this.bytes(data);
  }

  /** Overwrites a uint32 already written at `at` (for length fields that precede their body indirectly). */
  patchU32(at: number, v: number): void {
    this.#checkInt(v, 0xffff_ffff, 'uint32');
    this.#thaw();
    this.#put32(at, v);
  }

  patchU16(at: number, v: number): void {
    this.#checkInt(v, 0xffff, 'uint16');
    this.#thaw();
    this.#put16(at, v);
  }

  #thaw(): void {
    if (!this.#frozen) return;
    this.#buf = this.#buf.slice();
    this.#frozen = false;
  }

  #put16(at: number, v: number): void {
    const b = this.#buf;
    b[at] = v >>> 8;
    b[at + 1] = v;
  }

  #put24(at: number, v: number): void {
    const b = this.#buf;
    b[at] = v >>> 16;
    b[at + 1] = v >>> 8;
    b[at + 2] = v;
  }

  #put32(at: number, v: number): void {
    const b = this.#buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }

  /**
   * A copy of what was written. The scratch buffer goes back to the pool; writing on after finish()
   * continues from the copy's contents into a new buffer, as before.
   */
  finish(): Uint8Array {
    const out = this.#buf.slice(0, this.#len);
    this.#release();
    this.#buf = out;
    this.#frozen = true;
    return out;
  }
}
