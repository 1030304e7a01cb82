import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nullLogger } from '../../../src/core/logger.js';
import { SeededRandom } from '../../../src/core/random.js';
import { DNS_TYPE, decodeDnsMessage, encodeDnsMessage } from '../../../src/discovery/dns-message.js';
import type { Beacon } from '../../../src/discovery/dns-sd.js';
import { LanDiscovery, MDNS_PORT } from '../../../src/discovery/lan-discovery.js';
import { BEACON } from '../../support/beacon.js';

/**
 * LAN discovery (DNS-SD over mDNS, RFC 6762/6763) between sans-I/O instances on a simulated link: what one
 * announces, the others find; goodbyes and silence make it go; a legacy querier gets a unicast answer.
 */
class Link {
  now = 0;
  readonly members = new Map<string, LanDiscovery>();
  readonly sent: { from: string; to?: string; bytes: Uint8Array }[] = [];

  add(host: string, seed: number): LanDiscovery {
    const d = new LanDiscovery({ log: nullLogger, random: new SeededRandom(seed) });
    this.members.set(host, d);
    d.start(this.now);
    return d;
  }

  /** Delivers every packet: multicast to every member (the sender too, as IP_MULTICAST_LOOP does). */
  flush(): void {
    for (let busy = true; busy; ) {
      busy = false;
      for (const [host, d] of this.members) {
        for (let p = d.pollOutput(); p !== undefined; p = d.pollOutput()) {
          busy = true;
          this.sent.push({ from: host, ...(p.to === undefined ? {} : { to: p.to.host }), bytes: p.bytes });
          for (const [other, o] of this.members) {
            if (p.to === undefined || p.to.host === other)
              o.receive(p.bytes, { host, port: MDNS_PORT }, this.now);
          }
        }
      }
    }
  }

  advance(to: number): void {
    this.flush();
    for (;;) {
      let next: number | undefined;
      for (const d of this.members.values()) {
        const t = d.nextDeadline();
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
      if (next === undefined || next > to) break;
      this.now = next;
      for (const d of this.members.values())
        if ((d.nextDeadline() ?? Infinity) <= next) d.handleTimeout(next);
      this.flush();
    }
    this.now = to;
  }
}

describe('LAN discovery (DNS-SD over mDNS)', () => {
  it('a peer that announces itself is found, with its overlay, fingerprint and addresses', () => {
    const link = new Link();
    const a = link.add('10.77.0.2', 1);
    const b = link.add('10.77.0.3', 2);
    const found: Beacon[] = [];
    b.events.on('found', (e) => found.push(e.beacon));
    a.advertise(BEACON, link.now);
    link.advance(3_000);
    assert.deepEqual(found, [BEACON], 'reported once, though announced twice and answered to queries');
    assert.deepEqual(b.beacons(link.now), [BEACON]);
    assert.deepEqual(a.beacons(link.now), [], 'our own instance is not a find');
  });

  it('a peer that starts browsing later learns of the others by asking', () => {
    const link = new Link();
    const a = link.add('10.77.0.2', 1);
    a.advertise(BEACON, link.now);
    link.advance(10_000);
    const b = link.add('10.77.0.3', 2);
    link.advance(10_500);
    assert.deepEqual(b.beacons(link.now), [BEACON]);
  });

  it('a goodbye (TTL 0) removes the peer at once; a silent peer is forgotten when its records expire', () => {
    const link = new Link();
    const a = link.add('10.77.0.2', 1);
    const c = link.add('10.77.0.4', 3);
    const b = link.add('10.77.0.3', 2);
    a.advertise(BEACON, link.now);
    c.advertise({ ...BEACON, instance: 'p2psip-ffffffffffff', address: '10.77.0.4' }, link.now);
    link.advance(3_000);
    assert.equal(b.beacons(link.now).length, 2);
    a.stop();
    link.flush();
    assert.deepEqual(
      b.beacons(link.now).map((x) => x.instance),
      ['p2psip-ffffffffffff'],
    );
    link.members.delete('10.77.0.4');
    link.advance(link.now + 121_000);
    assert.deepEqual(b.beacons(link.now), []);
  });

  it('a change of state is announced again and reported again', () => {
    const link = new Link();
    const a = link.add('10.77.0.2', 1);
    const b = link.add('10.77.0.3', 2);
    const states: string[] = [];
    b.events.on('found', (e) => states.push(e.beacon.state));
    a.advertise({ ...BEACON, state: 'joining' }, link.now);
    link.advance(2_000);
    a.advertise(BEACON, link.now);
    link.advance(4_000);
    assert.deepEqual(states, ['joining', 'joined']);
  });

  it('answers a legacy one-shot query (not from port 5353) by unicast, with its id, question and TTL ≤ 10 s', () => {
    const link = new Link();
    const a = link.add('10.77.0.2', 1);
    a.advertise(BEACON, link.now);
    link.advance(3_000);
    const query = encodeDnsMessage({
      id: 0x1234,
      flags: 0,
      questions: [{ name: ['_p2psip', '_tcp', 'local'], type: DNS_TYPE.PTR, unicastResponse: false }],
      answers: [],
      authorities: [],
      additionals: [],
    });
    a.receive(query, { host: '10.77.0.9', port: 40000 }, link.now);
    const p = a.pollOutput();
    assert.deepEqual(p?.to, { host: '10.77.0.9', port: 40000 });
    const m = decodeDnsMessage(p?.bytes ?? new Uint8Array());
    assert.equal(m.id, 0x1234);
    assert.equal(m.flags & 0x8000, 0x8000);
    assert.deepEqual(
      m.questions.map((q) => q.name),
      [['_p2psip', '_tcp', 'local']],
    );
    assert.deepEqual(
      m.answers.map((r) => r.type),
      ['PTR', 'SRV', 'TXT', 'A'],
    );
    assert.ok(m.answers.every((r) => r.ttl <= 10));
  });

  it('multicasts its records at most once a second however many queries arrive', () => {
    const link = new Link();
    const a = link.add('10.77.0.2', 1);
    a.advertise(BEACON, link.now);
    link.advance(3_000);
    const from = link.sent.length;
    link.add('10.77.0.3', 2);
    for (let t = 3_000; t < 4_000; t += 50) {
      a.receive(
        encodeDnsMessage({
          id: 0,
          flags: 0,
          questions: [{ name: ['_p2psip', '_tcp', 'local'], type: DNS_TYPE.PTR, unicastResponse: false }],
          answers: [],
          authorities: [],
          additionals: [],
        }),
        { host: '10.77.0.3', port: MDNS_PORT },
        t,
      );
      link.advance(t + 50);
    }
    const answers = link.sent
      .slice(from)
      .filter((s) => s.from === '10.77.0.2' && (decodeDnsMessage(s.bytes).flags & 0x8000) !== 0);
    assert.ok(answers.length <= 1, `${answers.length} answers in one second`);
  });

  it('ignores packets it cannot read and instances that are not well-formed p2psip ones', () => {
    const link = new Link();
    const b = link.add('10.77.0.3', 2);
    b.receive(new Uint8Array([1, 2, 3]), { host: '10.77.0.9', port: MDNS_PORT }, 0);
    const a = link.add('10.77.0.2', 1);
    a.advertise({ ...BEACON, fingerprint: 'not hex' }, link.now);
    link.advance(3_000);
    assert.deepEqual(b.beacons(link.now), []);
  });
});
