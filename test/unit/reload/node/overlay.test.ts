import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NodeId, nodeIdToBytes, type ResourceId } from '../../../../src/core/ids.js';
import { randomU64, SeededRandom } from '../../../../src/core/random.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import { type Overlay, overlay, ringErrors } from '../../../support/test-node.js';

function startAll(o: Overlay, spacing = 500): void {
  o.nodes.forEach((n, i) => {
    o.net.advance(o.net.now + (i === 0 ? 0 : spacing));
    n.start(o.net.now);
    o.net.settle();
  });
}

describe('ReloadNode: CHORD-RELOAD overlay on an in-memory network', () => {
  it('starts the first peer alone and joins nine more into a correct ring', () => {
    const o = overlay(10);
    startAll(o);
    o.net.advance(o.net.now + 60_000);
    assert.deepEqual(ringErrors(o.nodes), []);
    for (const n of o.nodes) {
      assert.ok(n.chord.table.successors.length >= 3, 'three successors');
      assert.ok(n.chord.table.predecessors.length >= 3, 'three predecessors');
    }
  });

  it('routes requests for random resources to the responsible peer from every peer', () => {
    const o = overlay(10, 2);
    startAll(o);
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
    startAll(o);
    o.net.advance(o.net.now + 60_000);
    const dead = [o.nodes[2], o.nodes[5], o.nodes[7]];
    for (const d of dead) if (d) o.net.kill(d);
    const live = o.nodes.filter((n) => !dead.includes(n));
    o.net.advance(o.net.now + 120_000);
    assert.deepEqual(ringErrors(live), []);
  });

  it('hands its neighbours a Leave on a graceful stop and they close the ring', () => {
    const o = overlay(6, 4);
    startAll(o);
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
