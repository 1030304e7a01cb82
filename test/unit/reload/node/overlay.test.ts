import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NodeId, nodeIdToBytes, type ResourceId } from '../../../../src/core/ids.js';
import { randomU64, SeededRandom } from '../../../../src/core/random.js';
import {
  DiagnosticKind,
  diagnosticFlag,
  ErrorCode,
  MessageCode,
  MessageExtensionType,
} from '../../../../src/reload/messages/codes.js';
import { diagnosticPingExtension, diagnosticsResponse } from '../../../../src/reload/messages/diagnostics.js';
import { pingReq } from '../../../../src/reload/messages/ping.js';
import type { TraceResult } from '../../../../src/reload/node/diagnostics.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import { decode, encode } from '../../../../src/wire/index.js';
import { overlay, ringErrors, startNodes } from '../../../support/test-node.js';

describe('ReloadNode: CHORD-RELOAD overlay on an in-memory network', () => {
  it('starts the first peer alone and joins nine more into a correct ring', () => {
    const o = overlay(10);
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    assert.deepEqual(ringErrors(o.nodes), []);
    for (const n of o.nodes) {
      assert.ok(n.chord.table.successors.length >= 3, 'three successors');
      assert.ok(n.chord.table.predecessors.length >= 3, 'three predecessors');
    }
  });

  it('routes requests for random resources to the responsible peer from every peer', () => {
    const o = overlay(10, 2);
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    const rnd = new SeededRandom(9);
    const sorted = [...o.nodes].sort((a, b) => (a.localId < b.localId ? -1 : 1));
    for (const from of o.nodes) {
      const k = ((randomU64(rnd) << 64n) | randomU64(rnd)) as NodeId;
      const owner = sorted.find((n) => n.localId >= k) ?? sorted[0];
      const got: RequestResult[] = [];
      from.ping({ type: 'resource', id: nodeIdToBytes(k) as ResourceId }, o.net.now, (r) => got.push(r));
      o.net.settle();
      assert.ok(got[0]?.ok, `ping from ${from.localId.toString(16)}`);
      assert.equal(got[0].signer.nodeId, owner?.localId);
    }
  });

  it('repairs the ring after three peers die', () => {
    const o = overlay(10, 3);
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    const dead = [o.nodes[2], o.nodes[5], o.nodes[7]];
    for (const d of dead) if (d) o.net.kill(d);
    const live = o.nodes.filter((n) => !dead.includes(n));
    o.net.advance(o.net.now + 120_000);
    assert.deepEqual(ringErrors(live), []);
  });

  it('hands its neighbours a Leave on a graceful stop and they close the ring', () => {
    const o = overlay(6, 4);
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    const leaver = o.nodes[3];
    assert.ok(leaver);
    let done = false;
    leaver.stop(o.net.now, () => {
      done = true;
    });
    o.net.settle();
    assert.ok(done);
    const live = o.nodes.filter((n) => n !== leaver);
    assert.deepEqual(ringErrors(live), [], 'right after the Leave, before any stabilisation');
    for (const n of live) assert.ok(!n.chord.table.has(leaver.localId));
  });
});

describe('ReloadNode: RFC 7851 diagnostics', () => {
  it('traces the path to random resources hop by hop, ending at the responsible peer', () => {
    const o = overlay(10, 5);
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    const rnd = new SeededRandom(11);
    const sorted = [...o.nodes].sort((a, b) => (a.localId < b.localId ? -1 : 1));
    for (const from of o.nodes) {
      const k = ((randomU64(rnd) << 64n) | randomU64(rnd)) as NodeId;
      const owner = sorted.find((n) => n.localId >= k) ?? sorted[0];
      let result: TraceResult | undefined;
      from.trace({ type: 'resource', id: nodeIdToBytes(k) as ResourceId }, o.net.now, (r) => {
        result = r;
      });
      o.net.settle();
      assert.ok(
        result?.ok,
        `trace from ${from.localId.toString(16)}: ${result && !result.ok ? result.reason : ''}`,
      );
      assert.equal(result.hops.at(-1)?.nodeId, owner?.localId);
      assert.equal(new Set(result.hops.map((h) => h.nodeId)).size, result.hops.length, 'no hop twice');
    }
  });

  it('answers an extended Ping with the diagnostics it asked for, and an expired one with an error', () => {
    const o = overlay(4, 6);
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    const [a, b] = o.nodes;
    assert.ok(a && b);
    const ask = (expiration: number): RequestResult[] => {
      const got: RequestResult[] = [];
      const ext = diagnosticPingExtension({
        expiration: BigInt(expiration),
        timestampInitiated: BigInt(o.net.now),
        dmFlags:
          diagnosticFlag(DiagnosticKind.ROUTING_TABLE_SIZE) | diagnosticFlag(DiagnosticKind.MEMORY_FOOTPRINT),
        extensions: [],
      });
      a.request(
        {
          destination: [{ type: 'node', id: b.localId }],
          code: MessageCode.ping_req,
          body: encode(pingReq, { padding: new Uint8Array() }),
          extensions: [ext],
        },
        o.net.now,
        (r) => got.push(r),
      );
      o.net.settle();
      return got;
    };
    const [ok] = ask(o.net.now + 30_000);
    assert.ok(ok?.ok);
    const ext = ok.extensions.find((e) => e.type === MessageExtensionType.Diagnostic_Ping);
    assert.ok(ext);
    const resp = decode(diagnosticsResponse, ext.contents);
    assert.deepEqual(
      resp.info,
      [{ kind: 'ROUTING_TABLE_SIZE', value: b.chord.table.size }],
      'memory footprint is not public',
    );
    const [late] = ask(o.net.now - 1);
    assert.equal(late?.ok === false && late.errorCode, ErrorCode.Error_Message_Expired);
  });
});
