import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NodeId, nodeIdToBytes, type ResourceId } from '../../../../src/core/ids.js';
import { nullLogger } from '../../../../src/core/logger.js';
import { SeededRandom } from '../../../../src/core/random.js';
import { ErrorCode, MessageCode } from '../../../../src/reload/messages/codes.js';
import { MessageTransport } from '../../../../src/reload/node/message-transport.js';
import type { MessageSecurity, TopologyRouting } from '../../../../src/reload/node/ports.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import { fakeSecurity, forge } from '../../../support/fake-security.js';
import { MemNet } from '../../../support/mem-net.js';

const RING = 2n ** 128n;
const ids = [100n, 200n, 300n] as NodeId[];
const [A, B, C] = ids as [NodeId, NodeId, NodeId];

/** Static CHORD-like responsibility over three nodes: x owns (pred(x), x]. */
function ringTopology(me: NodeId): TopologyRouting {
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : 1));
  const i = sorted.indexOf(me);
  const pred = sorted[(i + sorted.length - 1) % sorted.length] as NodeId;
  const owns = (k: bigint): boolean => (pred < me ? k > pred && k <= me : k > pred || k <= me);
  const dist = (from: bigint, to: bigint): bigint => (((to - from) % RING) + RING) % RING;
  return {
    isResponsible: (r: ResourceId) => owns(BigInt(`0x${Buffer.from(r).toString('hex') || '0'}`)),
    coversNodeId: (id) => id !== me && owns(id),
    nextHopToward: (t, usable, exclude) => {
      // The usable peer that precedes or equals the target most closely, else the closest one after it.
      const cands = sorted.filter((x) => x !== me && x !== exclude && usable(x));
      const before = cands
        .filter((x) => dist(me, x) <= dist(me, t))
        .sort((a, b) => (dist(me, b) < dist(me, a) ? -1 : 1));
      return before[0] ?? cands.sort((a, b) => (dist(t, a) < dist(t, b) ? -1 : 1))[0];
    },
  };
}

function resource(n: bigint): ResourceId {
  return nodeIdToBytes(n as NodeId) as ResourceId;
}

interface World {
  net: MemNet;
  t: Record<'A' | 'B' | 'C', MessageTransport>;
}

function world(opts: { fragmentSize?: number; security?: (id: NodeId) => MessageSecurity } = {}): World {
  const net = new MemNet();
  const make = (id: NodeId, seed: number): MessageTransport =>
    new MessageTransport(
      {
        overlayHash: 0xabcd,
        configurationSequence: 1,
        nodeIdLength: 16,
        initialTtl: 100,
        maxMessageSize: 5000,
        reliabilityTimer: 3000,
        ...(opts.fragmentSize === undefined ? {} : { fragmentSize: opts.fragmentSize }),
      },
      {
        localId: id,
        security: (opts.security ?? fakeSecurity)(id),
        random: new SeededRandom(seed),
        log: nullLogger,
        topology: ringTopology(id),
      },
    );
  const t = { A: make(A, 1), B: make(B, 2), C: make(C, 3) };
  net.add('A', t.A);
  net.add('B', t.B);
  net.add('C', t.C);
  // A line A – B – C: A and C only reach each other through B.
  t.A.connect('B', 6084, B, 'attach', 0);
  t.B.connect('C', 6084, C, 'attach', 0);
  net.settle();
  return { net, t };
}

function echo(t: MessageTransport, calls: NodeId[] = []): NodeId[] {
  t.handle(MessageCode.ping_req, (req) => {
    calls.push(t.localId);
    req.answer(Uint8Array.of(...req.body, 0xee));
  });
  return calls;
}

function send(
  w: World,
  from: MessageTransport,
  dest: Parameters<MessageTransport['request']>[0]['destination'],
  body = Uint8Array.of(1),
): RequestResult[] {
  const got: RequestResult[] = [];
  from.request({ destination: dest, code: MessageCode.ping_req, body }, w.net.now, (r) => got.push(r));
  w.net.settle();
  return got;
}

