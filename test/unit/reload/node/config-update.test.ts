import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8, utf8 } from '../../../../src/core/bytes.js';
import { kindId, nodeIdToHex } from '../../../../src/core/ids.js';
import type { KindDefinition, OverlayConfig } from '../../../../src/reload/config/overlay-config.js';
import { kindElement } from '../../../../src/reload/config/write.js';
import { ErrorCode, MessageCode } from '../../../../src/reload/messages/codes.js';
import { configUpdateReq } from '../../../../src/reload/messages/config-update.js';
import type { ConfigUpdateEvents } from '../../../../src/reload/node/config-update.js';
import type { RequestResult } from '../../../../src/reload/node/types.js';
import type { ReloadNode } from '../../../../src/reload/node.js';
import { signBlob, verifyConfigurationDocument } from '../../../../src/reload/security/config-signature.js';
import { X509Signer } from '../../../../src/reload/security/signer.js';
import { decode, encode } from '../../../../src/wire/index.js';
import {
  SIGNED_NOW,
  SIGNED_OVERLAY,
  type SignedOverlay,
  signedOverlay,
} from '../../../support/signed-config.js';
import { type Overlay, overlay, ringErrors } from '../../../support/test-node.js';

/**
 * ConfigUpdate (RFC 6940 §6.5.4) on the in-memory overlay: real signed documents (an ECDSA CA and
 * configuration signer), fake message signatures. The network clock starts at the fixture's time, when
 * the certificates are valid.
 */
const fixture = signedOverlay();
const MAX = 16 * 1024;
const PRIVATE_KIND: KindDefinition = {
  id: kindId(0xf000_0002),
  dataModel: 'single',
  accessPolicy: 'USER-MATCH',
  maxCount: 1,
  maxSize: 100,
};

function installed(f: SignedOverlay, config: OverlayConfig) {
  return verifyConfigurationDocument(f.sign(config), { instanceName: SIGNED_OVERLAY, now: SIGNED_NOW });
}

/** n nodes, node i running the configuration configOf(i), joined into a ring. */
function ring(f: SignedOverlay, n: number, seed: number, configOf: (i: number) => OverlayConfig): Overlay {
  const o = overlay(n, seed, {
    perNode: (i) => ({ configuration: installed(f, configOf(i)), maxMessageSize: MAX }),
  });
  o.net.now = SIGNED_NOW;
  o.nodes.forEach((node, i) => {
    o.net.advance(o.net.now + (i === 0 ? 0 : 500));
    node.start(o.net.now);
    o.net.settle();
  });
  o.net.advance(o.net.now + 60_000);
  return o;
}

function record<K extends keyof ConfigUpdateEvents>(nodes: readonly ReloadNode[], event: K) {
  const seen: { node: ReloadNode; e: ConfigUpdateEvents[K] }[] = [];
  for (const node of nodes) node.configUpdates?.events.on(event, (e) => seen.push({ node, e }));
  return seen;
}

function send(o: Overlay, from: ReloadNode, to: ReloadNode, body: Uint8Array): RequestResult {
  const got: RequestResult[] = [];
  from.request(
    { destination: [{ type: 'node', id: to.localId }], code: MessageCode.config_update_req, body },
    o.net.now,
    (r) => got.push(r),
  );
  o.net.settle();
  const r = got[0];
  assert.ok(r !== undefined, 'an answer');
  return r;
}

const configBody = (doc: Uint8Array) => encode(configUpdateReq, { type: 'config', configData: doc });
const sequences = (o: Overlay) =>
  o.nodes.map((n) => [n.configUpdates?.config.sequence, n.transport.configurationSequence]);

