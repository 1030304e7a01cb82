import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import {
  type Codec,
  type CodecContext,
  CodecError,
  DEFAULT_CONTEXT,
  decode,
  encode,
} from '../../src/wire/index.js';
import { propertyRuns } from './tools.js';

/** A byte format under test: a Codec, or a pair of functions such as encodeMessage/decodeMessage. */
export interface Format<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export function formatOf<T>(codec: Codec<T>, ctx: CodecContext = DEFAULT_CONTEXT): Format<T> {
  return { encode: (v) => encode(codec, v, ctx), decode: (b) => decode(codec, b, ctx) };
}

/**
 * Decoding `bytes` either throws CodecError or yields a value that survives re-encoding: a decoder never
 * throws anything else (DESIGN §5) and never accepts what its own encoder cannot write.
 */
export function decodesOrCodecError<T>(format: Format<T>, bytes: Uint8Array): void {
  let value: T;
  try {
    value = format.decode(bytes);
  } catch (e) {
    if (e instanceof CodecError) return;
    throw e;
  }
  assert.deepEqual(format.decode(format.encode(value)), value);
}

/**
 * The properties of one structure, checked together on each generated x (one generation per run keeps
 * the suite fast): decode(encode(x)) deep-equals x, and a truncation and a single-bit flip of x's
 * encoding decode to a stable value or throw CodecError.
 */
export function codecProperties<T>(name: string, format: Format<T>, arb: fc.Arbitrary<T>): void {
  it(`${name}: decode(encode(x)) equals x; truncations and bit flips throw only CodecError`, () => {
    fc.assert(
      fc.property(arb, fc.nat(), fc.nat(), (x, cut, flip) => {
        const bytes = format.encode(x);
        assert.deepEqual(format.decode(bytes), x);
        if (bytes.length === 0) return;
        decodesOrCodecError(format, bytes.subarray(0, cut % bytes.length));
        const flipped = bytes.slice();
        const i = flip % bytes.length;
        flipped[i] = (flipped[i] as number) ^ (1 << ((flip >>> 16) % 8));
        decodesOrCodecError(format, flipped);
      }),
      { numRuns: propertyRuns() },
    );
  });
}

/** Random bytes fed to every format throw only CodecError (or decode to a stable value). */
export function randomBytesProperty(formats: Readonly<Record<string, Format<unknown>>>): void {
  it(`random bytes make ${Object.keys(formats).length} decoders throw only CodecError`, () => {
    const all = Object.values(formats);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        for (const f of all) decodesOrCodecError(f, bytes);
      }),
      { numRuns: propertyRuns() },
    );
  });
}
