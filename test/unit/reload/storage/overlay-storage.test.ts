import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { second } from '../../../../src/core/clock.js';
import {
  type KindId,
  type NodeId,
  nodeIdToBytes,
  type ResourceId,
  resourceIdToBigInt,
} from '../../../../src/core/ids.js';
import { KindCode } from '../../../../src/reload/messages/codes.js';
import type { ReloadNode } from '../../../../src/reload/node.js';
import { MemoryBackend } from '../../../../src/reload/storage/backend.js';
import type {
  FetchResult,
  FindResult,
  StatResult,
  StoreResult,
} from '../../../../src/reload/storage/client.js';
import { startOverlay } from '../../../support/mem-storage.js';
import { makeNode, type Overlay, overlay, ringErrors, userOf } from '../../../support/test-node.js';

/**
 * Storage on a 10-peer CHORD-RELOAD overlay in memory (RFC 6940 §7, §10.4): every node stores its SIP
 * registration (USER-NODE-MATCH) and its certificate (NODE-MATCH); every node fetches everything; the
 * responsible peer and its two successors hold each value, also after peers die or join.
 */
const SIP = KindCode.SIP_REGISTRATION as KindId;
const CERT = KindCode.CERTIFICATE_BY_NODE as KindId;
const STORAGE = { replication: { holdDown: 5 * second, syncInterval: 60 * second } };

interface Stored {
  readonly kind: KindId;
  readonly resource: ResourceId;
  readonly text: string;
}

function call<T>(o: Overlay, f: (cb: (r: T) => void) => void): T {
  let out: T | undefined;
  f((r) => {
    out = r;
  });
  o.net.settle();
  assert.ok(out !== undefined, 'answered');
  return out;
}

/** Every node stores its registration and its certificate. */
function storeAll(o: Overlay): Stored[] {
  const stored: Stored[] = [];
  for (const n of o.nodes) {
    const id = nodeIdToBytes(n.localId);
    const reg = `route to ${n.localId.toString(16)}`;
    const r1 = call<StoreResult>(o, (cb) =>
      n.store(
        SIP,
        userOf(n.localId),
        [{ key: id, value: new TextEncoder().encode(reg) }],
        3600,
        o.net.now,
        cb,
      ),
    );
    assert.ok(r1.ok, r1.ok ? '' : r1.reason);
    assert.equal(r1.kinds[0]?.replicas.length, 2, 'the answer names two replicas');
    const cert = `certificate of ${n.localId.toString(16)}`;
    const r2 = call<StoreResult>(o, (cb) =>
      n.store(CERT, n.resourceIdOf(id), [{ value: new TextEncoder().encode(cert) }], 3600, o.net.now, cb),
    );
    assert.ok(r2.ok, r2.ok ? '' : r2.reason);
    stored.push({ kind: SIP, resource: n.resourceIdOf(userOf(n.localId)), text: reg });
    stored.push({ kind: CERT, resource: n.resourceIdOf(id), text: cert });
  }
  return stored;
}

function assertFetchable(o: Overlay, live: readonly ReloadNode[], stored: readonly Stored[]): void {
  for (const from of live) {
    for (const s of stored) {
      const r = call<FetchResult>(o, (cb) => from.fetch(s.kind, s.resource, {}, o.net.now, cb));
      assert.ok(r.ok, r.ok ? '' : `fetch from ${from.localId.toString(16)}: ${r.reason}`);
      const texts = r.kinds[0]?.values
        .filter((v) => v.value.exists)
        .map((v) => new TextDecoder().decode(v.value.value));
      assert.deepEqual(texts, [s.text], `fetch from ${from.localId.toString(16)}`);
    }
  }
}

/** The responsible peer and its two successors on the ring of `live`. */
function expectedHolders(live: readonly ReloadNode[], resource: ResourceId): NodeId[] {
  const sorted = [...live].sort((a, b) => (a.localId < b.localId ? -1 : 1));
  const k = resourceIdToBigInt(resource);
  let i = sorted.findIndex((n) => n.localId >= k);
  if (i < 0) i = 0;
  return [0, 1, 2].map((j) => (sorted[(i + j) % sorted.length] as ReloadNode).localId);
}

function holders(live: readonly ReloadNode[], s: Stored): NodeId[] {
  return live.filter((n) => n.storage.held(s.resource, s.kind).length > 0).map((n) => n.localId);
}

function assertPlacement(live: readonly ReloadNode[], stored: readonly Stored[]): void {
  for (const s of stored) {
    assert.deepEqual(
      new Set(holders(live, s)),
      new Set(expectedHolders(live, s.resource)),
      `holders of ${Buffer.from(s.resource).toString('hex')}`,
    );
  }
}

