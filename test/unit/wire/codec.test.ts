import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../src/core/bytes.js';
import {
  boolean,
  CodecError,
  decode,
  encode,
  fixedBytes,
  oneOf,
  opaque,
  Reader,
  struct,
  u8,
  u16,
  u24,
  u32,
  u64,
  utf8String,
  vector,
  Writer,
  wrapped,
} from '../../../src/wire/index.js';

describe('Reader and Writer', () => {
  it('write and read every integer width big-endian', () => {
    const w = new Writer(undefined, 1);
    w.u8(0x01).u16(0x0203).u24(0x040506).u32(0x0708090a).u64(0x0b0c0d0e0f101112n);
    const bytes = w.finish();
    assert.equal(toHex(bytes), '0102030405060708090a0b0c0d0e0f101112');
    const r = new Reader(bytes);
    assert.deepEqual(
      [r.u8(), r.u16(), r.u24(), r.u32(), r.u64()],
      [1, 0x0203, 0x040506, 0x0708090a, 0x0b0c0d0e0f101112n],
    );
    r.end();
  });

  it('back-patches length prefixes of every width', () => {
    for (const prefix of [1, 2, 3, 4] as const) {
      const w = new Writer();
      w.vector(prefix, (x) => x.bytes(fromHex('aabbcc')));
      const bytes = w.finish();
      assert.equal(bytes.length, prefix + 3);
      assert.equal(bytes[prefix - 1], 3);
      assert.deepEqual(new Reader(bytes).opaque(prefix), fromHex('aabbcc'));
    }
  });

  it('throws CodecError on short input, bad lengths and trailing bytes', () => {
    assert.throws(() => new Reader(fromHex('01')).u16(), CodecError);
    assert.throws(() => new Reader(fromHex('05aabb')).opaque(1), CodecError);
    assert.throws(() => new Reader(fromHex('02aabb')).opaque(1, 3, 10), /outside <3..10>/);
    assert.throws(() => decode(u8, fromHex('0102')), /trailing/);
    assert.throws(() => new Writer().u8(256), CodecError);
    assert.throws(() => new Writer().u64(-1n), CodecError);
    assert.throws(() => new Writer().opaque(1, new Uint8Array(256)), CodecError);
  });

  it('confines a sub-reader to its vector', () => {
    const r = new Reader(fromHex('02aabbcc'));
    const sub = r.vector(1);
    sub.u16();
    assert.throws(() => sub.u8(), CodecError);
    assert.equal(r.u8(), 0xcc);
  });
});

describe('combinators', () => {
  const Item = struct({ id: u16, name: utf8String(1), on: boolean });
  const List = struct({
    tag: fixedBytes(2),
    items: vector(2, Item),
    extra: opaque(3),
    n: u24,
    big: u64,
    x: u32,
  });

  it('encode and decode nested structures', () => {
    const v = {
      tag: fromHex('beef'),
      items: [
        { id: 1, name: 'a', on: true },
        { id: 2, name: 'héllo', on: false },
      ],
      extra: fromHex('00'),
      n: 5,
      big: 7n,
      x: 9,
    };
    const bytes = encode(List, v);
    assert.deepEqual(decode(List, bytes), v);
  });

  it('counts vector prefixes in bytes, not elements', () => {
    const bytes = encode(vector(1, u16), [1, 2, 3]);
    assert.equal(toHex(bytes), '06000100020003');
    assert.throws(() => decode(vector(1, u16), fromHex('03000100')), CodecError);
  });

  it('rejects Booleans other than 0 and 1, bad UTF-8 and disallowed enum values', () => {
    assert.throws(() => decode(boolean, fromHex('02')), CodecError);
    assert.throws(() => decode(utf8String(1), fromHex('01ff')), CodecError);
    const t = oneOf(u8, [1, 2], 'T');
    assert.throws(() => decode(t, fromHex('03')), CodecError);
    assert.throws(() => encode(t, 3), CodecError);
  });

  it('requires a wrapped structure to fill its vector', () => {
    const W = wrapped(2, u16);
    assert.equal(decode(W, fromHex('00020102')), 0x0102);
    assert.throws(() => decode(W, fromHex('0003010203')), /trailing/);
  });
});

describe('Writer growth', () => {
  it('keeps every byte when the buffer grows in the middle of a write', () => {
    const w = new Writer(undefined, 1);
    const chunk = Uint8Array.from({ length: 37 }, (_, i) => i);
    for (let i = 0; i < 50; i++) w.bytes(chunk).u8(0xee);
    const out = w.finish();
    assert.equal(out.length, 50 * 38);
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(out.subarray(i * 38, i * 38 + 37), chunk);
      assert.equal(out[i * 38 + 37], 0xee);
    }
  });
});
