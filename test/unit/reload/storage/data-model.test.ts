import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KindDefinition } from '../../../../src/reload/config/overlay-config.js';
import { ErrorCode } from '../../../../src/reload/messages/codes.js';
import type {
  FetchResult,
  KindSelector,
  StoreResult,
  ValueInput,
} from '../../../../src/reload/storage/client.js';
import { ALICE, alice, Harness, privateKind, sync, text } from '../../../support/storage-harness.js';

const SINGLE = privateKind(1, 'single', 1, 100);
const ARRAY = privateKind(2, 'array', 10, 100);
const DICT = privateKind(3, 'dictionary', 4, 100);

interface Seen {
  readonly exists: boolean;
  readonly text: string;
  readonly slot: string;
}

/** Alice's client on a fresh peer: one client, so storage_time grows from store to store. */
function session() {
  const h = new Harness([SINGLE, ARRAY, DICT]);
  const c = h.client(alice);
  const store = (kind: KindDefinition, values: ValueInput[], lifetime = 60, generation = 0n): StoreResult =>
    sync<StoreResult>((cb) => c.store(ALICE, [{ kind: kind.id, values, generation }], lifetime, h.now, cb));
  const put = (kind: KindDefinition, values: ValueInput[], lifetime = 60): void => {
    const r = store(kind, values, lifetime);
    assert.ok(r.ok, r.ok ? '' : r.reason);
  };
  const fetch = (s: KindSelector): FetchResult => sync<FetchResult>((cb) => c.fetch(ALICE, [s], h.now, cb));
  const seen = (s: KindSelector): Seen[] => values(fetch(s));
  return { h, store, put, fetch, seen };
}

function values(r: FetchResult): Seen[] {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const dec = new TextDecoder();
  return (r.kinds[0]?.values ?? []).map((v) => ({
    exists: v.value.exists,
    text: dec.decode(v.value.value),
    slot:
      v.value.model === 'array'
        ? String(v.value.index)
        : v.value.model === 'dictionary'
          ? dec.decode(v.value.key)
          : '',
  }));
}

const brief = (s: Seen[]): string[] => s.map((v) => `${v.slot}:${v.exists ? v.text : '-'}`);

