import { utf8 } from '../../src/core/bytes.js';
import {
  type KindId,
  kindId,
  nodeIdFromHex,
  resourceIdFromHex,
  type TransactionId,
} from '../../src/core/ids.js';
import {
  type Body,
  type BodyName,
  type BodyTypes,
  chordLeaveData,
  chordRouteQueryAns,
  chordUpdate,
  type DiagnosticsRequest,
  diagnosticPingExtension,
  ErrorCode,
  encodeMessage,
  generationCounterTooLowError,
  type IceCandidate,
  ianaKindModel,
  KindCode,
  MessageBodies,
  type MessageExtension,
  messageSignatureInputFor,
  type ReloadMessage,
  type StoredData,
  type StoredDataValue,
  selfTuningExtension,
  sipRegistration,
  storedDataSignatureInput,
  textError,
  turnServer,
  unknownKindError,
} from '../../src/reload/messages/index.js';
import { encode } from '../../src/wire/index.js';
import { vectorHeader } from './reload-fixtures.js';
import type { TestIdentity } from './test-identity.js';

/** One sample message of a body type, signed by a real test identity. */
export interface Sample {
  readonly label: string;
  readonly code: number;
  readonly bytes: Uint8Array;
  /** Extensions whose numbers Wireshark 4.0 takes from drafts (see the interop test). */
  readonly extensions: readonly MessageExtension[];
}

const bodies = new MessageBodies(ianaKindModel);
const alice = resourceIdFromHex('45a6b241a242c97f0492d382c390dfa3');
const peer = (b: string) => nodeIdFromHex(b.repeat(16));
const now = 1_700_000_000_000n;

async function signedValue(id: TestIdentity, kind: KindId, value: StoredDataValue): Promise<StoredData> {
  const input = storedDataSignatureInput(alice, kind, now, value, id.signer);
  const sig = { algorithm: { hash: 4, signature: 1 }, identity: id.signer, value: await id.sign(input) };
  return { storageTime: now, lifetime: 3600, value, signature: sig };
}

async function sign(
  id: TestIdentity,
  txid: number,
  body: Body,
  extensions: MessageExtension[],
): Promise<ReloadMessage> {
  const { code, bytes } = bodies.encodeBody(body);
  const contents = { code, body: bytes, extensions };
  const transactionId = BigInt(0x5eed_0000 + txid) as TransactionId;
  const input = messageSignatureInputFor(0x9aa32b8d, transactionId, contents, id.signer);
  return {
    header: {
      ...vectorHeader(transactionId, { type: 'resource', id: alice }),
      viaList: [{ type: 'node', id: peer('33') }],
    },
    contents,
    security: {
      certificates: [{ type: 0, certificate: id.certificate }],
      signature: { algorithm: { hash: 4, signature: 1 }, identity: id.signer, value: await id.sign(input) },
    },
  };
}

type Entry = readonly [label: string, body: Body, extensions: MessageExtension[]];

function e<K extends BodyName>(
  label: string,
  name: K,
  value: BodyTypes[K],
  ext: MessageExtension[] = [],
): Entry {
  return [label, { name, value } as Body, ext];
}

const diagnostics: DiagnosticsRequest = {
  expiration: now + 60_000n,
  timestampInitiated: now,
  dmFlags: 0x2n,
  extensions: [],
};

const candidates: IceCandidate[] = [
  {
    addrPort: { family: 'ipv4', address: '192.0.2.1', port: 6084 },
    overlayLink: 1,
    foundation: '1',
    priority: 0x7effffff,
    type: 'host',
    extensions: [],
  },
  {
    addrPort: { family: 'ipv6', address: '2001:db8::5', port: 40000 },
    overlayLink: 1,
    foundation: '2',
    priority: 0x64ffffff,
    type: 'srflx',
    relAddrPort: { family: 'ipv4', address: '10.0.0.5', port: 6084 },
    extensions: [{ name: utf8('x'), value: utf8('y') }],
  },
];

