import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { decodeFrame, encodeFrame, FrameSplitter } from '../../../../src/reload/messages/framing.js';
import { decodeForwarded } from '../../../../src/reload/messages/header.js';
import { decodeMessage, encodeMessage, type ReloadMessage } from '../../../../src/reload/messages/message.js';
import { CodecError } from '../../../../src/wire/index.js';
import { DUMMY_SECURITY, nodeOf, vectorHeader } from '../../../support/reload-fixtures.js';
import { readVector } from '../../../support/vectors.js';

const ping: ReloadMessage = {
  header: vectorHeader(0x0102030405060708n, nodeOf('22')),
  contents: { code: 0x17, body: fromHex('0000'), extensions: [] },
  security: DUMMY_SECURITY,
};

describe('RELOAD message (golden vector, reload-digest §17.2)', () => {
  it('encodes the 127-byte Ping request byte for byte', () => {
    assert.equal(toHex(encodeMessage(ping)), toHex(readVector('ping-req.hex')));
  });

  it('decodes it back to the same message', () => {
    assert.deepEqual(decodeMessage(readVector('ping-req.hex')), ping);
  });

  it('overlay field is the low 32 bits of SHA-1("overlay.example.org")', () => {
    const digest = createHash('sha1').update('overlay.example.org').digest();
    assert.equal(digest.readUInt32BE(16), 0x9aa32b8d);
  });

  it('rejects a wrong relo_token and a length that disagrees with the bytes', () => {
    const bytes = readVector('ping-req.hex');
    const bad = bytes.slice();
    bad[0] = 0;
    assert.throws(() => decodeForwarded(bad), CodecError);
    assert.throws(() => decodeForwarded(bytes.subarray(0, 100)), CodecError);
  });

  it('wraps it in a data frame and cuts frames from a stream in any chunking', () => {
    const bytes = readVector('ping-req.hex');
    const frame = encodeFrame({ type: 'data', sequence: 0, message: bytes });
    assert.equal(toHex(frame.subarray(0, 8)), '800000000000007f');
    const ack = encodeFrame({ type: 'ack', ackSequence: 0, received: 0 });
    assert.equal(toHex(ack), '810000000000000000');
    const stream = new Uint8Array([...frame, ...ack, ...frame]);
    for (const step of [1, 3, 7, 50, stream.length]) {
      const s = new FrameSplitter(5000);
      const got = [];
      for (let i = 0; i < stream.length; i += step) got.push(...s.push(stream.subarray(i, i + step)));
      assert.deepEqual(
        got.map((f) => f.type),
        ['data', 'ack', 'data'],
      );
      assert.equal(s.pending, 0);
    }
    assert.deepEqual(decodeFrame(frame), { type: 'data', sequence: 0, message: bytes });
  });

  it('refuses an oversized frame and an unknown frame type in a stream', () => {
    const s = new FrameSplitter(100);
    assert.throws(() => s.push(fromHex('8000000000000fff')), CodecError);
    assert.throws(() => new FrameSplitter(100).push(fromHex('7f')), CodecError);
  });
});
