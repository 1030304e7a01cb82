import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindId } from '../../../../src/core/ids.js';
import type { KindDefinition } from '../../../../src/reload/config/overlay-config.js';
import { ErrorCode } from '../../../../src/reload/messages/codes.js';
import type { FetchResult, StoreResult } from '../../../../src/reload/storage/client.js';
import { Harness, identity, rid, sync, text } from '../../../support/storage-harness.js';

const SINGLE: KindDefinition = {
  id: kindId(0xf000_0001),
  dataModel: 'single',
  accessPolicy: 'USER-MATCH',
  maxCount: 1,
  maxSize: 100,
};
const ARRAY: KindDefinition = {
  id: kindId(0xf000_0002),
  dataModel: 'array',
  accessPolicy: 'USER-MATCH',
  maxCount: 10,
  maxSize: 100,
};
const DICT: KindDefinition = {
  id: kindId(0xf000_0003),
  dataModel: 'dictionary',
  accessPolicy: 'USER-MATCH',
  maxCount: 4,
  maxSize: 100,
};
const KINDS = [SINGLE, ARRAY, DICT];

const alice = identity(1);
const ALICE = rid(alice.signer.userName);

function values(r: FetchResult, i = 0): Array<{ exists: boolean; text: string; slot: string }> {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const k = r.kinds[i];
  assert.ok(k);
  return k.values.map((v) => ({
    exists: v.value.exists,
    text: new TextDecoder().decode(v.value.value),
    slot:
      v.value.model === 'array'
        ? String(v.value.index)
        : v.value.model === 'dictionary'
          ? new TextDecoder().decode(v.value.key)
          : '',
  }));
}

function ok(r: StoreResult): void {
  assert.ok(r.ok, r.ok ? '' : r.reason);
}

