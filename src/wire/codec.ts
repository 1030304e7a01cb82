import { fromUtf8, utf8 } from '../core/bytes.js';
import { CodecError } from './codec-error.js';
import { type CodecContext, DEFAULT_CONTEXT, maxForPrefix, type PrefixBytes } from './context.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/**
 * Declarative codecs that mirror the RFC's struct notation (style-study §6.4): a PDU is written as
 * `struct({ field: codec, ... })` right under the RFC text it transcribes, and its TypeScript type is
 * derived from the spec with `Infer<typeof X>`. Structures whose layout depends on a sibling tag
 * (`select`) are written by hand as a Codec object.
 *
 * Methods (not arrow properties) on purpose: method parameters are bivariant, so any Codec<T> fits
 * where a Codec<unknown> is expected, which `struct` relies on.
 */
export interface Codec<T> {
  encode(w: Writer, value: T): void;
  decode(r: Reader): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

export function encode<T>(codec: Codec<T>, value: T, ctx: CodecContext = DEFAULT_CONTEXT): Uint8Array {
  const w = new Writer(ctx);
  codec.encode(w, value);
  return w.finish();
}

/** Decodes a whole buffer: bytes left over are an error (the buffer is exactly one structure). */
export function decode<T>(
  codec: Codec<T>,
  bytes: Uint8Array,
  ctx: CodecContext = DEFAULT_CONTEXT,
  what = 'structure',
): T {
  const r = new Reader(bytes, ctx);
  const v = codec.decode(r);
  r.end(what);
  return v;
}

export const u8: Codec<number> = { encode: (w, v) => void w.u8(v), decode: (r) => r.u8() };
export const u16: Codec<number> = { encode: (w, v) => void w.u16(v), decode: (r) => r.u16() };
export const u24: Codec<number> = { encode: (w, v) => void w.u24(v), decode: (r) => r.u24() };
export const u32: Codec<number> = { encode: (w, v) => void w.u32(v), decode: (r) => r.u32() };
export const u64: Codec<bigint> = { encode: (w, v) => void w.u64(v), decode: (r) => r.u64() };

/** `Boolean` is `enum { false(0), true(1) }`: any other byte is malformed (RFC 6940 §6.1). */
export const boolean: Codec<boolean> = {
  encode: (w, v) => void w.u8(v ? 1 : 0),
  decode: (r) => {
    const at = r.offset;
    const b = r.u8();
    if (b > 1) throw new CodecError(`Boolean must be 0 or 1, got ${b}`, at);
    return b === 1;
  },
};

/** `opaque x[n]`: exactly n bytes, no prefix. */
export function fixedBytes(n: number, what = `opaque[${n}]`): Codec<Uint8Array> {
  return {
    encode: (w, v) => {
      if (v.length !== n) throw new CodecError(`${what} must be ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
    decode: (r) => r.bytes(n),
  };
}

/** `opaque x<lo..hi>` with a 1–4 byte length prefix. */
export function opaque(
  prefix: PrefixBytes,
  lo = 0,
  hi = maxForPrefix(prefix),
  what = 'opaque',
): Codec<Uint8Array> {
  return {
    encode: (w, v) => void w.opaque(prefix, v, lo, hi, what),
    decode: (r) => r.opaque(prefix, lo, hi, what),
  };
}

/** An opaque vector that holds UTF-8 text; invalid UTF-8 is malformed input. */
export function utf8String(
  prefix: PrefixBytes,
  lo = 0,
  hi = maxForPrefix(prefix),
  what = 'string',
): Codec<string> {
  const inner = opaque(prefix, lo, hi, what);
  return {
    encode: (w, v) => inner.encode(w, utf8(v)),
    decode: (r) => {
      const at = r.offset;
      const bytes = inner.decode(r);
      try {
        return fromUtf8(bytes);
      } catch (e) {
        throw new CodecError(`${what} is not valid UTF-8`, at, { cause: e });
      }
    },
  };
}

/** `T x<lo..hi>`: a list of T whose prefix counts bytes, not elements (RFC 6940 §6.1). */
export function vector<T>(
  prefix: PrefixBytes,
  item: Codec<T>,
  lo = 0,
  hi = maxForPrefix(prefix),
  what = 'vector',
): Codec<T[]> {
  return {
    encode: (w, list) =>
      void w.vector(
        prefix,
        () => {
          for (const v of list) item.encode(w, v);
        },
        lo,
        hi,
        what,
      ),
    decode: (r) => {
      const sub = r.vector(prefix, lo, hi, what);
      const out: T[] = [];
      while (!sub.done()) out.push(item.decode(sub));
      return out;
    },
  };
}

/**
 * A structure serialised inside an opaque vector (e.g. `opaque message_body<0..2^32-1>` holding a
 * PingReq). Decoding requires the inner structure to fill the vector exactly.
 */
export function wrapped<T>(
  prefix: PrefixBytes,
  inner: Codec<T>,
  lo = 0,
  hi = maxForPrefix(prefix),
  what = 'wrapped structure',
): Codec<T> {
  return {
    encode: (w, v) => void w.vector(prefix, () => inner.encode(w, v), lo, hi, what),
    decode: (r) => {
      const sub = r.vector(prefix, lo, hi, what);
      const v = inner.decode(sub);
      sub.end(what);
      return v;
    },
  };
}

type Fields = Readonly<Record<string, Codec<unknown>>>;
export type StructOf<F extends Fields> = { -readonly [K in keyof F]: Infer<F[K]> };

/** A struct: fields encoded in declaration order (object key order), no padding. */
export function struct<const F extends Fields>(fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  return {
    encode: (w, v) => {
      for (const [k, c] of entries) c.encode(w, (v as Record<string, unknown>)[k]);
    },
    decode: (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) out[k] = c.decode(r);
      return out as StructOf<F>;
    },
  };
}

/** A codec of A presented as B (e.g. bytes as a branded id). `to` may throw CodecError to reject. */
export function mapCodec<A, B>(
  c: Codec<A>,
  to: (a: A, r: Reader, at: number) => B,
  from: (b: B) => A,
): Codec<B> {
  return {
    encode: (w, v) => c.encode(w, from(v)),
    decode: (r) => {
      const at = r.offset;
      return to(c.decode(r), r, at);
    },
  };
}

/** For recursive or mutually referencing structures. */
export function lazy<T>(get: () => Codec<T>): Codec<T> {
  return {
    encode: (w, v) => get().encode(w, v),
    decode: (r) => get().decode(r),
  };
}

/** A fixed-width unsigned field whose value must be one of `allowed` (closed enums in a select). */
export function oneOf(base: Codec<number>, allowed: readonly number[], what: string): Codec<number> {
  const set = new Set(allowed);
  return {
    encode: (w, v) => {
      if (!set.has(v)) throw new CodecError(`${what}: ${v} is not allowed`);
      base.encode(w, v);
    },
    decode: (r) => {
      const at = r.offset;
      const v = base.decode(r);
      if (!set.has(v)) throw new CodecError(`${what}: ${v} is not allowed`, at);
      return v;
    },
  };
}