const ice = (offer: boolean) =>
  offer
    ? { ufrag: 'ufrg', password: 'pwd-0123456789abcdefghij', role: 'passive', candidates }
    : { ufrag: 'frag', password: 'pwd-abcdefghij0123456789', role: 'active', candidates };

function connectionEntries(): Entry[] {
  const kindBlock = '<kind-block><kind id="4026531841"><data-model>SINGLE</data-model></kind></kind-block>';
  return [
    e('probe_req', 'probe_req', { requestedInfo: [1, 2, 3] }),
    e('probe_ans', 'probe_ans', {
      probeInfo: [
        { type: 'responsible_set', value: 250_000_000 },
        { type: 'uptime', value: 600 },
      ],
    }),
    e('attach_req', 'attach_req', { ...ice(true), sendUpdate: true }),
    e('attach_ans', 'attach_ans', { ...ice(false), sendUpdate: false }),
    e('app_attach_req', 'app_attach_req', { ...ice(true), application: 5060 }),
    e('app_attach_ans', 'app_attach_ans', { ...ice(false), application: 5060 }),
    e('ping_req', 'ping_req', { padding: new Uint8Array(16) }),
    e('ping_ans', 'ping_ans', { responseId: 0x1122334455667788n, time: now }),
    e('config_update_req (config)', 'config_update_req', {
      type: 'config',
      configData: utf8('<overlay xmlns="urn:ietf:params:xml:ns:p2p:config-base"></overlay>'),
    }),
    e('config_update_req (kind)', 'config_update_req', { type: 'kind', kinds: [utf8(kindBlock)] }),
    e('config_update_ans', 'config_update_ans', {}),
  ];
}

/** A SIP-REGISTRATION route, a TURN-SERVICE server and a CERTIFICATE_BY_NODE entry, each signed (§7.1). */
async function storedValues(id: TestIdentity): Promise<[StoredData, StoredData, StoredData]> {
  const route = {
    type: 'route' as const,
    contactPrefs: '',
    destinationList: [{ type: 'node' as const, id: id.nodeId }],
  };
  const server = {
    iteration: 1,
    serverAddress: { family: 'ipv4' as const, address: '192.0.2.9', port: 3478 },
  };
  return [
    await signedValue(id, kindId(KindCode.SIP_REGISTRATION), {
      model: 'dictionary',
      key: encode(chordRouteQueryAns, { nextPeer: id.nodeId }),
      exists: true,
      value: encode(sipRegistration, route),
    }),
    await signedValue(id, kindId(KindCode.TURN_SERVICE), {
      model: 'single',
      exists: true,
      value: encode(turnServer, server),
    }),
    await signedValue(id, kindId(KindCode.CERTIFICATE_BY_NODE), {
      model: 'array',
      index: 0,
      exists: true,
      value: id.certificate,
    }),
  ];
}

async function storageEntries(id: TestIdentity): Promise<Entry[]> {
  const [sip, turn, cert] = await storedValues(id);
  const key = sip.value.model === 'dictionary' ? sip.value.key : new Uint8Array(0);
  const specifiers = [
    { kind: kindId(1), generation: 0n, model: 'dictionary' as const, keys: [] },
    { kind: kindId(2), generation: 0n, model: 'single' as const },
    { kind: kindId(3), generation: 5n, model: 'array' as const, indices: [{ first: 0, last: 0xffff_ffff }] },
  ];
  const meta = {
    model: 'dictionary' as const,
    key,
    exists: true,
    valueLength: sip.value.value.length,
    hashAlgorithm: 4,
  };
  const metadata = { ...meta, hashValue: new Uint8Array(32) };
  return [
    e('store_req', 'store_req', {
      resource: alice,
      replicaNumber: 0,
      kindData: [
        { kind: kindId(1), generationCounter: 0n, values: [sip] },
        { kind: kindId(3), generationCounter: 0n, values: [cert] },
      ],
    }),
    e('store_ans', 'store_ans', {
      kindResponses: [{ kind: kindId(1), generationCounter: 2n, replicas: [peer('44')] }],
    }),
    e('fetch_req', 'fetch_req', { resource: alice, specifiers }),
    e('fetch_ans', 'fetch_ans', {
      kindResponses: [
        { kind: kindId(1), generation: 2n, values: [sip] },
        { kind: kindId(2), generation: 1n, values: [turn] },
      ],
    }),
    e('stat_req', 'stat_req', { resource: alice, specifiers }),
    e('stat_ans', 'stat_ans', {
      kindResponses: [
        { kind: kindId(1), generation: 2n, values: [{ storageTime: now, lifetime: 3600, metadata }] },
      ],
    }),
    e('find_req', 'find_req', { resource: alice, kinds: [kindId(2)] }),
    e('find_ans', 'find_ans', { results: [{ kind: kindId(2), closest: alice }] }),
  ];
}

