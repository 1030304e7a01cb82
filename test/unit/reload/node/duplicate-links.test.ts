import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeId } from '../../../../src/core/ids.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import type { ReloadNode } from '../../../../src/reload/node.js';
import { type Overlay, overlay, ringErrors } from '../../../support/test-node.js';

function startAll(o: Overlay): void {
  o.nodes.forEach((n, i) => {
    o.net.advance(o.net.now + (i === 0 ? 0 : 500));
    n.start(o.net.now);
    o.net.settle();
  });
  o.net.advance(o.net.now + 60_000);
}

/** The up links a node has to one peer, with who opened each. */
function linksTo(node: ReloadNode, peer: NodeId): { id: number; ours: boolean }[] {
  return [...node.transport.connections.all()]
    .filter((c) => c.peer === peer && c.state === 'up')
    .map((c) => ({ id: c.id, ours: c.purpose !== 'accepted' }));
}

function duplicates(o: Overlay): string[] {
  const out: string[] = [];
  for (const node of o.nodes) {
    for (const peer of node.transport.connections.peers()) {
      const n = linksTo(node, peer).length;
      if (n > 1) out.push(`${node.localId.toString(16)} has ${n} links to ${peer.toString(16)}`);
    }
  }
  return out;
}

describe('duplicate links between two peers', () => {
  it('a converged ring of 10 keeps one link per pair of peers', () => {
    const o = overlay(10, 21);
    startAll(o);
    assert.deepEqual(ringErrors(o.nodes), []);
    assert.deepEqual(duplicates(o), []);
  });

  it('two peers that connect to each other at once keep the link the smaller Node-ID opened', () => {
    const o = overlay(4, 22);
    startAll(o);
    const [x, y] = o.nodes as [ReloadNode, ReloadNode];
    const [small, large] = x.localId < y.localId ? [x, y] : [y, x];
    const addr = (n: ReloadNode) => o.addr.get(n) ?? assert.fail('address');
    small.transport.connect(addr(large).host, addr(large).port, large.localId, 'attach', o.net.now);
    large.transport.connect(addr(small).host, addr(small).port, small.localId, 'attach', o.net.now);
    o.net.settle();
    assert.ok(linksTo(small, large.localId).length >= 2, 'both links came up');
    // The duplicates stay open for their grace, then the end that opened the losing one closes it.
    o.net.advance(o.net.now + 5_000);
    assert.deepEqual(duplicates(o), []);
    const kept = linksTo(small, large.localId);
    assert.equal(kept.length, 1);
    assert.equal(kept[0]?.ours, true, 'the survivor is the link the smaller Node-ID opened');
    assert.equal(linksTo(large, small.localId)[0]?.ours, false);
    // Closing the duplicate did not make either forget the other.
    assert.deepEqual(ringErrors(o.nodes), []);
    const got: RequestResult[] = [];
    small.ping({ type: 'node', id: large.localId }, o.net.now, (r) => got.push(r));
    o.net.settle();
    assert.equal(got[0]?.ok, true);
  });

  it('a peer that opens a second link to a peer it is linked to closes the newer one', () => {
    const o = overlay(3, 23);
    startAll(o);
    const [a, b] = o.nodes as [ReloadNode, ReloadNode];
    const before = linksTo(a, b.localId);
    assert.equal(before.length, 1);
    const addr = o.addr.get(b) ?? assert.fail('address');
    const fresh = a.transport.connect(addr.host, addr.port, b.localId, 'attach', o.net.now);
    o.net.settle();
    o.net.advance(o.net.now + 5_000);
    const after = linksTo(a, b.localId);
    assert.deepEqual(
      after.map((l) => l.id),
      before.map((l) => l.id),
    );
    assert.notEqual(after[0]?.id, fresh);
    assert.deepEqual(duplicates(o), []);
  });
});
