import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type NodeId,
  type ResourceId,
  type TransactionId,
  wildcardNodeId,
} from '../../../../src/core/ids.js';
import { ErrorCode, MessageCode, RELOAD_VERSION } from '../../../../src/reload/messages/codes.js';
import { type ForwardingHeader, UNFRAGMENTED } from '../../../../src/reload/messages/header.js';
import { answerPath, route } from '../../../../src/reload/routing/forwarder.js';
import type { LinkId, RoutingEnv } from '../../../../src/reload/routing/types.js';

const id = (n: number): NodeId => BigInt(n) as NodeId;
const A = id(100);
const B = id(200);
const ME = id(300);
const C = id(400);
const res = (n: number): ResourceId => {
  const b = new Uint8Array(16);
  b[15] = n;
  return b as ResourceId;
};

/** A node at 300 with links to 200 and 400, responsible for (200, 300]. */
const env: RoutingEnv = {
  localId: ME,
  nodeIdLength: 16,
  overlay: 0x1234,
  initialTtl: 100,
  isResponsible: (r) => (r[15] ?? 0) > 200 && (r[15] ?? 0) <= 300 && r.subarray(0, 15).every((x) => x === 0),
  coversNodeId: (n) => n > 200n && n <= 300n,
  linkTo: (n) => (n === B ? (1 as LinkId) : n === C ? (2 as LinkId) : undefined),
  nextHopToward: (t, exclude) => {
    const pick = t > 300n || t <= 200n ? C : B;
    return pick === exclude ? undefined : pick;
  },
};

function header(over: Partial<ForwardingHeader> = {}): ForwardingHeader {
  return {
    overlay: 0x1234,
    configurationSequence: 1,
    version: RELOAD_VERSION,
    ttl: 10,
    fragment: UNFRAGMENTED,
    transactionId: 1n as TransactionId,
    maxResponseLength: 0,
    viaList: [{ type: 'node', id: A }],
    destinationList: [{ type: 'node', id: ME }],
    options: [],
    ...over,
  };
}

const req = MessageCode.ping_req;
const ans = MessageCode.ping_ans;

