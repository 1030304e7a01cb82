import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/core/random.js';
import type { LinkId } from '../../src/reload/routing/types.js';
import { EventQueue } from '../../src/sim/event-queue.js';
import { fixedLatency, type LatencyModel, regionLatency } from '../../src/sim/latency.js';
import { type Endpoint, type NetworkOptions, SimNetwork } from '../../src/sim/network.js';
import { StubHost } from '../support/sim-stub.js';

const OW = 10;

interface Pair {
  readonly net: SimNetwork<StubHost>;
  readonly a: StubHost;
  readonly b: StubHost;
  readonly ea: Endpoint<StubHost>;
  readonly eb: Endpoint<StubHost>;
}

function pair(opts: Partial<NetworkOptions> = {}, latency: LatencyModel = fixedLatency(OW)): Pair {
  const net = new SimNetwork<StubHost>({ latency, random: new SeededRandom(7), ...opts });
  const a = new StubHost(1n);
  const b = new StubHost(2n);
  return { net, a, b, ea: net.add('a:1', a), eb: net.add('b:1', b) };
}

/** A connects to B now; returns A's link id once the connection is up on both sides. */
function connected(p: Pair, to = 'b'): LinkId {
  let link = 0 as LinkId;
  p.net.input(p.ea, (h) => {
    link = h.connect(to, 1);
  });
  p.net.run(p.net.now + 4 * OW);
  return link;
}

function at(p: Pair, time: number, fn: () => void): void {
  p.net.schedule(time, fn);
}

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);

