import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { type KindId, kindId, resourceIdFromHex } from '../../../../src/core/ids.js';
import {
  type DataModel,
  fetchAnsCodec,
  fetchReqCodec,
  findAns,
  findReq,
  ianaKindModel,
  NO_SIGNATURE,
  type StoreReq,
  statAnsCodec,
  storeAns,
  storeReqCodec,
} from '../../../../src/reload/messages/index.js';
import { CodecError, decode, encode } from '../../../../src/wire/index.js';

const PRIVATE = kindId(0xf000_0001);
const resource = resourceIdFromHex('0102');
/** The IANA kinds plus one private ARRAY kind; every other kind is unknown. */
const modelOf = (k: KindId): DataModel | undefined => (k === PRIVATE ? 'array' : ianaKindModel(k));
const knowsNothing = (): DataModel | undefined => undefined;

const singleStore: StoreReq = {
  resource,
  replicaNumber: 1,
  kindData: [
    {
      kind: kindId(2),
      generationCounter: 7n,
      values: [
        {
          storageTime: 5n,
          lifetime: 60,
          value: { model: 'single', exists: true, value: fromHex('beef') },
          signature: NO_SIGNATURE,
        },
      ],
    },
  ],
};

describe('Store (RFC 6940 §7.4.1)', () => {
  it('encodes a SINGLE value exactly as the StoreReq/StoredData structs lay it out', () => {
    // resource <2> 0102, replica 1, kind_data <4>[ kind 2, generation 7, values <4>[ StoredData length,
    // storage_time 5, lifetime 60, exists 1, value <4> beef, algorithm 0/0, identity none <0>, sig <0> ] ]
    const want =
      '020102' +
      '01' +
      '0000002e' +
      '00000002' +
      '0000000000000007' +
      '0000001e' +
      '0000001a' +
      '0000000000000005' +
      '0000003c' +
      '01' +
      '00000002beef' +
      '0000' +
      '030000' +
      '0000';
    assert.equal(toHex(encode(storeReqCodec(modelOf), singleStore)), want);
  });

  it('keeps the values of a kind with no known model as opaque StoredData bodies', () => {
    const bytes = encode(storeReqCodec(modelOf), singleStore);
    const got = decode(storeReqCodec(knowsNothing), bytes);
    const kd = got.kindData[0];
    assert.ok(kd !== undefined && 'opaqueValues' in kd);
    assert.equal(kd.kind, 2);
    assert.equal(kd.opaqueValues.length, 1);
    // Re-encoding the opaque form gives the same bytes: a node can pass on what it cannot read.
    assert.equal(toHex(encode(storeReqCodec(knowsNothing), got)), toHex(bytes));
  });

  it('refuses to encode a value whose model differs from its kind', () => {
    const [kd] = singleStore.kindData;
    assert.ok(kd !== undefined && 'values' in kd);
    const wrong: StoreReq = {
      ...singleStore,
      kindData: [{ kind: PRIVATE, generationCounter: 1n, values: kd.values }],
    };
    assert.throws(() => encode(storeReqCodec(modelOf), wrong), CodecError);
  });

  it('rejects a StoredData whose length leaves a byte its value does not use', () => {
    const bytes = encode(storeReqCodec(modelOf), singleStore);
    // One more byte at the end, counted by StoredData.length and the two enclosing vector lengths.
    const bad = new Uint8Array([...bytes, 0]);
    bad[7] = 0x2f; // kind_data length
    bad[23] = 0x1f; // values length
    bad[27] = 0x1b; // StoredData.length
    assert.throws(
      () => decode(storeReqCodec(modelOf), bad),
      (e) => e instanceof CodecError && /trailing bytes after StoredData/.test(e.message),
    );
  });

  it('StoreAns lists generation counters and replicas', () => {
    const ans = { kindResponses: [{ kind: kindId(1), generationCounter: 3n, replicas: [] }] };
    assert.equal(toHex(encode(storeAns, ans)), '000e' + '00000001' + '0000000000000003' + '0000');
    assert.deepEqual(decode(storeAns, encode(storeAns, ans)), ans);
  });
});

