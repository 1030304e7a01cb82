import { CodecError } from './codec-error.js';
import { type CodecContext, DEFAULT_CONTEXT, maxForPrefix, type PrefixBytes } from './context.js';

/**
 * Reads the TLS presentation language (RFC 5246 §4, used by RFC 6940 §6): big-endian integers, fixed
 * arrays, and vectors whose length prefix counts bytes. Every read is bounds-checked against the end of
 * this reader, so a sub-reader for `opaque x<..>` cannot run into the bytes that follow it.
 */
export class Reader {
  readonly ctx: CodecContext;
  readonly #buf: Uint8Array;
  #pos: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT, start = 0, end = bytes.length) {
    this.ctx = ctx;
    this.#buf = bytes;
    this.#pos = start;
    this.#end = end;
  }

  /** Absolute offset into the underlying buffer. */
  get offset(): number {
    return this.#pos;
  }

  get remaining(): number {
    return this.#end - this.#pos;
  }

  done(): boolean {
    return this.#pos >= this.#end;
  }

  #need(n: number, what: string): number {
    if (n > this.#end - this.#pos) {
      throw new CodecError(`truncated ${what}: need ${n} bytes, have ${this.#end - this.#pos}`, this.#pos);
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  // Plain byte arithmetic rather than a DataView: a reader (and every sub-reader) is created per
  // structure, and allocating a view each time costs more than the reads.
  u8(): number {
    return this.#buf[this.#need(1, 'uint8')] as number;
  }

  u16(): number {
    const at = this.#need(2, 'uint16');
    const b = this.#buf;
    return ((b[at] as number) << 8) | (b[at + 1] as number);
  }

  u24(): number {
    const at = this.#need(3, 'uint24');
    const b = this.#buf;
    return ((b[at] as number) << 16) | ((b[at + 1] as number) << 8) | (b[at + 2] as number);
  }

  u32(): number {
    return this.#u32At(this.#need(4, 'uint32'));
  }

  u64(): bigint {
    const at = this.#need(8, 'uint64');
    return (BigInt(this.#u32At(at)) << 32n) | BigInt(this.#u32At(at + 4));
  }

  #u32At(at: number): number {
    const b = this.#buf;
    return (
      (((b[at] as number) << 24) |
        ((b[at + 1] as number) << 16) |
        ((b[at + 2] as number) << 8) |
        (b[at + 3] as number)) >>>
      0
    );
  }

  peekU8(): number {
    if (this.#pos >= this.#end) throw new CodecError('truncated: nothing to peek', this.#pos);
    return this.#buf[this.#pos] as number;
  }

  /** A copy of the next `n` bytes (copies, so decoded values never alias a reused receive buffer). */
  bytes(n: number): Uint8Array {
    const at = this.#need(n, `${n}-byte field`);
    return this.#buf.slice(at, at + n);
  }

  /** Consumes `n` bytes and returns a reader confined to them. */
  sub(n: number): Reader {
    const at = this.#need(n, `${n}-byte structure`);
    return new Reader(this.#buf, this.ctx, at, at + n);
  }

  readLength(prefix: PrefixBytes): number {
    switch (prefix) {
      case 1:
        return this.u8();
      case 2:
        return this.u16();
      case 3:
        return this.u24();
      case 4:
        return this.u32();
    }
  }

  /** Reads a `<lo..hi>` length prefix, checks the bounds and returns a reader over the body. */
  vector(prefix: PrefixBytes, lo = 0, hi = maxForPrefix(prefix), what = 'vector'): Reader {
    const at = this.#pos;
    const n = this.readLength(prefix);
    if (n < lo || n > hi) throw new CodecError(`${what} length ${n} outside <${lo}..${hi}>`, at);
    return this.sub(n);
  }

  opaque(prefix: PrefixBytes, lo = 0, hi = maxForPrefix(prefix), what = 'opaque'): Uint8Array {
    const at = this.#pos;
    const n = this.readLength(prefix);
    if (n < lo || n > hi) throw new CodecError(`${what} length ${n} outside <${lo}..${hi}>`, at);
    return this.bytes(n);
  }

  /** The rest of this reader's bytes. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Asserts that everything was consumed (rustls `all()`): trailing bytes are malformed input. */
  end(what = 'structure'): void {
    if (this.#pos !== this.#end) {
      throw new CodecError(`${this.#end - this.#pos} trailing bytes after ${what}`, this.#pos);
    }
  }
}
