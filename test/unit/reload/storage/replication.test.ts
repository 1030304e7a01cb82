import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../../../src/core/ids.js';
import { ErrorCode, MessageCode } from '../../../../src/reload/messages/codes.js';
import type { StoreReq } from '../../../../src/reload/messages/store.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import { MemoryBackend } from '../../../../src/reload/storage/backend.js';
import type { StoreResult } from '../../../../src/reload/storage/client.js';
import { DEFAULT_REPLICATION } from '../../../../src/reload/storage/replication.js';
import { decode, encode } from '../../../../src/wire/index.js';
import type { SimIdentity } from '../../../support/sim-security.js';
import {
  ALICE,
  alice,
  entries,
  Harness,
  identity,
  privateKind,
  putEntry,
  sync,
  testHeader,
  text,
} from '../../../support/storage-harness.js';

const DICT = privateKind(3, 'dictionary', 8, 64);
const owner = identity(2000, 'owner@test.p2psip');
const replica2 = identity(3000, 'r2@test.p2psip');
const stranger = identity(4000, 'stranger@test.p2psip');

function put(h: Harness, key: string, value: string, lifetime = 60): StoreResult {
  return putEntry(h, DICT.id, key, value, lifetime);
}

function texts(h: Harness): string[] {
  return entries(h, DICT.id).map((e) => e.slice(e.indexOf('=') + 1));
}

function storeReq(h: Harness, body: Uint8Array): StoreReq {
  return decode(h.storage.codecs.storeReq, body, h.storage.codecs.ctx);
}

/** Delivers `from`'s captured request number `i` to `to` and hands the answer back. */
function route(from: Harness, i: number, to: Harness): RequestResult {
  const s = from.sent[i];
  assert.ok(s, `request ${i} was sent`);
  const r = sync<RequestResult>((cb) => to.deliver(s.spec, from.peer, cb));
  s.callback(r);
  return r;
}

function ack(h: Harness, i: number, rtt: number): void {
  const s = h.sent[i];
  assert.ok(s);
  s.callback({
    ok: true,
    code: MessageCode.store_ans,
    body: new Uint8Array([0, 0]),
    extensions: [],
    signer: { nodeId: 0n as NodeId, userName: '', certificate: new Uint8Array(0) },
    certificates: [],
    header: testHeader(),
    rtt,
  });
}

function refuse(h: Harness, i: number, errorCode: number): void {
  h.sent[i]?.callback({ ok: false, errorCode, info: new Uint8Array(), reason: 'refused', signer: undefined });
}

function node(who: SimIdentity): NodeId {
  return who.signer.nodeId;
}

