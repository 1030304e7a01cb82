import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { minute, second } from '../../src/core/clock.js';
import { Simulation } from '../../src/sim/simulation.js';
import type { LookupSummary } from '../../src/sim/stats.js';

/**
 * 1,000 real ReloadNodes on the virtual network: the ring is built by letting every peer join through
 * bootstrap, one after another (the expensive part, so the three tests share one ring, in order), then
 * measured in steady state, under churn, and after half of the peers fail at once.
 */
const N = 1000;

/**
 * Silent failures are noticed by the cores' own liveness machinery: a neighbour not heard from for
 * keepaliveInterval (60 s) gets a connectivity check, which fails after livenessTimeout (3 s); the sweep
 * that looks for silent peers runs every 15 s ± 50 %. 90 s covers all of that for neighbours. Fingers are
 * checked only after 5 minutes of silence, but a dead finger that routing picks costs one link RTO: the
 * link turns suspect, the request is routed around it and the finger is checked at once.
 */
const DETECT = 90 * second;

function describeLookups(s: LookupSummary): string {
  return `${s.lookups} lookups, success ${(s.success * 100).toFixed(1)} %, ${s.timeoutsPerLookup} timeouts per lookup, hops ${s.hops.mean} (p99 ${s.hops.p99}), latency p50 ${s.latencyMs.p50} ms`;
}

describe('simulator: 1,000 peers', () => {
  const sim = new Simulation({ nodes: N, seed: 11, joinRate: 50, settle: 45 * second });
  before(() => sim.build());

  it('builds a correct ring and answers every lookup from the responsible peer in ≤ ½·log2 N hops', (t) => {
    assert.equal(sim.overlay.joined.length, N);
    assert.equal(sim.wrongSuccessors(), 0);
    const m = sim.measure(30 * second, 500);
    t.diagnostic(describeLookups(m.lookups));
    t.diagnostic(`maintenance ${m.maintenance.bytesPerNodePerSec} B/s per peer`);
    assert.equal(m.lookups.lookups, 500);
    assert.equal(m.lookups.success, 1);
    assert.ok(m.lookups.hops.mean <= 0.5 * Math.log2(N), `mean hops ${m.lookups.hops.mean}`);
  });

  it('answers ≥ 99 % of lookups correctly while the peers churn with 10-minute median sessions', (t) => {
    // Exponential sessions, silent departures; every departed peer is replaced by a new one at once.
    sim.startChurn({ kind: 'exponential', median: 10 * minute });
    const m = sim.measure(90 * second, 500, 'churn');
    sim.stopChurn();
    const l = m.lookups;
    t.diagnostic(
      `${sim.departures} departures; ${describeLookups(l)} (wrong node ${l.failures.wrongNode}, timed out ${l.failures.timedOut}); maintenance ${m.maintenance.bytesPerNodePerSec} B/s per peer`,
    );
    // About 1,000 / (10 min / ln 2) per second: some 100 in 90 s.
    assert.ok(sim.departures >= 75, `${sim.departures} departures`);
    assert.ok(l.success >= 0.99, `success ${l.success}`);
    // Let the last joiners finish and the ring settle before the next test.
    sim.advance(sim.now + 45 * second, 'settle');
  });

  it('answers every lookup after half the peers fail silently at once, once the cores noticed', (t) => {
    const failAt = sim.now;
    const live = sim.overlay.joined.length;
    assert.ok(live >= N - 5, `${live} joined peers before the failure`);
    assert.equal(sim.fail(0.5), Math.round(live / 2));
    const right = sim.measure(5 * second, 250, 'right after the failure').lookups;
    t.diagnostic(`right after the failure: ${describeLookups(right)}`);
    sim.advance(failAt + DETECT, 'detecting');
    const m = sim.measure(30 * second, 500);
    t.diagnostic(`${DETECT / second} s after the failure: ${describeLookups(m.lookups)}`);
    assert.equal(m.lookups.success, 1);
    assert.ok(m.lookups.timeoutsPerLookup <= 1, `timeouts per lookup ${m.lookups.timeoutsPerLookup}`);
    assert.equal(sim.wrongSuccessors(), 0, 'the ring of the survivors is whole again');
  });
});
