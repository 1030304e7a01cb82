import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  parseDatagram,
  type SipMessage,
} from '../../../../src/sip/message/index.js';
import { TransactionManager, type TransactionOutput } from '../../../../src/sip/transaction/index.js';
import type { TransportAddress } from '../../../../src/sip/transport/address.js';

const UDP: TransportAddress = { transport: 'udp', host: '192.0.2.1', port: 5060 };
const TCP: TransportAddress = { transport: 'tcp', host: '192.0.2.1', port: 5060, connection: 'c1' };

function request(method: string, branch = 'z9hG4bKabc', cseqMethod = method): SipMessage {
  return createRequest(method, 'sip:bob@example.com', [
    ['Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}`],
    ['Max-Forwards', '70'],
    ['From', '<sip:alice@example.com>;tag=a1'],
    ['To', '<sip:bob@example.com>'],
    ['Call-ID', 'call-1'],
    ['CSeq', `1 ${cseqMethod}`],
  ]);
}

function response(req: SipMessage, status: number, toTag = 'b1'): SipMessage {
  const copy = req.fields.filter((f) => ['via', 'from', 'call-id', 'cseq'].includes(f.key));
  return createResponse(status, 'X', [
    ...copy.map((f) => [f.name, f.value.trim()] as const),
    ['To', `<sip:bob@example.com>;tag=${toTag}`],
  ]);
}

/** Drives a manager by numbers: no fake timers, time is an argument. */
class Harness {
  readonly m = new TransactionManager();
  now = 0;

  drain(): TransactionOutput[] {
    const out: TransactionOutput[] = [];
    for (let o = this.m.poll(); o !== undefined; o = this.m.poll()) out.push(o);
    return out;
  }

  /** Advances to `t`, firing every timer due on the way; returns the instants at which requests were sent. */
  runUntil(t: number): Array<{ at: number; out: TransactionOutput[] }> {
    const log: Array<{ at: number; out: TransactionOutput[] }> = [];
    for (let d = this.m.nextDeadline(); d !== undefined && d <= t; d = this.m.nextDeadline()) {
      this.now = d;
      this.m.handleTimeout(d);
      log.push({ at: d, out: this.drain() });
    }
    this.now = t;
    return log;
  }
}

const sends = (out: TransactionOutput[]) => out.filter((o) => o.kind === 'send');
const sendTimes = (log: Array<{ at: number; out: TransactionOutput[] }>) =>
  log.filter((l) => sends(l.out).length > 0).map((l) => l.at);

describe('RFC 3261 §17.1.1 INVITE client transaction', () => {
  describe("in 'calling' over UDP", () => {
    it('retransmits at T1 doubling (Timer A, no T2 cap) until Timer B', () => {
      const h = new Harness();
      h.m.sendRequest(request('INVITE'), UDP, 0);
      assert.equal(sends(h.drain()).length, 1);
      const log = h.runUntil(40_000);
      assert.deepEqual(sendTimes(log), [500, 1500, 3500, 7500, 15500, 31500]);
    });

    it('reports a 408 to the TU and terminates when Timer B fires at 64*T1', () => {
      const h = new Harness();
      h.m.sendRequest(request('INVITE'), UDP, 0);
      h.drain();
      const fired = h.runUntil(32_000).flatMap((l) => l.out);
      const r = fired.find((o) => o.kind === 'response');
      assert.ok(r?.kind === 'response' && r.timeout === true && r.response.status === 408);
      assert.equal(h.runUntil(32_000).length, 0);
      assert.ok(fired.some((o) => o.kind === 'terminated'));
      assert.equal(h.m.size, 0);
    });
  });

  describe("upon a 1xx in 'calling'", () => {
    it('moves to proceeding, passes it up and stops retransmitting', () => {
      const h = new Harness();
      const inv = request('INVITE');
      const tx = h.m.sendRequest(inv, UDP, 0);
      h.drain();
      h.m.receive(response(inv, 180), UDP, 100);
      assert.equal(tx.state, 'proceeding');
      assert.ok(h.drain().some((o) => o.kind === 'response' && o.response.status === 180));
      assert.deepEqual(sendTimes(h.runUntil(60_000)), []);
    });

    describe("and then upon a 2xx in 'proceeding'", () => {
      it('passes the 2xx to the TU and terminates (the TU sends the ACK)', () => {
        const h = new Harness();
        const inv = request('INVITE');
        const tx = h.m.sendRequest(inv, UDP, 0);
        h.m.receive(response(inv, 180), UDP, 100);
        h.drain();
        h.m.receive(response(inv, 200), UDP, 200);
        const out = h.drain();
        assert.ok(out.some((o) => o.kind === 'response' && o.response.status === 200));
        assert.equal(sends(out).length, 0);
        assert.equal(tx.state, 'terminated');
      });
    });
  });

  describe('upon a 3xx-6xx', () => {
    it('generates the ACK itself, passes the response up and waits Timer D (32 s on UDP)', () => {
      const h = new Harness();
      const inv = request('INVITE');
      const tx = h.m.sendRequest(inv, UDP, 0);
      h.drain();
      h.m.receive(response(inv, 486), UDP, 100);
      const out = h.drain();
      const ack = sends(out)[0];
      assert.ok(ack?.kind === 'send');
      const parsed = parseDatagram(ack.bytes);
      assert.equal(parsed.method, 'ACK');
      assert.deepEqual(parsed.cseq(), { seq: 1, method: 'ACK' });
      assert.equal(parsed.to()?.params[0]?.[1], 'b1');
      assert.equal(parsed.topVia()?.branch, 'z9hG4bKabc');
      assert.equal(tx.state, 'completed');
      h.m.receive(response(inv, 486), UDP, 5000);
      const again = h.drain();
      assert.equal(sends(again).length, 1, 'a retransmitted final response re-sends the ACK');
      assert.equal(again.filter((o) => o.kind === 'response').length, 0, 'and is not passed up');
      h.runUntil(32_099);
      assert.equal(tx.state, 'completed');
      h.runUntil(32_100);
      assert.equal(tx.state, 'terminated');
    });

    it('terminates at once on a reliable transport (Timer D = 0)', () => {
      const h = new Harness();
      const inv = request('INVITE');
      const tx = h.m.sendRequest(inv, TCP, 0);
      h.m.receive(response(inv, 404), TCP, 10);
      h.runUntil(10);
      assert.equal(tx.state, 'terminated');
    });
  });
});

describe('RFC 3261 §17.1.2 non-INVITE client transaction', () => {
  it("retransmits in 'trying' with Timer E doubling up to T2", () => {
    const h = new Harness();
    h.m.sendRequest(request('OPTIONS'), UDP, 0);
    h.drain();
    assert.deepEqual(sendTimes(h.runUntil(20_000)), [500, 1500, 3500, 7500, 11500, 15500, 19500]);
  });

  it("retransmits every T2 in 'proceeding'", () => {
    const h = new Harness();
    const req = request('REGISTER');
    h.m.sendRequest(req, UDP, 0);
    h.m.receive(response(req, 100), UDP, 100);
    h.drain();
    assert.deepEqual(sendTimes(h.runUntil(12_000)), [500, 4500, 8500]);
  });

  it('reports 408 when Timer F fires at 64*T1', () => {
    const h = new Harness();
    h.m.sendRequest(request('OPTIONS'), UDP, 0);
    h.drain();
    const out = h.runUntil(32_000).flatMap((l) => l.out);
    assert.ok(out.some((o) => o.kind === 'response' && o.timeout === true && o.response.status === 408));
  });

  it('absorbs retransmitted finals in completed and ends after Timer K = T4 (UDP)', () => {
    const h = new Harness();
    const req = request('OPTIONS');
    const tx = h.m.sendRequest(req, UDP, 0);
    h.m.receive(response(req, 200), UDP, 100);
    assert.equal(h.drain().filter((o) => o.kind === 'response').length, 1);
    h.m.receive(response(req, 200), UDP, 200);
    assert.equal(h.drain().filter((o) => o.kind === 'response').length, 0);
    h.runUntil(5099);
    assert.equal(tx.state, 'completed');
    h.runUntil(5100);
    assert.equal(tx.state, 'terminated');
  });

  it('a response matching no transaction is a stray response for the TU', () => {
    const h = new Harness();
    h.m.receive(response(request('OPTIONS', 'z9hG4bKother'), 200), UDP, 0);
    assert.deepEqual(
      h.drain().map((o) => o.kind),
      ['stray-response'],
    );
  });
});

describe('RFC 3261 §17.2.1 INVITE server transaction', () => {
  function invite(h: Harness, inv = request('INVITE')) {
    h.m.receive(inv, UDP, 0);
    const out = h.drain();
    const r = out.find((o) => o.kind === 'request');
    assert.ok(r?.kind === 'request');
    return { tx: r.transaction, out };
  }

  it("sends 100 Trying and answers a retransmitted INVITE with the latest provisional in 'proceeding'", () => {
    const h = new Harness();
    const { out } = invite(h);
    assert.equal(sends(out).length, 1);
    h.m.receive(request('INVITE'), UDP, 300);
    const again = h.drain();
    assert.equal(again.filter((o) => o.kind === 'request').length, 0, 'not passed to the TU again');
    assert.equal(sends(again).length, 1);
  });

  describe('upon a 3xx-6xx from the TU', () => {
    it('retransmits it on Timer G (T1 doubling up to T2) and reports Timer H', () => {
      const h = new Harness();
      const { tx } = invite(h);
      h.m.respond(tx, response(tx.request, 486), 0);
      h.drain();
      const log = h.runUntil(32_000);
      assert.deepEqual(sendTimes(log), [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      assert.ok(log.flatMap((l) => l.out).some((o) => o.kind === 'ack-timeout'));
      assert.equal(tx.state, 'terminated');
    });

    it("an ACK moves it to 'confirmed', absorbed there, and Timer I (T4) ends it", () => {
      const h = new Harness();
      const { tx } = invite(h);
      h.m.respond(tx, response(tx.request, 486), 0);
      h.drain();
      h.m.receive(request('ACK', 'z9hG4bKabc', 'ACK'), UDP, 100);
      assert.equal(tx.state, 'confirmed');
      assert.equal(h.drain().length, 0, 'the ACK for a non-2xx is not passed to the TU');
      h.m.receive(request('ACK', 'z9hG4bKabc', 'ACK'), UDP, 200);
      assert.equal(h.drain().length, 0);
      h.runUntil(5099);
      assert.equal(tx.state, 'confirmed');
      h.runUntil(5100);
      assert.equal(tx.state, 'terminated');
    });
  });

  describe("upon a 2xx from the TU: 'accepted' (RFC 6026 §7.1)", () => {
    it('absorbs a retransmitted INVITE, passes the ACK and further 2xx on, and ends on Timer L (64*T1)', () => {
      const h = new Harness();
      const { tx } = invite(h);
      h.m.respond(tx, response(tx.request, 200), 0);
      assert.equal(tx.state, 'accepted');
      h.drain();
      h.m.receive(request('INVITE'), UDP, 400);
      assert.deepEqual(h.drain(), [], 'neither a new request for the TU nor a resent response');
      h.m.respond(tx, response(tx.request, 200, 'b2'), 500);
      assert.equal(sends(h.drain()).length, 1, "another branch's 2xx still goes out");
      h.m.receive(request('ACK', 'z9hG4bKnew', 'ACK'), UDP, 600);
      assert.deepEqual(
        h.drain().map((o) => o.kind),
        ['ack'],
      );
      h.runUntil(31_999);
      assert.equal(tx.state, 'accepted');
      h.runUntil(32_000);
      assert.equal(tx.state, 'terminated');
    });

    it('passes an RFC 2543 ACK that matches the transaction to the TU', () => {
      const h = new Harness();
      const { tx } = invite(h, request('INVITE', 'old-branch'));
      h.m.respond(tx, response(tx.request, 200), 0);
      h.drain();
      const ack = request('ACK', 'old-branch', 'ACK');
      ack.setHeader('To', '<sip:bob@example.com>;tag=b1');
      h.m.receive(ack, UDP, 10);
      assert.deepEqual(
        h.drain().map((o) => o.kind),
        ['ack'],
      );
    });
  });

  it('a CANCEL gets its own transaction and names the INVITE it cancels', () => {
    const h = new Harness();
    const { tx } = invite(h);
    h.m.receive(request('CANCEL'), UDP, 50);
    const r = h.drain().find((o) => o.kind === 'request');
    assert.ok(r?.kind === 'request' && r.request.method === 'CANCEL');
    assert.equal(r.cancels, tx);
    assert.notEqual(r.transaction, tx);
  });

  it('matches RFC 2543 requests (no magic cookie) and their ACK by the To tag', () => {
    const h = new Harness();
    const old = request('INVITE', '1234');
    const { tx } = invite(h, old);
    h.m.receive(request('INVITE', '1234'), UDP, 10);
    assert.equal(h.drain().filter((o) => o.kind === 'request').length, 0, 'retransmission matched');
    h.m.respond(tx, response(old, 404, 'srv'), 20);
    h.drain();
    const ack = createRequest('ACK', 'sip:bob@example.com', [
      ['Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=1234'],
      ['From', '<sip:alice@example.com>;tag=a1'],
      ['To', '<sip:bob@example.com>;tag=srv'],
      ['Call-ID', 'call-1'],
      ['CSeq', '1 ACK'],
    ]);
    h.m.receive(ack, UDP, 30);
    assert.equal(tx.state, 'confirmed');
  });
});

describe('RFC 3261 §17.2.2 non-INVITE server transaction', () => {
  it("discards retransmissions in 'trying', resends the final in 'completed', ends after Timer J", () => {
    const h = new Harness();
    h.m.receive(request('REGISTER'), UDP, 0);
    const r = h.drain().find((o) => o.kind === 'request');
    assert.ok(r?.kind === 'request');
    h.m.receive(request('REGISTER'), UDP, 10);
    assert.equal(h.drain().length, 0);
    h.m.respond(r.transaction, response(r.request, 200), 20);
    assert.equal(sends(h.drain()).length, 1);
    h.m.receive(request('REGISTER'), UDP, 30);
    assert.equal(sends(h.drain()).length, 1);
    h.runUntil(20 + 32_000 - 1);
    assert.equal(r.transaction.state, 'completed');
    h.runUntil(20 + 32_000);
    assert.equal(r.transaction.state, 'terminated');
  });

  it('Timer J is zero on a reliable transport', () => {
    const h = new Harness();
    h.m.receive(request('OPTIONS'), TCP, 0);
    const r = h.drain().find((o) => o.kind === 'request');
    assert.ok(r?.kind === 'request');
    h.m.respond(r.transaction, response(r.request, 200), 5);
    h.runUntil(5);
    assert.equal(r.transaction.state, 'terminated');
  });
});

describe('transport layer on receipt (RFC 3261 §18.2, RFC 3581)', () => {
  it('stamps received and rport and answers to them', () => {
    const h = new Harness();
    const req = createRequest('OPTIONS', 'sip:bob@example.com', [
      ['Via', 'SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKnat'],
      ['From', '<sip:alice@example.com>;tag=a1'],
      ['To', '<sip:bob@example.com>'],
      ['Call-ID', 'c'],
      ['CSeq', '1 OPTIONS'],
    ]);
    const src: TransportAddress = { transport: 'udp', host: '198.51.100.7', port: 40000 };
    h.m.receive(req, src, 0);
    const r = h.drain().find((o) => o.kind === 'request');
    assert.ok(r?.kind === 'request');
    assert.equal(r.request.topVia()?.received, '198.51.100.7');
    assert.equal(r.request.topVia()?.rport, 40000);
    h.m.respond(r.transaction, response(r.request, 200), 1);
    const s = sends(h.drain())[0];
    assert.ok(s?.kind === 'send');
    assert.deepEqual(s.destination, { transport: 'udp', host: '198.51.100.7', port: 40000 });
  });

  it('answers an unparsable but respondable datagram with a stateless 400', () => {
    const h = new Harness();
    const bad = new TextEncoder().encode(
      'INVITE <sip:bob@example.com> SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\n\r\n',
    );
    h.m.receiveDatagram(bad, UDP, 0);
    const s = sends(h.drain())[0];
    assert.ok(s?.kind === 'send');
    assert.equal(parseDatagram(s.bytes).status, 400);
  });

  it('refuses a transition the RFC does not have', () => {
    const h = new Harness();
    h.m.receive(request('OPTIONS'), UDP, 0);
    const r = h.drain().find((o) => o.kind === 'request');
    assert.ok(r?.kind === 'request');
    h.m.respond(r.transaction, response(r.request, 200), 1);
    h.m.respond(r.transaction, response(r.request, 500), 2);
    assert.equal(sends(h.drain()).length, 1, 'a second final response is discarded');
  });
});
