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

function b<K extends BodyName>(name: K, value: BodyTypes[K]): Body {
  return { name, value } as Body;
}

const diagnostics: DiagnosticsRequest = {
  expiration: now + 60_000n,
  timestampInitiated: now,
  dmFlags: 0x2n,
  extensions: [],
};

/** At least one message of every method and answer, errors of several kinds, and extended Ping/Probe. */
export async function sampleMessages(id: TestIdentity): Promise<Sample[]> {
  const sip = encode(sipRegistration, {
    type: 'route',
    contactPrefs: '',
    destinationList: [{ type: 'node', id: id.nodeId }],
  });
  const key = encode(chordRouteQueryAns, { nextPeer: id.nodeId });
  const sipValue = await signedValue(id, kindId(KindCode.SIP_REGISTRATION), {
    model: 'dictionary',
    key,
    exists: true,
    value: sip,
  });
  const turnValue = await signedValue(id, kindId(KindCode.TURN_SERVICE), {
    model: 'single',
    exists: true,
    value: encode(turnServer, {
      iteration: 1,
      serverAddress: { family: 'ipv4', address: '192.0.2.9', port: 3478 },
    }),
  });
  const certValue = await signedValue(id, kindId(KindCode.CERTIFICATE_BY_NODE), {
    model: 'array',
    index: 0,
    exists: true,
    value: id.certificate,
  });
  const candidates = [
    {
      addrPort: { family: 'ipv4' as const, address: '192.0.2.1', port: 6084 },
      overlayLink: 1,
      foundation: '1',
      priority: 0x7effffff,
      type: 'host' as const,
      extensions: [],
    },
    {
      addrPort: { family: 'ipv6' as const, address: '2001:db8::5', port: 40000 },
      overlayLink: 1,
      foundation: '2',
      priority: 0x64ffffff,
      type: 'srflx' as const,
      relAddrPort: { family: 'ipv4' as const, address: '10.0.0.5', port: 6084 },
      extensions: [{ name: utf8('x'), value: utf8('y') }],
    },
  ];
  const specifiers = [
    { kind: kindId(1), generation: 0n, model: 'dictionary' as const, keys: [] },
    { kind: kindId(2), generation: 0n, model: 'single' as const },
    { kind: kindId(3), generation: 5n, model: 'array' as const, indices: [{ first: 0, last: 0xffff_ffff }] },
  ];
  const meta = { exists: true, valueLength: sip.length, hashAlgorithm: 4, hashValue: new Uint8Array(32) };
  const response = {
    expiration: now + 60_000n,
    timestampInitiated: now,
    timestampReceived: now + 5n,
    hopCounter: 97,
    info: [],
  };
  const list: Array<[string, Body, MessageExtension[]]> = [
    ['probe_req', b('probe_req', { requestedInfo: [1, 2, 3] }), []],
    [
      'probe_ans',
      b('probe_ans', {
        probeInfo: [
          { type: 'responsible_set', value: 250_000_000 },
          { type: 'uptime', value: 600 },
        ],
      }),
      [],
    ],
    [
      'attach_req',
      b('attach_req', {
        ufrag: 'ufrg',
        password: 'pwd-0123456789abcdefghij',
        role: 'passive',
        candidates,
        sendUpdate: true,
      }),
      [],
    ],
    [
      'attach_ans',
      b('attach_ans', {
        ufrag: 'frag',
        password: 'pwd-abcdefghij0123456789',
        role: 'active',
        candidates,
        sendUpdate: false,
      }),
      [],
    ],
    [
      'store_req',
      b('store_req', {
        resource: alice,
        replicaNumber: 0,
        kindData: [
          { kind: kindId(1), generationCounter: 0n, values: [sipValue] },
          { kind: kindId(3), generationCounter: 0n, values: [certValue] },
        ],
      }),
      [],
    ],
    [
      'store_ans',
      b('store_ans', {
        kindResponses: [{ kind: kindId(1), generationCounter: 2n, replicas: [peer('44'), peer('55')] }],
      }),
      [],
    ],
    ['fetch_req', b('fetch_req', { resource: alice, specifiers }), []],
    [
      'fetch_ans',
      b('fetch_ans', {
        kindResponses: [
          { kind: kindId(1), generation: 2n, values: [sipValue] },
          { kind: kindId(2), generation: 1n, values: [turnValue] },
        ],
      }),
      [],
    ],
    ['find_req', b('find_req', { resource: alice, kinds: [kindId(2)] }), []],
    ['find_ans', b('find_ans', { results: [{ kind: kindId(2), closest: alice }] }), []],
    ['join_req', b('join_req', { joiningPeerId: id.nodeId, overlaySpecificData: new Uint8Array(0) }), []],
    ['join_ans', b('join_ans', { overlaySpecificData: new Uint8Array(0) }), []],
    [
      'leave_req',
      b('leave_req', {
        leavingPeerId: id.nodeId,
        overlaySpecificData: encode(chordLeaveData, {
          type: 'from_succ',
          successors: [peer('44'), peer('55')],
        }),
      }),
      [],
    ],
    ['leave_ans', b('leave_ans', {}), []],
    [
      'update_req (neighbors)',
      b(
        'update_req',
        encode(chordUpdate, {
          uptime: 600,
          type: 'neighbors',
          predecessors: [peer('22')],
          successors: [peer('44')],
        }),
      ),
      [],
    ],
    [
      'update_req (full)',
      b(
        'update_req',
        encode(chordUpdate, {
          uptime: 601,
          type: 'full',
          predecessors: [peer('22')],
          successors: [peer('44')],
          fingers: [peer('66'), peer('99')],
        }),
      ),
      [],
    ],
    ['update_ans', b('update_ans', new Uint8Array(0)), []],
    [
      'route_query_req',
      b('route_query_req', {
        sendUpdate: true,
        destination: { type: 'node', id: peer('77') },
        overlaySpecificData: new Uint8Array(0),
      }),
      [],
    ],
    ['route_query_ans', b('route_query_ans', encode(chordRouteQueryAns, { nextPeer: peer('66') })), []],
    ['ping_req', b('ping_req', { padding: new Uint8Array(16) }), []],
    ['ping_ans', b('ping_ans', { responseId: 0x1122334455667788n, time: now }), []],
    ['stat_req', b('stat_req', { resource: alice, specifiers }), []],
    [
      'stat_ans',
      b('stat_ans', {
        kindResponses: [
          {
            kind: kindId(1),
            generation: 2n,
            values: [{ storageTime: now, lifetime: 3600, metadata: { model: 'dictionary', key, ...meta } }],
          },
        ],
      }),
      [],
    ],
    [
      'app_attach_req',
      b('app_attach_req', {
        ufrag: 'ufrg',
        password: 'pwd-0123456789abcdefghij',
        application: 5060,
        role: 'passive',
        candidates,
      }),
      [],
    ],
    [
      'app_attach_ans',
      b('app_attach_ans', {
        ufrag: 'frag',
        password: 'pwd-abcdefghij0123456789',
        application: 5060,
        role: 'active',
        candidates,
      }),
      [],
    ],
    [
      'config_update_req (config)',
      b('config_update_req', {
        type: 'config',
        configData: utf8('<overlay xmlns="urn:ietf:params:xml:ns:p2p:config-base"></overlay>'),
      }),
      [],
    ],
    [
      'config_update_req (kind)',
      b('config_update_req', {
        type: 'kind',
        kinds: [
          utf8('<kind-block><kind id="4026531841"><data-model>SINGLE</data-model></kind></kind-block>'),
        ],
      }),
      [],
    ],
    ['config_update_ans', b('config_update_ans', {}), []],
    [
      'path_track_req',
      b('path_track_req', { destination: { type: 'resource', id: alice }, request: diagnostics }),
      [],
    ],
    ['path_track_ans', b('path_track_ans', { nextHop: { type: 'node', id: peer('66') }, response }), []],
    ['error Error_Unknown_Kind', b('error', unknownKindError([kindId(0xf000_0001)])), []],
    [
      'error Error_Generation_Counter_Too_Low',
      b('error', generationCounterTooLowError([{ kind: kindId(1), generationCounter: 3n }])),
      [],
    ],
    ['error Error_Not_Found', b('error', textError(ErrorCode.Error_Not_Found, 'no such resource')), []],
    [
      'error Error_Message_Expired (RFC 7851)',
      b('error', textError(ErrorCode.Error_Message_Expired, 'expired')),
      [],
    ],
    [
      'ping_req + Diagnostic_Ping',
      b('ping_req', { padding: new Uint8Array(0) }),
      [diagnosticPingExtension(diagnostics)],
    ],
    [
      'probe_req + self_tuning_data',
      b('probe_req', { requestedInfo: [3] }),
      [selfTuningExtension({ networkSize: 1000, joinRate: 10628, leaveRate: 4 })],
    ],
  ];
  const out: Sample[] = [];
  for (const [i, [label, body, extensions]] of list.entries()) {
    const m = await sign(id, i, body, extensions);
    out.push({ label, code: m.contents.code, bytes: encodeMessage(m), extensions });
  }
  return out;
}
