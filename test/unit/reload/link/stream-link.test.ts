import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex } from '../../../../src/core/bytes.js';
import { RtoEstimator } from '../../../../src/reload/link/rto.js';
import { type LinkEvent, StreamLink } from '../../../../src/reload/link/stream-link.js';
import { decodeFrame, encodeFrame } from '../../../../src/reload/messages/framing.js';

function drain(link: StreamLink): LinkEvent[] {
  const out: LinkEvent[] = [];
  for (let e = link.pollEvent(); e !== undefined; e = link.pollEvent()) out.push(e);
  return out;
}

/** Moves bytes from a to b and back until both are quiet. */
function pump(a: StreamLink, b: StreamLink, now: number): void {
  for (let i = 0; i < 10; i++) {
    const x = a.pollTransmit();
    if (x) b.receive(x, now);
    const y = b.pollTransmit();
    if (y) a.receive(y, now);
    if (!x && !y) return;
  }
}

const msg = (n: number): Uint8Array => new Uint8Array(n).fill(7);

describe('StreamLink (RFC 6940 §6.6.2 framing over TLS/TCP)', () => {
  it('delivers messages in data frames with sequence numbers from 0 and acks each one', () => {
    const a = new StreamLink({ maxMessageSize: 5000 });
    a.send(msg(10), 0);
    a.send(msg(20), 0);
    const wire = a.pollTransmit();
    assert.ok(wire);
    const b = new StreamLink({ maxMessageSize: 5000 });
    b.receive(wire, 5);
    const events = drain(b);
    assert.deepEqual(
      events.map((e) => (e.type === 'message' ? e.bytes.length : e.type)),
      [10, 20],
    );
    const acks = b.pollTransmit();
    assert.ok(acks);
    assert.equal(acks.length, 18);
    assert.deepEqual(decodeFrame(acks.subarray(0, 9)), { type: 'ack', ackSequence: 0, received: 0 });
    // The second ack reports sequence 0 as received in bit (1 − 0) = 1.
    assert.deepEqual(decodeFrame(acks.subarray(9)), { type: 'ack', ackSequence: 1, received: 0b10 });
  });

  it('measures RTT from acks and computes the RTO per RFC 6298', () => {
    const a = new StreamLink({ maxMessageSize: 5000, minRto: 1 });
    const b = new StreamLink({ maxMessageSize: 5000 });
    a.send(msg(1), 1000);
    const wire = a.pollTransmit();
    assert.ok(wire);
    b.receive(wire, 1000);
    const ack = b.pollTransmit();
    assert.ok(ack);
    a.receive(ack, 1040);
    const rtt = drain(a).find((e) => e.type === 'rtt');
    assert.deepEqual(rtt, { type: 'rtt', sample: 40, srtt: 40, rto: 40 + 4 * 20 });
  });

  it('becomes suspect after one RTO without an ack, recovers on an ack, and fails after the grace', () => {
    const a = new StreamLink({ maxMessageSize: 5000, failureGrace: 30_000 });
    a.send(msg(1), 0);
    a.pollTransmit();
    assert.equal(a.nextDeadline(), 1000);
    a.handleTimeout(1000);
    assert.deepEqual(drain(a), [{ type: 'suspect' }]);
    assert.ok(a.suspect);
    a.receive(encodeFrame({ type: 'ack', ackSequence: 0, received: 0 }), 1500);
    assert.deepEqual(
      drain(a).map((e) => e.type),
      ['rtt', 'recovered'],
    );
    assert.equal(a.nextDeadline(), undefined);
    a.send(msg(1), 2000);
    a.handleTimeout(31_999);
    assert.ok(!a.failed);
    a.handleTimeout(32_000);
    assert.ok(a.failed);
    assert.equal(drain(a).at(-1)?.type, 'failed');
    assert.equal(a.send(msg(1), 32_001), false);
  });

  it('clears older outstanding frames reported in the received bitmap', () => {
    const a = new StreamLink({ maxMessageSize: 5000 });
    for (let i = 0; i < 3; i++) a.send(msg(1), 0);
    a.pollTransmit();
    // The ack for 0 and 1 was lost; the ack for 2 reports them as received.
    a.receive(encodeFrame({ type: 'ack', ackSequence: 2, received: 0b110 }), 10);
    assert.equal(a.nextDeadline(), undefined);
  });

  it('hands back the tags of unacked frames once, oldest first, and forgets the tags of acked ones', () => {
    const a = new StreamLink<string>({ maxMessageSize: 5000 });
    a.send(msg(1), 0, 'first');
    a.send(msg(1), 0);
    a.send(msg(1), 0, 'third');
    a.send(msg(1), 0, 'fourth');
    a.pollTransmit();
    a.receive(encodeFrame({ type: 'ack', ackSequence: 2, received: 0 }), 10);
    a.handleTimeout(1000);
    assert.ok(a.suspect);
    assert.deepEqual(a.takeUnacked(), ['first', 'fourth']);
    assert.deepEqual(a.takeUnacked(), []);
    // The frames stay outstanding: a late ack still clears the suspicion.
    a.receive(encodeFrame({ type: 'ack', ackSequence: 3, received: 0b1110 }), 1200);
    assert.ok(!a.suspect);
    assert.equal(a.nextDeadline(), undefined);
  });

  it('fails (and must be closed) on a frame larger than max-message-size or an unknown frame type', () => {
    const a = new StreamLink({ maxMessageSize: 100 });
    a.receive(fromHex('8000000000000fff'), 0);
    assert.ok(a.failed);
    const b = new StreamLink({ maxMessageSize: 100 });
    b.receive(fromHex('42'), 0);
    assert.equal(drain(b)[0]?.type, 'failed');
    assert.throws(() => new StreamLink({ maxMessageSize: 100 }).send(msg(101), 0));
  });

  it('round-trips many messages in both directions', () => {
    const a = new StreamLink({ maxMessageSize: 5000 });
    const b = new StreamLink({ maxMessageSize: 5000 });
    for (let i = 0; i < 100; i++) {
      a.send(msg(i + 1), i);
      b.send(msg(200 - i), i);
      pump(a, b, i);
    }
    const got = drain(b).filter((e) => e.type === 'message');
    assert.equal(got.length, 100);
    assert.equal(drain(a).filter((e) => e.type === 'message').length, 100);
    assert.equal(a.nextDeadline(), undefined);
    assert.equal(a.stats.acksReceived, 100);
  });
});

describe('RtoEstimator', () => {
  it('follows RFC 6298 §2.2–2.4', () => {
    const r = new RtoEstimator({ minRto: 1 });
    assert.equal(r.rto, 1000);
    r.sample(100);
    assert.equal(r.rto, 100 + 4 * 50);
    r.sample(200);
    // RTTVAR = 3/4·50 + 1/4·|100−200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5
    assert.equal(r.rttvar, 62.5);
    assert.equal(r.srtt, 112.5);
    assert.equal(r.rto, 112.5 + 250);
    const floor = new RtoEstimator();
    floor.sample(1);
    assert.equal(floor.rto, 1000, 'RFC 6298 §2.4 rounds up to 1 s by default');
  });
});
