import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { second } from '../../src/core/clock.js';
import type { NodeId } from '../../src/core/ids.js';
import { seededMembers } from '../../src/sim/bulk-start.js';
import { LiveRing } from '../../src/sim/oracle.js';
import { Simulation } from '../../src/sim/simulation.js';

/**
 * The simulator's bulk start (src/sim/bulk-start.ts, used by bench/sim.ts for 10^4 and 10^5 peers): every
 * peer starts at once with the routing table of a converged ring, then runs the ordinary protocol. The
 * ring it gives must be the oracle's, and lookups over it must succeed; ring.test.ts covers real joins.
 */
const N = 400;

describe('simulator: bulk start', () => {
  const sim = new Simulation({ nodes: N, seed: 5, start: 'bulk', settle: 20 * second });
  before(() => sim.build());

  it('starts every peer joined, with the successors and predecessors the oracle gives it', () => {
    const o = sim.overlay;
    assert.equal(o.joined.length, N);
    assert.equal(o.ring.size, N);
    const ids = o.ring.ids;
    for (let i = 0; i < N; i++) {
      const ep = o.endpointOf(ids[i] as NodeId);
      assert.ok(ep !== undefined);
      const t = ep.host.chord.table;
      const at = (k: number): NodeId => ids[(i + k + N) % N] as NodeId;
      assert.deepEqual(t.successors, [at(1), at(2), at(3)], `successors of peer ${i}`);
      assert.deepEqual(t.predecessors, [at(-1), at(-2), at(-3)], `predecessors of peer ${i}`);
    }
    assert.equal(sim.wrongSuccessors(), 0);
  });

  it('has a live link to every routing-table member after the settle time', () => {
    let members = 0;
    for (const ep of sim.overlay.net.endpoints) {
      const node = ep.host;
      for (const m of node.chord.table.members()) {
        members++;
        assert.ok(node.transport.connections.isUp(m), 'link to a routing-table member is up');
      }
    }
    // Neighbours and the first peer of each occupied finger slot: far more than the six neighbours.
    assert.ok(members / N > 20, `${members / N} members per peer`);
  });

  it('seeds each finger slot with the first peer in it, as the oracle orders the ring', () => {
    const o = sim.overlay;
    const ring = new LiveRing();
    for (const id of o.ring.ids) ring.add(id);
    const ep = o.joined[0];
    assert.ok(ep !== undefined);
    const t = ep.host.chord.table;
    const seeded = new Set(seededMembers(t, ring));
    for (const [slot, finger] of t.fingerEntries) {
      assert.equal(finger, ring.ownerOf(t.slotStart(slot)), `finger of slot ${slot}`);
      assert.ok(seeded.has(finger));
    }
  });

  it('answers every lookup from the responsible peer, within ½·log2 N hops on average', (t) => {
    const m = sim.measure(20 * second, 400);
    t.diagnostic(
      `${m.lookups.lookups} lookups, success ${m.lookups.success}, hops ${m.lookups.hops.mean} (p99 ${m.lookups.hops.p99})`,
    );
    assert.equal(m.lookups.lookups, 400);
    assert.equal(m.lookups.success, 1);
    assert.ok(m.lookups.hops.mean <= 0.5 * Math.log2(N), `mean hops ${m.lookups.hops.mean}`);
  });

  it('repairs the ring with the ordinary protocol after a third of the peers fail', () => {
    const failAt = sim.now;
    sim.fail(1 / 3);
    sim.advance(failAt + 90 * second, 'detecting');
    const m = sim.measure(20 * second, 300);
    assert.equal(m.lookups.success, 1);
    assert.equal(sim.wrongSuccessors(), 0);
  });
});
