import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  boolean,
  CodecError,
  decode,
  encode,
  opaque,
  struct,
  u8,
  u16,
  u24,
  u32,
  u64,
  utf8String,
  vector,
} from '../../src/wire/index.js';
import { propertyRuns } from '../support/tools.js';

const Sample = struct({
  a: u8,
  b: u16,
  c: u24,
  d: u32,
  e: u64,
  f: boolean,
  g: opaque(2),
  h: vector(1, u16),
  i: utf8String(2),
});

const sample = fc.record(
  {
    a: fc.integer({ min: 0, max: 0xff }),
    b: fc.integer({ min: 0, max: 0xffff }),
    c: fc.integer({ min: 0, max: 0xffffff }),
    d: fc.integer({ min: 0, max: 0xffffffff }),
    e: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    f: fc.boolean(),
    g: fc.uint8Array({ maxLength: 300 }),
    h: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 127 }),
    i: fc.string({ unit: 'grapheme', maxLength: 100 }),
  },
  { noNullPrototype: true },
);

describe('wire properties', () => {
  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(sample, (v) => {
        assert.deepEqual(decode(Sample, encode(Sample, v)), v);
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('random, truncated and bit-flipped input throws only CodecError', () => {
    const onlyCodecError = (bytes: Uint8Array): void => {
      try {
        decode(Sample, bytes);
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyCodecError), { numRuns: propertyRuns() });
    fc.assert(
      fc.property(sample, fc.nat(), fc.nat(), (v, cut, flip) => {
        const bytes = encode(Sample, v);
        onlyCodecError(bytes.subarray(0, cut % bytes.length));
        const flipped = bytes.slice();
        const i = flip % flipped.length;
        flipped[i] = (flipped[i] ?? 0) ^ (1 << (flip % 8));
        onlyCodecError(flipped);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
