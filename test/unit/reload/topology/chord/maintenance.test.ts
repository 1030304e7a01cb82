import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../../../../src/core/ids.js';
import { SeededRandom } from '../../../../../src/core/random.js';
import { FingerProber } from '../../../../../src/reload/topology/chord/fingers.js';
import { LivenessTracker } from '../../../../../src/reload/topology/chord/liveness.js';
import { RoutingTable } from '../../../../../src/reload/topology/chord/routing-table.js';

const id = (x: bigint): NodeId => x as NodeId;
const TOP = 1n << 127n;

describe('CHORD-RELOAD connectivity checks', () => {
  it('checks Routing-Table peers silent for a keepalive period and evicts other members silent for two', () => {
    const t = new RoutingTable(id(0n), { successors: 1, predecessors: 1, fingers: 1 });
    // 1: successor; 2^127 + 5: finger 1; 2^127 + 9: a member in no table; 2^128 − 1: predecessor.
    for (const m of [1n, TOP + 5n, TOP + 9n, (1n << 128n) - 1n]) t.add(id(m));
    const heard = new Map<bigint, number>([
      [1n, 0],
      [TOP + 5n, 50_000],
      [TOP + 9n, 0],
      [(1n << 128n) - 1n, 0],
    ]);
    const l = new LivenessTracker(60_000);
    const at = (now: number) => l.sweep(t, (m) => heard.get(m), now);
    assert.deepEqual(at(59_999), { check: [], evict: [] });
    assert.deepEqual(at(60_000), { check: [1n, (1n << 128n) - 1n], evict: [] });
    l.begin(id(1n));
    assert.deepEqual(
      at(120_000).check,
      [TOP + 5n, (1n << 128n) - 1n],
      'a peer being checked is not checked twice',
    );
    assert.deepEqual(at(120_000).evict, [TOP + 9n]);
  });

  it('checks fingers after their own, longer keepalive and evicts other members after twice the longer', () => {
    const t = new RoutingTable(id(0n), { successors: 1, predecessors: 1, fingers: 1 });
    // As above: successor 1, finger 2^127 + 5, a member in no table 2^127 + 9, predecessor 2^128 − 1.
    for (const m of [1n, TOP + 5n, TOP + 9n, (1n << 128n) - 1n]) t.add(id(m));
    const l = new LivenessTracker(60_000, 300_000);
    const at = (now: number) => l.sweep(t, () => 0, now);
    assert.deepEqual(at(60_000), { check: [1n, (1n << 128n) - 1n], evict: [] }, 'neighbours only');
    assert.deepEqual(at(300_000), { check: [1n, TOP + 5n, (1n << 128n) - 1n], evict: [] });
    assert.deepEqual(at(600_000).evict, [TOP + 9n]);
  });

  it('remembers a failed peer for a keepalive period', () => {
    const l = new LivenessTracker(1000);
    l.bury(id(7n), 0);
    assert.equal(l.isBuried(id(7n), 999), true);
    assert.equal(l.isBuried(id(7n), 1000), false);
  });
});

describe('CHORD-RELOAD finger probes', () => {
  it('probes the start of empty slots beyond the successor list, and leaves a slot found empty alone', () => {
    const t = new RoutingTable(id(0n), { successors: 2, predecessors: 1, fingers: 4, fingerDensity: 2 });
    // Successors 1 and 2^125 + 1 cover finger 4's slots ([2^124, 2^125)); 2^125 + 1 is in slot 4.
    for (const m of [1n, (1n << 125n) + 1n, (1n << 127n) + 3n]) t.add(id(m));
    const p = new FingerProber(t, { perRound: 10, emptyBackoff: 60_000 });
    const slots = p
      .pick(0, new SeededRandom(1))
      .map((x) => x.slot)
      .sort((a, b) => a - b);
    assert.deepEqual(
      slots,
      [1, 2, 3, 5],
      'slots 0 and 4 hold fingers; slots 6 and 7 lie inside the successors',
    );
    for (const { slot, target } of p.pick(0, new SeededRandom(2))) assert.equal(target, t.slotStart(slot));
    assert.equal(p.answered(2, id(1n << 126n), 0), true, 'the owner lies in slot 2');
    assert.equal(p.answered(3, id((1n << 127n) + 3n), 0), false, 'the owner lies beyond slot 3: it is empty');
    const later = p.pick(1000, new SeededRandom(3)).map((x) => x.slot);
    assert.ok(!later.includes(3));
    p.lost(3);
    assert.ok(p.pick(1000, new SeededRandom(3)).some((x) => x.slot === 3));
  });
});
