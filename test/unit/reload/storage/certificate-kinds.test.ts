import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hour } from '../../../../src/core/clock.js';
import { type KindId, nodeIdToBytes, type ResourceId, resourceIdToHex } from '../../../../src/core/ids.js';
import { registeredKind } from '../../../../src/reload/config/kinds.js';
import { KindCode, MessageCode } from '../../../../src/reload/messages/codes.js';
import { ARRAY_APPEND_INDEX } from '../../../../src/reload/messages/stored-data.js';
import type { RequestResult, RequestSpec } from '../../../../src/reload/node/types.js';
import { indexFor } from '../../../../src/reload/storage/certificate-publisher.js';
import type { FetchResult, StoreResult } from '../../../../src/reload/storage/client.js';
import { ALICE, alice, Harness, identity, rid, sync, text } from '../../../support/storage-harness.js';
import { overlay, ringErrors, startNodes, userOf } from '../../../support/test-node.js';

/**
 * The certificate kinds (RFC 6940 §8): each node keeps its certificate in the overlay, and a fetcher that
 * gets a value whose signer's certificate is not in the answer finds it there and verifies the value.
 */
const SIP = registeredKind('SIP-REGISTRATION', 4, 200);
const BY_NODE = registeredKind('CERTIFICATE_BY_NODE', 4, 400);
const BY_USER = registeredKind('CERTIFICATE_BY_USER', 4, 400);
const bob = identity(2);

/** Alice's SIP registration at H(her user name), keyed by her Node-ID (RFC 7904 USER-NODE-MATCH). */
function register(h: Harness): void {
  const key = nodeIdToBytes(alice.signer.nodeId);
  const r = sync<StoreResult>((cb) =>
    h.client(alice).store(ALICE, [{ kind: SIP.id, values: [{ key, value: text('route') }] }], 600, h.now, cb),
  );
  assert.ok(r.ok, r.ok ? '' : r.reason);
}

function storeCertificate(h: Harness, kind: KindId, at: ResourceId): void {
  const cert = alice.signer.certificates[0]?.certificate ?? new Uint8Array();
  const r = sync<StoreResult>((cb) =>
    h.client(alice).store(at, [{ kind, values: [{ value: cert }] }], 600, h.now, cb),
  );
  assert.ok(r.ok, r.ok ? '' : r.reason);
}

/** Bob fetches Alice's registration from a peer that leaves every certificate out of its answers. */
function fetchWithoutCertificates(h: Harness): { result: FetchResult; asked: string[] } {
  const asked: string[] = [];
  const send = (spec: RequestSpec, cb: (r: RequestResult) => void): void => {
    const dest = spec.destination[0];
    asked.push(`${spec.code}@${dest?.type === 'resource' ? resourceIdToHex(dest.id) : '?'}`);
    h.deliver(spec, bob, (r) => cb(r.ok ? { ...r, certificates: [] } : r));
  };
  const result = sync<FetchResult>((cb) =>
    h.client(bob, { send }).fetch(ALICE, [{ kind: SIP.id }], h.now, cb),
  );
  return { result, asked };
}

describe('a fetcher finds missing certificates in the certificate kinds (RFC 6940 §8)', () => {
  it('verifies a value whose signer the answer does not name, with the certificate stored at H(Node-ID)', () => {
    const h = new Harness([SIP, BY_NODE, BY_USER]);
    register(h);
    storeCertificate(h, BY_NODE.id, rid(nodeIdToBytes(alice.signer.nodeId)));
    const { result, asked } = fetchWithoutCertificates(h);
    assert.ok(result.ok);
    const kind = result.kinds[0];
    assert.equal(kind?.rejected, 0);
    assert.equal(kind?.values[0]?.signer?.nodeId, alice.signer.nodeId);
    const fetch = MessageCode.fetch_req;
    assert.deepEqual(
      asked.sort(),
      [
        `${fetch}@${resourceIdToHex(ALICE)}`,
        // USER-NODE-MATCH: the user's certificates live at the same Resource-ID...
        `${fetch}@${resourceIdToHex(ALICE)}`,
        // ...and the dictionary key is a Node-ID: H(Node-ID) holds that node's certificate.
        `${fetch}@${resourceIdToHex(rid(nodeIdToBytes(alice.signer.nodeId)))}`,
      ].sort(),
    );
  });

  it('verifies it with the certificate stored at H(user name) alone', () => {
    const h = new Harness([SIP, BY_NODE, BY_USER]);
    register(h);
    storeCertificate(h, BY_USER.id, ALICE);
    const { result } = fetchWithoutCertificates(h);
    assert.ok(result.ok);
    assert.equal(result.kinds[0]?.values.length, 1);
    assert.equal(result.kinds[0]?.rejected, 0);
  });

  it('still rejects the value when no certificate is stored, or only one that does not verify it', () => {
    const h = new Harness([SIP, BY_NODE, BY_USER]);
    register(h);
    let { result } = fetchWithoutCertificates(h);
    assert.ok(result.ok);
    assert.deepEqual([result.kinds[0]?.values.length, result.kinds[0]?.rejected], [0, 1]);
    // Bob's own certificate at his own H(Node-ID): a valid entry, but not the one Alice's signature names.
    const at = rid(nodeIdToBytes(bob.signer.nodeId));
    const cert = bob.signer.certificates[0]?.certificate ?? new Uint8Array();
    const r = sync<StoreResult>((cb) =>
      h.client(bob).store(at, [{ kind: BY_NODE.id, values: [{ value: cert }] }], 600, h.now, cb),
    );
    assert.ok(r.ok);
    ({ result } = fetchWithoutCertificates(h));
    assert.ok(result.ok);
    assert.deepEqual([result.kinds[0]?.values.length, result.kinds[0]?.rejected], [0, 1]);
  });

  it('asks nothing more when the answer carries the certificates', () => {
    const h = new Harness([SIP, BY_NODE, BY_USER]);
    register(h);
    let asked = 0;
    const send = (spec: RequestSpec, cb: (r: RequestResult) => void): void => {
      asked++;
      h.deliver(spec, bob, cb);
    };
    const r = sync<FetchResult>((cb) => h.client(bob, { send }).fetch(ALICE, [{ kind: SIP.id }], h.now, cb));
    assert.ok(r.ok);
    assert.equal(r.kinds[0]?.values.length, 1);
    assert.equal(asked, 1);
  });
});

