import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bytesEqual, utf8 } from '../../src/core/bytes.js';
import { type KindId, kindId, nodeIdFromHex, nodeIdToBytes, type ResourceId } from '../../src/core/ids.js';
import { chordResourceId, overlayHash } from '../../src/reload/config/hashes.js';
import {
  ErrorCode,
  errorResponse,
  fetchAnsCodec,
  fetchReqCodec,
  ianaKindModel,
  KindCode,
  MessageCode,
  type ReloadMessage,
  type StoredData,
  storeReqCodec,
} from '../../src/reload/messages/index.js';
import { certificateFromPem, parseCertificate } from '../../src/reload/security/certificate.js';
import { wholeKind } from '../../src/reload/storage/fetch-rules.js';
import { signValue } from '../../src/reload/storage/value-signing.js';
import { decode, encode } from '../../src/wire/index.js';
import { getMetrics, getStatus, ringProblems } from '../support/control.js';
import { killAll, type PeerProcess, startPeers, waitUntil } from '../support/peer-process.js';
import { buildRequest, selfSignedIdentity, TestClient, type TestIdentity } from '../support/reload-client.js';

/**
 * Messages that must change nothing (RFC 6940 §13): a Store whose signature does not verify, sent over a
 * TLS link with a good certificate, and an old StoredData replayed in a new Store (§7.4.1.1: a value
 * older than the stored one is Error_Data_Too_Old). Three real peers on 127.0.0.1; the test is the
 * attacker, with a self-signed identity the overlay accepts. It also finds each peer's certificate where
 * RFC 6940 §8 says every node stores it.
 */
const OVERLAY = 'test.p2psip';
const HASH = overlayHash(OVERLAY);
const KIND = kindId(KindCode.CERTIFICATE_BY_USER);
const CTX = { nodeIdLength: 16 };
const storeCodec = storeReqCodec(ianaKindModel);
const fetchReq = fetchReqCodec(ianaKindModel);
const fetchAns = fetchAnsCodec(ianaKindModel);

