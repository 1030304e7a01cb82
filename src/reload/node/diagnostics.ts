import { second } from '../../core/clock.js';
import type { NodeId } from '../../core/ids.js';
import { resourceIdToBigInt } from '../../core/ids.js';
import { decode, encode } from '../../wire/index.js';
import { DiagnosticKind, ErrorCode, MessageCode, MessageExtensionType } from '../messages/codes.js';
import type { Destination } from '../messages/common.js';
import { makeExtension } from '../messages/contents.js';
import type { DiagnosticInfo } from '../messages/diagnostic-info.js';
import {
  type DiagnosticsRequest,
  type DiagnosticsResponse,
  diagnosticsResponse,
  findDiagnosticPing,
} from '../messages/diagnostics.js';
import { pathTrackAns, pathTrackReq } from '../messages/path-track.js';
import type { IncomingRequest, RequestResult, RequestSpec } from './types.js';

/**
 * RFC 7851 overlay diagnostics: PathTrack (a traceroute that asks each hop for the next one) and the
 * Diagnostic_Ping extension of Ping. Which diagnostic kinds a node reveals is a policy: RFC 7851 §6.3
 * denies by default unless the configuration grants access; we answer the harmless ones
 * (docs/decisions/0004-diagnostics-policy.md).
 */
export interface DiagnosticsHost {
  readonly localId: NodeId;
  readonly softwareVersion: string;
  /** Whether this node is responsible for the ring position (the destination of the trace). */
  isResponsible(target: bigint): boolean;
  /** The next hop this node would forward to (RFC 7851 §4.3: what PathTrack reports). */
  nextHop(target: bigint): NodeId | undefined;
  routingTableSize(): number;
  uptimeSeconds(now: number): number;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
  now(): number;
}

/** RFC 7851 §5.1: expiration must lie 1–600 s in the future. */
const MAX_EXPIRATION = 600 * second;
const TRACE_EXPIRATION = 60 * second;
/** A path longer than this is a routing loop, not a path. */
export const MAX_TRACE_HOPS = 32;

/** Kinds any overlay member may read (RFC 7851 §6.3 lets the configuration decide; see the decision). */
const PUBLIC_KINDS: ReadonlySet<number> = new Set([
  DiagnosticKind.STATUS_INFO,
  DiagnosticKind.ROUTING_TABLE_SIZE,
  DiagnosticKind.SOFTWARE_VERSION,
  DiagnosticKind.APP_UPTIME,
]);

export interface TraceHop {
  readonly nodeId: NodeId;
  /** Round trip of the PathTrack exchange with this hop (ms). */
  readonly rttMs: number;
  /** The TTL the hop saw (RFC 7851 hop_counter): the initial TTL minus the hops the request took. */
  readonly hopCounter: number;
}

export type TraceResult =
  | { readonly ok: true; readonly hops: readonly TraceHop[] }
  | { readonly ok: false; readonly hops: readonly TraceHop[]; readonly reason: string };

function targetOf(d: Destination): bigint | undefined {
  return d.type === 'node' ? d.id : d.type === 'resource' ? resourceIdToBigInt(d.id) : undefined;
}

export class Diagnostics {
  readonly #host: DiagnosticsHost;

  constructor(host: DiagnosticsHost) {
    this.#host = host;
  }