describe('Fetch and Stat (RFC 6940 §7.4.2, §7.4.3)', () => {
  it('encodes specifiers per model, with their length field', () => {
    const req = {
      resource,
      specifiers: [
        { kind: kindId(2), generation: 0n, model: 'single' as const },
        {
          kind: PRIVATE,
          generation: 1n,
          model: 'array' as const,
          indices: [{ first: 0, last: 0xffff_ffff }],
        },
        { kind: kindId(1), generation: 0n, model: 'dictionary' as const, keys: [] },
      ],
    };
    const want =
      '020102' +
      '0036' +
      '00000002' +
      '0000000000000000' +
      '0000' +
      'f0000001' +
      '0000000000000001' +
      '000a' +
      '0008' +
      '00000000ffffffff' +
      '00000001' +
      '0000000000000000' +
      '0002' +
      '0000';
    const bytes = encode(fetchReqCodec(modelOf), req);
    assert.equal(toHex(bytes), want);
    assert.deepEqual(decode(fetchReqCodec(modelOf), bytes), req);
  });

  it('keeps the specifier of an unknown kind as raw bytes', () => {
    const bytes = fromHex('0201020011' + '12345678' + '0000000000000009' + '0003' + 'aabbcc');
    assert.deepEqual(decode(fetchReqCodec(modelOf), bytes).specifiers, [
      { kind: kindId(0x12345678), generation: 9n, model: 'unknown', data: fromHex('aabbcc') },
    ]);
  });

  it('rejects a SINGLE specifier with bytes after it', () => {
    const bytes = fromHex('0201020011' + '00000002' + '0000000000000000' + '0003' + 'aabbcc');
    assert.throws(() => decode(fetchReqCodec(modelOf), bytes), CodecError);
  });

  it('round-trips a FetchAns with a synthesised non-existent array entry', () => {
    const ans = {
      kindResponses: [
        {
          kind: PRIVATE,
          generation: 2n,
          values: [
            {
              storageTime: 0n,
              lifetime: 0,
              value: { model: 'array' as const, index: 3, exists: false, value: new Uint8Array(0) },
              signature: NO_SIGNATURE,
            },
          ],
        },
      ],
    };
    assert.deepEqual(decode(fetchAnsCodec(modelOf), encode(fetchAnsCodec(modelOf), ans)), ans);
  });

  it('StatAns: StoredMetaData.value_length is the size of the rest, like StoredData.length', () => {
    const ans = {
      kindResponses: [
        {
          kind: kindId(1),
          generation: 4n,
          values: [
            {
              storageTime: 8n,
              lifetime: 60,
              metadata: {
                model: 'dictionary' as const,
                key: fromHex('11'),
                exists: true,
                valueLength: 25,
                hashAlgorithm: 4,
                hashValue: fromHex('ab'),
              },
            },
          ],
        },
      ],
    };
    const bytes = encode(statAnsCodec(modelOf), ans);
    // kind_responses <43>[ kind 1, generation 4, values <27>[ value_length 23, storage_time 8, lifetime 60,
    // key <1> 11, exists 1, MetaData.value_length 25, hash_algorithm 4, hash_value <1> ab ] ]
    const want = ['0000002b', '00000001', '0000000000000004', '0000001b', '00000017', '0000000000000008'];
    want.push('0000003c', '000111', '01', '00000019', '04', '01ab');
    assert.equal(toHex(bytes), want.join(''));
    assert.deepEqual(decode(statAnsCodec(modelOf), bytes), ans);
    // A node that does not know the kind keeps each entry opaque and passes it on unchanged.
    const opaque = decode(statAnsCodec(knowsNothing), bytes).kindResponses[0];
    assert.ok(opaque !== undefined && 'opaqueValues' in opaque);
    assert.equal(toHex(encode(statAnsCodec(knowsNothing), { kindResponses: [opaque] })), toHex(bytes));
  });
});

describe('Find (RFC 6940 §7.4.4)', () => {
  it('encodes the kinds list and the closest Resource-IDs', () => {
    const req = { resource, kinds: [kindId(2)] };
    assert.equal(toHex(encode(findReq, req)), '020102' + '04' + '00000002');
    const ans = { results: [{ kind: kindId(2), closest: resourceIdFromHex('00') }] };
    assert.equal(toHex(encode(findAns, ans)), '0006' + '00000002' + '0100');
    assert.deepEqual(decode(findAns, encode(findAns, ans)), ans);
  });
});