describe('storage data models (RFC 6940 §7.2, §7.4)', () => {
  it('single value: a newer store overwrites and the generation counter grows', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    const first = sync<StoreResult>((cb) =>
      c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('one') }] }], 60, h.now, cb),
    );
    ok(first);
    assert.equal(first.ok && first.kinds[0]?.generationCounter, 1n);
    h.now += 10;
    const second = sync<StoreResult>((cb) =>
      c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('two') }] }], 60, h.now, cb),
    );
    assert.equal(second.ok && second.kinds[0]?.generationCounter, 2n);
    const got = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id }], h.now, cb));
    assert.deepEqual(values(got), [{ exists: true, text: 'two', slot: '' }]);
    assert.equal(got.ok && got.kinds[0]?.values[0]?.signer?.userName, alice.signer.userName);
  });

  it('array: appends take the next index, gaps come back as exists=false, ranges select', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    const put = (vals: { value: Uint8Array; index?: number }[]): void =>
      ok(sync<StoreResult>((cb) => c.store(ALICE, [{ kind: ARRAY.id, values: vals }], 60, h.now, cb)));
    put([{ value: text('a') }, { value: text('b') }]);
    put([{ value: text('f'), index: 5 }]);
    put([{ value: text('g') }]);
    const all = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: ARRAY.id }], h.now, cb));
    assert.deepEqual(
      values(all).map((v) => `${v.slot}:${v.exists ? v.text : '-'}`),
      ['0:a', '1:b', '2:-', '3:-', '4:-', '5:f', '6:g'],
    );
    const some = sync<FetchResult>((cb) =>
      c.fetch(
        ALICE,
        [
          {
            kind: ARRAY.id,
            indices: [
              { first: 1, last: 2 },
              { first: 6, last: 0xffff_ffff },
            ],
          },
        ],
        h.now,
        cb,
      ),
    );
    assert.deepEqual(
      values(some).map((v) => `${v.slot}:${v.exists ? v.text : '-'}`),
      ['1:b', '2:-', '6:g'],
    );
  });

  it('array: overlapping ranges and first > last are refused', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    ok(
      sync<StoreResult>((cb) =>
        c.store(ALICE, [{ kind: ARRAY.id, values: [{ value: text('a') }] }], 60, h.now, cb),
      ),
    );
    const overlap = sync<FetchResult>((cb) =>
      c.fetch(
        ALICE,
        [
          {
            kind: ARRAY.id,
            indices: [
              { first: 0, last: 3 },
              { first: 2, last: 4 },
            ],
          },
        ],
        h.now,
        cb,
      ),
    );
    assert.equal(!overlap.ok && overlap.errorCode, ErrorCode.Error_Invalid_Message);
    const reversed = sync<FetchResult>((cb) =>
      c.fetch(ALICE, [{ kind: ARRAY.id, indices: [{ first: 3, last: 1 }] }], h.now, cb),
    );
    assert.equal(!reversed.ok && reversed.errorCode, ErrorCode.Error_Invalid_Message);
  });

  it('array: a gap over a sparse index is synthesised at most max-count times', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    ok(
      sync<StoreResult>((cb) =>
        c.store(
          ALICE,
          [{ kind: ARRAY.id, values: [{ value: text('far'), index: 4_000_000_000 }] }],
          60,
          h.now,
          cb,
        ),
      ),
    );
    const got = values(sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: ARRAY.id }], h.now, cb)));
    assert.equal(got.filter((v) => !v.exists).length, ARRAY.maxCount);
    assert.deepEqual(got.at(-1), { exists: true, text: 'far', slot: '4000000000' });
  });

  it('dictionary: keys select, missing keys are synthesised, no keys means every entry', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    ok(
      sync<StoreResult>((cb) =>
        c.store(
          ALICE,
          [
            {
              kind: DICT.id,
              values: [
                { key: text('k2'), value: text('two') },
                { key: text('k1'), value: text('one') },
              ],
            },
          ],
          60,
          h.now,
          cb,
        ),
      ),
    );
    const some = sync<FetchResult>((cb) =>
      c.fetch(ALICE, [{ kind: DICT.id, keys: [text('k2'), text('zz')] }], h.now, cb),
    );
    assert.deepEqual(values(some), [
      { exists: true, text: 'two', slot: 'k2' },
      { exists: false, text: '', slot: 'zz' },
    ]);
    assert.equal(some.ok && some.kinds[0]?.values[1]?.signer, undefined, 'synthetic values are unsigned');
    const all = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: DICT.id }], h.now, cb));
    assert.deepEqual(
      values(all).map((v) => v.slot),
      ['k1', 'k2'],
    );
  });

  it('a single value never stored comes back as a synthetic exists=false value', () => {
    const h = new Harness(KINDS);
    const got = sync<FetchResult>((cb) => h.client(alice).fetch(ALICE, [{ kind: SINGLE.id }], h.now, cb));
    assert.deepEqual(values(got), [{ exists: false, text: '', slot: '' }]);
    assert.equal(got.ok && got.kinds[0]?.generation, 0n);
  });

  it('a fetch with the current generation returns no values; another generation returns them', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    ok(
      sync<StoreResult>((cb) =>
        c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('v') }] }], 60, h.now, cb),
      ),
    );
    const same = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id, generation: 1n }], h.now, cb));
    assert.deepEqual(values(same), []);
    assert.equal(same.ok && same.kinds[0]?.generation, 1n);
    const older = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id, generation: 7n }], h.now, cb));
    assert.equal(values(older).length, 1);
  });

  it('a store with a stale generation counter fails with the current counters; the right one succeeds', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    const put = (v: string, generation: bigint): StoreResult =>
      sync<StoreResult>((cb) =>
        c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text(v) }], generation }], 60, h.now, cb),
      );
    ok(put('one', 0n));
    h.now++;
    ok(put('two', 1n));
    h.now++;
    const stale = put('three', 1n);
    assert.equal(!stale.ok && stale.errorCode, ErrorCode.Error_Generation_Counter_Too_Low);
    assert.deepEqual(!stale.ok && stale.generations, [
      { kind: SINGLE.id, generationCounter: 2n, replicas: [] },
    ]);
    assert.equal(
      values(sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id }], h.now, cb)))[0]?.text,
      'two',
    );
    ok(put('three', 2n));
  });

  it('values expire after their lifetime and the resource disappears', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    ok(
      sync<StoreResult>((cb) =>
        c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('v') }] }], 10, h.now, cb),
      ),
    );
    assert.equal(h.storage.resourceCount, 1);
    h.now += 9_000;
    h.storage.handleTimeout(h.now);
    assert.equal(
      values(sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id }], h.now, cb)))[0]?.exists,
      true,
    );
    h.now += 1_000;
    assert.equal(h.storage.nextDeadline(), h.now);
    h.storage.handleTimeout(h.now);
    assert.equal(h.storage.resourceCount, 0);
    assert.equal(h.storage.valueCount, 0);
    assert.equal(
      values(sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id }], h.now, cb)))[0]?.exists,
      false,
    );
  });

  it('a deletion is a signed exists=false tombstone, kept for its lifetime', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    const put = (vals: { key: Uint8Array; value: Uint8Array; exists?: boolean }[], life: number): void =>
      ok(sync<StoreResult>((cb) => c.store(ALICE, [{ kind: DICT.id, values: vals }], life, h.now, cb)));
    put([{ key: text('k'), value: text('v') }], 100);
    h.now += 1;
    put([{ key: text('k'), value: new Uint8Array(), exists: false }], 200);
    const got = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: DICT.id }], h.now, cb));
    assert.deepEqual(values(got), [{ exists: false, text: '', slot: 'k' }]);
    assert.equal(
      got.ok && got.kinds[0]?.values[0]?.signer?.userName,
      alice.signer.userName,
      'signed, not synthetic',
    );
    assert.equal(h.storage.valueCount, 1);
    h.now += 150_000;
    h.storage.handleTimeout(h.now);
    assert.equal(h.storage.valueCount, 1, 'outlives the value it replaced');
    h.now += 50_000;
    h.storage.handleTimeout(h.now);
    assert.equal(h.storage.valueCount, 0);
  });

  it('fetch answers carry the remaining lifetime', () => {
    const h = new Harness(KINDS);
    const c = h.client(alice);
    ok(
      sync<StoreResult>((cb) =>
        c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('v') }] }], 100, h.now, cb),
      ),
    );
    h.now += 30_500;
    const got = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id }], h.now, cb));
    assert.equal(got.ok && got.kinds[0]?.values[0]?.lifetime, 70);
  });
});
