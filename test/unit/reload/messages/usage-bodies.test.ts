import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { kindId, nodeIdFromHex } from '../../../../src/core/ids.js';
import {
  type ConfigUpdateReq,
  configUpdateReq,
  decodeGenerationCounterTooLow,
  decodeUnknownKinds,
  ErrorCode,
  errorInfoText,
  errorResponse,
  findSelfTuningData,
  generationCounterTooLowError,
  MessageExtensionType,
  pingAns,
  pingReq,
  selfTuningExtension,
  sipRegistration,
  textError,
  turnServer,
  unknownKindError,
} from '../../../../src/reload/messages/index.js';
import { CodecError, decode, encode } from '../../../../src/wire/index.js';

describe('Ping (RFC 6940 §6.5.3)', () => {
  it('PingReq is padding only; PingAns is response_id and time', () => {
    assert.equal(toHex(encode(pingReq, { padding: fromHex('0000') })), '00020000');
    const ans = { responseId: 0x0102030405060708n, time: 1_700_000_000_000n };
    assert.equal(toHex(encode(pingAns, ans)), '0102030405060708' + '0000018bcfe56800');
  });
});

describe('ConfigUpdate (RFC 6940 §6.5.4)', () => {
  it('writes type, the uint32 length of the rest, then the select arm', () => {
    const kinds: ConfigUpdateReq = { type: 'kind', kinds: [fromHex('3c6b2f3e')] };
    assert.equal(toHex(encode(configUpdateReq, kinds)), '02' + '00000009' + '000006' + '0004' + '3c6b2f3e');
    const config: ConfigUpdateReq = { type: 'config', configData: fromHex('3c6f2f3e') };
    assert.equal(toHex(encode(configUpdateReq, config)), '01' + '00000007' + '000004' + '3c6f2f3e');
  });

  it('carries an unknown type as raw bytes and rejects type 0', () => {
    const v: ConfigUpdateReq = { type: 'unknown', code: 9, data: fromHex('abcd') };
    assert.deepEqual(decode(configUpdateReq, encode(configUpdateReq, v)), v);
    assert.throws(() => decode(configUpdateReq, fromHex('0000000000')), CodecError);
    assert.throws(() => encode(configUpdateReq, { type: 'unknown', code: 1, data: fromHex('') }), CodecError);
  });
});

describe('ErrorResponse (RFC 6940 §6.3.3.1, §7.4.1.2)', () => {
  it('text errors carry UTF-8 error_info', () => {
    const e = textError(ErrorCode.Error_Not_Found, 'no such resource');
    assert.equal(errorInfoText(decode(errorResponse, encode(errorResponse, e))), 'no such resource');
    assert.equal(errorInfoText({ errorCode: 1, errorInfo: fromHex('ff') }), '<1 bytes>');
  });

  it('Error_Unknown_Kind lists the kinds as KindId unknown_kinds<0..2^8-1>', () => {
    const e = unknownKindError([kindId(1), kindId(0xf0000001)]);
    assert.equal(e.errorCode, 0x0c);
    assert.equal(toHex(e.errorInfo), '08' + '00000001' + 'f0000001');
    assert.deepEqual(decodeUnknownKinds(e.errorInfo), [kindId(1), kindId(0xf0000001)]);
    assert.throws(() => decodeUnknownKinds(fromHex('0500000001')), CodecError);
  });

  it('Error_Generation_Counter_Too_Low carries a StoreAns with empty replica lists', () => {
    const e = generationCounterTooLowError([{ kind: kindId(1), generationCounter: 9n }]);
    assert.equal(e.errorCode, 0x05);
    assert.deepEqual(decodeGenerationCounterTooLow(e.errorInfo), {
      kindResponses: [{ kind: kindId(1), generationCounter: 9n, replicas: [] }],
    });
  });
});

describe('usage values', () => {
  it('SipRegistration uri (RFC 7904 §3.2) is type, length, then the AOR', () => {
    const bytes = encode(sipRegistration, { type: 'uri', uri: 'bob@example.org' });
    assert.equal(
      toHex(bytes),
      `01 0011 000f ${toHex(new TextEncoder().encode('bob@example.org'))}`.replace(/ /g, ''),
    );
  });

  it('SipRegistration route needs a destination list of at least 3 bytes', () => {
    assert.throws(() => decode(sipRegistration, fromHex('02' + '0004' + '0000' + '0000')), CodecError);
    const route = {
      type: 'route' as const,
      contactPrefs: '(sip.schemes=SIPS)',
      destinationList: [{ type: 'node' as const, id: nodeIdFromHex('11'.repeat(16)) }],
    };
    assert.deepEqual(decode(sipRegistration, encode(sipRegistration, route)), route);
  });

  it('SipRegistration of an unknown type travels raw', () => {
    const v = { type: 'unknown' as const, code: 7, data: fromHex('0102') };
    assert.equal(toHex(encode(sipRegistration, v)), '0700020102');
    assert.deepEqual(decode(sipRegistration, fromHex('0700020102')), v);
  });

  it('TurnServer (RFC 6940 §9) is iteration then server address', () => {
    const v = { iteration: 1, serverAddress: { family: 'ipv4' as const, address: '192.0.2.1', port: 3478 } };
    assert.equal(toHex(encode(turnServer, v)), '01' + '0106c00002010d96');
  });

  it('SelfTuningData (RFC 7363 §6.5) rides in a non-critical self_tuning_data extension', () => {
    const data = { networkSize: 1000, joinRate: 10628, leaveRate: 5 };
    const ext = selfTuningExtension(data);
    assert.equal(ext.type, MessageExtensionType.self_tuning_data);
    assert.equal(ext.critical, false);
    assert.equal(toHex(ext.contents), '000003e8' + '00002984' + '00000005');
    assert.deepEqual(findSelfTuningData([ext]), data);
  });
});
