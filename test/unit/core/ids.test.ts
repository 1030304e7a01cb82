import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalError } from '../../../src/core/errors.js';
import {
  isWildcardNodeId,
  nodeIdFromBytes,
  nodeIdFromHex,
  nodeIdToBytes,
  nodeIdToHex,
  parseKindId,
  resourceIdFromBytes,
  transactionIdFromBigInt,
  wildcardNodeId,
} from '../../../src/core/ids.js';

describe('ids', () => {
  it('converts Node-IDs between hex, bytes and bigint', () => {
    const hex = '000102030405060708090a0b0c0d0e0f';
    const id = nodeIdFromHex(hex);
    assert.equal(nodeIdToHex(id), hex);
    assert.deepEqual(
      nodeIdToBytes(id),
      Uint8Array.from({ length: 16 }, (_, i) => i),
    );
    assert.equal(nodeIdFromBytes(nodeIdToBytes(id)), id);
  });

  it('supports the 16..20 byte Node-ID lengths of RFC 6940 §6.3.1 and rejects others', () => {
    assert.equal(nodeIdToHex(nodeIdFromHex('ff'.repeat(20)), 20), 'ff'.repeat(20));
    assert.throws(
      () => nodeIdFromHex('ff'.repeat(15)),
      (e: unknown) => e instanceof LocalError && e.code === 'ERR_BAD_ID',
    );
    assert.throws(() => nodeIdFromHex('zz'.repeat(16)), LocalError);
    assert.throws(() => nodeIdFromBytes(new Uint8Array(21)), LocalError);
  });

  it('knows the all-ones wildcard Node-ID', () => {
    assert.ok(isWildcardNodeId(nodeIdFromHex('ff'.repeat(16))));
    assert.equal(nodeIdToHex(wildcardNodeId(20), 20), 'ff'.repeat(20));
  });

  it('limits Resource-IDs to 254 bytes and copies them', () => {
    const src = new Uint8Array([1, 2, 3]);
    const id = resourceIdFromBytes(src);
    src[0] = 9;
    assert.equal(id[0], 1);
    assert.throws(() => resourceIdFromBytes(new Uint8Array(255)), LocalError);
  });

  it('parses decimal and hex Kind-IDs and range-checks transaction ids', () => {
    assert.equal(parseKindId('0x104'), 0x104);
    assert.equal(parseKindId('16'), 16);
    assert.throws(() => parseKindId('0x1ffffffff'), LocalError);
    assert.throws(() => parseKindId('sip'), LocalError);
    assert.throws(() => transactionIdFromBigInt(1n << 64n), LocalError);
  });
});
