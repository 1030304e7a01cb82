import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../../../../src/core/bytes.js';
import { nodeIdFromHex } from '../../../../src/core/ids.js';
import {
  DiagnosticKind,
  type DiagnosticsResponse,
  diagnosticFlag,
  diagnosticInfo,
  diagnosticPingExtension,
  diagnosticsRequest,
  diagnosticsResponse,
  findDiagnosticPing,
  MessageExtensionType,
  pathTrackAns,
  pathTrackReq,
} from '../../../../src/reload/messages/index.js';
import { CodecError, decode, encode } from '../../../../src/wire/index.js';

const request = {
  expiration: 0x1000n,
  timestampInitiated: 0x0800n,
  dmFlags: diagnosticFlag(DiagnosticKind.STATUS_INFO) | diagnosticFlag(DiagnosticKind.SOFTWARE_VERSION),
  extensions: [{ kind: 0xf000, contents: fromHex('01') }],
};

describe('RFC 7851 diagnostics', () => {
  it('dMFlags bit k requests diagnostic kind k (§9.1)', () => {
    assert.equal(diagnosticFlag(DiagnosticKind.STATUS_INFO), 0x2n);
    assert.equal(diagnosticFlag(DiagnosticKind.BATTERY_STATUS), 0x1_0000n);
  });

  it('DiagnosticsRequest writes ext_length and the list with its own length (§5.1)', () => {
    const bytes = encode(diagnosticsRequest, request);
    assert.equal(
      toHex(bytes),
      '0000000000001000' +
        '0000000000000800' +
        '0000000000000042' +
        '00000007' +
        '00000007' +
        'f000' +
        '0000000101',
    );
    assert.deepEqual(decode(diagnosticsRequest, bytes), request);
  });

  it('rejects an ext_length that differs from the list it describes', () => {
    const bytes = encode(diagnosticsRequest, request);
    bytes[27] = 6;
    assert.throws(() => decode(diagnosticsRequest, bytes), CodecError);
  });

  it('types the base diagnostics whose format §5.3 fixes and keeps the rest raw', () => {
    const info = [
      { kind: 'STATUS_INFO' as const, value: 0x0f },
      { kind: 'ROUTING_TABLE_SIZE' as const, value: 24 },
      { kind: 'APP_UPTIME' as const, value: 3600n },
      { kind: 'SOFTWARE_VERSION' as const, value: 'p2psip/0.1' },
      { kind: 'raw' as const, code: DiagnosticKind.INSTANCES_STORED, data: fromHex('00000001') },
    ];
    const response: DiagnosticsResponse = {
      expiration: 1n,
      timestampInitiated: 2n,
      timestampReceived: 3n,
      hopCounter: 98,
      info,
    };
    assert.deepEqual(decode(diagnosticsResponse, encode(diagnosticsResponse, response)), response);
    assert.equal(toHex(encode(diagnosticInfo, { kind: 'STATUS_INFO', value: 0x0f })), '000100010f');
    assert.equal(toHex(encode(diagnosticInfo, { kind: 'SOFTWARE_VERSION', value: 'ab' })), '00060003616200');
  });

  it('rejects malformed base diagnostics', () => {
    assert.throws(() => decode(diagnosticInfo, fromHex('0001' + '0002' + '0f0f')), CodecError);
    assert.throws(() => decode(diagnosticInfo, fromHex('0006' + '0002' + '6162')), CodecError);
    assert.throws(() => decode(diagnosticInfo, fromHex('0006' + '0003' + '610062')), CodecError);
    assert.throws(
      () => encode(diagnosticInfo, { kind: 'raw', code: DiagnosticKind.APP_UPTIME, data: fromHex('') }),
      CodecError,
    );
  });

  it('PathTrack wraps a destination and the diagnostics structures (§4.3.1)', () => {
    const dest = { type: 'node' as const, id: nodeIdFromHex('ab'.repeat(16)) };
    const req = { destination: dest, request };
    assert.deepEqual(decode(pathTrackReq, encode(pathTrackReq, req)), req);
    const response = {
      expiration: 1n,
      timestampInitiated: 2n,
      timestampReceived: 3n,
      hopCounter: 1,
      info: [],
    };
    const ans = { nextHop: dest, response };
    assert.deepEqual(decode(pathTrackAns, encode(pathTrackAns, ans)), ans);
  });

  it('an extended Ping carries the request in a non-critical Diagnostic_Ping extension (§4.2.1)', () => {
    const ext = diagnosticPingExtension(request);
    assert.equal(ext.type, MessageExtensionType.Diagnostic_Ping);
    assert.equal(ext.critical, false);
    assert.deepEqual(findDiagnosticPing([ext]), request);
    assert.equal(findDiagnosticPing([]), undefined);
  });
});
