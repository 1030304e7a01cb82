import { TypedEmitter } from '../../src/core/events.js';
import { type NodeId, nodeIdFromHex } from '../../src/core/ids.js';
import { nullLogger } from '../../src/core/logger.js';
import { type ControlPeer, controlApi } from '../../src/dashboard/control-api.js';
import { createMetrics } from '../../src/dashboard/metrics.js';
import type { ControlStorage } from '../../src/dashboard/storage-routes.js';
import { type HttpServerHandle, startHttpServer } from '../../src/platform/node/http-server.js';
import type { PeerEvent } from '../../src/platform/node/peer-events.js';
import type { Destination } from '../../src/reload/messages/common.js';
import { ErrorCode, MessageCode, UNFRAGMENTED } from '../../src/reload/messages/index.js';
import type { TraceResult } from '../../src/reload/node/diagnostics.js';
import type { RequestResult } from '../../src/reload/node/types.js';

/**
 * A control API (src/dashboard) on 127.0.0.1 with a fake peer behind it, for tests of the routes and of
 * the commands that talk to them.
 */
export const ME = '0123456789abcdef0123456789abcdef';
export const OTHER = 'fedcba9876543210fedcba9876543210';

export const STATUS = {
  nodeId: ME,
  overlay: 'test.p2psip',
  state: 'joined',
  listen: '127.0.0.1:6084',
  sip: null,
  predecessors: [OTHER],
  successors: [OTHER],
  fingers: [OTHER],
  links: 2,
  storedResources: 0,
  storedValues: 0,
  registrations: 0,
};

export function answerFrom(id: NodeId): RequestResult {
  return {
    ok: true,
    code: MessageCode.ping_ans,
    body: new Uint8Array(),
    extensions: [],
    signer: { nodeId: id, userName: 'x@test.p2psip', certificate: new Uint8Array() },
    certificates: [],
    header: {
      overlay: 1,
      configurationSequence: 1,
      version: 10,
      ttl: 99,
      fragment: UNFRAGMENTED,
      transactionId: 1n as never,
      maxResponseLength: 0,
      viaList: [],
      destinationList: [],
      options: [],
    },
    rtt: 12,
  };
}

/** A Ping or trace hop that never got an answer (RFC 6940 §6.2.1: five transmissions, then give up). */
export const NO_ANSWER: RequestResult = {
  ok: false,
  errorCode: ErrorCode.Error_Request_Timeout,
  info: new Uint8Array(),
  reason: 'no answer after all retransmissions',
  signer: undefined,
};

export class FakePeer implements ControlPeer {
  readonly pinged: Destination[] = [];
  readonly emitter = new TypedEmitter<{ event: PeerEvent }>();
  readonly events = { on: (l: (e: PeerEvent) => void) => this.emitter.on('event', l) };
  pingResult: RequestResult = answerFrom(nodeIdFromHex(OTHER));
  /** Storage behind the storage routes (test/support/mem-storage.ts); none: they answer 501. */
  storage?: ControlStorage;
  status(): object {
    return STATUS;
  }
  async ping(d: Destination): Promise<RequestResult> {
    this.pinged.push(d);
    return this.pingResult;
  }
  async trace(): Promise<TraceResult> {
    return {
      ok: true,
      hops: [
        { nodeId: nodeIdFromHex(OTHER), rttMs: 3, hopCounter: 100 },
        { nodeId: nodeIdFromHex(ME), rttMs: 5, hopCounter: 99 },
      ],
    };
  }
}

/** The control API with fixed counters and a one-file dashboard, serving `peer`. */
export function serveFakeControl(peer: FakePeer, maxBodyBytes = 4096): Promise<HttpServerHandle> {
  const metrics = createMetrics({
    stats: {
      bytesIn: 100,
      bytesOut: 200,
      forwarded: 4,
      retransmissions: 1,
      messagesIn: new Map([['ping_req', 3]]),
      messagesOut: new Map([['ping_ans', 3]]),
      dropped: new Map([['malformed forwarding header', 2]]),
    },
    links: () => 2,
    connections: () => 3,
    routingTableSize: () => 5,
    pendingRequests: () => 0,
    internalErrors: () => 0,
    tlsRefused: () => new Map([['bad certificate', 1]]),
  });
  const assets = new Map([
    ['/index.html', { contentType: 'text/html', body: new TextEncoder().encode('<p>hi') }],
  ]);
  return startHttpServer('127.0.0.1', 0, controlApi(peer, metrics, assets), {
    log: nullLogger,
    maxBodyBytes,
  });
}
