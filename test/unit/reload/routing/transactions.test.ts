import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TransactionId } from '../../../../src/core/ids.js';
import { AnswerCache } from '../../../../src/reload/routing/answer-cache.js';
import { TransactionTable } from '../../../../src/reload/routing/transactions.js';

const tx = (n: number): TransactionId => BigInt(n) as TransactionId;

describe('TransactionTable (RFC 6940 §6.2.1 end-to-end retransmission)', () => {
  it('retransmits every reliability timer and fails after 5 transmissions (15 s)', () => {
    const t = new TransactionTable<string>({ reliabilityTimer: 3000 });
    t.start(tx(1), 'ping', 0);
    const sends: number[] = [0];
    let failedAt: number | undefined;
    for (let now = 0; now <= 20_000; now += 500) {
      const { retransmit, failed } = t.due(now);
      for (const _ of retransmit) sends.push(now);
      if (failed.length > 0) failedAt = now;
    }
    assert.deepEqual(sends, [0, 3000, 6000, 9000, 12000]);
    assert.equal(failedAt, 15_000);
    assert.equal(t.size, 0);
  });

  it('stops retransmitting once the answer arrives and ignores late answers', () => {
    const t = new TransactionTable<string>({ reliabilityTimer: 3000 });
    t.start(tx(1), 'x', 0);
    assert.equal(t.complete(tx(1))?.context, 'x');
    assert.equal(t.complete(tx(1)), undefined);
    assert.deepEqual(t.due(100_000), { retransmit: [], failed: [] });
  });
});

describe('AnswerCache (RFC 6940 §6.2.1 duplicate requests)', () => {
  it('remembers requests in progress and their answers for 15 s', () => {
    const c = new AnswerCache();
    assert.ok(c.begin(tx(9), 0));
    assert.deepEqual(c.get(tx(9)), { state: 'processing' });
    c.answer(tx(9), new Uint8Array([1]));
    assert.deepEqual(c.get(tx(9)), { state: 'answered', payload: new Uint8Array([1]) });
    c.handleTimeout(15_000);
    assert.equal(c.get(tx(9)), undefined);
  });

  it('refuses new entries when full instead of growing without bound', () => {
    const c = new AnswerCache(15_000, 2);
    assert.ok(c.begin(tx(1), 0));
    assert.ok(c.begin(tx(2), 0));
    assert.ok(!c.begin(tx(3), 0));
  });
});