describe('storage on a 10-peer in-memory overlay', () => {
  it('values stored through one peer are fetched through every other; owner and two successors hold them', () => {
    const o = overlay(10, 5, { storage: STORAGE });
    startOverlay(o);
    const stored = storeAll(o);
    assertFetchable(o, o.nodes, stored);
    assertPlacement(o.nodes, stored);
    const lag = o.nodes.reduce((n, x) => n + x.storage.replication.stats.lagCount, 0);
    assert.equal(lag, stored.length, 'one replication lag sample per original store');
    const reg = stored[0];
    const asker = o.nodes[9] as ReloadNode;
    assert.ok(reg);
    const st = call<StatResult>(o, (cb) => asker.stat(reg.kind, reg.resource, {}, o.net.now, cb));
    const meta = st.ok ? st.kinds[0] : undefined;
    assert.ok(meta && 'values' in meta);
    assert.equal(meta.values[0]?.metadata.valueLength, reg.text.length);
    const found = call<FindResult>(o, (cb) => asker.find(reg.resource, [reg.kind], o.net.now, cb));
    assert.deepEqual(found.ok && found.results, [{ kind: reg.kind, closest: reg.resource }]);
    const status = o.nodes.map((n) => n.status());
    assert.equal(
      status.reduce((n, s) => n + s.storedValues, 0),
      3 * stored.length,
    );
    assert.ok(status.every((s, i) => s.storedResources === o.nodes[i]?.numResources()));
  });

  it('after the responsible peer and one replica die, every value is fetchable and has three copies again', () => {
    const o = overlay(10, 6, { storage: STORAGE });
    startOverlay(o);
    const stored = storeAll(o);
    const victim = stored[0];
    assert.ok(victim);
    const [owner, firstReplica] = expectedHolders(o.nodes, victim.resource);
    const dead = o.nodes.filter((n) => n.localId === owner || n.localId === firstReplica);
    assert.equal(dead.length, 2);
    for (const d of dead) o.net.kill(d);
    const live = o.nodes.filter((n) => !dead.includes(n));
    o.net.advance(o.net.now + 3 * 60_000);
    assert.deepEqual(ringErrors(live), []);
    assertFetchable(o, live, stored);
    assertPlacement(live, stored);
  });

  it('after a responsible peer leaves gracefully, its successor answers and the copies are restored', () => {
    const o = overlay(10, 9, { storage: STORAGE });
    startOverlay(o);
    const stored = storeAll(o);
    const victim = stored[5];
    assert.ok(victim);
    const [owner] = expectedHolders(o.nodes, victim.resource);
    const leaver = o.nodes.find((n) => n.localId === owner) as ReloadNode;
    leaver.stop(o.net.now, () => undefined);
    o.net.settle();
    const live = o.nodes.filter((n) => n !== leaver);
    assertFetchable(o, live, [victim]);
    o.net.advance(o.net.now + 60_000);
    assertFetchable(o, live, stored);
    assertPlacement(live, stored);
  });

  it('a joining peer takes over its range from the admitting peer', () => {
    const o = overlay(10, 7, { storage: STORAGE });
    startOverlay(o);
    const stored = storeAll(o);
    const target = stored[3];
    assert.ok(target);
    // A new peer whose Node-ID is the resource's own: it becomes responsible for it.
    const newcomerId = resourceIdToBigInt(target.resource) as NodeId;
    const listen = { host: '10.0.0.99', port: 6084 };
    const newcomer = makeNode(newcomerId, listen, [{ host: '10.0.0.1', port: 6084 }], 99, {
      storage: STORAGE,
    });
    o.net.add(`${listen.host}:${listen.port}`, newcomer);
    newcomer.start(o.net.now);
    o.net.settle();
    assert.ok(newcomer.storage.held(target.resource, target.kind).length > 0, 'handed over at join');
    o.net.advance(o.net.now + 3 * 60_000);
    const all = [...o.nodes, newcomer];
    assert.deepEqual(ringErrors(all), []);
    assert.equal(expectedHolders(all, target.resource)[0], newcomerId);
    assertFetchable(o, all, stored);
    assertPlacement(all, stored);
  });

  it('a restarted peer comes back with what it held', () => {
    const backends = Array.from({ length: 10 }, () => new MemoryBackend());
    const o = overlay(10, 8, { storage: STORAGE, backend: (i) => backends[i] });
    startOverlay(o);
    const stored = storeAll(o);
    const i = 4;
    const old = o.nodes[i] as ReloadNode;
    const held = old.storage.valueCount;
    assert.ok(held > 0);
    o.net.kill(old);
    o.net.advance(o.net.now + 10_000);
    const listen = o.addr.get(old) ?? { host: '', port: 0 };
    const again = makeNode(old.localId, listen, [{ host: '10.0.0.1', port: 6084 }], 1234, {
      storage: STORAGE,
      storageBackend: backends[i] as MemoryBackend,
    });
    o.net.add(`${listen.host}:${listen.port}`, again);
    again.start(o.net.now);
    assert.equal(again.storage.valueCount, held, 'loaded before joining');
    o.net.settle();
    o.net.advance(o.net.now + 3 * 60_000);
    const live = o.nodes.map((n) => (n === old ? again : n));
    assertFetchable(o, live, stored);
    assertPlacement(live, stored);
  });
});
