import { kindId, nodeIdFromHex, resourceIdFromHex, type TransactionId } from '../src/core/ids.js';
import { newSelfSignedOverlay } from '../src/reload/config/new-overlay.js';
import {
  type Body,
  decodeForwarded,
  decodePayload,
  encodeMessage,
  ianaKindModel,
  MessageBodies,
  messageContents,
  RELOAD_VERSION,
  type SecurityBlock,
  type Signature,
  type StoreReq,
  sipRegistration,
  storedDataSignatureInput,
  UNFRAGMENTED,
} from '../src/reload/messages/index.js';
import type { KeyAlgorithm } from '../src/reload/security/algorithms.js';
import { createSelfSignedIdentity } from '../src/reload/security/identity.js';
import { signMessage, verifyMessage } from '../src/reload/security/message-signing.js';
import { X509Signer } from '../src/reload/security/signer.js';
import { trustSettingsFromConfig } from '../src/reload/security/trust.js';
import { X509Verifier } from '../src/reload/security/verifier.js';
import { encode } from '../src/wire/index.js';
import { type Bench, cpuOpsPerSecond, formatRate, table } from './harness.js';

/**
 * What RELOAD's signatures cost (RFC 6940 §6.3.4: every message signed by its originator and verified by
 * its destination; §7.1: every stored value signed too): signatures and verifications per second for the
 * two algorithms we accept, and the share of a whole Store transaction (request and answer, both sides)
 * that is cryptography rather than codec work.
 */
const OVERLAY = 'bench.example.org';
const NOW = Date.UTC(2025, 0, 1);
const bodies = new MessageBodies(ianaKindModel);

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

interface Party {
  readonly signer: X509Signer;
  readonly verifier: X509Verifier;
}

async function party(alg: KeyAlgorithm): Promise<Party> {
  const id = await createSelfSignedIdentity({
    overlay: OVERLAY,
    digest: 'sha256',
    nodeIdLength: 16,
    now: NOW,
    keyAlgorithm: alg,
  });
  const verifier = new X509Verifier(
    trustSettingsFromConfig(newSelfSignedOverlay({ name: OVERLAY, bootstrapNodes: [], now: NOW })),
  );
  return { signer: new X509Signer(id, 16), verifier };
}

const resource = resourceIdFromHex('45a6b241a242c97f0492d382c390dfa3');
const kind = kindId(1);
const storageTime = 1_700_000_000_000n;
const value = {
  model: 'dictionary' as const,
  key: filled(16, 4),
  exists: true,
  value: encode(sipRegistration, {
    type: 'route',
    contactPrefs: '',
    destinationList: [{ type: 'node', id: nodeIdFromHex('11'.repeat(16)) }],
  }),
};
const header = (transactionId: TransactionId) => ({
  overlay: 0x9aa32b8d,
  configurationSequence: 1,
  version: RELOAD_VERSION,
  ttl: 97,
  fragment: UNFRAGMENTED,
  transactionId,
  maxResponseLength: 0,
  viaList: [],
  destinationList: [{ type: 'resource' as const, id: resource }],
  options: [],
});
const TXID = 0x0102030405060708n as TransactionId;

interface Signatures {
  valueSignature(): Signature;
  messageSecurity(contents: Uint8Array): SecurityBlock;
  verifyMessage(contents: Uint8Array, security: SecurityBlock): void;
  verifyValue(signature: Signature, security: SecurityBlock): void;
}

function real(p: Party): Signatures {
  const parts = (contents: Uint8Array) => ({ overlay: 0x9aa32b8d, transactionId: TXID, contents });
  return {
    valueSignature: () =>
      p.signer.sign(storedDataSignatureInput(resource, kind, storageTime, value, p.signer.identity)),
    messageSecurity: (contents) => signMessage(p.signer, parts(contents)),
    verifyMessage: (contents, security) => void verifyMessage(p.verifier, parts(contents), security, NOW),
    verifyValue: (signature, security) =>
      void p.verifier.verify(
        signature,
        storedDataSignatureInput(resource, kind, storageTime, value, signature.identity),
        security.certificates,
        NOW,
      ),
  };
}