describe('each node stores its certificate when it joins, and again before it expires (RFC 6940 §8)', () => {
  const BY_NODE_ID = KindCode.CERTIFICATE_BY_NODE as KindId;
  const BY_USER_ID = KindCode.CERTIFICATE_BY_USER as KindId;

  it('under CERTIFICATE_BY_NODE at H(Node-ID) and CERTIFICATE_BY_USER at H(user name), fetchable by all', () => {
    const lifetime = 2 * 3600;
    const o = overlay(6, 7, { storage: { publishCertificate: { lifetime } } });
    startNodes(o);
    o.net.advance(o.net.now + 60_000);
    assert.deepEqual(ringErrors(o.nodes), []);
    const fetcher = o.nodes[0];
    assert.ok(fetcher !== undefined);
    const fetchOne = (kind: KindId, name: Uint8Array | string): FetchResult => {
      let out: FetchResult | undefined;
      fetcher.fetch(kind, fetcher.resourceIdOf(name), {}, o.net.now, (r) => {
        out = r;
      });
      o.net.settle();
      assert.ok(out !== undefined);
      return out;
    };
    const check = (): void => {
      for (const n of o.nodes) {
        const own = n.certificates;
        assert.ok(own !== undefined);
        for (const r of [
          fetchOne(BY_NODE_ID, nodeIdToBytes(n.localId)),
          fetchOne(BY_USER_ID, userOf(n.localId)),
        ]) {
          assert.ok(r.ok, r.ok ? '' : r.reason);
          const values = r.kinds[0]?.values ?? [];
          assert.equal(values.length, 1, 'exactly one certificate, stored again in place');
          assert.equal(values[0]?.signer?.nodeId, n.localId);
        }
      }
    };
    check();
    const first = o.nodes.map((n) => n.certificates?.published ?? 0);
    assert.ok(first.every((p) => p >= 1));
    // Past 3/4 of the lifetime every node has stored it again; past the lifetime it is still there.
    o.net.advance(o.net.now + 1.6 * hour);
    o.net.advance(o.net.now + 0.6 * hour);
    check();
    assert.ok(o.nodes.every((n, i) => (n.certificates?.published ?? 0) > (first[i] ?? 0)));
  });

  it('keeps the index of its own certificate, replaces an older one of its own, else appends', () => {
    const cert = alice.signer.certificates[0]?.certificate ?? new Uint8Array();
    const entry = (index: number, value: Uint8Array, who = alice) => ({
      value: { model: 'array' as const, index, exists: true, value },
      storageTime: 1n,
      lifetime: 60,
      signer: { nodeId: who.signer.nodeId, userName: who.signer.userName },
    });
    assert.equal(indexFor([], cert, alice.signer), ARRAY_APPEND_INDEX);
    assert.equal(indexFor([entry(0, text('bob'), bob), entry(3, cert)], cert, alice.signer), 3);
    assert.equal(indexFor([entry(0, text('bob'), bob), entry(2, text('old'))], cert, alice.signer), 2);
    assert.equal(indexFor([entry(0, text('bob'), bob)], cert, alice.signer), ARRAY_APPEND_INDEX);
  });
});
