import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindId } from '../../../../src/core/ids.js';
import { KindCode } from '../../../../src/reload/messages/codes.js';
import type { FetchResult } from '../../../../src/reload/storage/client.js';
import type { SipMessage } from '../../../../src/sip/message/message.js';
import { buildResponse } from '../../../../src/sip/message/response.js';
import { type AdapterPeer, OverlaySip } from '../../../support/overlay-sip.js';
import { sipUser } from '../../../support/sip-net.js';
import { last, registerWith, request, withAuth } from '../../../support/sip-phone.js';

const ALICE = 'alice@p2p.test';
const BOB = 'bob@p2p.test';

function setup(): { w: OverlaySip; a: AdapterPeer; c: AdapterPeer } {
  // Seed 1 puts H(bob) on a third peer, so killing its holder tests replication, not the adapters.
  const w = new OverlaySip(
    5,
    (i) => (i === 0 ? [sipUser(ALICE, 'apw')] : i === 4 ? [sipUser(BOB, 'bpw')] : []),
    1,
  );
  w.start();
  const a = w.peers[0];
  const c = w.peers[4];
  assert.ok(a && c);
  return { w, a, c };
}

function call(w: OverlaySip, a: AdapterPeer): SipMessage | undefined {
  const alice = w.phones[0];
  assert.ok(alice);
  const inv = request('INVITE', `sip:${BOB}`, alice, ALICE, BOB, [['Contact', '<sip:alice@192.168.1.10>']]);
  w.send(alice, a, inv);
  w.send(alice, a, withAuth(inv, last(alice), 'alice', 'apw'));
  return w.phones[1]?.inbox.find((m) => m.method === 'INVITE');
}

describe('Adapters on real ReloadNodes (storage, AppAttach) in memory', () => {
  it('publishes a registration as a signed SIP-REGISTRATION that any peer can fetch', () => {
    const { w, c } = setup();
    const bob = w.addPhone('192.168.2.20');
    const ok = registerWith((m) => w.send(bob, c, m), bob, BOB, 'bpw');
    assert.equal(ok.status, 200);
    let fetched: FetchResult | undefined;
    w.peers[2]?.node.fetch(kindId(KindCode.SIP_REGISTRATION), BOB, {}, w.now, (r) => {
      fetched = r;
    });
    w.settle();
    assert.ok(fetched?.ok);
    const values = fetched.kinds[0]?.values ?? [];
    assert.equal(values.length, 1);
    assert.equal(values[0]?.signer?.userName, BOB, 'signed by the per-user certificate (USER-NODE-MATCH)');
    assert.equal(values[0]?.signer?.nodeId, c.node.localId);
  });

  it('routes a call from alice at one adapter to bob at another through the overlay and back', () => {
    const { w, a, c } = setup();
    const alice = w.addPhone('192.168.1.10');
    const bob = w.addPhone('192.168.2.20');
    assert.equal(registerWith((m) => w.send(alice, a, m), alice, ALICE, 'apw').status, 200);
    assert.equal(registerWith((m) => w.send(bob, c, m), bob, BOB, 'bpw').status, 200);
    const inv = call(w, a);
    assert.ok(inv, 'bob rang');
    w.send(bob, c, buildResponse(inv, 180, { toTag: 'b' }));
    w.send(bob, c, buildResponse(inv, 200, { toTag: 'b', headers: [['Contact', '<sip:bob@192.168.2.20>']] }));
    assert.ok(alice.inbox.some((m) => m.status === 180));
    assert.ok(alice.inbox.some((m) => m.status === 200 && m.cseq().method === 'INVITE'));
    assert.equal(a.apps.connectionCount, 1, 'one AppAttach connection between the two adapters');
  });

  it('still reaches bob after the peer responsible for his registration dies', () => {
    const { w, a, c } = setup();
    const alice = w.addPhone('192.168.1.10');
    const bob = w.addPhone('192.168.2.20');
    registerWith((m) => w.send(alice, a, m), alice, ALICE, 'apw');
    registerWith((m) => w.send(bob, c, m), bob, BOB, 'bpw');
    // The peer responsible for H(bob) (not bob's adapter, not alice's) dies.
    const rid = c.node.resourceIdOf(BOB);
    const holder = w.peers.find((p) => p.node.chord.isResponsible(rid));
    assert.ok(holder);
    assert.ok(holder !== a && holder !== c, 'with this seed the registration lives on a third peer');
    w.o.net.kill(holder.node);
    w.peers.splice(w.peers.indexOf(holder), 1);
    w.advance(120_000);
    const inv = call(w, a);
    assert.ok(inv, 'bob rang through a replica of his registration');
  });

  it('answers 404 for an AOR that nobody registered', () => {
    const { w, a } = setup();
    const alice = w.addPhone('192.168.1.10');
    registerWith((m) => w.send(alice, a, m), alice, ALICE, 'apw');
    const msg = request('MESSAGE', 'sip:nobody@p2p.test', alice, ALICE, 'nobody@p2p.test');
    w.send(alice, a, msg);
    w.send(alice, a, withAuth(msg, last(alice), 'alice', 'apw'));
    assert.equal(last(alice).status, 404);
  });
});
