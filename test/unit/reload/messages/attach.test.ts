import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import {
  appAttachReq,
  attachReqAns,
  type IceCandidate,
  iceCandidate,
} from '../../../../src/reload/messages/index.js';
import { CodecError, decode, encode } from '../../../../src/wire/index.js';

const relay: IceCandidate = {
  addrPort: { family: 'ipv6', address: '2001:db8::1', port: 3478 },
  overlayLink: 1,
  foundation: 'r1',
  priority: 5,
  type: 'relay',
  relAddrPort: { family: 'ipv4', address: '198.51.100.7', port: 40000 },
  extensions: [{ name: fromHex('6e'), value: fromHex('76') }],
};

describe('Attach and AppAttach (RFC 6940 §6.5.1, §6.5.2)', () => {
  it('a relay candidate carries rel_addr_port between type and extensions', () => {
    const want =
      '0212' +
      '20010db8000000000000000000000001' +
      '0d96' +
      '01' +
      '027231' +
      '00000005' +
      '04' +
      '0106' +
      'c6336407' +
      '9c40' +
      '0006' +
      '00016e' +
      '000176';
    const bytes = encode(iceCandidate, relay);
    assert.equal(toHex(bytes), want);
    assert.deepEqual(decode(iceCandidate, bytes), relay);
  });

  it('rejects the reserved CandType 3 and unknown candidate types', () => {
    const host = encode(iceCandidate, { ...relay, type: 'host' });
    const typeAt = 2 + 18 + 1 + 3 + 4;
    for (const t of [0, 3, 5]) {
      const bad = host.slice();
      bad[typeAt] = t;
      assert.throws(() => decode(iceCandidate, bad), CodecError);
    }
  });

  it('AttachReqAns ends with send_update, which must be 0 or 1', () => {
    const v = { ufrag: 'u', password: 'p', role: 'active', candidates: [], sendUpdate: false };
    const bytes = encode(attachReqAns, v);
    assert.equal(toHex(bytes), '0175' + '0170' + '06616374697665' + '0000' + '00');
    const bad = bytes.slice();
    bad[bad.length - 1] = 2;
    assert.throws(() => decode(attachReqAns, bad), CodecError);
  });

  it('AppAttachReq puts the Application-ID between password and role', () => {
    const v = { ufrag: 'u', password: 'p', application: 5060, role: 'passive', candidates: [] };
    assert.equal(toHex(encode(appAttachReq, v)), '0175' + '0170' + '13c4' + '0770617373697665' + '0000');
    assert.deepEqual(decode(appAttachReq, encode(appAttachReq, v)), v);
  });
});
