import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Aor } from '../../../../src/peer/adapter/aor.js';
import type { SipMessage } from '../../../../src/sip/message/message.js';
import { buildResponse } from '../../../../src/sip/message/response.js';
import { createRequest } from '../../../../src/sip/message/serializer.js';
import { type Phone, SipNet, sipUser } from '../../../support/sip-net.js';
import { last, nextSeq, registerWith, request, withAuth } from '../../../support/sip-phone.js';

function register(
  net: SipNet,
  phone: Phone,
  adapterName: string,
  aor: string,
  password: string,
  expires = 600,
): SipMessage {
  const a = net.adapters.get(adapterName);
  assert.ok(a);
  return registerWith((m) => net.send(phone, a, m), phone, aor, password, expires);
}

const ALICE = 'alice@p2p.test';
const BOB = 'bob@p2p.test';

function world(): { net: SipNet; alicePhone: Phone; bobPhone: Phone } {
  const net = new SipNet();
  net.addAdapter('A', 1, [sipUser(ALICE, 'alicepw')]);
  net.addAdapter('B', 2, [sipUser(BOB, 'bobpw')]);
  const alicePhone = net.addPhone('alice', '192.168.1.10');
  const bobPhone = net.addPhone('bob', '192.168.2.20');
  return { net, alicePhone, bobPhone };
}

describe('Adapter: REGISTER (RFC 3261 §10.3, RFC 7904 §3)', () => {
  it('challenges, then registers with digest and publishes the AOR in the overlay', () => {
    const { net, alicePhone } = world();
    const ok = register(net, alicePhone, 'A', ALICE, 'alicepw');
    assert.equal(ok.status, 200);
    assert.match(ok.values('contact')[0] ?? '', /sip:alice@192\.168\.1\.10:5060.*expires=600/);
    const a = net.adapters.get('A');
    assert.equal(a?.registrations, 1);
    assert.ok(net.registry.get(ALICE as Aor)?.has(a?.localId ?? (0n as never)));
  });

  it('refuses a wrong password with another 401 and stores nothing', () => {
    const { net, alicePhone } = world();
    const res = register(net, alicePhone, 'A', ALICE, 'wrong');
    assert.equal(res.status, 401);
    assert.equal(net.registry.get(ALICE as Aor), undefined);
  });

  it('answers 423 with Min-Expires to a too short Expires, and 404 to an AOR it does not serve', () => {
    const { net, alicePhone } = world();
    const brief = register(net, alicePhone, 'A', ALICE, 'alicepw', 10);
    assert.equal(brief.status, 423);
    assert.equal(brief.values('min-expires')[0], '60');
    const stranger = register(net, alicePhone, 'A', 'mallory@p2p.test', 'x');
    assert.equal(stranger.status, 404);
  });

  it('unregisters with Expires: 0 and withdraws the overlay registration', () => {
    const { net, alicePhone } = world();
    register(net, alicePhone, 'A', ALICE, 'alicepw');
    const res = register(net, alicePhone, 'A', ALICE, 'alicepw', 0);
    assert.equal(res.status, 200);
    assert.equal(net.adapters.get('A')?.registrations, 0);
    assert.equal(net.registry.get(ALICE as Aor)?.size, 0);
  });

  it('answers a refresh from the registration the overlay already holds, and stores it again before it lapses', () => {
    const { net, alicePhone } = world();
    assert.equal(register(net, alicePhone, 'A', ALICE, 'alicepw', 600).status, 200);
    assert.deepEqual(net.publishes, [{ aor: ALICE, lifetime: 630 }]);
    net.advance(300_000);
    const refreshed = register(net, alicePhone, 'A', ALICE, 'alicepw', 3600);
    assert.equal(refreshed.status, 200);
    assert.match(refreshed.values('contact')[0] ?? '', /expires=3600/);
    assert.equal(net.publishes.length, 1, 'the route to A was in the overlay: no second Store');
    assert.equal(net.adapters.get('A')?.stats.publishSkipped, 1);
    // The refresh timer (60 s before the 630 s lapse) stores it for the binding that now lasts longer.
    net.advance(270_000);
    assert.deepEqual(net.publishes[1], { aor: ALICE, lifetime: 3900 - 570 + 30 });
    const until = net.registry.get(ALICE as Aor)?.get(net.adapters.get('A')?.localId ?? (0n as never));
    assert.ok(until !== undefined && until >= net.now + 3330_000);
  });

  it('stores again for a REGISTER that comes after the registration was withdrawn', () => {
    const { net, alicePhone } = world();
    register(net, alicePhone, 'A', ALICE, 'alicepw');
    register(net, alicePhone, 'A', ALICE, 'alicepw', 0);
    assert.equal(register(net, alicePhone, 'A', ALICE, 'alicepw').status, 200);
    assert.equal(net.publishes.length, 2);
    assert.equal(net.registry.get(ALICE as Aor)?.size, 1);
  });

  it('lets REGISTERs of one AOR that arrive during its Store share that Store, and answers each once it is done', () => {
    const { net, alicePhone } = world();
    const deskPhone = net.addPhone('alice-desk', '192.168.1.11');
    net.held = [];
    register(net, alicePhone, 'A', ALICE, 'alicepw');
    register(net, deskPhone, 'A', ALICE, 'alicepw');
    assert.equal(last(alicePhone).status, 401, 'no 200 before the Store completes');
    assert.equal(last(deskPhone).status, 401);
    assert.equal(net.publishes.length, 1);
    net.releasePublishes();
    assert.equal(last(alicePhone).status, 200);
    assert.equal(last(deskPhone).status, 200);
    assert.equal(last(deskPhone).values('contact').length, 2);
  });

  it('withdraws a registration whose last binding went while its Store was in flight', () => {
    const { net, alicePhone } = world();
    net.held = [];
    register(net, alicePhone, 'A', ALICE, 'alicepw');
    assert.equal(register(net, alicePhone, 'A', ALICE, 'alicepw', 0).status, 200);
    net.releasePublishes();
    assert.equal(net.registry.get(ALICE as Aor)?.size, 0, 'the late Store was withdrawn');
  });

  it('withdraws when the last binding expires', () => {
    const { net, alicePhone } = world();
    register(net, alicePhone, 'A', ALICE, 'alicepw', 120);
    net.advance(121_000);
    assert.equal(net.adapters.get('A')?.registrations, 0);
    assert.equal(net.registry.get(ALICE as Aor)?.size, 0);
  });
});

