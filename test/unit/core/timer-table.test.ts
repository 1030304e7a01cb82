import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerTable } from '../../../src/core/timer-table.js';

describe('TimerTable', () => {
  it('reports the earliest deadline and expires timers in deadline order', () => {
    const t = new TimerTable<string>();
    t.set('b', 200);
    t.set('a', 100);
    t.set('c', 300);
    assert.equal(t.nextDeadline(), 100);
    assert.deepEqual(t.expire(250), ['a', 'b']);
    assert.equal(t.nextDeadline(), 300);
    assert.equal(t.size, 1);
  });

  it('moves a timer when it is set again and forgets a cleared one', () => {
    const t = new TimerTable<string>();
    t.set('x', 100);
    t.set('x', 500);
    t.set('y', 200);
    t.clear('y');
    assert.equal(t.nextDeadline(), 500);
    assert.deepEqual(t.expire(499), []);
    assert.deepEqual(t.expire(500), ['x']);
    assert.equal(t.nextDeadline(), undefined);
  });

  it('fires timers with the same deadline in the order they were set', () => {
    const t = new TimerTable<number>();
    for (const k of [3, 1, 2]) t.set(k, 10);
    assert.deepEqual(t.expire(10), [3, 1, 2]);
  });

  it('agrees with a naive model under random operations', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const t = new TimerTable<number>();
    const model = new Map<number, number>();
    let now = 0;
    for (let i = 0; i < 5000; i++) {
      const op = rnd(4);
      const key = rnd(50);
      if (op <= 1) {
        const at = now + rnd(1000);
        t.set(key, at);
        model.set(key, at);
      } else if (op === 2) {
        assert.equal(t.clear(key), model.delete(key));
      } else {
        now += rnd(300);
        const due = t.expire(now);
        const expected = [...model.entries()].filter(([, at]) => at <= now).map(([k]) => k);
        assert.deepEqual(
          [...due].sort((a, b) => a - b),
          expected.sort((a, b) => a - b),
        );
        for (const k of due) model.delete(k);
      }
      const min = Math.min(...model.values());
      assert.equal(t.nextDeadline(), model.size === 0 ? undefined : min);
    }
  });

  it('rejects a non-finite deadline', () => {
    assert.throws(() => new TimerTable<string>().set('x', Number.NaN), RangeError);
  });
});
