import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindId } from '../../../src/core/ids.js';
import { nullLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/dashboard/metrics.js';
import { NodeDriver } from '../../../src/platform/node/driver.js';
import { PeerStorage } from '../../../src/platform/node/peer-storage.js';
import { chordResourceId } from '../../../src/reload/config/hashes.js';
import { KindCode } from '../../../src/reload/messages/codes.js';
import type { ReloadNode } from '../../../src/reload/node.js';
import { MemStorage, startOverlay } from '../../support/mem-storage.js';
import { overlay, userOf } from '../../support/test-node.js';

/** The storage series of GET /metrics, read from nodes of an in-memory overlay after real traffic. */
const CERT = kindId(KindCode.CERTIFICATE_BY_USER);

function metricsOf(node: ReloadNode, now: () => number) {
  const idle = { connect: () => undefined, write: () => undefined, close: () => undefined };
  const timers = { set: () => 0, clear: () => undefined, afterIo: () => undefined };
  const driver = new NodeDriver(node, idle, { log: nullLogger, clock: now, timers });
  const zero = () => 0;
  return createMetrics({
    stats: node.transport.stats,
    links: zero,
    connections: zero,
    routingTableSize: zero,
    pendingRequests: zero,
    internalErrors: zero,
    tlsRefused: () => new Map(),
    storage: new PeerStorage(node, driver),
  });
}

async function lines(node: ReloadNode, now: () => number): Promise<string[]> {
  return (await metricsOf(node, now).text()).split('\n');
}

describe('storage metrics', () => {
  it('count requests by method and result on both sides, stored values and the replication lag', async () => {
    const o = overlay(3, 21);
    startOverlay(o);
    const [me, other] = o.nodes as [ReloadNode, ReloadNode];
    const s = new MemStorage(o, me);
    const value = { value: new TextEncoder().encode('v') };
    assert.ok((await s.store(CERT, chordResourceId(userOf(me.localId)), value, 60)).ok);
    const denied = await s.store(CERT, chordResourceId(userOf(other.localId)), value, 60);
    assert.equal(denied.ok, false);
    assert.ok((await s.fetch(chordResourceId(userOf(me.localId)), { kind: CERT })).ok);

    const now = () => o.net.now;
    const mine = await lines(me, now);
    for (const l of [
      'p2psip_storage_requests_total{method="store",result="ok"} 1',
      'p2psip_storage_requests_total{method="store",result="Error_Forbidden"} 1',
      'p2psip_storage_requests_total{method="fetch",result="ok"} 1',
      // Three nodes, two replicas: every node holds the one value stored.
      'p2psip_stored_values 1',
      'p2psip_stored_resources 1',
    ]) {
      assert.ok(mine.includes(l), `missing: ${l}`);
    }
    const owner = o.nodes.find((n) => n.chord.isResponsible(chordResourceId(userOf(me.localId))));
    assert.ok(owner !== undefined);
    const theirs = await lines(owner, now);
    for (const l of [
      'p2psip_storage_answered_total{method="store",result="ok"} 1',
      'p2psip_storage_answered_total{method="fetch",result="ok"} 1',
      'p2psip_replica_stores_total 2',
      'p2psip_replication_lag_seconds_count 1',
      'p2psip_replication_incomplete_total 0',
      'p2psip_replication_pending 0',
    ]) {
      assert.ok(theirs.includes(l), `missing on the responsible peer: ${l}`);
    }
    const replica = o.nodes.find((n) => n !== owner);
    assert.ok(replica !== undefined);
    assert.ok(
      (await lines(replica, now)).includes(
        'p2psip_storage_answered_total{method="replica_store",result="ok"} 1',
      ),
    );
  });
});
