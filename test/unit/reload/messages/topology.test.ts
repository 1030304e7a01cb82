import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { nodeIdFromHex } from '../../../../src/core/ids.js';
import {
  chordLeaveData,
  chordRouteQueryAns,
  chordUpdate,
  joinReq,
  leaveReq,
  probeAns,
  probeReq,
  routeQueryReq,
} from '../../../../src/reload/messages/index.js';
import { CodecError, decode, encode } from '../../../../src/wire/index.js';

const A = nodeIdFromHex('0a'.repeat(16));
const B = nodeIdFromHex('0b'.repeat(16));
const idA = '0a'.repeat(16);
const idB = '0b'.repeat(16);

describe('topology plug-in methods (RFC 6940 §6.4.2)', () => {
  it('Join and Leave carry the Node-ID and opaque overlay data', () => {
    const join = { joiningPeerId: A, overlaySpecificData: new Uint8Array(0) };
    assert.equal(toHex(encode(joinReq, join)), `${idA}0000`);
    const leave = { leavingPeerId: A, overlaySpecificData: fromHex('0100100b') };
    assert.deepEqual(decode(leaveReq, encode(leaveReq, leave)), leave);
  });

  it('RouteQueryReq puts send_update before the destination', () => {
    const req = {
      sendUpdate: true,
      destination: { type: 'node' as const, id: B },
      overlaySpecificData: new Uint8Array(0),
    };
    assert.equal(toHex(encode(routeQueryReq, req)), `01 0110${idB} 0000`.replace(/ /g, ''));
  });

  it('Probe asks for types and answers uint32 values, carrying unknown types raw', () => {
    assert.equal(toHex(encode(probeReq, { requestedInfo: [1, 3] })), '020103');
    const ans = {
      probeInfo: [
        { type: 'uptime' as const, value: 600 },
        { type: 'unknown' as const, code: 4, data: fromHex('ff') },
      ],
    };
    const bytes = encode(probeAns, ans);
    assert.equal(toHex(bytes), '0009' + '030400000258' + '0401ff');
    assert.deepEqual(decode(probeAns, bytes), ans);
  });

  it('Probe rejects a known type whose value is not 4 bytes, and type 0', () => {
    assert.throws(() => decode(probeAns, fromHex('0005 03 03 000002')), CodecError);
    assert.throws(() => decode(probeAns, fromHex('0003' + '0001ff')), CodecError);
  });
});

describe('CHORD-RELOAD bodies (RFC 6940 §10.7–§10.9)', () => {
  it('encodes every ChordUpdate type', () => {
    assert.equal(toHex(encode(chordUpdate, { uptime: 1, type: 'peer_ready' })), '0000000101');
    const full = { uptime: 2, type: 'full' as const, predecessors: [A], successors: [], fingers: [A, B] };
    const bytes = encode(chordUpdate, full);
    assert.equal(toHex(bytes), `00000002 03 0010${idA} 0000 0020${idA}${idB}`.replace(/ /g, ''));
    assert.deepEqual(decode(chordUpdate, bytes), full);
  });

  it('rejects a ChordUpdate type the select does not define', () => {
    assert.throws(() => decode(chordUpdate, fromHex('0000000104')), CodecError);
    assert.throws(() => decode(chordUpdate, fromHex('0000000100')), CodecError);
  });

  it('rejects a Node-ID list whose length is not a whole number of Node-IDs', () => {
    assert.throws(
      () => decode(chordUpdate, fromHex(`00000001 02 0011${idA}ff 0000`.replace(/ /g, ''))),
      CodecError,
    );
  });

  it('ChordLeaveData from_succ carries successors, from_pred predecessors', () => {
    assert.equal(
      toHex(encode(chordLeaveData, { type: 'from_succ', successors: [B] })),
      `01 0010${idB}`.replace(/ /g, ''),
    );
    assert.deepEqual(decode(chordLeaveData, fromHex(`020010${idA}`)), {
      type: 'from_pred',
      predecessors: [A],
    });
    assert.throws(() => decode(chordLeaveData, fromHex('030000')), CodecError);
  });

  it('ChordRouteQueryAns is the bare next-hop Node-ID', () => {
    assert.equal(toHex(encode(chordRouteQueryAns, { nextPeer: B })), idB);
  });

  it('reads and writes 20-byte Node-IDs when the overlay uses them', () => {
    const ctx = { nodeIdLength: 20 };
    const id = nodeIdFromHex('0102030405060708090a0b0c0d0e0f1011121314');
    const bytes = encode(chordRouteQueryAns, { nextPeer: id }, ctx);
    assert.equal(toHex(bytes), '0102030405060708090a0b0c0d0e0f1011121314');
    assert.deepEqual(decode(chordRouteQueryAns, bytes, ctx), { nextPeer: id });
  });
});
