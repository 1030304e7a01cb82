import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minute, second } from '../../src/core/clock.js';
import { Simulation } from '../../src/sim/simulation.js';

describe('simulator: churn', () => {
  it('answers ≥ 99 % of lookups correctly while 1,000 peers churn with 10-minute median sessions', (t) => {
    const sim = new Simulation({ nodes: 1000, seed: 21, joinRate: 50, settle: 45 * second });
    sim.build();
    // Exponential sessions, silent departures; every departed peer is replaced by a new one at once.
    sim.startChurn({ kind: 'exponential', median: 10 * minute });
    const m = sim.measure(3 * minute, 600, 'churn');
    sim.stopChurn();
    const l = m.lookups;
    t.diagnostic(
      `${sim.departures} departures; ${l.lookups} lookups, success ${(l.success * 100).toFixed(2)} % (wrong node ${l.failures.wrongNode}, timed out ${l.failures.timedOut}), ${l.timeoutsPerLookup} timeouts per lookup, hops ${l.hops.mean}; maintenance ${m.maintenance.bytesPerNodePerSec} B/s per peer`,
    );
    assert.ok(sim.departures > 150, `${sim.departures} departures`);
    assert.ok(l.success >= 0.99, `success ${l.success}`);
  });
});