describe('forged and replayed messages, and stored certificates, on real peers', { timeout: 240_000 }, () => {
  const T = { timeout: 90_000 };
  let dir = '';
  let peers: PeerProcess[] = [];
  let me: TestIdentity;
  let client: TestClient;
  /** USER-MATCH (RFC 6940 §7.3.1): our own user name's Resource-ID is where we may write. */
  let resource: ResourceId;

  const request = (code: number, body: Uint8Array, at: ResourceId = resource) =>
    buildRequest(me.signer, {
      overlay: HASH,
      configurationSequence: 1,
      destination: [{ type: 'resource', id: at }],
      code,
      body,
    });
  const value = (text: string, storageTime: bigint): StoredData =>
    signValue(me.signer, resource, KIND, storageTime, 600, {
      model: 'array',
      index: 0,
      exists: true,
      value: utf8(text),
    });
  const store = (...values: StoredData[]) =>
    request(
      MessageCode.store_req,
      encode(
        storeCodec,
        { resource, replicaNumber: 0, kindData: [{ kind: KIND, generationCounter: 0n, values }] },
        CTX,
      ),
    );
  const ask = async (r: { bytes: Uint8Array; txid: ReloadMessage['header']['transactionId'] }) => {
    client.send(r.bytes);
    return client.answerTo(r.txid);
  };
  const errorOf = (m: ReloadMessage): number | undefined =>
    m.contents.code === MessageCode.error ? decode(errorResponse, m.contents.body).errorCode : undefined;
  /** The live values of an array kind at a resource, as the responsible peer answers a Fetch. */
  const fetchArray = async (kind: KindId, at: ResourceId): Promise<Uint8Array[]> => {
    const body = encode(fetchReq, { resource: at, specifiers: [wholeKind(kind, 'array')] }, CTX);
    const answer = await ask(request(MessageCode.fetch_req, body, at));
    assert.equal(answer.contents.code, MessageCode.fetch_ans);
    const values = decode(fetchAns, answer.contents.body, CTX).kindResponses[0];
    assert.ok(values !== undefined && 'values' in values);
    return values.values.filter((v) => v.value.exists).map((v) => v.value.value);
  };
  /** What the responsible peer holds for us: the texts of the live values. */
  const held = async (): Promise<string[]> =>
    (await fetchArray(KIND, resource)).map((v) => new TextDecoder().decode(v));
  const badSignatureDrops = async (): Promise<number> => {
    let n = 0;
    for (const p of peers) {
      for (const [k, v] of await getMetrics(p.control)) {
        if (k.startsWith('p2psip_dropped_total{reason="bad signature')) n += v;
      }
    }
    return n;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2psip-forged-'));
    peers = await startPeers(dir, { peers: 3, updateInterval: 3, pingInterval: 1 });
    await waitUntil(
      'a ring of three',
      async () => ringProblems(await Promise.all(peers.map((p) => getStatus(p.control)))),
      60_000,
    );
    me = await selfSignedIdentity(OVERLAY);
    resource = chordResourceId(me.signer.userName);
    const [host, port] = (peers[0] as PeerProcess).listen.split(':');
    client = await TestClient.connectTls({ host: host ?? '127.0.0.1', port: Number(port) }, me);
  });

  after(async () => {
    client?.close();
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it(
    'drops a Store whose signature does not verify, or whose contents changed after signing',
    T,
    async () => {
      const drops = await badSignatureDrops();
      const badSignature = store(value('forged', BigInt(Date.now())));
      const bytes = Uint8Array.from(badSignature.bytes);
      // The signature value is the last field of the message: its framing stays valid.
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
      client.send(bytes);
      const tampered = store(value('signed', BigInt(Date.now())));
      const changed = Uint8Array.from(tampered.bytes);
      const at = Buffer.from(changed).indexOf('signed');
      assert.ok(at > 0);
      changed.set(utf8('forged'), at);
      client.send(changed);
      await waitUntil(
        'both dropped at the destination',
        async () =>
          (await badSignatureDrops()) >= drops + 2 ? [] : [`${(await badSignatureDrops()) - drops} drops`],
        30_000,
      );
      assert.deepEqual(await held(), [], 'nothing was stored');
      const answered = client.messages.filter(
        (m) => m.header.transactionId === badSignature.txid || m.header.transactionId === tampered.txid,
      );
      // Dropped silently (RFC 6940 §7.1), or refused: never a StoreAns.
      for (const m of answered) assert.equal(errorOf(m), ErrorCode.Error_Forbidden);
    },
  );

  it(
    'rejects an older StoredData replayed in a new Store with Error_Data_Too_Old (RFC 6940 §7.4.1.1)',
    T,
    async () => {
      const t1 = BigInt(Date.now());
      const first = value('first', t1);
      const firstStore = store(first);
      assert.equal((await ask(firstStore)).contents.code, MessageCode.store_ans);
      assert.equal((await ask(store(value('second', t1 + 1000n)))).contents.code, MessageCode.store_ans);
      // The first value, validly signed by its owner, in a fresh message.
      assert.equal(errorOf(await ask(store(first))), ErrorCode.Error_Data_Too_Old);
      // The first Store again, byte for byte: answered as before (RFC 6940 §6.2.1) or refused, never applied.
      client.send(firstStore.bytes);
      assert.deepEqual(await held(), ['second']);
      for (const p of peers) assert.equal((await getStatus(p.control)).internalErrors, 0);
    },
  );

  it(
    'finds the certificate of every peer under CERTIFICATE_BY_NODE and CERTIFICATE_BY_USER (RFC 6940 §8)',
    T,
    async () => {
      for (const p of peers) {
        const cert = parseCertificate(
          certificateFromPem(await readFile(join(p.identityDir, 'node.crt'), 'utf8')),
        );
        const byNode = chordResourceId(nodeIdToBytes(nodeIdFromHex(p.nodeId)));
        const byUser = chordResourceId(cert.userName ?? '');
        await waitUntil(
          `the certificates of ${p.nodeId} stored`,
          async () => {
            const problems: string[] = [];
            for (const [kind, at] of [
              [kindId(KindCode.CERTIFICATE_BY_NODE), byNode],
              [kindId(KindCode.CERTIFICATE_BY_USER), byUser],
            ] as const) {
              const values = await fetchArray(kind, at);
              if (values.length !== 1 || !bytesEqual(values[0] ?? new Uint8Array(), cert.der))
                problems.push(`kind ${kind}: ${values.length} values`);
            }
            return problems;
          },
          30_000,
        );
      }
    },
  );
});
