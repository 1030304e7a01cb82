import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minute } from '../../src/core/clock.js';
import type { NodeId, TransactionId } from '../../src/core/ids.js';
import { SeededRandom } from '../../src/core/random.js';
import { encodeFrame } from '../../src/reload/messages/framing.js';
import { encodeForwarded, UNFRAGMENTED } from '../../src/reload/messages/header.js';
import { drawSession, sampleMedian } from '../../src/sim/churn.js';
import { DEFAULT_REGIONS, regionLatency } from '../../src/sim/latency.js';
import type { Endpoint, SimHost } from '../../src/sim/network.js';
import { LiveRing } from '../../src/sim/oracle.js';
import { TrafficMonitor } from '../../src/sim/traffic.js';

describe('latency model', () => {
  it('places nodes in regions by weight and gives symmetric base delays', () => {
    const m = regionLatency();
    const r = new SeededRandom(1);
    const counts = new Array<number>(DEFAULT_REGIONS.regions.length).fill(0);
    const places = Array.from({ length: 20_000 }, () => m.place(r));
    for (const p of places) counts[p.region] = (counts[p.region] ?? 0) + 1;
    DEFAULT_REGIONS.weights.forEach((w, i) => {
      assert.ok(Math.abs((counts[i] ?? 0) / 20_000 - w) < 0.02, `region ${i}: ${counts[i]}`);
    });
    const [a, b] = places;
    assert.ok(a && b);
    assert.equal(m.base(a, b), m.base(b, a));
    for (let i = 0; i < 100; i++) {
      const d = m.oneWay(a, b, r);
      assert.ok(d >= m.base(a, b) && d <= m.base(a, b) * (1 + DEFAULT_REGIONS.jitter));
    }
  });

  it('rejects a matrix that does not match the regions', () => {
    assert.throws(() => regionLatency({ ...DEFAULT_REGIONS, matrix: [[1]] }), RangeError);
  });
});

describe('session times', () => {
  for (const d of [
    { kind: 'exponential', median: 10 * minute } as const,
    { kind: 'pareto', median: 84_000, shape: 2 } as const,
  ]) {
    it(`${d.kind} sessions have the requested median`, () => {
      const median = sampleMedian(d, new SeededRandom(5), 40_001);
      assert.ok(Math.abs(median / d.median - 1) < 0.03, `median ${median}`);
      assert.ok(drawSession(d, new SeededRandom(1)) > 0);
    });
  }
});

describe('oracle ring', () => {
  it('names the first live id at or after a key, wrapping past the top of the ring', () => {
    const ring = new LiveRing();
    for (const id of [50n, 10n, 30n]) ring.add(id as NodeId);
    assert.equal(ring.ownerOf(30n), 30n);
    assert.equal(ring.ownerOf(31n), 50n);
    assert.equal(ring.ownerOf(51n), 10n);
    ring.remove(50n as NodeId);
    assert.equal(ring.ownerOf(31n), 10n);
    assert.deepEqual([...ring.ids], [10n, 30n]);
  });
});

describe('traffic monitor', () => {
  const frame = (txid: bigint, ttl: number, code: number): Uint8Array => {
    const payload = Uint8Array.of(code >> 8, code & 0xff, 0, 0, 0, 0);
    const message = encodeForwarded(
      {
        overlay: 1,
        configurationSequence: 1,
        version: 10,
        ttl,
        fragment: UNFRAGMENTED,
        transactionId: txid as TransactionId,
        maxResponseLength: 0,
        viaList: [],
        destinationList: [{ type: 'node', id: 5n as NodeId }],
        options: [],
      },
      payload,
    );
    return encodeFrame({ type: 'data', sequence: 0, message });
  };
  const ep = { index: 3 } as Endpoint<SimHost>;

  it('tells lookup traffic from maintenance and records the hop at which a request arrived', () => {
    const m = new TrafficMonitor<SimHost>(100);
    const t = m.track(0x1234_5678_9abc_def0n as TransactionId);
    const ack = encodeFrame({ type: 'ack', ackSequence: 0, received: 0 });
    const req = frame(0x1234_5678_9abc_def0n, 97, 0x17);
    const token = m.sent(ep, ep, [ack, Uint8Array.from([...ack, ...req])]);
    assert.ok(token);
    m.delivered(ep, token);
    assert.equal(t.hopsAt.get(3), 4, 'sent with ttl 100, decremented by three forwarding peers');
    const other = frame(1n, 100, 0x13);
    assert.equal(m.sent(ep, ep, [other]), undefined);
    assert.equal(m.counters.workloadFrames, 1);
    assert.equal(m.counters.workloadBytes, req.length + ack.length);
    assert.equal(m.counters.bytes, 2 * ack.length + req.length + other.length);
    assert.equal(m.counters.dataFrames, 2);
    assert.equal(m.counters.byCode.get(0x13)?.messages, 1);
    m.untrack(t);
    assert.equal(m.sent(ep, ep, [req]), undefined);
  });
});
