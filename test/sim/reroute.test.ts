import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { second } from '../../src/core/clock.js';
import { type NodeId, nodeIdToBytes, type ResourceId } from '../../src/core/ids.js';
import type { RequestResult } from '../../src/reload/node/types.js';
import type { SimEndpoint } from '../../src/sim/overlay.js';
import { Simulation } from '../../src/sim/simulation.js';

/**
 * Hop-by-hop recovery: a request forwarded over a link to a peer that died silently is routed again by
 * the forwarding peer once the link turns suspect (one RTO without a framing ack, RFC 6940 §6.6.4),
 * so the originator gets its answer from its first transmission instead of retransmitting after 3 s.
 */
describe('simulator: a dead next hop', () => {
  it('is routed around by the sending peer before the originator’s reliability timer runs out', () => {
    const sim = new Simulation({ nodes: 40, seed: 4, joinRate: 20, settle: 60 * second });
    sim.build();
    const o = sim.overlay;
    const boot = new Set<SimEndpoint>(o.bootstrap);
    const from = o.joined.find((ep) => !boot.has(ep)) as SimEndpoint;
    const node = from.host;
    const usable = (id: NodeId): boolean => node.transport.connections.isUsable(id);
    // A key the originator routes through a peer that is neither its owner nor a bootstrap peer.
    let key = 0n;
    let victim: SimEndpoint | undefined;
    for (let i = 1n; victim === undefined; i++) {
      key = (i * 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835n) & ((1n << 128n) - 1n);
      const next = node.chord.nextHopToward(key, usable);
      const ep = next === undefined ? undefined : o.endpointOf(next);
      if (ep !== undefined && !boot.has(ep) && next !== o.ring.ownerOf(key)) victim = ep;
    }
    o.kill(victim);
    const before = node.transport.stats.rerouted;
    let result: RequestResult | undefined;
    o.net.input(from, (n, now) => {
      n.ping({ type: 'resource', id: nodeIdToBytes(key as NodeId) as ResourceId }, now, (r) => {
        result = r;
      });
    });
    sim.advance(o.now + 20 * second);
    assert.ok(result?.ok, 'the Ping was answered');
    assert.equal(result.signer.nodeId, o.ring.ownerOf(key), 'by the responsible peer');
    assert.ok(
      result.rtt < o.config.reliabilityTimer,
      `answered to the first transmission (${result.rtt} ms)`,
    );
    assert.equal(node.transport.stats.rerouted - before, 1);
  });
});
