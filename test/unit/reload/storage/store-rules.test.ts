import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { concatBytes } from '../../../../src/core/bytes.js';
import { type KindId, kindId, nodeIdToBytes, type ResourceId } from '../../../../src/core/ids.js';
import { registeredKind } from '../../../../src/reload/config/kinds.js';
import type { KindDefinition } from '../../../../src/reload/config/overlay-config.js';
import { ErrorCode, HashAlgorithm } from '../../../../src/reload/messages/codes.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import { nodeMultipleResourceName } from '../../../../src/reload/storage/access.js';
import type {
  FetchResult,
  FindResult,
  StatResult,
  StoreResult,
} from '../../../../src/reload/storage/client.js';
import {
  ALICE,
  alice,
  Harness,
  identity,
  OVERLAY,
  privateKind,
  rid,
  sync,
  text,
} from '../../../support/storage-harness.js';

const SINGLE = privateKind(1, 'single', 1, 16);
const DICT = privateKind(3, 'dictionary', 2, 16);
const SIP = registeredKind('SIP-REGISTRATION', 4, 200);
const TURN = registeredKind('TURN-SERVICE', 1, 64);
const CERT = registeredKind('CERTIFICATE_BY_NODE', 4, 200);
const KINDS = [SINGLE, DICT, SIP, TURN, CERT];

const bob = identity(2);

function code(r: StoreResult | FetchResult | StatResult | FindResult | RequestResult): number | undefined {
  return r.ok ? undefined : r.errorCode;
}

function store(
  h: Harness,
  who = alice,
  resource: ResourceId,
  kind: KindId,
  vals: { value: Uint8Array; key?: Uint8Array }[],
): StoreResult {
  return sync<StoreResult>((cb) => h.client(who).store(resource, [{ kind, values: vals }], 60, h.now, cb));
}

function fetchText(h: Harness, resource: ResourceId, kind: KindId): string[] {
  const r = sync<FetchResult>((cb) => h.client(alice).fetch(resource, [{ kind }], h.now, cb));
  assert.ok(r.ok);
  return (r.kinds[0]?.values ?? [])
    .filter((v) => v.value.exists)
    .map((v) => new TextDecoder().decode(v.value.value));
}

