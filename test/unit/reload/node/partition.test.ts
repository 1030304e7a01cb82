import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostPort } from '../../../../src/reload/node/attach.js';
import type { ReloadNode } from '../../../../src/reload/node.js';
import { MemNet } from '../../../support/mem-net.js';
import { makeNode, nodeIds, overlay, ringErrors } from '../../../support/test-node.js';

describe('ReloadNode: partition checks (RFC 6940 §10.7.4.3)', () => {
  it('do not pile up connections to bootstrap nodes round after round', () => {
    const o = overlay(6, 21);
    o.nodes.forEach((n, i) => {
      o.net.advance(o.net.now + (i === 0 ? 0 : 500));
      n.start(o.net.now);
      o.net.settle();
    });
    o.net.advance(o.net.now + 60_000);
    const before = o.nodes.map((n) => n.transport.connections.size);
    o.net.advance(o.net.now + 20 * 60_000);
    const after = o.nodes.map((n) => n.transport.connections.size);
    after.forEach((c, i) => {
      assert.ok(c <= (before[i] ?? 0) + 1, `node ${i}: ${before[i]} → ${c} connections`);
    });
    assert.deepEqual(ringErrors(o.nodes), []);
  });

  it('merge two rings that started apart once their bootstrap nodes can reach each other', () => {
    const net = new MemNet();
    const boots: HostPort[] = [
      { host: '10.1.0.1', port: 6084 },
      { host: '10.2.0.1', port: 6084 },
    ];
    const ids = nodeIds(6, 33);
    const nodes: ReloadNode[] = ids.map((id, i) => {
      const side = i < 3 ? 1 : 2;
      const listen = { host: `10.${side}.0.${(i % 3) + 1}`, port: 6084 };
      // Each side's nodes know both bootstrap nodes, but the other side is unreachable for now.
      const n = makeNode(id, listen, i % 3 === 0 ? boots : [boots[side - 1] as HostPort], 500 + i);
      net.add(`${listen.host}:${listen.port}`, n);
      return n;
    });
    net.unreachable.add('10.1.0.1:6084');
    net.unreachable.add('10.2.0.1:6084');
    // The two bootstrap nodes start first, each alone since the other cannot be reached.
    for (const i of [0, 3]) nodes[i]?.start(net.now);
    net.settle();
    net.advance(net.now + 5_000);
    net.unreachable.clear();
    for (const i of [1, 2, 4, 5]) nodes[i]?.start(net.now);
    net.settle();
    // Before the first partition check (every 60 s in test nodes) each side is a ring of its own.
    net.advance(net.now + 30_000);
    assert.deepEqual(ringErrors(nodes.slice(0, 3)), [], 'side 1 is a ring of its own');
    assert.deepEqual(ringErrors(nodes.slice(3)), [], 'side 2 is a ring of its own');
    net.advance(net.now + 5 * 60_000);
    assert.deepEqual(ringErrors(nodes), [], 'one ring after the partition checks');
  });
});