describe('virtual network: links', () => {
  it('accepts a connection after 1.5 round trips and brings the client up after 2', () => {
    const p = pair();
    const link = connected(p);
    assert.deepEqual(
      p.b.seen.map((e) => [e.kind, e.at]),
      [['accept', 3 * OW]],
    );
    assert.deepEqual(p.a.seen, [{ kind: 'up', at: 4 * OW, link, peer: p.b.localId }]);
  });

  it('delivers after the one-way latency, in order, one input at a time', () => {
    const p = pair();
    const link = connected(p);
    at(p, 50, () => p.net.input(p.ea, (h) => h.send(link, bytes(1), bytes(2))));
    at(p, 55, () => p.net.input(p.ea, (h) => h.send(link, bytes(3))));
    p.net.run(1000);
    const data = p.b.seen.filter((e) => e.kind === 'data');
    assert.deepEqual(
      data.map((e) => [e.at, [...(e.kind === 'data' ? e.bytes : [])]]),
      [
        [50 + OW, [1]],
        [50 + OW, [2]],
        [55 + OW, [3]],
      ],
    );
  });

  it('keeps per-link order under jitter: a later packet never overtakes an earlier one', () => {
    const jittery = regionLatency({
      regions: ['x', 'y'],
      weights: [1, 1],
      matrix: [
        [20, 80],
        [80, 20],
      ],
      access: { min: 1, max: 5 },
      jitter: 2,
    });
    const p = pair({}, jittery);
    const link = connected(p);
    p.net.run(1000);
    for (let i = 0; i < 100; i++) at(p, 1000 + i, () => p.net.input(p.ea, (h) => h.send(link, bytes(i))));
    p.net.run(5000);
    const data = p.b.seen.filter((e) => e.kind === 'data');
    assert.deepEqual(
      data.map((e) => (e.kind === 'data' ? e.bytes[0] : -1)),
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (let i = 1; i < data.length; i++) assert.ok((data[i]?.at ?? 0) >= (data[i - 1]?.at ?? 0));
    const delays = new Set(data.map((e, i) => Math.round(e.at - (1000 + i))));
    assert.ok(delays.size >= 10, `jitter spreads the delays (${delays.size} distinct)`);
  });

  it('turns TCP segment loss into delay: nothing is lost or reordered', () => {
    const p = pair({ loss: 0.3, tcpMinRto: 200 });
    const link = connected(p);
    for (let i = 0; i < 100; i++) at(p, 100 + 10 * i, () => p.net.input(p.ea, (h) => h.send(link, bytes(i))));
    p.net.run(100_000);
    const data = p.b.seen.filter((e) => e.kind === 'data');
    assert.deepEqual(
      data.map((e) => (e.kind === 'data' ? e.bytes[0] : -1)),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const late = data.filter((e, i) => e.at - (100 + 10 * i) >= 200 + OW);
    assert.ok(late.length > 10, `some segments wait for a retransmission (${late.length})`);
  });

  it('closes the far end after the data already in flight', () => {
    const p = pair();
    const link = connected(p);
    at(p, 100, () =>
      p.net.input(p.ea, (h) => {
        h.send(link, bytes(9));
        h.close(link, 'bye');
      }),
    );
    p.net.run(1000);
    assert.deepEqual(
      p.b.seen.slice(1).map((e) => [e.kind, e.at]),
      [
        ['data', 100 + OW],
        ['closed', 100 + OW],
      ],
    );
  });

  it('refuses a connection to an address nobody holds', () => {
    const p = pair();
    connected(p, 'nowhere');
    p.net.run(1000);
    assert.equal(p.a.seen[0]?.kind, 'closed');
    assert.match(p.a.seen[0]?.kind === 'closed' ? p.a.seen[0].reason : '', /no such host/);
  });
});

describe('virtual network: failures', () => {
  it('kill: packets to a dead host vanish, nobody is told, and connecting to it times out', () => {
    const p = pair({ connectTimeout: 5000 });
    const link = connected(p);
    p.net.kill(p.eb);
    at(p, 100, () => p.net.input(p.ea, (h) => h.send(link, bytes(1))));
    p.net.run(1000);
    assert.deepEqual(p.b.data(), []);
    assert.deepEqual(
      p.a.seen.map((e) => e.kind),
      ['up'],
      'no FIN, no reset',
    );
    at(p, 2000, () => p.net.input(p.ea, (h) => h.connect('b', 1)));
    p.net.run(10_000);
    const last = p.a.seen[p.a.seen.length - 1];
    assert.deepEqual([last?.kind, last?.at], ['closed', 2000 + 5000]);
  });

  it('crash: the peer of a crashed host sees its links reset, and new connections are refused', () => {
    const p = pair();
    const link = connected(p);
    at(p, 100, () => p.net.crash(p.eb));
    p.net.run(1000);
    assert.deepEqual(p.a.seen[1], { kind: 'closed', at: 100 + OW, link, reason: 'connection reset' });
    at(p, 2000, () => p.net.input(p.ea, (h) => h.connect('b', 1)));
    p.net.run(3000);
    const last = p.a.seen[p.a.seen.length - 1];
    assert.equal(last?.kind === 'closed' ? last.reason : '', 'connection refused');
  });

  it('partition: nothing crosses, connections across time out, and healing lets traffic through again', () => {
    const p = pair({ connectTimeout: 5000 });
    const link = connected(p);
    p.net.partition([[p.ea], [p.eb]]);
    at(p, 100, () => p.net.input(p.ea, (h) => h.send(link, bytes(1))));
    at(p, 200, () => p.net.input(p.ea, (h) => h.connect('b', 1)));
    p.net.run(6000);
    assert.deepEqual(p.b.data(), []);
    assert.equal(p.b.seen.filter((e) => e.kind === 'accept').length, 1, 'only the connection from before');
    const failed = p.a.seen[p.a.seen.length - 1];
    assert.deepEqual([failed?.kind, failed?.at], ['closed', 5200]);
    p.net.heal();
    at(p, 7000, () => p.net.input(p.ea, (h) => h.send(link, bytes(2))));
    p.net.run(8000);
    assert.deepEqual(
      p.b.data().map((b) => b[0]),
      [2],
    );
  });
});

describe('virtual network: time', () => {
  it('wakes a host at its next deadline, and not before', () => {
    const p = pair();
    p.net.input(p.ea, (h) => h.wakeAt(1234));
    p.net.run(1233);
    assert.deepEqual(p.a.seen, []);
    p.net.run(2000);
    assert.deepEqual(p.a.seen, [{ kind: 'timeout', at: 1234 }]);
  });

  it('runs scheduled actions in time order, and in scheduling order at equal times', () => {
    const p = pair();
    const order: string[] = [];
    at(p, 20, () => order.push('b'));
    at(p, 10, () => order.push('a'));
    at(p, 20, () => order.push('c'));
    p.net.run(100);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(p.net.now, 100);
  });

  it('event queue: pops by time, first-scheduled first among equal times', () => {
    const q = new EventQueue<number>();
    const rnd = new SeededRandom(3);
    const pushed: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const t = rnd.u32() % 100;
      q.push(t, i);
      pushed.push([t, i]);
    }
    pushed.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const popped: number[] = [];
    for (let v = q.pop(); v !== undefined; v = q.pop()) popped.push(v);
    assert.deepEqual(
      popped,
      pushed.map(([, i]) => i),
    );
  });
});