  /** The diagnostic values this node reveals for a request's dMFlags (RFC 7851 §4.1, §5.3). */
  #collect(dmFlags: bigint, now: number): DiagnosticInfo[] {
    const out: DiagnosticInfo[] = [];
    const want = (kind: number): boolean => ((dmFlags >> BigInt(kind)) & 1n ? PUBLIC_KINDS.has(kind) : false);
    if (want(DiagnosticKind.STATUS_INFO)) out.push({ kind: 'STATUS_INFO', value: 0 });
    if (want(DiagnosticKind.ROUTING_TABLE_SIZE))
      out.push({ kind: 'ROUTING_TABLE_SIZE', value: this.#host.routingTableSize() });
    if (want(DiagnosticKind.SOFTWARE_VERSION))
      out.push({ kind: 'SOFTWARE_VERSION', value: this.#host.softwareVersion });
    if (want(DiagnosticKind.APP_UPTIME))
      out.push({ kind: 'APP_UPTIME', value: BigInt(this.#host.uptimeSeconds(now)) });
    return out;
  }

  /** RFC 7851 §5.1: a request whose expiration is past (or absurdly far) is answered Error_Message_Expired. */
  #expired(request: DiagnosticsRequest, now: number): boolean {
    const exp = Number(request.expiration);
    return exp <= now || exp > now + MAX_EXPIRATION + 5 * second;
  }

  #response(request: DiagnosticsRequest, ttl: number, now: number): DiagnosticsResponse {
    return {
      expiration: BigInt(now + TRACE_EXPIRATION),
      timestampInitiated: request.timestampInitiated,
      timestampReceived: BigInt(now),
      // RFC 7851 §5.2: hop_counter is the TTL of the request as received.
      hopCounter: ttl,
      info: this.#collect(request.dmFlags, now),
    };
  }

  /** The path_track_req handler (RFC 7851 §4.3.2). */
  onPathTrack(req: IncomingRequest): void {
    const { destination, request } = decode(pathTrackReq, req.body, undefined, 'PathTrackReq');
    if (this.#expired(request, req.now)) {
      req.error(ErrorCode.Error_Message_Expired, 'diagnostics request expired');
      return;
    }
    const target = targetOf(destination);
    if (target === undefined) {
      req.error(ErrorCode.Error_Invalid_Message, 'PathTrack needs a node or resource destination');
      return;
    }
    const mine = target === this.#host.localId || this.#host.isResponsible(target);
    const next = mine ? this.#host.localId : this.#host.nextHop(target);
    if (next === undefined) {
      req.error(ErrorCode.Error_Not_Found, 'no next hop toward the destination');
      return;
    }
    req.answer(
      encode(pathTrackAns, {
        nextHop: { type: 'node', id: next },
        response: this.#response(request, req.header.ttl, req.now),
      }),
    );
  }

  /**
   * RFC 7851 §4.2: answers to a Ping that carries Diagnostic_Ping get the DiagnosticsResponse in an
   * extension of the same type. Returns the extensions for the answer (none for a plain Ping).
   */
  pingExtensions(req: IncomingRequest): ReturnType<typeof makeExtension>[] | { expired: true } {
    const request = findDiagnosticPing(req.extensions);
    if (request === undefined) return [];
    if (this.#expired(request, req.now)) return { expired: true };
    const response = this.#response(request, req.header.ttl, req.now);
    return [makeExtension(MessageExtensionType.Diagnostic_Ping, diagnosticsResponse, response, false)];
  }

  /**
   * Traces the overlay path to a destination with PathTrack (RFC 7851 §4.3.1): ask our own table for the
   * first hop, then each hop in turn for the next, until a hop names itself (it is the destination).
   */
  trace(destination: Destination, callback: (r: TraceResult) => void): void {
    const target = targetOf(destination);
    const hops: TraceHop[] = [];
    if (target === undefined) {
      callback({ ok: false, hops, reason: 'trace needs a node or resource destination' });
      return;
    }
    if (target === this.#host.localId || this.#host.isResponsible(target)) {
      callback({ ok: true, hops: [{ nodeId: this.#host.localId, rttMs: 0, hopCounter: 0 }] });
      return;
    }
    const first = this.#host.nextHop(target);
    if (first === undefined) {
      callback({ ok: false, hops, reason: 'no route: the routing table is empty' });
      return;
    }
    const ask = (hop: NodeId): void => {
      const now = this.#host.now();
      const request: DiagnosticsRequest = {
        expiration: BigInt(now + TRACE_EXPIRATION),
        timestampInitiated: BigInt(now),
        dmFlags: 0n,
        extensions: [],
      };
      this.#host.request(
        {
          destination: [{ type: 'node', id: hop }],
          code: MessageCode.path_track_req,
          body: encode(pathTrackReq, { destination, request }),
        },
        (r) => {
          if (!r.ok) {
            callback({ ok: false, hops, reason: `hop ${hops.length + 1}: ${r.reason}` });
            return;
          }
          const ans = decode(pathTrackAns, r.body, undefined, 'PathTrackAns');
          hops.push({ nodeId: hop, rttMs: r.rtt, hopCounter: ans.response.hopCounter });
          const next = ans.nextHop.type === 'node' ? ans.nextHop.id : undefined;
          if (next === undefined) callback({ ok: false, hops, reason: 'a hop answered a non-node next hop' });
          else if (next === hop) callback({ ok: true, hops });
          else if (hops.length >= MAX_TRACE_HOPS || hops.some((h) => h.nodeId === next)) {
            callback({ ok: false, hops, reason: 'routing loop' });
          } else ask(next);
        },
      );
    };
    ask(first);
  }
}
