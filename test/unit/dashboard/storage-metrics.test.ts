import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindId } from '../../../src/core/ids.js';
import { createMetrics } from '../../../src/dashboard/metrics.js';
import { chordResourceId } from '../../../src/reload/config/hashes.js';
import { KindCode } from '../../../src/reload/messages/codes.js';
import type { ReloadNode } from '../../../src/reload/node.js';
import { memStorage, startOverlay } from '../../support/mem-storage.js';
import { type Overlay, overlay, userOf } from '../../support/test-node.js';

/** The storage series of GET /metrics, read from nodes of an in-memory overlay after real traffic. */
const CERT = kindId(KindCode.CERTIFICATE_BY_USER);

function metricsOf(o: Overlay, node: ReloadNode) {
  const zero = () => 0;
  return createMetrics({
    stats: node.transport.stats,
    links: zero,
    connections: zero,
    routingTableSize: zero,
    pendingRequests: zero,
    internalErrors: zero,
    tlsRefused: () => new Map(),
    storage: memStorage(o, node),
  });
}

/** Asserts that the node's /metrics text has every one of `expected` as a whole line. */
async function assertLines(o: Overlay, node: ReloadNode, expected: readonly string[]): Promise<void> {
  const lines = (await metricsOf(o, node).text()).split('\n');
  const missing = expected.filter((l) => !lines.includes(l));
  assert.deepEqual(missing, [], `node ${node.localId.toString(16)}`);
}

describe('storage metrics', () => {
  it('count requests by method and result on both sides, stored values and the replication lag', async () => {
    const o = overlay(3, 21);
    startOverlay(o);
    const [me, other] = o.nodes as [ReloadNode, ReloadNode];
    const s = memStorage(o, me);
    const value = { value: new TextEncoder().encode('v') };
    assert.ok((await s.store(CERT, chordResourceId(userOf(me.localId)), value, 60)).ok);
    const denied = await s.store(CERT, chordResourceId(userOf(other.localId)), value, 60);
    assert.equal(denied.ok, false);
    assert.ok((await s.fetch(chordResourceId(userOf(me.localId)), { kind: CERT })).ok);

    await assertLines(o, me, [
      'p2psip_storage_requests_total{method="store",result="ok"} 1',
      'p2psip_storage_requests_total{method="store",result="Error_Forbidden"} 1',
      'p2psip_storage_requests_total{method="fetch",result="ok"} 1',
      // Three nodes, two replicas: every node holds the one value stored.
      'p2psip_stored_values 1',
      'p2psip_stored_resources 1',
    ]);
    const owner = o.nodes.find((n) => n.chord.isResponsible(chordResourceId(userOf(me.localId))));
    assert.ok(owner !== undefined);
    await assertLines(o, owner, [
      'p2psip_storage_answered_total{method="store",result="ok"} 1',
      'p2psip_storage_answered_total{method="fetch",result="ok"} 1',
      'p2psip_replica_stores_total 2',
      'p2psip_replication_lag_seconds_count 1',
      'p2psip_replication_incomplete_total 0',
      'p2psip_replication_pending 0',
    ]);
    const replica = o.nodes.find((n) => n !== owner);
    assert.ok(replica !== undefined);
    await assertLines(o, replica, ['p2psip_storage_answered_total{method="replica_store",result="ok"} 1']);
  });
});