describe('Store rejections (RFC 6940 §7.4.1.2): the right error and nothing stored or overwritten', () => {
  it('a value signed by a user whose name does not hash to the resource: Error_Forbidden', () => {
    const h = new Harness(KINDS);
    assert.equal(code(store(h, bob, ALICE, SINGLE.id, [{ value: text('bob') }])), ErrorCode.Error_Forbidden);
    assert.equal(h.storage.resourceCount, 0);
  });

  it("Alice's value in a Store signed by Bob: Error_Forbidden (both signers must conform, §7.3)", () => {
    const h = new Harness(KINDS);
    const spec = h.capture(alice, (c) =>
      c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('v') }] }], 60, h.now, () => undefined),
    );
    const r = sync<RequestResult>((cb) => h.deliver(spec, bob, cb));
    assert.equal(code(r), ErrorCode.Error_Forbidden);
    assert.equal(h.storage.resourceCount, 0);
    assert.equal(code(sync<RequestResult>((cb) => h.deliver(spec, alice, cb))), undefined);
  });

  it("USER-NODE-MATCH: a dictionary key that is not the signer's Node-ID: Error_Forbidden", () => {
    const h = new Harness(KINDS);
    const own = nodeIdToBytes(alice.signer.nodeId);
    const other = nodeIdToBytes(bob.signer.nodeId);
    assert.equal(
      code(store(h, alice, ALICE, SIP.id, [{ key: other, value: text('route') }])),
      ErrorCode.Error_Forbidden,
    );
    assert.equal(h.storage.resourceCount, 0);
    assert.equal(code(store(h, alice, ALICE, SIP.id, [{ key: own, value: text('route') }])), undefined);
    assert.equal(
      code(store(h, bob, ALICE, SIP.id, [{ key: other, value: text('route') }])),
      ErrorCode.Error_Forbidden,
    );
  });

  it('a value over max-size: Error_Data_Too_Large, the stored value stays', () => {
    const h = new Harness(KINDS);
    assert.equal(code(store(h, alice, ALICE, SINGLE.id, [{ value: text('small') }])), undefined);
    h.now++;
    assert.equal(
      code(store(h, alice, ALICE, SINGLE.id, [{ value: new Uint8Array(17) }])),
      ErrorCode.Error_Data_Too_Large,
    );
    assert.deepEqual(fetchText(h, ALICE, SINGLE.id), ['small']);
  });

  it('more values than max-count: Error_Data_Too_Large, none of them stored', () => {
    const h = new Harness(KINDS);
    assert.equal(code(store(h, alice, ALICE, DICT.id, [{ key: text('a'), value: text('1') }])), undefined);
    const r = store(h, alice, ALICE, DICT.id, [
      { key: text('b'), value: text('2') },
      { key: text('c'), value: text('3') },
    ]);
    assert.equal(code(r), ErrorCode.Error_Data_Too_Large);
    assert.deepEqual(fetchText(h, ALICE, DICT.id), ['1']);
    assert.equal(h.storage.valueCount, 1);
  });

  it('unknown kinds: Error_Unknown_Kind listing every one, and the known kind is not stored', () => {
    const h = new Harness(KINDS);
    const u1: KindDefinition = { ...SINGLE, id: kindId(0xf000_0100) };
    const u2: KindDefinition = { ...SINGLE, id: kindId(0xf000_0101) };
    const wider = new Harness([...KINDS, u1, u2]);
    const c = h.client(alice, { config: wider.storage });
    const r = sync<StoreResult>((cb) =>
      c.store(
        ALICE,
        [u1, SINGLE, u2].map((k) => ({ kind: k.id, values: [{ value: text('v') }] })),
        60,
        h.now,
        cb,
      ),
    );
    assert.equal(code(r), ErrorCode.Error_Unknown_Kind);
    assert.deepEqual(!r.ok && r.unknownKinds, [u1.id, u2.id]);
    assert.equal(h.storage.resourceCount, 0);
    const f = sync<FetchResult>((cb) => c.fetch(ALICE, [{ kind: SINGLE.id }, { kind: u2.id }], h.now, cb));
    assert.deepEqual(!f.ok && f.unknownKinds, [u2.id]);
  });

  it('a replayed older value: Error_Data_Too_Old, the newer value stays; an identical replay is harmless', () => {
    const h = new Harness(KINDS);
    const old = h.capture(alice, (c) =>
      c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('old') }] }], 60, h.now, () => undefined),
    );
    assert.equal(code(sync<RequestResult>((cb) => h.deliver(old, alice, cb))), undefined);
    assert.equal(
      code(sync<RequestResult>((cb) => h.deliver(old, alice, cb))),
      undefined,
      'the same value again',
    );
    assert.equal(h.storage.generation(ALICE, SINGLE.id), 1n, 'a repeat changes nothing');
    h.now += 1000;
    assert.equal(code(store(h, alice, ALICE, SINGLE.id, [{ value: text('new') }])), undefined);
    assert.equal(code(sync<RequestResult>((cb) => h.deliver(old, alice, cb))), ErrorCode.Error_Data_Too_Old);
    assert.deepEqual(fetchText(h, ALICE, SINGLE.id), ['new']);
  });

  it('a value whose signature does not verify: Error_Forbidden', () => {
    const h = new Harness(KINDS);
    const spec = h.capture(alice, (c) =>
      c.store(ALICE, [{ kind: SINGLE.id, values: [{ value: text('abc') }] }], 60, h.now, () => undefined),
    );
    const body = spec.body.slice();
    const at = body.lastIndexOf(0x61); // the 'a' of the value
    body[at] = 0x7a;
    const r = sync<RequestResult>((cb) => h.deliver({ ...spec, body }, alice, cb));
    assert.equal(code(r), ErrorCode.Error_Forbidden);
    assert.equal(h.storage.resourceCount, 0);
  });

  it('a kind twice in one Store: Error_Invalid_Message', () => {
    const h = new Harness(KINDS);
    const r = sync<StoreResult>((cb) =>
      h.client(alice).store(
        ALICE,
        [SINGLE, SINGLE].map((k) => ({ kind: k.id, values: [{ value: text('v') }] })),
        60,
        h.now,
        cb,
      ),
    );
    assert.equal(code(r), ErrorCode.Error_Invalid_Message);
  });

  it('an original Store at a peer not responsible for the resource: Error_Not_Found', () => {
    const h = new Harness(KINDS);
    h.responsible = false;
    assert.equal(code(store(h, alice, ALICE, SINGLE.id, [{ value: text('v') }])), ErrorCode.Error_Not_Found);
  });
});

