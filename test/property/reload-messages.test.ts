import { describe } from 'node:test';
import fc from 'fast-check';
import {
  type ChordLeaveData,
  type ChordUpdate,
  type ConfigUpdateReq,
  chordLeaveData,
  chordRouteQueryAns,
  chordUpdate,
  configUpdateReq,
  decodeForwarded,
  decodeFrame,
  decodeMessage,
  destination,
  encodeForwarded,
  encodeFrame,
  encodeMessage,
  errorResponse,
  type ForwardingHeader,
  type FramedMessage,
  ipAddressPort,
  joinReq,
  leaveReq,
  messageContents,
  type ProbeInformation,
  pingAns,
  pingReq,
  probeAns,
  probeReq,
  type ReloadMessage,
  routeQueryReq,
  type SipRegistration,
  securityBlock,
  selfTuningData,
  sipRegistration,
  turnServer,
  UNFRAGMENTED,
} from '../../src/reload/messages/index.js';
import { encode } from '../../src/wire/index.js';
import { codecProperties, type Format, formatOf } from '../support/codec-properties.js';
import * as A from '../support/reload-arbitraries.js';

const rec = A.rec;

const message: fc.Arbitrary<ReloadMessage> = rec({
  header: A.forwardingHeader.map((h): ForwardingHeader => ({ ...h, fragment: UNFRAGMENTED })),
  contents: A.messageContents,
  security: A.securityBlock,
});
const messageFormat: Format<ReloadMessage> = {
  encode: (m) => encodeMessage(m),
  decode: (b) => decodeMessage(b),
};

const forwarded = rec({ header: A.forwardingHeader, payload: A.bytes(48) });
const forwardedFormat: Format<{ header: ForwardingHeader; payload: Uint8Array }> = {
  encode: (f) => encodeForwarded(f.header, f.payload),
  decode: (b) => {
    const { header, payload } = decodeForwarded(b);
    return { header, payload };
  },
};

const frame: fc.Arbitrary<FramedMessage> = fc.oneof(
  rec({ type: fc.constant('data' as const), sequence: A.u32, message: A.bytes(48) }),
  rec({ type: fc.constant('ack' as const), ackSequence: A.u32, received: A.u32 }),
);

const probeInfo: fc.Arbitrary<ProbeInformation> = fc.oneof(
  rec({
    type: fc.constantFrom('responsible_set' as const, 'num_resources' as const, 'uptime' as const),
    value: A.u32,
  }),
  rec({ type: fc.constant('unknown' as const), code: fc.integer({ min: 4, max: 0xff }), data: A.bytes() }),
);

const nodeIds = fc.array(A.nodeId, { maxLength: 4 });
const chord: fc.Arbitrary<ChordUpdate> = fc.oneof(
  rec({ uptime: A.u32, type: fc.constant('peer_ready' as const) }),
  rec({ uptime: A.u32, type: fc.constant('neighbors' as const), predecessors: nodeIds, successors: nodeIds }),
  rec({
    uptime: A.u32,
    type: fc.constant('full' as const),
    predecessors: nodeIds,
    successors: nodeIds,
    fingers: nodeIds,
  }),
);
const chordLeave: fc.Arbitrary<ChordLeaveData> = fc.oneof(
  rec({ type: fc.constant('from_succ' as const), successors: nodeIds }),
  rec({ type: fc.constant('from_pred' as const), predecessors: nodeIds }),
);

const configUpdate: fc.Arbitrary<ConfigUpdateReq> = fc.oneof(
  rec({ type: fc.constant('config' as const), configData: A.bytes(48) }),
  rec({ type: fc.constant('kind' as const), kinds: fc.array(A.bytes(), { maxLength: 3 }) }),
  rec({ type: fc.constant('unknown' as const), code: fc.integer({ min: 3, max: 0xff }), data: A.bytes() }),
);

const sipReg: fc.Arbitrary<SipRegistration> = fc.oneof(
  rec({ type: fc.constant('uri' as const), uri: A.text(24) }),
  rec({
    type: fc.constant('route' as const),
    contactPrefs: A.text(),
    // RFC 7904 §3.2: destination_list<3..2^16-1>; a lone 2-byte destination is too short.
    destinationList: fc
      .array(A.destination, { minLength: 1, maxLength: 3 })
      .filter((l) => l.reduce((n, d) => n + encode(destination, d).length, 0) >= 3),
  }),
  rec({
    type: fc.constant('unknown' as const),
    code: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xff })),
    data: A.bytes(),
  }),
);

describe('properties of the RELOAD message frame and common types', () => {
  codecProperties('ReloadMessage', messageFormat, message);
  codecProperties('ForwardingHeader + payload', forwardedFormat, forwarded);
  codecProperties('FramedMessage', { encode: encodeFrame, decode: decodeFrame }, frame);
  codecProperties('MessageContents', formatOf(messageContents), A.messageContents);
  codecProperties('SecurityBlock', formatOf(securityBlock), A.securityBlock);
  codecProperties('Destination', formatOf(destination), A.destination);
  codecProperties('IpAddressPort', formatOf(ipAddressPort), A.ipAddressPort);
});

describe('properties of the connection and topology bodies', () => {
  codecProperties('PingReq', formatOf(pingReq), rec({ padding: A.bytes(64) }));
  codecProperties('PingAns', formatOf(pingAns), rec({ responseId: A.u64, time: A.u64 }));
  codecProperties('ProbeReq', formatOf(probeReq), rec({ requestedInfo: fc.array(A.u8, { maxLength: 6 }) }));
  codecProperties('ProbeAns', formatOf(probeAns), rec({ probeInfo: fc.array(probeInfo, { maxLength: 4 }) }));
  codecProperties(
    'JoinReq',
    formatOf(joinReq),
    rec({ joiningPeerId: A.nodeId, overlaySpecificData: A.bytes() }),
  );
  codecProperties(
    'LeaveReq',
    formatOf(leaveReq),
    rec({ leavingPeerId: A.nodeId, overlaySpecificData: A.bytes() }),
  );
  codecProperties(
    'RouteQueryReq',
    formatOf(routeQueryReq),
    rec({ sendUpdate: fc.boolean(), destination: A.destination, overlaySpecificData: A.bytes() }),
  );
  codecProperties('ChordUpdate', formatOf(chordUpdate), chord);
  codecProperties('ChordLeaveData', formatOf(chordLeaveData), chordLeave);
  codecProperties('ChordRouteQueryAns', formatOf(chordRouteQueryAns), rec({ nextPeer: A.nodeId }));
  codecProperties('ConfigUpdateReq', formatOf(configUpdateReq), configUpdate);
  codecProperties('ErrorResponse', formatOf(errorResponse), rec({ errorCode: A.u16, errorInfo: A.bytes() }));
  codecProperties('SipRegistration', formatOf(sipRegistration), sipReg);
  codecProperties(
    'TurnServer',
    formatOf(turnServer),
    rec({ iteration: A.u8, serverAddress: A.ipAddressPort }),
  );
  codecProperties(
    'SelfTuningData',
    formatOf(selfTuningData),
    rec({ networkSize: A.u32, joinRate: A.u32, leaveRate: A.u32 }),
  );
});
