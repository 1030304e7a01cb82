import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { kindId, nodeIdFromHex, resourceIdFromHex } from '../../../../src/core/ids.js';
import {
  type Body,
  type ChordUpdate,
  chordUpdate,
  decodeFrame,
  decodeMessage,
  decodeUnknownKinds,
  ErrorCode,
  encodeFrame,
  encodeMessage,
  ianaKindModel,
  MessageBodies,
  MessageCode,
  type ReloadMessage,
  type SipRegistration,
  sipRegistration,
} from '../../../../src/reload/messages/index.js';
import { decode, encode } from '../../../../src/wire/index.js';
import { DUMMY_SECURITY, DUMMY_SIGNATURE, nodeOf, vectorHeader } from '../../../support/reload-fixtures.js';
import { readVector } from '../../../support/vectors.js';

const bodies = new MessageBodies(ianaKindModel);
const alice = resourceIdFromHex('45a6b241a242c97f0492d382c390dfa3');

function message(txid: bigint, dest: ReturnType<typeof nodeOf>, body: Body): ReloadMessage {
  const { code, bytes } = bodies.encodeBody(body);
  return {
    header: vectorHeader(txid, dest),
    contents: { code, body: bytes, extensions: [] },
    security: DUMMY_SECURITY,
  };
}

/** Encoding `expected` gives the vector byte for byte, and decoding the vector gives `expected` back. */
function checkVector(file: string, expected: ReloadMessage, body: Body): void {
  const bytes = readVector(file);
  assert.equal(toHex(encodeMessage(expected)), toHex(bytes));
  const got = decodeMessage(bytes);
  assert.deepEqual(got, expected);
  assert.deepEqual(bodies.decode(got.contents.code, got.contents.body), body);
}

const route: SipRegistration = { type: 'route', contactPrefs: '', destinationList: [nodeOf('11')] };

const storeBody: Body = {
  name: 'store_req',
  value: {
    resource: alice,
    replicaNumber: 0,
    kindData: [
      {
        kind: kindId(1),
        generationCounter: 0n,
        values: [
          {
            storageTime: 1_700_000_000_000n,
            lifetime: 3600,
            value: {
              model: 'dictionary',
              key: fromHex('11'.repeat(16)),
              exists: true,
              value: encode(sipRegistration, route),
            },
            signature: DUMMY_SIGNATURE,
          },
        ],
      },
    ],
  },
};

const attachBody: Body = {
  name: 'attach_req',
  value: {
    ufrag: 'ufrg',
    password: 'pwd-0123456789abcdefghij',
    role: 'passive',
    candidates: [
      {
        addrPort: { family: 'ipv4', address: '192.0.2.1', port: 6084 },
        overlayLink: 1,
        foundation: '1',
        priority: 0x7effffff,
        type: 'host',
        extensions: [],
      },
    ],
    sendUpdate: true,
  },
};

const neighbors: ChordUpdate = {
  uptime: 600,
  type: 'neighbors',
  predecessors: [nodeIdFromHex('33'.repeat(16))],
  successors: [nodeIdFromHex('44'.repeat(16)), nodeIdFromHex('55'.repeat(16))],
};

describe('golden vectors (reload-digest §17.2, test/vectors)', () => {
  it('Store of a SIP-REGISTRATION route at H("alice@example.org") matches store-req.hex', () => {
    checkVector(
      'store-req.hex',
      message(0x0102030405060709n, { type: 'resource', id: alice }, storeBody),
      storeBody,
    );
  });

  it('the stored value of store-req.hex is a SipRegistration route to 0x11*16', () => {
    const got = bodies.decode(
      MessageCode.store_req,
      decodeMessage(readVector('store-req.hex')).contents.body,
    );
    assert.equal(got.name, 'store_req');
    const kd = got.name === 'store_req' ? got.value.kindData[0] : undefined;
    assert.ok(kd !== undefined && 'values' in kd);
    const v = kd.values[0]?.value;
    assert.ok(v !== undefined);
    assert.deepEqual(decode(sipRegistration, v.value), route);
  });

  it('Attach request with one host candidate matches attach-req.hex', () => {
    checkVector('attach-req.hex', message(0x0102030405060710n, nodeOf('22'), attachBody), attachBody);
  });

  it('ChordUpdate of type neighbors matches chord-update.hex', () => {
    const body: Body = { name: 'update_req', value: encode(chordUpdate, neighbors) };
    const expected = message(0x0102030405060711n, nodeOf('22'), body);
    checkVector('chord-update.hex', expected, body);
    assert.deepEqual(
      decode(chordUpdate, decodeMessage(readVector('chord-update.hex')).contents.body),
      neighbors,
    );
  });

  it('Error_Unknown_Kind listing kind 1 matches error-unknown-kind.hex', () => {
    const body: Body = {
      name: 'error',
      value: { errorCode: ErrorCode.Error_Unknown_Kind, errorInfo: fromHex('0400000001') },
    };
    checkVector('error-unknown-kind.hex', message(0x0102030405060709n, nodeOf('11'), body), body);
    const got = bodies.decode(0xffff, decodeMessage(readVector('error-unknown-kind.hex')).contents.body);
    assert.ok(got.name === 'error');
    assert.deepEqual(decodeUnknownKinds(got.value.errorInfo), [kindId(1)]);
  });

  it('framing ACK for sequence 0 matches framing-ack.hex', () => {
    const bytes = readVector('framing-ack.hex');
    assert.deepEqual(decodeFrame(bytes), { type: 'ack', ackSequence: 0, received: 0 });
    assert.equal(toHex(encodeFrame({ type: 'ack', ackSequence: 0, received: 0 })), toHex(bytes));
  });
});