describe('multi-kind Stores are atomic (RFC 6940 §7.4.1.1)', () => {
  it('one kind failing leaves the other kinds untouched', () => {
    const h = new Harness(KINDS);
    assert.equal(code(store(h, alice, ALICE, SINGLE.id, [{ value: text('before') }])), undefined);
    h.now++;
    const r = sync<StoreResult>((cb) =>
      h.client(alice).store(
        ALICE,
        [
          { kind: SINGLE.id, values: [{ value: text('after') }] },
          { kind: DICT.id, values: [{ key: text('k'), value: new Uint8Array(100) }] },
        ],
        60,
        h.now,
        cb,
      ),
    );
    assert.equal(code(r), ErrorCode.Error_Data_Too_Large);
    assert.deepEqual(fetchText(h, ALICE, SINGLE.id), ['before']);
    assert.equal(h.storage.generation(ALICE, SINGLE.id), 1n);
    assert.deepEqual(fetchText(h, ALICE, DICT.id), []);
  });

  it('all kinds succeeding are stored together, each with its own counter', () => {
    const h = new Harness(KINDS);
    const r = sync<StoreResult>((cb) =>
      h.client(alice).store(
        ALICE,
        [
          { kind: SINGLE.id, values: [{ value: text('s') }] },
          { kind: DICT.id, values: [{ key: text('k'), value: text('d') }] },
        ],
        60,
        h.now,
        cb,
      ),
    );
    assert.deepEqual(r.ok && r.kinds.map((k) => [k.kind, k.generationCounter]), [
      [SINGLE.id, 1n],
      [DICT.id, 1n],
    ]);
    assert.equal(h.storage.valueCount, 2);
  });
});

describe('access policies and the SIP domain restriction', () => {
  it('NODE-MATCH: CERTIFICATE_BY_NODE only at H(Node-ID)', () => {
    const h = new Harness(KINDS);
    const mine = rid(nodeIdToBytes(alice.signer.nodeId));
    const theirs = rid(nodeIdToBytes(bob.signer.nodeId));
    assert.equal(code(store(h, alice, mine, CERT.id, [{ value: text('cert') }])), undefined);
    assert.equal(
      code(store(h, alice, theirs, CERT.id, [{ value: text('cert') }])),
      ErrorCode.Error_Forbidden,
    );
  });

  it('NODE-MULTIPLE: TURN-SERVICE at H(Node-ID || i) for 1 <= i <= 20, one-byte i', () => {
    const h = new Harness(KINDS);
    const at = (i: number): ResourceId => rid(nodeMultipleResourceName(alice.signer.nodeId, i, 16));
    assert.equal(code(store(h, alice, at(1), TURN.id, [{ value: text('turn') }])), undefined);
    assert.equal(code(store(h, alice, at(20), TURN.id, [{ value: text('turn') }])), undefined);
    assert.equal(
      code(store(h, alice, at(21), TURN.id, [{ value: text('turn') }])),
      ErrorCode.Error_Forbidden,
    );
    const fourBytes = rid(concatBytes(nodeIdToBytes(alice.signer.nodeId), Uint8Array.of(0, 0, 0, 1)));
    assert.equal(
      code(store(h, alice, fourBytes, TURN.id, [{ value: text('turn') }])),
      ErrorCode.Error_Forbidden,
    );
  });

  it('RFC 7904 §3.4: SIP-REGISTRATION with a domain restriction refuses other domains', () => {
    const restricted: KindDefinition = {
      ...SIP,
      domainRestriction: { enable: true, patterns: ['.*\\.example\\.com'] },
    };
    const own: KindDefinition = { ...SIP, domainRestriction: { enable: false, patterns: [] } };
    const inDomain = identity(3, 'carol@sip.example.com');
    const key = (who: typeof alice): Uint8Array => nodeIdToBytes(who.signer.nodeId);
    const h = new Harness([restricted]);
    const reg = (who: typeof alice): StoreResult =>
      store(h, who, rid(who.signer.userName), SIP.id, [{ key: key(who), value: text('route') }]);
    assert.equal(code(reg(alice)), ErrorCode.Error_Forbidden);
    assert.equal(code(reg(inDomain)), undefined);
    const h2 = new Harness([own]);
    const reg2 = (who: typeof alice): StoreResult =>
      store(h2, who, rid(who.signer.userName), SIP.id, [{ key: key(who), value: text('route') }]);
    assert.equal(code(reg2(alice)), undefined, `${OVERLAY} is the overlay's own domain`);
    assert.equal(code(reg2(inDomain)), ErrorCode.Error_Forbidden);
  });
});