describe('storage data models (RFC 6940 §7.2, §7.4)', () => {
  it('single value: a newer store overwrites and the generation counter grows', () => {
    const { store, fetch, seen } = session();
    const first = store(SINGLE, [{ value: text('one') }]);
    assert.equal(first.ok && first.kinds[0]?.generationCounter, 1n);
    const second = store(SINGLE, [{ value: text('two') }]);
    assert.equal(second.ok && second.kinds[0]?.generationCounter, 2n);
    assert.deepEqual(seen({ kind: SINGLE.id }), [{ exists: true, text: 'two', slot: '' }]);
    const got = fetch({ kind: SINGLE.id });
    assert.equal(got.ok && got.kinds[0]?.values[0]?.signer?.userName, alice.signer.userName);
  });

  it('array: appends take the next index, gaps come back as exists=false, ranges select', () => {
    const { put, seen } = session();
    put(ARRAY, [{ value: text('a') }, { value: text('b') }]);
    put(ARRAY, [{ value: text('f'), index: 5 }]);
    put(ARRAY, [{ value: text('g') }]);
    assert.deepEqual(brief(seen({ kind: ARRAY.id })), ['0:a', '1:b', '2:-', '3:-', '4:-', '5:f', '6:g']);
    const some = seen({
      kind: ARRAY.id,
      indices: [
        { first: 1, last: 2 },
        { first: 6, last: 0xffff_ffff },
      ],
    });
    assert.deepEqual(brief(some), ['1:b', '2:-', '6:g']);
  });

  it('array: overlapping ranges and first > last are refused', () => {
    const { put, fetch } = session();
    put(ARRAY, [{ value: text('a') }]);
    const overlap = fetch({
      kind: ARRAY.id,
      indices: [
        { first: 0, last: 3 },
        { first: 2, last: 4 },
      ],
    });
    assert.equal(!overlap.ok && overlap.errorCode, ErrorCode.Error_Invalid_Message);
    const reversed = fetch({ kind: ARRAY.id, indices: [{ first: 3, last: 1 }] });
    assert.equal(!reversed.ok && reversed.errorCode, ErrorCode.Error_Invalid_Message);
  });

  it('array: a gap over a sparse index is synthesised at most max-count times', () => {
    const { put, seen } = session();
    put(ARRAY, [{ value: text('far'), index: 4_000_000_000 }]);
    const got = seen({ kind: ARRAY.id });
    assert.equal(got.filter((v) => !v.exists).length, ARRAY.maxCount);
    assert.deepEqual(got.at(-1), { exists: true, text: 'far', slot: '4000000000' });
  });

  it('dictionary: keys select, missing keys are synthesised, no keys means every entry', () => {
    const { put, fetch, seen } = session();
    put(DICT, [
      { key: text('k2'), value: text('two') },
      { key: text('k1'), value: text('one') },
    ]);
    const some = fetch({ kind: DICT.id, keys: [text('k2'), text('zz')] });
    assert.deepEqual(values(some), [
      { exists: true, text: 'two', slot: 'k2' },
      { exists: false, text: '', slot: 'zz' },
    ]);
    assert.equal(some.ok && some.kinds[0]?.values[1]?.signer, undefined, 'synthetic values are unsigned');
    assert.deepEqual(brief(seen({ kind: DICT.id })), ['k1:one', 'k2:two']);
  });

  it('a single value never stored comes back as a synthetic exists=false value', () => {
    const { fetch } = session();
    const got = fetch({ kind: SINGLE.id });
    assert.deepEqual(values(got), [{ exists: false, text: '', slot: '' }]);
    assert.equal(got.ok && got.kinds[0]?.generation, 0n);
  });

  it('a fetch with the current generation returns no values; another generation returns them', () => {
    const { put, fetch, seen } = session();
    put(SINGLE, [{ value: text('v') }]);
    const same = fetch({ kind: SINGLE.id, generation: 1n });
    assert.deepEqual(values(same), []);
    assert.equal(same.ok && same.kinds[0]?.generation, 1n);
    assert.equal(seen({ kind: SINGLE.id, generation: 7n }).length, 1);
  });

  it('a store with a stale generation counter fails with the current counters; the right one succeeds', () => {
    const { store, seen } = session();
    assert.ok(store(SINGLE, [{ value: text('one') }], 60, 0n).ok);
    assert.ok(store(SINGLE, [{ value: text('two') }], 60, 1n).ok);
    const stale = store(SINGLE, [{ value: text('three') }], 60, 1n);
    assert.equal(!stale.ok && stale.errorCode, ErrorCode.Error_Generation_Counter_Too_Low);
    assert.deepEqual(!stale.ok && stale.generations, [
      { kind: SINGLE.id, generationCounter: 2n, replicas: [] },
    ]);
    assert.deepEqual(brief(seen({ kind: SINGLE.id })), [':two']);
    assert.ok(store(SINGLE, [{ value: text('three') }], 60, 2n).ok);
  });

  it('values expire after their lifetime and the resource disappears', () => {
    const { h, put, seen } = session();
    put(SINGLE, [{ value: text('v') }], 10);
    assert.equal(h.storage.resourceCount, 1);
    h.now += 9_000;
    h.storage.handleTimeout(h.now);
    assert.deepEqual(brief(seen({ kind: SINGLE.id })), [':v']);
    h.now += 1_000;
    assert.equal(h.storage.nextDeadline(), h.now);
    h.storage.handleTimeout(h.now);
    assert.equal(h.storage.resourceCount, 0);
    assert.equal(h.storage.valueCount, 0);
    assert.deepEqual(brief(seen({ kind: SINGLE.id })), [':-']);
  });

  it('a deletion is a signed exists=false tombstone, kept for its lifetime', () => {
    const { h, put, fetch } = session();
    put(DICT, [{ key: text('k'), value: text('v') }], 100);
    put(DICT, [{ key: text('k'), value: new Uint8Array(), exists: false }], 200);
    const got = fetch({ kind: DICT.id });
    assert.deepEqual(values(got), [{ exists: false, text: '', slot: 'k' }]);
    const signer = got.ok ? got.kinds[0]?.values[0]?.signer : undefined;
    assert.equal(signer?.userName, alice.signer.userName, 'signed, not synthetic');
    assert.equal(h.storage.valueCount, 1);
    h.now += 150_000;
    h.storage.handleTimeout(h.now);
    assert.equal(h.storage.valueCount, 1, 'outlives the value it replaced');
    h.now += 50_000;
    h.storage.handleTimeout(h.now);
    assert.equal(h.storage.valueCount, 0);
  });

  it('fetch answers carry the remaining lifetime', () => {
    const { h, put, fetch } = session();
    put(SINGLE, [{ value: text('v') }], 100);
    h.now += 30_500;
    const got = fetch({ kind: SINGLE.id });
    assert.equal(got.ok && got.kinds[0]?.values[0]?.lifetime, 70);
  });
});