function topologyEntries(id: TestIdentity): Entry[] {
  const none = new Uint8Array(0);
  const leave = encode(chordLeaveData, { type: 'from_succ', successors: [peer('44'), peer('55')] });
  const links = { predecessors: [peer('22')], successors: [peer('44')] };
  const neighbors = encode(chordUpdate, { uptime: 600, type: 'neighbors', ...links });
  const full = encode(chordUpdate, {
    uptime: 601,
    type: 'full',
    ...links,
    fingers: [peer('66'), peer('99')],
  });
  return [
    e('join_req', 'join_req', { joiningPeerId: id.nodeId, overlaySpecificData: none }),
    e('join_ans', 'join_ans', { overlaySpecificData: none }),
    e('leave_req', 'leave_req', { leavingPeerId: id.nodeId, overlaySpecificData: leave }),
    e('leave_ans', 'leave_ans', {}),
    e('update_req (neighbors)', 'update_req', neighbors),
    e('update_req (full)', 'update_req', full),
    e('update_ans', 'update_ans', none),
    e('route_query_req', 'route_query_req', {
      sendUpdate: true,
      destination: { type: 'node', id: peer('77') },
      overlaySpecificData: none,
    }),
    e('route_query_ans', 'route_query_ans', encode(chordRouteQueryAns, { nextPeer: peer('66') })),
  ];
}

function diagnosticAndErrorEntries(): Entry[] {
  const response = {
    expiration: now + 60_000n,
    timestampInitiated: now,
    timestampReceived: now + 5n,
    hopCounter: 97,
    info: [],
  };
  const tooLow = generationCounterTooLowError([{ kind: kindId(1), generationCounter: 3n }]);
  const tuning = selfTuningExtension({ networkSize: 1000, joinRate: 10628, leaveRate: 4 });
  return [
    e('path_track_req', 'path_track_req', {
      destination: { type: 'resource', id: alice },
      request: diagnostics,
    }),
    e('path_track_ans', 'path_track_ans', { nextHop: { type: 'node', id: peer('66') }, response }),
    e('error Error_Unknown_Kind', 'error', unknownKindError([kindId(0xf000_0001)])),
    e('error Error_Generation_Counter_Too_Low', 'error', tooLow),
    e('error Error_Not_Found', 'error', textError(ErrorCode.Error_Not_Found, 'no such resource')),
    e(
      'error Error_Message_Expired (RFC 7851)',
      'error',
      textError(ErrorCode.Error_Message_Expired, 'expired'),
    ),
    e('ping_req + Diagnostic_Ping', 'ping_req', { padding: new Uint8Array(0) }, [
      diagnosticPingExtension(diagnostics),
    ]),
    e('probe_req + self_tuning_data', 'probe_req', { requestedInfo: [3] }, [tuning]),
  ];
}

/** At least one message of every method and answer, errors of several kinds, and extended Ping/Probe. */
export async function sampleMessages(id: TestIdentity): Promise<Sample[]> {
  const entries = [
    ...connectionEntries(),
    ...(await storageEntries(id)),
    ...topologyEntries(id),
    ...diagnosticAndErrorEntries(),
  ];
  const out: Sample[] = [];
  for (const [i, [label, body, extensions]] of entries.entries()) {
    const m = await sign(id, i, body, extensions);
    out.push({ label, code: m.contents.code, bytes: encodeMessage(m), extensions });
  }
  return out;
}