describe('Stat, Find and fetch-side verification', () => {
  it('Stat answers lengths, times, lifetimes and SHA-256 over the length-prefixed value', () => {
    const h = new Harness(KINDS);
    assert.equal(
      code(store(h, alice, ALICE, DICT.id, [{ key: text('k'), value: text('hello') }])),
      undefined,
    );
    const r = sync<StatResult>((cb) =>
      h.client(alice).stat(ALICE, [{ kind: DICT.id, keys: [text('k'), text('x')] }], cb),
    );
    assert.ok(r.ok);
    const k = r.kinds[0];
    assert.ok(k && 'values' in k);
    const [have, none] = k.values;
    const expected = createHash('sha256')
      .update(Uint8Array.of(0, 0, 0, 5))
      .update(text('hello'))
      .digest();
    assert.equal(have?.metadata.valueLength, 5);
    assert.equal(have?.storageTime, BigInt(h.now));
    assert.equal(have?.lifetime, 60);
    assert.equal(have?.metadata.exists, true);
    assert.equal(have?.metadata.hashAlgorithm, HashAlgorithm.sha256);
    assert.deepEqual(have?.metadata.hashValue, new Uint8Array(expected));
    assert.equal(none?.metadata.exists, false);
    assert.equal(none?.metadata.hashAlgorithm, HashAlgorithm.none);
  });

  it('Find returns, per kind, the first stored Resource-ID at or after the target, or zero', () => {
    const h = new Harness(KINDS);
    const users = [identity(10), identity(11), identity(12)];
    for (const u of users)
      assert.equal(code(store(h, u, rid(u.signer.userName), SINGLE.id, [{ value: text('v') }])), undefined);
    const ids = users.map((u) => rid(u.signer.userName)).sort((a, b) => Buffer.compare(a, b));
    const [first, second] = ids;
    assert.ok(first && second);
    const target = Uint8Array.from(first);
    target[15] = (target[15] ?? 0) + 1; // just after the first
    const r = sync<FindResult>((cb) => h.client(alice).find(target as ResourceId, [SINGLE.id, DICT.id], cb));
    assert.ok(r.ok);
    assert.deepEqual(r.results[0], { kind: SINGLE.id, closest: second });
    assert.deepEqual(r.results[1], { kind: DICT.id, closest: new Uint8Array(16) });
    h.responsible = false;
    const away = sync<FindResult>((cb) => h.client(alice).find(target as ResourceId, [SINGLE.id], cb));
    assert.equal(code(away), ErrorCode.Error_Not_Found);
  });

  it('a kind twice in a FindReq: Error_Invalid_Message', () => {
    const h = new Harness(KINDS);
    const r = sync<FindResult>((cb) => h.client(alice).find(ALICE, [SINGLE.id, SINGLE.id], cb));
    assert.equal(code(r), ErrorCode.Error_Invalid_Message);
  });

  it('the fetcher drops a value a lying peer changed, and counts it', () => {
    const h = new Harness(KINDS);
    assert.equal(
      code(store(h, alice, ALICE, DICT.id, [{ key: text('a'), value: text('honest') }])),
      undefined,
    );
    h.tamper = (body) => {
      const out = body.slice();
      out[out.lastIndexOf(0x68)] = 0x48; // 'h' of "honest" → 'H'
      return out;
    };
    const r = sync<FetchResult>((cb) => h.client(bob).fetch(ALICE, [{ kind: DICT.id }], h.now, cb));
    assert.ok(r.ok);
    assert.deepEqual(r.kinds[0]?.values, []);
    assert.equal(r.kinds[0]?.rejected, 1);
  });
});