/** The same bytes on the wire, with the signing and verifying left out. */
function none(p: Party): Signatures {
  const r = real(p);
  const sig = r.valueSignature();
  const sec = r.messageSecurity(new Uint8Array(8));
  return {
    valueSignature: () => sig,
    messageSecurity: () => sec,
    verifyMessage: () => undefined,
    verifyValue: () => undefined,
  };
}

/** One message out (sign, encode) and in at its destination (decode, verify). */
function oneWay(body: Body, s: Signatures): { body: Body; security: SecurityBlock } {
  const { code, bytes } = bodies.encodeBody(body);
  const contents = { code, body: bytes, extensions: [] };
  const security = s.messageSecurity(encode(messageContents, contents));
  const wire = encodeMessage({ header: header(TXID), contents, security });
  const { payload } = decodeForwarded(wire);
  const got = decodePayload(payload);
  s.verifyMessage(got.contentsBytes, got.security);
  return { body: bodies.decode(got.contents.code, got.contents.body), security: got.security };
}

/** A Store of one SIP-REGISTRATION value and its StoreAns: 3 signatures and 3 verifications. */
function storeTransaction(s: Signatures): void {
  const req: StoreReq = {
    resource,
    replicaNumber: 0,
    kindData: [
      {
        kind,
        generationCounter: 0n,
        values: [{ storageTime, lifetime: 3600, value, signature: s.valueSignature() }],
      },
    ],
  };
  const arrived = oneWay({ name: 'store_req', value: req }, s);
  if (arrived.body.name === 'store_req') {
    for (const k of arrived.body.value.kindData) {
      if ('values' in k) for (const v of k.values) s.verifyValue(v.signature, arrived.security);
    }
  }
  const replicas = [nodeIdFromHex('22'.repeat(16)), nodeIdFromHex('33'.repeat(16))];
  oneWay({ name: 'store_ans', value: { kindResponses: [{ kind, generationCounter: 1n, replicas }] } }, s);
}

export const bench: Bench = {
  name: 'crypto',
  async run() {
    const algorithms: [string, KeyAlgorithm][] = [
      ['RSA-2048 PKCS#1 v1.5 / SHA-256', 'rsa-2048'],
      ['ECDSA P-256 / SHA-256', 'ecdsa-p256'],
    ];
    const rates: string[][] = [];
    const shares: string[][] = [];
    for (const [label, alg] of algorithms) {
      const p = await party(alg);
      for (const size of [256, 1400]) {
        const input = filled(size, 9);
        const sig = p.signer.sign(input);
        const bucket = [...p.signer.certificates];
        rates.push([
          label,
          String(size),
          formatRate(cpuOpsPerSecond(() => p.signer.sign(input), 1500)),
          formatRate(cpuOpsPerSecond(() => p.verifier.verify(sig, input, bucket, NOW), 1500)),
        ]);
      }
      const withCrypto = real(p);
      const without = none(p);
      const full = cpuOpsPerSecond(() => storeTransaction(withCrypto), 2000);
      const bare = cpuOpsPerSecond(() => storeTransaction(without), 2000);
      const share = 1 - full / bare;
      shares.push([label, formatRate(full), formatRate(bare), `${(share * 100).toFixed(1)} %`]);
    }
    return {
      title: 'Signatures (RFC 6940 §6.3.4, §7.1)',
      markdown: [
        table(['algorithm', 'input bytes', 'sign (/s)', 'verify (/s)'], rates),
        '',
        'Per second of CPU time on one core. Verify is X509Verifier.verify: find the certificate the',
        'SignerIdentity names in the bucket, check the signature, and re-check validity and bad-node (the',
        'chain or self-signed check itself is cached per certificate, as in a running node).',
        '',
        table(['algorithm', 'Store transactions (/s)', 'same without crypto (/s)', 'crypto share'], shares),
        '',
        'A Store transaction is what a Store of one SIP-REGISTRATION value costs both ends: the storing',
        'node signs the value and the message and encodes it; the responsible peer decodes it, verifies the',
        'message and the value, signs and encodes the StoreAns; the storing node decodes and verifies it',
        '(3 signatures, 3 verifications). "Without crypto" sends the very same bytes with the signing and',
        'verifying left out, so the difference is the share of the cost that is cryptography.',
      ].join('\n'),
    };
  },
};
