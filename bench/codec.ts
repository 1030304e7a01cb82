import { kindId, nodeIdFromHex, resourceIdFromHex, type TransactionId } from '../src/core/ids.js';
import {
  type Body,
  chordUpdate,
  decodeMessage,
  encodeMessage,
  ianaKindModel,
  MessageBodies,
  RELOAD_VERSION,
  type ReloadMessage,
  type Signature,
  sipRegistration,
  UNFRAGMENTED,
} from '../src/reload/messages/index.js';
import { decode, encode } from '../src/wire/index.js';
import { type Bench, cpuOpsPerSecond, formatRate, table } from './harness.js';

/**
 * Encode and decode rates of whole RELOAD messages (forwarding header, contents with the body, security
 * block), body included in both directions, for the two messages a running overlay sends most: a Store
 * of a SIP-REGISTRATION and a Chord Update.
 */
const bodies = new MessageBodies(ianaKindModel);

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** A realistic signature: RSA-2048 (256 bytes) by a cert_hash (SHA-256) identity. */
const signature: Signature = {
  algorithm: { hash: 4, signature: 1 },
  identity: { type: 'cert_hash', hashAlgorithm: 4, certificateHash: filled(32, 1) },
  value: filled(256, 2),
};
const peer = (b: string) => nodeIdFromHex(b.repeat(16));

function message(body: Body, destination: ReloadMessage['header']['destinationList'][number]): ReloadMessage {
  const { code, bytes } = bodies.encodeBody(body);
  return {
    header: {
      overlay: 0x9aa32b8d,
      configurationSequence: 1,
      version: RELOAD_VERSION,
      ttl: 97,
      fragment: UNFRAGMENTED,
      transactionId: 0x0102030405060708n as TransactionId,
      maxResponseLength: 0,
      viaList: [
        { type: 'node', id: peer('33') },
        { type: 'node', id: peer('44') },
      ],
      destinationList: [destination],
      options: [],
    },
    contents: { code, body: bytes, extensions: [] },
    // One ~1 KB X.509 certificate: the codec only carries its bytes.
    security: { certificates: [{ type: 0, certificate: filled(1024, 3) }], signature },
  };
}

const registration = encode(sipRegistration, {
  type: 'route',
  contactPrefs: '',
  destinationList: [{ type: 'node', id: peer('11') }],
});
const storeBody: Body = {
  name: 'store_req',
  value: {
    resource: resourceIdFromHex('45a6b241a242c97f0492d382c390dfa3'),
    replicaNumber: 0,
    kindData: [
      {
        kind: kindId(1),
        generationCounter: 0n,
        values: [
          {
            storageTime: 1_700_000_000_000n,
            lifetime: 3600,
            value: { model: 'dictionary', key: filled(16, 4), exists: true, value: registration },
            signature,
          },
        ],
      },
    ],
  },
};
const store = message(storeBody, {
  type: 'resource',
  id: resourceIdFromHex('45a6b241a242c97f0492d382c390dfa3'),
});

const neighbors = {
  uptime: 600,
  type: 'neighbors' as const,
  predecessors: [peer('21'), peer('22'), peer('23')],
  successors: [peer('24'), peer('25'), peer('26')],
};
const updateBody = (): Body => ({ name: 'update_req', value: encode(chordUpdate, neighbors) });
const update = message(updateBody(), { type: 'node', id: peer('22') });

/** Decoding means the whole way to a typed body (and, for the Update, the ChordUpdate inside it). */
function decodeStore(bytes: Uint8Array): void {
  const m = decodeMessage(bytes);
  bodies.decode(m.contents.code, m.contents.body);
}

function decodeUpdate(bytes: Uint8Array): void {
  const m = decodeMessage(bytes);
  const body = bodies.decode(m.contents.code, m.contents.body);
  if (body.name === 'update_req') decode(chordUpdate, body.value);
}

/** Encoding likewise starts from the typed body (for the Update, from the ChordUpdate). */
function encodeFrom(m: ReloadMessage, body: () => Body): Uint8Array {
  const { code, bytes } = bodies.encodeBody(body());
  return encodeMessage({ ...m, contents: { code, body: bytes, extensions: [] } });
}

export const bench: Bench = {
  name: 'codec',
  async run() {
    const cases: Array<[string, ReloadMessage, () => Body, (b: Uint8Array) => void]> = [
      [
        'Store (SIP-REGISTRATION, 1 dictionary value, 1 KB cert, RSA-2048 signatures)',
        store,
        () => storeBody,
        decodeStore,
      ],
      ['Update (ChordUpdate neighbors, 3 + 3 Node-IDs, 1 KB cert)', update, updateBody, decodeUpdate],
    ];
    const rows: string[][] = [];
    for (const [what, m, body, dec] of cases) {
      const bytes = encodeMessage(m);
      const enc = cpuOpsPerSecond(() => encodeFrom(m, body), 2000);
      const decRate = cpuOpsPerSecond(() => dec(bytes), 2000);
      rows.push([what, String(bytes.length), formatRate(enc), formatRate(decRate)]);
    }
    return {
      title: 'RELOAD message codec',
      markdown: [
        table(['message', 'bytes', 'encode (messages/s)', 'decode (messages/s)'], rows),
        '',
        'Per second of CPU time on one core, whole messages: forwarding header with a 2-entry via list, contents and security block.',
        'Both directions go from/to the typed body (StoreReq with its StoredData; ChordUpdate inside the',
        'UpdateReq). Signing and verifying are not codec work and are not included.',
      ].join('\n'),
    };
  },
};
