import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { NodeId } from '../../src/core/ids.js';
import { distance, inHalfOpen } from '../../src/reload/topology/chord/ring.js';
import { RoutingTable } from '../../src/reload/topology/chord/routing-table.js';
import { propertyRuns } from '../support/tools.js';

/**
 * The CHORD-RELOAD routing table against a naive model of RFC 6940 §10.1–§10.3: neighbours are the
 * nearest members clockwise and counter-clockwise; the next hop is the owner named by the Neighbor
 * Table when it is usable, else the closest preceding usable member, else the first usable one after k.
 */
const RING = 1n << 128n;
const id = fc.bigInt({ min: 0n, max: RING - 1n });
const SIZES = { successors: 3, predecessors: 3, fingers: 16, fingerDensity: 4 };

function model(self: bigint, members: readonly bigint[]) {
  const byDist = [...members].sort((a, b) => (distance(self, a) < distance(self, b) ? -1 : 1));
  const succ = byDist.slice(0, 3);
  const pred = byDist.slice(Math.max(0, byDist.length - 3)).reverse();
  const owner = (k: bigint): bigint | undefined => {
    let prev = self;
    for (const s of succ) {
      if (inHalfOpen(k, prev, s)) return s;
      prev = s;
    }
    for (let i = 1; i < pred.length; i++) {
      if (inHalfOpen(k, pred[i] as bigint, pred[i - 1] as bigint)) return pred[i - 1];
    }
    return undefined;
  };
  const next = (k: bigint, usable: (m: bigint) => boolean, exclude?: bigint): bigint | undefined => {
    const o = owner(k);
    if (o !== undefined && o !== exclude && usable(o)) return o;
    const ok = byDist.filter((m) => m !== exclude && usable(m));
    const dk = distance(self, k);
    const before = ok.filter((m) => distance(self, m) <= dk);
    return before[before.length - 1] ?? ok.find((m) => distance(self, m) > dk);
  };
  return { succ, pred, next };
}

const table = fc.record(
  {
    self: id,
    members: fc.uniqueArray(id, { minLength: 0, maxLength: 40 }),
    k: id,
    mask: fc.integer({ min: 0, max: 0xffff }),
    exclude: fc.nat({ max: 50 }),
  },
  { noNullPrototype: true },
);

describe('CHORD-RELOAD routing table (properties)', () => {
  it('keeps the nearest members as neighbours and routes as the RFC 6940 §10.3 model does', () => {
    fc.assert(
      fc.property(table, ({ self, members, k, mask, exclude }) => {
        const others = members.filter((m) => m !== self);
        const t = new RoutingTable(self as NodeId, SIZES);
        for (const m of others) t.add(m as NodeId);
        const m = model(self, others);
        assert.deepEqual([...t.successors], m.succ);
        assert.deepEqual([...t.predecessors], m.pred);
        const usable = (x: bigint): boolean => ((mask >> Number(x % 16n)) & 1) === 1;
        const ex = others[exclude];
        assert.equal(t.nextHop(k, usable, ex as NodeId | undefined), m.next(k, usable, ex));
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('puts every member in the finger slot whose interval holds it, and keeps the closest per slot', () => {
    fc.assert(
      fc.property(table, ({ self, members }) => {
        const t = new RoutingTable(self as NodeId, SIZES);
        for (const m of members) if (m !== self) t.add(m as NodeId);
        for (const [slot, f] of t.fingerEntries) {
          const start = distance(self, t.slotStart(slot));
          const d = distance(self, f);
          assert.ok(d >= start && d < start + t.slotWidth(slot), 'the finger lies in its slot');
          for (const m of t.members()) {
            if (t.slotOf(m) === slot) assert.ok(distance(self, m) >= d, 'no member of the slot is closer');
          }
        }
      }),
      { numRuns: propertyRuns() },
    );
  });

  it('forgets a removed member completely', () => {
    fc.assert(
      fc.property(table, id, ({ self, members }, extra) => {
        const others = members.filter((m) => m !== self && m !== extra);
        if (extra === self) return;
        const t = new RoutingTable(self as NodeId, SIZES);
        for (const m of others) t.add(m as NodeId);
        const state = () => ({
          s: [...t.successors],
          p: [...t.predecessors],
          f: [...t.fingerEntries].sort((a, b) => a[0] - b[0]),
        });
        const before = state();
        t.add(extra as NodeId);
        t.remove(extra as NodeId);
        assert.deepEqual(state(), before);
        assert.equal(t.has(extra as NodeId), false);
      }),
      { numRuns: propertyRuns() },
    );
  });
});