describe('MessageTransport: symmetric recursive routing end to end', () => {
  it('answers a request over a direct link, signed by the node it was sent to', () => {
    const w = world();
    echo(w.t.B);
    const [r] = send(w, w.t.A, [{ type: 'node', id: B }]);
    assert.ok(r?.ok);
    assert.deepEqual(r.body, Uint8Array.of(1, 0xee));
    assert.equal(r.signer.nodeId, B);
  });

  it('routes through an intermediate peer and the answer retraces the path', () => {
    const w = world();
    const calls = echo(w.t.C);
    const [r] = send(w, w.t.A, [{ type: 'resource', id: resource(250n) }]);
    assert.ok(r?.ok, 'C is responsible for 250 and answers');
    assert.deepEqual(calls, [C]);
    assert.equal(w.t.B.stats.forwarded, 2, 'B forwarded the request and the answer');
    assert.equal(r.signer.nodeId, C);
  });

  it('delivers to itself a request for a resource it is responsible for', () => {
    const w = world();
    const calls = echo(w.t.A);
    const [r] = send(w, w.t.A, [{ type: 'resource', id: resource(50n) }]);
    assert.ok(r?.ok);
    assert.deepEqual(calls, [A]);
  });

  it('retransmits end to end after the reliability timer and applies the request once', () => {
    const w = world();
    const calls = echo(w.t.C);
    let dropAnswers = 1;
    // Lose C's first answer on its way out of C.
    w.net.loss = (from, bytes) => from === w.t.C && bytes[0] === 0x80 && dropAnswers-- > 0;
    const got: RequestResult[] = [];
    w.t.A.request(
      { destination: [{ type: 'node', id: C }], code: MessageCode.ping_req, body: Uint8Array.of(7) },
      0,
      (r) => got.push(r),
    );
    w.net.settle();
    assert.equal(got.length, 0);
    w.net.advance(3000);
    assert.equal(got.length, 1);
    assert.ok(got[0]?.ok);
    assert.deepEqual(calls, [C], 'the retransmission got the cached answer; the handler ran once');
    assert.equal(w.t.A.stats.retransmissions, 1);
  });

  it('gives up with Error_Request_Timeout after 5 transmissions (15 s)', () => {
    const w = world();
    echo(w.t.C);
    w.net.loss = (from) => from === w.t.B;
    const got: RequestResult[] = [];
    w.t.A.request(
      { destination: [{ type: 'node', id: C }], code: MessageCode.ping_req, body: new Uint8Array() },
      0,
      (r) => got.push(r),
    );
    w.net.settle();
    w.net.advance(14_999);
    assert.equal(got.length, 0);
    w.net.advance(15_000);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.ok === false && got[0].errorCode, ErrorCode.Error_Request_Timeout);
    assert.equal(w.t.A.stats.retransmissions, 4);
  });

  it('answers an unknown method and a node that does not exist with errors', () => {
    const w = world();
    const [unknown] = send(w, w.t.A, [{ type: 'node', id: B }]);
    assert.ok(unknown && !unknown.ok);
    assert.equal(unknown.errorCode, ErrorCode.Error_Invalid_Message);
    assert.match(unknown.reason, /Error_Invalid_Message: unsupported method/);
    const [absent] = send(w, w.t.A, [{ type: 'node', id: 250n as NodeId }]);
    assert.ok(absent && !absent.ok);
    assert.equal(absent.errorCode, ErrorCode.Error_Not_Found);
  });

  it('fails at once, without retransmitting, a request to an absent Node-ID in its own range', () => {
    const w = world();
    const got = send(w, w.t.A, [{ type: 'node', id: 50n as NodeId }]);
    assert.equal(got.length, 1, 'answered during the call, not after 15 s');
    assert.equal(got[0]?.ok === false && got[0].errorCode, ErrorCode.Error_Not_Found);
    assert.equal(w.t.A.pendingRequests, 0);
    assert.equal(w.t.A.stats.retransmissions, 0);
  });

  it('answers a request with a stale configuration sequence with Error_Config_Too_Old', () => {
    const w = world();
    echo(w.t.B);
    w.t.B.setConfigurationSequence(5);
    const [r] = send(w, w.t.A, [{ type: 'node', id: B }]);
    assert.equal(r?.ok === false && r.errorCode, ErrorCode.Error_Config_Too_Old);
    w.t.B.setConfigurationSequence(0);
    const [n] = send(w, w.t.A, [{ type: 'node', id: B }]);
    assert.equal(n?.ok === false && n.errorCode, ErrorCode.Error_Config_Too_New);
  });

  it('fragments large messages on the way and reassembles them at the destination', () => {
    const w = world({ fragmentSize: 600 });
    echo(w.t.C);
    const big = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
    const [r] = send(w, w.t.A, [{ type: 'node', id: C }], big);
    assert.ok(r?.ok);
    assert.deepEqual(r.body.subarray(0, 3000), big);
    assert.ok((w.t.B.stats.messagesIn.get('fragment') ?? 0) > 0, 'B saw fragments after the first');
  });

  it('drops a message whose signature does not verify, without answering', () => {
    const forging = (id: NodeId): MessageSecurity => {
      const real = fakeSecurity(id);
      return id === A ? { ...real, sign: (o, t, c) => forge(real.sign(o, t, c)) } : real;
    };
    const w = world({ security: forging });
    const calls = echo(w.t.B);
    const got = send(w, w.t.A, [{ type: 'node', id: B }]);
    assert.deepEqual(got, []);
    assert.deepEqual(calls, []);
    assert.equal(w.t.B.stats.dropped.get('bad signature'), 1);
  });

  it('survives garbage on a link: the link fails and is closed, other links keep working', () => {
    const w = world();
    echo(w.t.C);
    const link = w.t.B.connections.linkTo(A);
    assert.ok(link !== undefined);
    w.t.B.linkData(link, Uint8Array.of(0x42, 1, 2, 3), w.net.now);
    w.net.settle();
    assert.equal(w.t.B.connections.linkTo(A), undefined);
    assert.equal(w.t.A.connections.linkTo(B), undefined, 'A saw the link close');
    const [r] = send(w, w.t.B, [{ type: 'node', id: C }]);
    assert.ok(r?.ok);
  });
});
