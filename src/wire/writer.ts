import { CodecError } from './codec-error.js';
import { type CodecContext, DEFAULT_CONTEXT, maxForPrefix, type PrefixBytes } from './context.js';

/**
 * Writes the TLS presentation language into a growing buffer. Vectors are written by reserving the
 * length prefix, writing the body, then back-patching the prefix (rustls's LengthPrefixedBuffer), so
 * nested structures are encoded in one pass.
 */
export class Writer {
  readonly ctx: CodecContext;
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;

  constructor(ctx: CodecContext = DEFAULT_CONTEXT, initialCapacity = 256) {
    this.ctx = ctx;
    this.#buf = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): number {
    const at = this.#len;
    if (at + n > this.#buf.length) {
      let cap = this.#buf.length * 2;
      while (cap < at + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.#buf.subarray(0, at));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    this.#len += n;
    return at;
  }

  #checkInt(v: number, max: number, what: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new CodecError(`${what} out of range: ${v}`);
  }

  u8(v: number): this {
    this.#checkInt(v, 0xff, 'uint8');
    const at = this.#reserve(1);
    this.#view.setUint8(at, v);
    return this;
  }

  u16(v: number): this {
    this.#checkInt(v, 0xffff, 'uint16');
    const at = this.#reserve(2);
    this.#view.setUint16(at, v);
    return this;
  }

  u24(v: number): this {
    this.#checkInt(v, 0xff_ffff, 'uint24');
    const at = this.#reserve(3);
    this.#view.setUint8(at, v >>> 16);
    this.#view.setUint16(at + 1, v & 0xffff);
    return this;
  }

  u32(v: number): this {
    this.#checkInt(v, 0xffff_ffff, 'uint32');
    const at = this.#reserve(4);
    this.#view.setUint32(at, v);
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new CodecError(`uint64 out of range: ${v}`);
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, v);
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
        this.#view.setUint8(at, n);
        return;
      case 2:
        this.#view.setUint16(at, n);
        return;
      case 3:
        this.#view.setUint8(at, n >>> 16);
        this.#view.setUint16(at + 1, n & 0xffff);
        return;
      case 4:
        this.#view.setUint32(at, n);
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
    this.#view.setUint32(at, v);
  }

  patchU16(at: number, v: number): void {
    this.#checkInt(v, 0xffff, 'uint16');
    this.#view.setUint16(at, v);
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