describe('Adapter: calls across the overlay (RFC 3261 §16, RFC 7904 §4)', () => {
  function call(): { net: SipNet; alicePhone: Phone; bobPhone: Phone; invite: SipMessage } {
    const w = world();
    register(w.net, w.alicePhone, 'A', ALICE, 'alicepw');
    register(w.net, w.bobPhone, 'B', BOB, 'bobpw');
    const a = w.net.adapters.get('A');
    assert.ok(a);
    const inv = request('INVITE', `sip:${BOB}`, w.alicePhone, ALICE, BOB, [
      ['Contact', `<sip:alice@192.168.1.10:5060>`],
      ['Content-Type', 'application/sdp'],
    ]);
    w.net.send(w.alicePhone, a, inv);
    const challenge = last(w.alicePhone);
    assert.equal(challenge.status, 407, 'out-of-dialog requests from phones are authenticated');
    const authed = withAuth(inv, challenge, 'alice', 'alicepw');
    w.net.send(w.alicePhone, a, authed);
    return { ...w, invite: authed };
  }

  it('delivers an INVITE from alice at A to bob at B, with both adapters record-routing', () => {
    const { bobPhone } = call();
    const got = bobPhone.inbox.find((m) => m.method === 'INVITE');
    assert.ok(got, 'bob rang');
    assert.equal(got.start.type === 'request' && got.start.uri, 'sip:bob@192.168.2.20:5060');
    const rr = got.values('record-route');
    assert.equal(rr.length, 2);
    assert.match(rr[0] ?? '', /10\.0\.0\.2.*reload-node=/);
    assert.match(rr[1] ?? '', /10\.0\.0\.1.*reload-node=/);
    assert.equal(got.vias().length, 3, 'A and B each added a Via');
  });

  it('relays 180 and 200 back to alice, then ACK and BYE follow the Record-Route through both adapters', () => {
    const { net, alicePhone, bobPhone } = call();
    const a = net.adapters.get('A');
    const b = net.adapters.get('B');
    assert.ok(a && b);
    const inv = bobPhone.inbox.find((m) => m.method === 'INVITE');
    assert.ok(inv);
    const ringing = buildResponse(inv, 180, { toTag: 'bobtag' });
    net.send(bobPhone, b, ringing);
    assert.equal(last(alicePhone).status, 180);
    const okResp = buildResponse(inv, 200, {
      toTag: 'bobtag',
      headers: [
        ['Contact', '<sip:bob@192.168.2.20:5060>'],
        ...inv.values('record-route').map((v) => ['Record-Route', v] as [string, string]),
      ],
    });
    net.send(bobPhone, b, okResp);
    const ok200 = last(alicePhone);
    assert.equal(ok200.status, 200);
    assert.equal(ok200.vias().length, 1, 'both adapters removed their Via');
    // alice's route set is the Record-Route list reversed: A first.
    const routeSet = [...ok200.values('record-route')].reverse();
    const inDialog = (method: string): SipMessage =>
      createRequest(method, 'sip:bob@192.168.2.20:5060', [
        ['Via', `SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK${nextSeq()}d;rport`],
        ['Max-Forwards', '70'],
        ['Route', routeSet.join(', ')],
        ['From', ok200.values('from')[0] ?? ''],
        ['To', ok200.values('to')[0] ?? ''],
        ['Call-ID', ok200.callId() ?? ''],
        ['CSeq', `${method === 'ACK' ? ok200.cseq().seq : 99} ${method}`],
      ]);
    net.send(alicePhone, a, inDialog('ACK'));
    assert.equal(bobPhone.inbox.at(-1)?.method, 'ACK', 'the 2xx ACK reached bob end to end');
    net.send(alicePhone, a, inDialog('BYE'));
    const bye = bobPhone.inbox.at(-1);
    assert.equal(bye?.method, 'BYE');
    assert.ok(bye);
    net.send(bobPhone, b, buildResponse(bye, 200));
    assert.equal(last(alicePhone).status, 200, 'the BYE was answered back through both adapters');
  });

  it('answers 404 when the AOR has no registration and 480 when its adapter is unreachable', () => {
    const w = world();
    register(w.net, w.alicePhone, 'A', ALICE, 'alicepw');
    const a = w.net.adapters.get('A');
    assert.ok(a);
    const inv = request('MESSAGE', `sip:${BOB}`, w.alicePhone, ALICE, BOB);
    w.net.send(w.alicePhone, a, inv);
    w.net.send(w.alicePhone, a, withAuth(inv, last(w.alicePhone), 'alice', 'alicepw'));
    assert.equal(last(w.alicePhone).status, 404);
    register(w.net, w.bobPhone, 'B', BOB, 'bobpw');
    const b = w.net.adapters.get('B');
    assert.ok(b);
    w.net.unreachable.add(b.localId);
    const again = request('MESSAGE', `sip:${BOB}`, w.alicePhone, ALICE, BOB);
    w.net.send(w.alicePhone, a, again);
    w.net.send(w.alicePhone, a, withAuth(again, last(w.alicePhone), 'alice', 'alicepw'));
    assert.equal(last(w.alicePhone).status, 480);
  });

  it('cancels a ringing INVITE: CANCEL reaches bob and alice gets 487', () => {
    const { net, alicePhone, bobPhone, invite } = call();
    const a = net.adapters.get('A');
    const b = net.adapters.get('B');
    assert.ok(a && b);
    const inv = bobPhone.inbox.find((m) => m.method === 'INVITE');
    assert.ok(inv);
    net.send(bobPhone, b, buildResponse(inv, 180, { toTag: 'bt' }));
    const cancel = createRequest('CANCEL', `sip:${BOB}`, [
      ['Via', invite.values('via')[0] ?? ''],
      ['Max-Forwards', '70'],
      ['From', invite.values('from')[0] ?? ''],
      ['To', invite.values('to')[0] ?? ''],
      ['Call-ID', invite.callId() ?? ''],
      ['CSeq', `${invite.cseq().seq} CANCEL`],
    ]);
    net.send(alicePhone, a, cancel);
    assert.ok(alicePhone.inbox.some((m) => m.status === 200 && m.cseq().method === 'CANCEL'));
    const bobCancel = bobPhone.inbox.find((m) => m.method === 'CANCEL');
    assert.ok(bobCancel, 'the CANCEL went on to bob');
    net.send(bobPhone, b, buildResponse(bobCancel, 200));
    net.send(bobPhone, b, buildResponse(inv, 487, { toTag: 'bt' }));
    assert.ok(
      alicePhone.inbox.some((m) => m.status === 487),
      'alice got 487 Request Terminated',
    );
  });

  it('forks to every phone registered for an AOR and cancels the others when one answers', () => {
    const w = world();
    const second = w.net.addPhone('bob2', '192.168.2.21');
    register(w.net, w.alicePhone, 'A', ALICE, 'alicepw');
    register(w.net, w.bobPhone, 'B', BOB, 'bobpw');
    register(w.net, second, 'B', BOB, 'bobpw');
    assert.equal(w.net.adapters.get('B')?.bindings.get(BOB as Aor).length, 2);
    const a = w.net.adapters.get('A');
    const b = w.net.adapters.get('B');
    assert.ok(a && b);
    const inv = request('INVITE', `sip:${BOB}`, w.alicePhone, ALICE, BOB, [
      ['Contact', '<sip:alice@192.168.1.10>'],
    ]);
    w.net.send(w.alicePhone, a, inv);
    w.net.send(w.alicePhone, a, withAuth(inv, last(w.alicePhone), 'alice', 'alicepw'));
    const i1 = w.bobPhone.inbox.find((m) => m.method === 'INVITE');
    const i2 = second.inbox.find((m) => m.method === 'INVITE');
    assert.ok(i1 && i2, 'both phones rang');
    w.net.send(second, b, buildResponse(i2, 180, { toTag: 't2' }));
    w.net.send(w.bobPhone, b, buildResponse(i1, 180, { toTag: 't1' }));
    w.net.send(w.bobPhone, b, buildResponse(i1, 200, { toTag: 't1' }));
    assert.ok(w.alicePhone.inbox.some((m) => m.status === 200));
    assert.ok(
      second.inbox.some((m) => m.method === 'CANCEL'),
      'the other phone is cancelled',
    );
  });

  it('answers 483 when Max-Forwards reaches 0 and OPTIONS to itself with 200', () => {
    const { net, alicePhone } = world();
    const a = net.adapters.get('A');
    assert.ok(a);
    const opt = request('OPTIONS', 'sip:10.0.0.1:5060', alicePhone, ALICE, '10.0.0.1');
    net.send(alicePhone, a, opt);
    assert.equal(last(alicePhone).status, 200);
    const dead = request('MESSAGE', `sip:${BOB}`, alicePhone, ALICE, BOB);
    dead.setHeader('Max-Forwards', '0');
    net.send(alicePhone, a, dead);
    assert.equal(last(alicePhone).status, 483);
  });

  it('challenges a tagged request that follows no Route of ours, and a new request with a preloaded Route', () => {
    const { net, alicePhone, bobPhone } = call();
    const a = net.adapters.get('A');
    assert.ok(a);
    const bobRang = bobPhone.inbox.length;
    // Looks in-dialog (To tag) but names bob's AOR with no Route: it would need a lookup across the overlay.
    const forged = request('MESSAGE', `sip:${BOB}`, alicePhone, ALICE, BOB);
    forged.setHeader('To', `<sip:${BOB}>;tag=guessed`);
    net.send(alicePhone, a, forged);
    assert.equal(last(alicePhone).status, 407);
    // A new INVITE whose Route names bob's adapter directly (copied from a Record-Route) skips no check.
    const inv = bobPhone.inbox.find((m) => m.method === 'INVITE');
    const bobAdapter = inv?.values('record-route')[0];
    assert.ok(bobAdapter);
    const preloaded = request('INVITE', `sip:${BOB}`, alicePhone, ALICE, BOB, [['Route', bobAdapter]]);
    net.send(alicePhone, a, preloaded);
    assert.equal(last(alicePhone).status, 407);
    assert.equal(bobPhone.inbox.length, bobRang, 'neither request reached bob');
    net.send(alicePhone, a, withAuth(preloaded, last(alicePhone), 'alice', 'alicepw'));
    assert.equal(bobPhone.inbox.at(-1)?.method, 'INVITE', 'with credentials it goes along the Route');
  });

  it('answers 400 to a request whose Route does not parse, and drops such an ACK unanswered', () => {
    const { net, alicePhone } = world();
    const a = net.adapters.get('A');
    assert.ok(a);
    const bad = request('MESSAGE', `sip:${BOB}`, alicePhone, ALICE, BOB, [['Route', '<sip:p2p.test;lr']]);
    net.send(alicePhone, a, bad);
    assert.equal(last(alicePhone).status, 400);
    const before = alicePhone.inbox.length;
    const ack = request('ACK', `sip:${BOB}`, alicePhone, ALICE, BOB, [['Route', '<sip:p2p.test;lr']]);
    net.send(alicePhone, a, ack);
    assert.equal(alicePhone.inbox.length, before);
    assert.equal(a.poll(), undefined);
  });
});

