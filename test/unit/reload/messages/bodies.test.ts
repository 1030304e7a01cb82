import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex } from '../../../../src/core/bytes.js';
import {
  type BodyName,
  ianaKindModel,
  MessageBodies,
  MessageCode,
} from '../../../../src/reload/messages/index.js';
import { CodecError } from '../../../../src/wire/index.js';

const bodies = new MessageBodies(ianaKindModel);

describe('message body dispatch (RFC 6940 §6.3.3)', () => {
  it('has a structure for every request/answer code of RFC 6940 and RFC 7851 and for error', () => {
    const names = Object.keys(bodies.table) as BodyName[];
    for (const name of names) assert.equal(bodies.nameOf(MessageCode[name]), name);
    const defined = MessageCode.entries.filter(([n]) => !n.startsWith('exp_')).map(([n]) => n);
    assert.deepEqual([...names].sort(), [...defined].sort());
  });

  it('answers are request codes plus one', () => {
    for (const name of Object.keys(bodies.table)) {
      if (!name.endsWith('_req')) continue;
      const ans = `${name.slice(0, -4)}_ans` as BodyName;
      assert.equal(MessageCode[ans], MessageCode[name as BodyName] + 1);
    }
  });

  it('decodes a body by its code and encodes it back', () => {
    const ping = bodies.decode(MessageCode.ping_req, fromHex('0003abcdef'));
    assert.deepEqual(ping, { name: 'ping_req', value: { padding: fromHex('abcdef') } });
    assert.deepEqual(bodies.encodeBody(ping), { code: 0x17, bytes: fromHex('0003abcdef') });
  });

  it('keeps codes without a structure (experiments, unassigned) as raw bytes', () => {
    for (const code of [MessageCode.exp_a_req, 0x0005, 0x8000]) {
      assert.deepEqual(bodies.decode(code, fromHex('01')), { name: 'unknown', code, bytes: fromHex('01') });
    }
  });

  it('rejects a body with trailing bytes', () => {
    assert.throws(() => bodies.decode(MessageCode.ping_req, fromHex('000100ff')), CodecError);
  });
});
