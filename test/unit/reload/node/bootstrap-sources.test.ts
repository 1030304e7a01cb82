import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostPort } from '../../../../src/reload/node/attach.js';
import { MemNet } from '../../../support/mem-net.js';
import { makeNode, nodeIds, ringErrors } from '../../../support/test-node.js';

/**
 * Bootstrap addresses that arrive after start (cached peers, a bootstrap server, LAN discovery) and the
 * node that created its overlay (RFC 6940 §10.5, §11.4): who founds the overlay, who keeps looking.
 */
const A: HostPort = { host: '10.0.0.1', port: 6084 };
const B: HostPort = { host: '10.0.0.2', port: 6084 };
const GONE: HostPort = { host: '10.0.0.9', port: 6084 };

function pair(bBootstrap: HostPort[], bExtra: { mayStartAlone?: boolean } = {}) {
  const net = new MemNet();
  const [ia, ib] = nodeIds(2, 71);
  assert.ok(ia !== undefined && ib !== undefined);
  const a = makeNode(ia, A, [], 1, { mayStartAlone: true });
  const b = makeNode(ib, B, bBootstrap, 2, bExtra);
  net.add(`${A.host}:${A.port}`, a);
  net.add(`${B.host}:${B.port}`, b);
  net.unreachable.add(`${GONE.host}:${GONE.port}`);
  return { net, a, b };
}

describe('ReloadNode: bootstrap addresses learned after start', () => {
  it('a node that created its overlay founds it when no bootstrap address is known', () => {
    const { net, a } = pair([]);
    a.start(net.now);
    net.settle();
    assert.equal(a.chord.state, 'joined');
  });

  it('a node that did not create the overlay waits, then joins through an address added later', () => {
    const { net, a, b } = pair([]);
    a.start(net.now);
    b.start(net.now);
    net.settle();
    net.advance(net.now + 60_000);
    assert.equal(b.chord.state, 'init', 'no address: it keeps waiting and founds nothing');
    b.addBootstrapPeers([A], net.now);
    net.settle();
    net.advance(net.now + 5_000);
    assert.deepEqual(ringErrors([a, b]), []);
  });

  it('an address added while a round is in flight is dialled in that round', () => {
    const { net, a, b } = pair([GONE]);
    a.start(net.now);
    net.settle();
    b.start(net.now);
    // The unreachable address fails only when the network runs; the new one joins the same round.
    b.addBootstrapPeers([A], net.now);
    net.settle();
    net.advance(net.now + 5_000);
    assert.deepEqual(ringErrors([a, b]), []);
  });

  it('a node that did not create the overlay never founds it, however many rounds fail', () => {
    const { net, b } = pair([GONE]);
    b.start(net.now);
    net.settle();
    net.advance(net.now + 10 * 60_000);
    assert.equal(b.chord.state, 'init');
  });

  it('the node that created the overlay founds it when its (cached) addresses do not answer', () => {
    const { net, b } = pair([GONE], { mayStartAlone: true });
    b.start(net.now);
    net.settle();
    net.advance(net.now + 5_000);
    assert.equal(b.chord.state, 'joined');
  });

  it('learns where each linked peer accepts links, on the accepting side too (from its Attach)', () => {
    const { net, a, b } = pair([A]);
    a.start(net.now);
    net.settle();
    b.start(net.now);
    net.settle();
    net.advance(net.now + 5_000);
    assert.deepEqual(
      a.linkedPeerAddresses().map((l) => [l.nodeId, l.address]),
      [[b.localId, B]],
    );
    assert.deepEqual(
      b.linkedPeerAddresses().map((l) => [l.nodeId, l.address]),
      [[a.localId, A]],
    );
  });

  it('two overlays started apart merge once one learns the address of the other (partition check)', () => {
    const { net, a, b } = pair([], { mayStartAlone: true });
    a.start(net.now);
    b.start(net.now);
    net.settle();
    assert.equal(a.chord.state, 'joined');
    assert.equal(b.chord.state, 'joined');
    assert.notDeepEqual(ringErrors([a, b]), [], 'two rings of one');
    a.addBootstrapPeers([B, B, A], net.now);
    assert.deepEqual(a.bootstrap.others, [B], 'deduplicated, and never our own address');
    net.settle();
    net.advance(net.now + 3 * 60_000);
    assert.deepEqual(ringErrors([a, b]), []);
  });
});