describe('replication (RFC 6940 §10.4)', () => {
  it('the responsible peer answers, then stores the new values to replicas 1 and 2 and records the lag', () => {
    const h = new Harness([DICT]);
    h.holders = [node(h.peer), node(replica2), node(stranger)];
    const r = put(h, 'k', 'v');
    assert.deepEqual(r.ok && r.kinds[0]?.replicas, [node(replica2), node(stranger)]);
    assert.equal(h.sent.length, 2);
    const reqs = h.sent.map((s) => storeReq(h, s.spec.body));
    assert.deepEqual(
      h.sent.map((s) => s.spec.destination),
      [[{ type: 'node', id: node(replica2) }], [{ type: 'node', id: node(stranger) }]],
    );
    assert.deepEqual(
      reqs.map((q) => q.replicaNumber),
      [1, 2],
    );
    assert.deepEqual(
      reqs.map((q) => q.kindData[0]?.generationCounter),
      [1n, 1n],
    );
    assert.ok(
      h.sent.every((s) =>
        s.spec.certificates?.some((c) =>
          Buffer.from(c.certificate).equals(Buffer.from(alice.signer.certificates[0]?.certificate ?? [])),
        ),
      ),
      "the values' certificates travel with the copies",
    );
    ack(h, 0, 40);
    assert.equal(h.storage.replication.stats.lagCount, 0, 'not before every replica acknowledged');
    ack(h, 1, 70);
    assert.equal(h.storage.replication.stats.lagCount, 1);
    assert.equal(h.storage.replication.stats.lagLast, 70);
  });

  it('a replica peer takes a copy from a holder with its generation counter, and refuses strangers', () => {
    const source = new Harness([DICT]);
    put(source, 'k', 'v');
    const original = source.capture(alice, (c) =>
      c.store(
        ALICE,
        [{ kind: DICT.id, values: [{ key: text('k'), value: text('v') }] }],
        60,
        source.now,
        () => undefined,
      ),
    );
    const req = storeReq(source, original.body);
    const copy = {
      ...original,
      body: encode(source.storage.codecs.storeReq, {
        ...req,
        replicaNumber: 1,
        kindData: req.kindData.map((k) => ({ ...k, generationCounter: 5n })),
      }),
      certificates: alice.signer.certificates,
    };
    const r = new Harness([DICT]);
    r.responsible = false;
    r.holders = [node(owner), node(r.peer), node(replica2)];
    const fromStranger = sync<RequestResult>((cb) => r.deliver(copy, stranger, cb));
    assert.equal(!fromStranger.ok && fromStranger.errorCode, ErrorCode.Error_Forbidden);
    assert.equal(r.storage.resourceCount, 0);
    const fromOwner = sync<RequestResult>((cb) => r.deliver(copy, owner, cb));
    assert.ok(fromOwner.ok);
    assert.equal(r.storage.generation(ALICE, DICT.id), 5n);
    assert.equal(r.sent.length, 0, 'replicas do not replicate further');
    r.holders = [node(owner), node(replica2), node(stranger)];
    const notMine = sync<RequestResult>((cb) => r.deliver(copy, owner, cb));
    assert.equal(!notMine.ok && notMine.errorCode, ErrorCode.Error_Forbidden);
  });

  it('the responsible peer merges a copy from a peer it does not see as a holder: only newer values count', () => {
    const source = new Harness([DICT]);
    put(source, 'k', 'old');
    const copyOf = (h: Harness, generation: bigint) => {
      const spec = h.capture(alice, (c) =>
        c.store(
          ALICE,
          [{ kind: DICT.id, values: [{ key: text('k'), value: text('old') }] }],
          60,
          h.now,
          () => undefined,
        ),
      );
      const req = storeReq(h, spec.body);
      return {
        ...spec,
        body: encode(h.storage.codecs.storeReq, {
          ...req,
          replicaNumber: 1,
          kindData: req.kindData.map((k) => ({ ...k, generationCounter: generation })),
        }),
      };
    };
    const stale = copyOf(source, 1n);
    const owner2 = new Harness([DICT]);
    owner2.now = source.now + 10_000;
    put(owner2, 'k', 'new');
    owner2.now++;
    put(owner2, 'k', 'newer');
    assert.equal(owner2.storage.generation(ALICE, DICT.id), 2n);
    const r = sync<RequestResult>((cb) => owner2.deliver(stale, stranger, cb));
    assert.ok(r.ok, 'accepted as a merge');
    assert.deepEqual(texts(owner2), ['newer']);
    assert.equal(owner2.storage.generation(ALICE, DICT.id), 2n, 'the counter does not go back');
  });

  it('copies pushed to a new holder carry the lifetime left, not the original one', () => {
    const h = new Harness([DICT]);
    put(h, 'k', 'v', 60);
    h.now += 20_000;
    h.holders = [node(h.peer), node(replica2)];
    h.storage.replication.sync(h.now);
    const q = storeReq(h, h.sent[0]?.spec.body ?? new Uint8Array());
    const kd = q.kindData[0];
    assert.ok(kd && 'values' in kd);
    assert.equal(kd.values[0]?.lifetime, 40);
  });

  it('a large resource is copied in several Stores that each stay under the byte budget', () => {
    const h = new Harness([DICT], { replication: { maxStoreBytes: 400 } });
    for (let i = 0; i < 8; i++) {
      h.now++;
      put(h, `key-${i}`, 'x'.repeat(40));
    }
    const target = new Harness([DICT], { peer: replica2 });
    target.holders = [node(h.peer), node(replica2)];
    target.responsible = false;
    h.holders = [node(h.peer), node(replica2)];
    h.storage.replication.sync(h.now);
    assert.ok(h.sent.length > 2, `${h.sent.length} Stores`);
    for (let i = 0; i < h.sent.length; i++) {
      assert.ok(route(h, i, target).ok);
      assert.ok((h.sent[i]?.spec.body.length ?? 0) < 400 + 200);
    }
    assert.equal(entries(target, DICT.id).length, 8);
  });

  it('a replica copy that fails is made again after the retry delay, not at the next periodic check', () => {
    const h = new Harness([DICT]);
    h.holders = [node(h.peer), node(replica2), node(stranger)];
    put(h, 'k', 'v', 3600);
    assert.equal(h.sent.length, 2);
    ack(h, 0, 10);
    refuse(h, 1, ErrorCode.Error_Request_Timeout);
    assert.equal(h.storage.replication.stats.incomplete, 1);
    assert.equal(h.storage.replication.stats.lagCount, 0);
    assert.equal(h.storage.replication.nextDeadline(), h.now + DEFAULT_REPLICATION.retryDelay);
    h.now += DEFAULT_REPLICATION.retryDelay;
    h.storage.handleTimeout(h.now);
    assert.deepEqual(
      h.sent.slice(2).map((s) => s.spec.destination),
      [[{ type: 'node', id: node(stranger) }]],
      'only the replica that missed the copy gets it again',
    );
    const copy = storeReq(h, h.sent[2]?.spec.body ?? new Uint8Array()).kindData[0];
    assert.ok(copy !== undefined && 'values' in copy);
    assert.equal(copy.values.length, 1, 'a full copy of the resource');
  });

  it('a peer that is no longer a holder drops the resource only after every holder acknowledged', () => {
    const h = new Harness([DICT]);
    put(h, 'k', 'v');
    h.holders = [node(owner), node(replica2), node(stranger)];
    h.responsible = false;
    h.storage.replication.sync(h.now);
    assert.equal(h.sent.length, 3);
    ack(h, 0, 1);
    refuse(h, 1, ErrorCode.Error_Request_Timeout);
    ack(h, 2, 1);
    assert.equal(h.storage.resourceCount, 1, 'one holder has no copy yet');
    h.now += 1000;
    h.storage.replication.sync(h.now);
    assert.equal(h.sent.length, 4, 'only the holder that failed is retried');
    ack(h, 3, 1);
    assert.equal(h.storage.resourceCount, 0);
    assert.equal(h.storage.replication.stats.dropped, 1);
  });

  it('a replica peer that left the set and came back within one hold-down is sent a copy again', () => {
    // A peer joins between the replicas (the second replica leaves the set and drops its copy), then the
    // newcomer dies before the responsible peer's next check: the second replica is a holder again.
    const h = new Harness([DICT]);
    h.holders = [node(h.peer), node(replica2), node(stranger)];
    put(h, 'k', 'v', 3600);
    ack(h, 0, 1);
    ack(h, 1, 1);
    h.holders = [node(h.peer), node(replica2), node(owner)];
    h.storage.replication.onTableChanged(h.now);
    h.now += 5_000;
    h.holders = [node(h.peer), node(replica2), node(stranger)];
    h.storage.replication.onTableChanged(h.now);
    h.now += DEFAULT_REPLICATION.holdDown;
    h.storage.handleTimeout(h.now);
    assert.deepEqual(
      h.sent.slice(2).map((s) => s.spec.destination),
      [[{ type: 'node', id: node(stranger) }]],
      'the holder that was out of the set gets a copy; the one that stayed does not',
    );
  });

  it('the responsible peer copies everything to its replica peers again every sync interval', () => {
    const h = new Harness([DICT]);
    h.holders = [node(h.peer), node(replica2), node(stranger)];
    put(h, 'k', 'v', 3600);
    ack(h, 0, 1);
    ack(h, 1, 1);
    h.storage.replication.sync(h.now);
    assert.equal(h.sent.length, 2, 'both replicas acknowledged: nothing to send');
    h.now += DEFAULT_REPLICATION.syncInterval;
    h.storage.handleTimeout(h.now);
    assert.deepEqual(
      h.sent.slice(2).map((s) => s.spec.destination),
      [[{ type: 'node', id: node(replica2) }], [{ type: 'node', id: node(stranger) }]],
    );
  });

  it('the responsible peer copies everything to its replica peers again one recheck delay after a table change', () => {
    // A replica peer whose view still held dead peers may have handed our copy back and dropped it.
    const h = new Harness([DICT]);
    h.holders = [node(h.peer), node(replica2), node(stranger)];
    put(h, 'k', 'v', 3600);
    ack(h, 0, 1);
    ack(h, 1, 1);
    h.storage.replication.onTableChanged(h.now);
    h.now += DEFAULT_REPLICATION.holdDown;
    h.storage.handleTimeout(h.now);
    assert.equal(h.sent.length, 2, 'after the hold-down both replicas count as holding a copy');
    h.now += DEFAULT_REPLICATION.recheckDelay - DEFAULT_REPLICATION.holdDown;
    h.storage.handleTimeout(h.now);
    assert.deepEqual(
      h.sent.slice(2).map((s) => s.spec.destination),
      [[{ type: 'node', id: node(replica2) }], [{ type: 'node', id: node(stranger) }]],
    );
  });

  it('a copy refused as too old makes the peer adopt the newer values, then push again (§7.4.1.3)', () => {
    const a = new Harness([DICT]);
    const b = new Harness([DICT], { peer: owner });
    put(a, 'k', 'stale');
    b.now = a.now + 5_000;
    put(b, 'k', 'fresh');
    put(a, 'only-a', 'mine');
    a.holders = [node(a.peer), node(b.peer)];
    b.holders = [node(a.peer), node(b.peer)];
    a.storage.replication.sync(a.now);
    const first = route(a, 0, b);
    assert.equal(!first.ok && first.errorCode, ErrorCode.Error_Data_Too_Old);
    assert.equal(a.sent[1]?.spec.code, MessageCode.fetch_req, 'fetches what the other side holds');
    route(a, 1, b);
    assert.deepEqual(texts(a).sort(), ['fresh', 'mine']);
    const again = route(a, 2, b);
    assert.ok(again.ok);
    assert.deepEqual(texts(b).sort(), ['fresh', 'mine']);
    assert.equal(a.storage.replication.stats.healed, 1);
  });
});

