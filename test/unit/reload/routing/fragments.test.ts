import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId, TransactionId } from '../../../../src/core/ids.js';
import {
  type ForwardingHeader,
  parseFragment,
  UNFRAGMENTED,
} from '../../../../src/reload/messages/header.js';
import { fragmentPayload, Reassembler } from '../../../../src/reload/routing/fragments.js';

const h: ForwardingHeader = {
  overlay: 1,
  configurationSequence: 1,
  version: 10,
  ttl: 10,
  fragment: UNFRAGMENTED,
  transactionId: 7n as TransactionId,
  maxResponseLength: 0,
  viaList: [],
  destinationList: [{ type: 'node', id: 5n as NodeId }],
  options: [],
};
const payload = Uint8Array.from({ length: 2000 }, (_, i) => i & 0xff);

describe('fragmentation (RFC 6940 §6.7)', () => {
  it('splits into near-equal fragments with offsets and a last flag', () => {
    const parts = fragmentPayload(h, payload, 700);
    assert.equal(parts.length, 3);
    const infos = parts.map(([fh]) => parseFragment(fh.fragment));
    assert.deepEqual(
      infos.map((f) => [f.valid, f.last, f.offset]),
      [
        [true, false, 0],
        [true, false, 667],
        [true, true, 1334],
      ],
    );
  });

  it('never makes fragments smaller than 256 bytes', () => {
    assert.equal(fragmentPayload(h, payload, 10).length, Math.ceil(2000 / 256));
  });

  it('reassembles fragments arriving in any order, once, and ignores duplicates', () => {
    const parts = fragmentPayload(h, payload, 500);
    const r = new Reassembler({ maxMessageSize: 5000 });
    const order = [3, 0, 2, 2, 1];
    const results = order.map((i) => {
      const p = parts[i];
      assert.ok(p);
      return r.add(p[0], p[1], 0);
    });
    const done = results.filter((x) => x.status === 'complete');
    assert.equal(done.length, 1);
    const first = done[0];
    assert.ok(first && first.status === 'complete');
    assert.deepEqual(first.payload, payload);
    assert.equal(first.header.fragment, UNFRAGMENTED);
    assert.equal(r.pendingCount, 0);
  });

  it('passes an unfragmented message straight through', () => {
    const r = new Reassembler({ maxMessageSize: 5000 });
    assert.equal(r.add(h, payload, 0).status, 'complete');
  });

  it('times out partial messages after 15 s and bounds what it buffers', () => {
    const parts = fragmentPayload(h, payload, 500);
    const r = new Reassembler({ maxMessageSize: 5000 });
    const p0 = parts[0];
    assert.ok(p0);
    r.add(p0[0], p0[1], 1000);
    assert.equal(r.nextDeadline(), 16_000);
    assert.equal(r.handleTimeout(16_000), 1);
    assert.equal(r.pendingCount, 0);
    const small = new Reassembler({ maxMessageSize: 1000 });
    const p3 = parts[3];
    assert.ok(p3);
    assert.equal(small.add(p3[0], p3[1], 0).status, 'dropped', 'a fragment ending past max-message-size');
  });
});
