import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { second } from '../../src/core/clock.js';
import { runSimulation, type SimOptions } from '../../src/sim/scenario.js';

/** A small run with a failure in it, so that timeouts, repair and retransmissions all take part. */
const RUN: SimOptions = {
  nodes: 80,
  fail: 0.3,
  detect: 20 * second,
  duration: 15 * second,
  lookups: 150,
  settle: 20 * second,
};

describe('simulator: determinism', () => {
  it('gives the identical result object for the same seed, and a different one for another seed', () => {
    const a = runSimulation({ ...RUN, seed: 5 });
    const b = runSimulation({ ...RUN, seed: 5 });
    const c = runSimulation({ ...RUN, seed: 6 });
    assert.deepEqual(b, a);
    assert.notDeepEqual(c, a);
    assert.equal(a.joinedNodes, 56, 'the run did something: 80 peers joined, 24 failed');
  });
});