describe('Adapter: reusing a recent lookup for more calls to the AOR (RFC 7904 §4)', () => {
  function message(net: SipNet, phone: Phone): SipMessage {
    const a = net.adapters.get('A');
    assert.ok(a);
    const req = request('MESSAGE', `sip:${BOB}`, phone, ALICE, BOB);
    net.send(phone, a, req);
    net.send(phone, a, withAuth(req, last(phone), 'alice', 'alicepw'));
    return last(phone);
  }

  function registered(): { net: SipNet; alicePhone: Phone; bobPhone: Phone } {
    const w = world();
    register(w.net, w.alicePhone, 'A', ALICE, 'alicepw');
    register(w.net, w.bobPhone, 'B', BOB, 'bobpw');
    return w;
  }

  it('routes a second request to bob along the first one’s lookup, and looks up again once it is 10 s old', () => {
    const { net, alicePhone, bobPhone } = registered();
    const a = net.adapters.get('A');
    // Requests bob got, retransmissions counted once.
    const delivered = (): number =>
      new Set(bobPhone.inbox.filter((m) => m.method === 'MESSAGE').map((m) => m.callId())).size;
    message(net, alicePhone);
    message(net, alicePhone);
    assert.equal(delivered(), 2);
    assert.equal(a?.stats.lookups, 1);
    assert.equal(a?.stats.cachedLookups, 1);
    net.advance(10_001);
    message(net, alicePhone);
    assert.equal(a?.stats.lookups, 2);
    assert.equal(delivered(), 3);
  });

  it('forgets the lookup when bob’s adapter answers that nobody is registered there any more', () => {
    const { net, alicePhone, bobPhone } = registered();
    message(net, alicePhone);
    register(net, bobPhone, 'B', BOB, 'bobpw', 0);
    // Still along the remembered route: B has no binding left and says so.
    assert.equal(message(net, alicePhone).status, 480);
    assert.equal(message(net, alicePhone).status, 404, 'a new lookup finds no registration');
    assert.equal(net.adapters.get('A')?.stats.lookups, 2);
  });

  it('forgets the lookup when no connection to bob’s adapter can be opened', () => {
    const { net, alicePhone } = registered();
    message(net, alicePhone);
    const b = net.adapters.get('B');
    assert.ok(b);
    net.unreachable.add(b.localId);
    assert.equal(message(net, alicePhone).status, 480);
    net.unreachable.delete(b.localId);
    message(net, alicePhone);
    assert.equal(net.adapters.get('A')?.stats.lookups, 2);
  });
});