describe('route (RFC 6940 §6.1.2 forwarding rules)', () => {
  it('delivers a message whose only destination is this node or the wildcard', () => {
    assert.equal(route(env, { header: header(), code: req, previousHop: B }).action, 'deliver');
    const wild = header({ destinationList: [{ type: 'node', id: wildcardNodeId() }] });
    assert.equal(route(env, { header: wild, code: req, previousHop: B }).action, 'deliver');
  });

  it('delivers a resource it is responsible for, and forwards one it is not, appending the previous hop', () => {
    const mine = header({ destinationList: [{ type: 'resource', id: res(250) }] });
    assert.equal(route(env, { header: mine, code: req, previousHop: B }).action, 'deliver');
    const far = header({ destinationList: [{ type: 'resource', id: res(50) }] });
    const d = route(env, { header: far, code: req, previousHop: B });
    assert.equal(d.action, 'forward');
    if (d.action !== 'forward') return;
    assert.equal(d.next, C);
    assert.equal(d.header.ttl, 9, 'TTL is decremented before transmitting');
    assert.deepEqual(d.header.viaList, [
      { type: 'node', id: A },
      { type: 'node', id: B },
    ]);
  });

  it('does not append a via entry when forwarding an answer', () => {
    const h = header({ viaList: [], destinationList: [{ type: 'node', id: C }] });
    const d = route(env, { header: h, code: ans, previousHop: B });
    assert.equal(d.action, 'forward');
    if (d.action === 'forward') assert.deepEqual(d.header.viaList, []);
  });

  it('pops its own Node-ID and forwards to the next entry (source routing, answer paths)', () => {
    const h = header({
      destinationList: [
        { type: 'node', id: ME },
        { type: 'node', id: C },
      ],
    });
    const d = route(env, { header: h, code: ans, previousHop: B });
    assert.equal(d.action, 'forward');
    if (d.action === 'forward') {
      assert.equal(d.next, C);
      assert.deepEqual(d.header.destinationList, [{ type: 'node', id: C }]);
    }
  });

  it('answers Error_TTL_Exceeded for TTL 0 and for TTL above initial-ttl', () => {
    const far = { type: 'resource', id: res(50) } as const;
    const zero = route(env, {
      header: header({ ttl: 0, destinationList: [far] }),
      code: req,
      previousHop: B,
    });
    assert.deepEqual(
      [zero.action, zero.action === 'error' && zero.code],
      ['error', ErrorCode.Error_TTL_Exceeded],
    );
    const big = route(env, { header: header({ ttl: 101 }), code: req, previousHop: B });
    assert.deepEqual(
      [big.action, big.action === 'error' && big.code],
      ['error', ErrorCode.Error_TTL_Exceeded],
    );
  });

  it('answers requests with errors but only drops bad answers', () => {
    const h = header({ version: 1 });
    const e = route(env, { header: h, code: req, previousHop: B });
    assert.deepEqual(
      [e.action, e.action === 'error' && e.code],
      ['error', ErrorCode.Error_Incompatible_with_Overlay],
    );
    assert.equal(route(env, { header: h, code: ans, previousHop: B }).action, 'drop');
  });

  it('drops another overlay and messages without fragment bit 31', () => {
    assert.equal(route(env, { header: header({ overlay: 9 }), code: req, previousHop: B }).action, 'drop');
    assert.equal(
      route(env, { header: header({ fragment: 0x40000000 }), code: req, previousHop: B }).action,
      'drop',
    );
  });

  it('rejects duplicate destinations with Error_Invalid_Message', () => {
    const h = header({
      destinationList: [
        { type: 'node', id: C },
        { type: 'node', id: C },
      ],
    });
    const d = route(env, { header: h, code: req, previousHop: B });
    assert.equal(d.action === 'error' && d.code, ErrorCode.Error_Invalid_Message);
  });

  it('answers Error_Not_Found for a Node-ID in its range that is not connected, and when there is no route', () => {
    const absent = header({ destinationList: [{ type: 'node', id: id(250) }] });
    const d = route(env, { header: absent, code: req, previousHop: B });
    assert.equal(d.action === 'error' && d.code, ErrorCode.Error_Not_Found);
    // The only next hop toward 50 is C; a message that came from C has nowhere to go.
    const loop = header({ destinationList: [{ type: 'resource', id: res(50) }] });
    const l = route(env, { header: loop, code: req, previousHop: C });
    assert.equal(l.action === 'error' && l.code, ErrorCode.Error_Not_Found);
  });

  it('drops a request that comes back through it instead of forwarding it round again, but still delivers one', () => {
    const looping = header({
      viaList: [
        { type: 'node', id: A },
        { type: 'node', id: ME },
      ],
      destinationList: [{ type: 'resource', id: res(50) }],
    });
    const d = route(env, { header: looping, code: req, previousHop: B });
    assert.equal(d.action, 'drop');
    assert.equal(
      route(env, { header: looping, code: ans, previousHop: B }).action,
      'forward',
      'answers are not',
    );
    const mine = header({ ...looping, destinationList: [{ type: 'resource', id: res(250) }] });
    assert.equal(route(env, { header: mine, code: req, previousHop: B }).action, 'deliver');
  });

  it('refuses unknown critical forwarding options', () => {
    const dest = header({ options: [{ type: 9, flags: 0x02, value: new Uint8Array() }] });
    assert.equal(
      (() => {
        const d = route(env, { header: dest, code: req, previousHop: B });
        return d.action === 'error' && d.code;
      })(),
      ErrorCode.Error_Unsupported_Forwarding_Option,
    );
    const fwd = header({
      destinationList: [{ type: 'resource', id: res(50) }],
      options: [{ type: 9, flags: 0x01, value: new Uint8Array() }],
    });
    const d = route(env, { header: fwd, code: req, previousHop: B });
    assert.equal(d.action === 'error' && d.code, ErrorCode.Error_Unsupported_Forwarding_Option);
    // Options without critical flags are ignored.
    const soft = header({ options: [{ type: 9, flags: 0x04, value: new Uint8Array() }] });
    assert.equal(route(env, { header: soft, code: req, previousHop: B }).action, 'deliver');
  });
});

describe('answerPath (RFC 6940 §6.2.2)', () => {
  it('is the previous hop followed by the reversed via list', () => {
    const h = header({
      viaList: [
        { type: 'node', id: A },
        { type: 'node', id: B },
      ],
    });
    assert.deepEqual(answerPath(h, C), [
      { type: 'node', id: C },
      { type: 'node', id: B },
      { type: 'node', id: A },
    ]);
  });
});
