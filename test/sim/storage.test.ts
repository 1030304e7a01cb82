import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { minute, second } from '../../src/core/clock.js';
import { Simulation } from '../../src/sim/simulation.js';
import {
  checkValues,
  killReplicaHolders,
  putValues,
  STORAGE_DEFAULTS,
} from '../../src/sim/storage-scenario.js';
import { type StorageCheck, StorageWorkload } from '../../src/sim/storage-workload.js';

/**
 * Issue #4 at a size `npm test` can afford (the full 1,000 peers × 10,000 values for a virtual hour is in
 * bench/sim-storage.ts): real ReloadNodes store values, replicate them to the next two peers (RFC 6940
 * §10.4) and migrate them as peers come and go (§10.5, §10.7.1). Nobody refreshes a value, so every value
 * that survives does so through replication and migration alone; with a replica count of 0 about a fifth
 * of the values are lost in either scenario. The tests share one ring, in order. Churn here is of crashing
 * peers; silent kills (a host that dies: the neighbours notice only by their connectivity checks, about a
 * minute) still lose values and are measured in bench/sim-storage.ts.
 */
const N = 300;
const VALUES = 2000;
const CHURN = 20 * minute;

function describeCheck(c: StorageCheck): string {
  return `${c.stored} stored, ${c.lost} lost, ${c.underReplicated} with fewer than 3 live copies (copies → values: ${c.holders.join(' / ')}), responsible peer missing ${c.ownerMissing}, found on a retry ${c.fetchRetries}`;
}

describe('simulator: storage on 300 peers', () => {
  const sim = new Simulation({ nodes: N, seed: 21, joinRate: 30, settle: 45 * second });
  before(() => sim.build());

  it('loses no value under churn of crashing peers', (t) => {
    const w = new StorageWorkload(sim.overlay);
    putValues(sim, w, VALUES);
    assert.equal(w.stored, VALUES, 'every Store was answered with success');
    // Exponential sessions; a departing peer crashes (its process exits on a live host, whose stack resets
    // its links) and a fresh peer replaces it at once.
    sim.startChurn({ kind: 'exponential', median: 10 * minute }, 'crash');
    sim.advance(sim.now + CHURN, 'churn');
    sim.stopChurn();
    sim.advance(sim.now + STORAGE_DEFAULTS.settle, 'settle');
    const c = checkValues(sim, w);
    t.diagnostic(`${sim.departures} departures; ${describeCheck(c)}`);
    // N · ln 2 / 10 min departures a minute: some 400 in 20 minutes, more than N.
    assert.ok(sim.departures >= N, `${sim.departures} departures`);
    assert.equal(c.stored, VALUES);
    // Issue #4: 0 lost. A crash closes the neighbours' links at once and new replicas follow the 2 s
    // hold-down (RFC 6940 §10.7.1), so a range is lost only if its three holders all die within about two
    // seconds. With the RFC's 30 s hold-down this seed lost 9 values.
    assert.equal(c.lost, 0, 'every value is found by a Fetch from a random peer');
    assert.equal(c.noHolder, 0, 'some live peer holds every value');
    assert.equal(c.ownerMissing, 0, 'every value is with its responsible peer');
  });

  it('loses no value when two of every three consecutive peers die at once, and makes 3 copies again', (t) => {
    const w = new StorageWorkload(sim.overlay);
    putValues(sim, w, VALUES);
    assert.equal(w.stored, VALUES);
    const before = w.check();
    assert.equal(before.underReplicated, 0, 'the responsible peer and two successors hold every new value');
    const live = sim.overlay.joined.length;
    const killed = killReplicaHolders(sim);
    assert.equal(killed, live - Math.ceil(live / 3));
    sim.advance(sim.now + STORAGE_DEFAULTS.repair, 'repair');
    const c = checkValues(sim, w);
    t.diagnostic(
      `${killed} of ${live} peers killed; ${STORAGE_DEFAULTS.repair / second} s later: ${describeCheck(c)}`,
    );
    assert.equal(c.lost, 0, 'every value is found by a Fetch from a random peer');
    assert.equal(c.ownerMissing, 0, 'the surviving copy is with the responsible peer');
    assert.equal(c.underReplicated, 0, 'every value has three live copies again');
  });
});