describe('ConfigUpdate on an in-memory overlay (RFC 6940 §6.5.4, §6.3.2.1)', () => {
  it('spreads a newer signed configuration offered at one node to every node', async () => {
    const f = await fixture;
    const o = ring(f, 8, 11, () => f.config);
    assert.deepEqual(ringErrors(o.nodes), []);
    const seen = record(o.nodes, 'installed');
    const v2 = f.sign({ ...f.config, sequence: 2, badNodes: ['00112233445566778899aabbccddeeff'] });
    o.nodes[3]?.configUpdates?.offer(v2, o.net.now);
    o.net.settle();
    o.net.advance(o.net.now + 5_000);
    assert.deepEqual(
      sequences(o),
      o.nodes.map(() => [2, 2]),
    );
    assert.equal(seen.length, 8, 'installed once on every node');
    for (const { e } of seen) {
      assert.equal(fromUtf8(e.document), fromUtf8(v2), 'the very bytes, so the signature still holds');
      assert.deepEqual(e.config.badNodes, ['00112233445566778899aabbccddeeff']);
      assert.deepEqual(e.restartNeeded, []);
    }
    assert.deepEqual(ringErrors(o.nodes), [], 'the ring survives the change of sequence');
  });

  it('brings a node that missed an update up to date from its neighbours, and tells it to fetch', async () => {
    const f = await fixture;
    const v2 = { ...f.config, sequence: 2 };
    // Node 5 still runs sequence 1; its first request to anyone is answered Error_Config_Too_Old.
    const o = ring(f, 6, 12, (i) => (i === 5 ? f.config : v2));
    const late = o.nodes[5];
    assert.equal(late?.configUpdates?.config.sequence, 2);
    assert.deepEqual(
      sequences(o),
      o.nodes.map(() => [2, 2]),
    );
    assert.deepEqual(ringErrors(o.nodes), []);
  });

  it('emits outdated with the newer sequence and the enrollment servers when a request is newer', async () => {
    const f = await fixture;
    const o = ring(f, 2, 13, () => f.config);
    const [a, b] = o.nodes as [ReloadNode, ReloadNode];
    const outdated = record([b], 'outdated');
    // a jumps ahead without telling b: b must notice from a's next request.
    const installedAtA = record([a], 'installed');
    a.transport.setConfigurationSequence(7);
    a.ping({ type: 'node', id: b.localId }, o.net.now, () => undefined);
    o.net.settle();
    assert.equal(installedAtA.length, 0);
    assert.equal(outdated.length, 1);
    assert.equal(outdated[0]?.e.theirs, 7);
    assert.equal(outdated[0]?.e.ours, 1);
    assert.deepEqual(outdated[0]?.e.enrollmentServers, [`https://${SIGNED_OVERLAY}/enroll`]);
    // Rate-limited: the same news again within the interval is not repeated.
    a.ping({ type: 'node', id: b.localId }, o.net.now, () => undefined);
    o.net.settle();
    assert.equal(outdated.length, 1);
  });

  it('refuses a forged, an older and a tampered document, and changes nothing', async () => {
    const f = await fixture;
    const v3 = { ...f.config, sequence: 3 };
    const o = ring(f, 3, 14, () => v3);
    const [a, b] = o.nodes as [ReloadNode, ReloadNode];
    const seen = record(o.nodes, 'installed');
    const rejected = record([b], 'rejected');
    const outdated = record([b], 'outdated');
    const mallory = await f.issue(`mallory@${SIGNED_OVERLAY}`);
    const forged = send(o, a, b, configBody(f.sign({ ...f.config, sequence: 4 }, mallory)));
    assert.ok(!forged.ok);
    assert.equal(forged.errorCode, ErrorCode.Error_Forbidden);
    assert.match(forged.reason, /not a listed configuration-signer/);
    const older = send(o, a, b, configBody(f.sign({ ...f.config, sequence: 2 })));
    assert.ok(!older.ok);
    assert.equal(older.errorCode, ErrorCode.Error_Config_Too_Old);
    const text = fromUtf8(f.sign({ ...f.config, sequence: 4 })).replace(
      '<initial-ttl>100',
      '<initial-ttl>99',
    );
    const tampered = send(o, a, b, configBody(utf8(text)));
    assert.ok(!tampered.ok);
    assert.equal(tampered.errorCode, ErrorCode.Error_Forbidden);
    assert.equal(seen.length, 0);
    assert.equal(rejected.length, 3);
    // A document it cannot verify that claims to be newer: fetch the real one from the server (once).
    assert.deepEqual(
      outdated.map(({ e }) => e.theirs),
      [4],
    );
    assert.deepEqual(
      sequences(o),
      o.nodes.map(() => [3, 3]),
    );
  });

  it('answers the document it already runs without installing it again', async () => {
    const f = await fixture;
    const o = ring(f, 2, 15, () => f.config);
    const [a, b] = o.nodes as [ReloadNode, ReloadNode];
    const seen = record([b], 'installed');
    const r = send(o, a, b, configBody(b.configUpdates?.document ?? new Uint8Array()));
    assert.ok(r.ok);
    assert.equal(seen.length, 0);
  });

  it('sends its ConfigUpdates with configuration_sequence 65535 in the forwarding header', async () => {
    const f = await fixture;
    const o = overlay(2, 16, {
      perNode: (i) =>
        i === 0 ? { configuration: installed(f, f.config), maxMessageSize: MAX } : { maxMessageSize: MAX },
    });
    o.net.now = SIGNED_NOW;
    const [a, b] = o.nodes as [ReloadNode, ReloadNode];
    const headers: number[] = [];
    const docs: string[] = [];
    b.transport.handle(MessageCode.config_update_req, (req) => {
      headers.push(req.header.configurationSequence);
      const body = decode(configUpdateReq, req.body);
      if (body.type === 'config') docs.push(fromUtf8(body.configData));
      req.answer(new Uint8Array());
    });
    for (const n of o.nodes) {
      n.start(o.net.now);
      o.net.settle();
      o.net.advance(o.net.now + 1000);
    }
    a.configUpdates?.push(b.localId, o.net.now);
    o.net.settle();
    assert.deepEqual(headers, [0xffff]);
    assert.equal(docs[0], fromUtf8(a.configUpdates?.document ?? new Uint8Array()));
  });

  it('takes kind updates signed by a listed kind-signer and refuses others and conflicting ones', async () => {
    const f = await fixture;
    const kindSigner = await f.issue(`kinds@${SIGNED_OVERLAY}`);
    const config = { ...f.config, kindSigners: [nodeIdToHex(kindSigner.nodeId)] };
    const o = ring(f, 2, 17, () => config);
    const [a, b] = o.nodes as [ReloadNode, ReloadNode];
    const kinds = record([b], 'kinds');
    const block = (kind: KindDefinition, by = kindSigner) => {
      const text = kindElement(kind, '');
      const sig = Buffer.from(signBlob(new X509Signer(by, 16), utf8(text)).value).toString('base64');
      return utf8(`<kind-block>${text}<kind-signature>${sig}</kind-signature></kind-block>`);
    };
    const body = (k: Uint8Array) => encode(configUpdateReq, { type: 'kind', kinds: [k] });
    const ok = send(o, a, b, body(block(PRIVATE_KIND)));
    assert.ok(ok.ok, ok.ok ? '' : ok.reason);
    assert.equal(kinds.length, 1);
    assert.ok(kinds[0]?.e.kinds.some((k) => k.id === PRIVATE_KIND.id));
    const unlisted = send(o, a, b, body(block({ ...PRIVATE_KIND, maxSize: 5 }, f.signer)));
    assert.ok(!unlisted.ok);
    assert.equal(unlisted.errorCode, ErrorCode.Error_Forbidden);
    // SIP-REGISTRATION comes from the configuration itself: a kind-signer cannot redefine it.
    const sip = config.kinds.find((k) => k.name === 'SIP-REGISTRATION');
    assert.ok(sip);
    const conflict = send(o, a, b, body(block({ ...sip, maxSize: 1 })));
    assert.ok(!conflict.ok);
    assert.equal(conflict.errorCode, ErrorCode.Error_Forbidden);
    assert.match(conflict.reason, /is defined by configuration/);
    assert.equal(b.configUpdates?.kinds.find((k) => k.id === sip.id)?.maxSize, sip.maxSize);
    assert.equal(kinds.length, 1);
  });

  it('reports parameters that need a restart', async () => {
    const f = await fixture;
    const o = ring(f, 2, 18, () => f.config);
    const seen = record([o.nodes[0] as ReloadNode], 'installed');
    const v2 = {
      ...f.config,
      sequence: 2,
      initialTtl: 50,
      chord: { ...f.config.chord, updateInterval: 300 },
    };
    o.nodes[0]?.configUpdates?.offer(f.sign(v2), o.net.now);
    assert.deepEqual(seen[0]?.e.restartNeeded, ['initialTtl', 'chord']);
  });
});