describe('persistence seam', () => {
  it('a restarted peer comes back with what it held, without what expired meanwhile', () => {
    const backend = new MemoryBackend();
    const before = new Harness([DICT], { backend });
    put(before, 'long', 'stays', 600);
    put(before, 'short', 'goes', 5);
    before.now++;
    put(before, 'long', 'stays-2', 600);
    const after = new Harness([DICT], { backend, peer: before.peer });
    after.now = before.now + 10_000;
    assert.equal(after.storage.restore(after.now), 0);
    assert.deepEqual(texts(after), ['stays-2']);
    assert.equal(after.storage.generation(ALICE, DICT.id), 3n);
    assert.equal(backend.size, 1);
  });

  it('a damaged row is skipped and removed; the others load', () => {
    const backend = new MemoryBackend();
    const before = new Harness([DICT], { backend });
    put(before, 'a', 'one');
    put(before, 'b', 'two');
    const rows = backend.loadAll(before.now);
    const victim = rows[0];
    assert.ok(victim);
    backend.write({ puts: [{ ...victim, data: victim.data.subarray(0, 10) }], deletes: [] });
    const after = new Harness([DICT], { backend, peer: before.peer });
    assert.equal(after.storage.restore(after.now), 1);
    assert.equal(texts(after).length, 1);
    assert.equal(backend.size, 1);
  });
});
