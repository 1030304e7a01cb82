import { type Codec, type CodecContext, DEFAULT_CONTEXT, decode, encode } from '../../wire/index.js';
import { type AppAttachAns, type AppAttachReq, appAttachAns, appAttachReq } from './app-attach.js';
import { type AttachReqAns, attachReqAns } from './attach.js';
import { MessageCode } from './codes.js';
import {
  type ConfigUpdateAns,
  type ConfigUpdateReq,
  configUpdateAns,
  configUpdateReq,
} from './config-update.js';
import type { ModelOf } from './data-model.js';
import { type ErrorResponse, errorResponse } from './error.js';
import { type FetchAns, type FetchReq, fetchAnsCodec, fetchReqCodec } from './fetch.js';
import { type FindAns, type FindReq, findAns, findReq } from './find.js';
import { type JoinAns, type JoinReq, joinAns, joinReq } from './join.js';
import { type LeaveAns, type LeaveReq, leaveAns, leaveReq } from './leave.js';
import { type PathTrackAns, type PathTrackReq, pathTrackAns, pathTrackReq } from './path-track.js';
import { type PingAns, type PingReq, pingAns, pingReq } from './ping.js';
import { type ProbeAns, type ProbeReq, probeAns, probeReq } from './probe.js';
import { type RouteQueryAns, type RouteQueryReq, routeQueryAns, routeQueryReq } from './route-query.js';
import { type StatAns, type StatReq, statAnsCodec, statReqCodec } from './stat.js';
import { type StoreAns, type StoreReq, storeAns, storeReqCodec } from './store.js';
import { type UpdateAns, type UpdateReq, updateAns, updateReq } from './update.js';

/**
 * The one dispatch table from message code to body structure (RFC 6940 §6.3.3: "a message_code value of
 * join_req means that the structure named JoinReq is inserted inside message_body"), plus RFC 7851's
 * PathTrack. Update, RouteQuery answers and the Join/Leave overlay data stay generic here; chord.ts decodes
 * their CHORD-RELOAD contents. exp_a/exp_b and unassigned codes decode as `unknown` with their raw bytes.
 */
export interface BodyTypes {
  probe_req: ProbeReq;
  probe_ans: ProbeAns;
  attach_req: AttachReqAns;
  attach_ans: AttachReqAns;
  store_req: StoreReq;
  store_ans: StoreAns;
  fetch_req: FetchReq;
  fetch_ans: FetchAns;
  find_req: FindReq;
  find_ans: FindAns;
  join_req: JoinReq;
  join_ans: JoinAns;
  leave_req: LeaveReq;
  leave_ans: LeaveAns;
  update_req: UpdateReq;
  update_ans: UpdateAns;
  route_query_req: RouteQueryReq;
  route_query_ans: RouteQueryAns;
  ping_req: PingReq;
  ping_ans: PingAns;
  stat_req: StatReq;
  stat_ans: StatAns;
  app_attach_req: AppAttachReq;
  app_attach_ans: AppAttachAns;
  config_update_req: ConfigUpdateReq;
  config_update_ans: ConfigUpdateAns;
  path_track_req: PathTrackReq;
  path_track_ans: PathTrackAns;
  error: ErrorResponse;
}

export type BodyName = keyof BodyTypes;

export type BodyCodecTable = { readonly [K in BodyName]: Codec<BodyTypes[K]> };

/** A decoded message body: a known structure by name, or the raw bytes of a code nobody defined. */
export type Body =
  | { [K in BodyName]: { readonly name: K; readonly value: BodyTypes[K] } }[BodyName]
  | { readonly name: 'unknown'; readonly code: number; readonly bytes: Uint8Array };

/** Builds the table; Store, Fetch and Stat bodies need the data model of each kind. */
export function bodyCodecTable(modelOf: ModelOf): BodyCodecTable {
  return {
    probe_req: probeReq,
    probe_ans: probeAns,
    attach_req: attachReqAns,
    attach_ans: attachReqAns,
    store_req: storeReqCodec(modelOf),
    store_ans: storeAns,
    fetch_req: fetchReqCodec(modelOf),
    fetch_ans: fetchAnsCodec(modelOf),
    find_req: findReq,
    find_ans: findAns,
    join_req: joinReq,
    join_ans: joinAns,
    leave_req: leaveReq,
    leave_ans: leaveAns,
    update_req: updateReq,
    update_ans: updateAns,
    route_query_req: routeQueryReq,
    route_query_ans: routeQueryAns,
    ping_req: pingReq,
    ping_ans: pingAns,
    stat_req: statReqCodec(modelOf),
    stat_ans: statAnsCodec(modelOf),
    app_attach_req: appAttachReq,
    app_attach_ans: appAttachAns,
    config_update_req: configUpdateReq,
    config_update_ans: configUpdateAns,
    path_track_req: pathTrackReq,
    path_track_ans: pathTrackAns,
    error: errorResponse,
  };
}

/** Encodes and decodes message bodies by code for one overlay (one `modelOf`, one codec context). */
export class MessageBodies {
  readonly table: BodyCodecTable;
  readonly #ctx: CodecContext;

  constructor(modelOf: ModelOf, ctx: CodecContext = DEFAULT_CONTEXT) {
    this.table = bodyCodecTable(modelOf);
    this.#ctx = ctx;
  }

  /** The body name of a message code, or undefined when this table has no structure for it. */
  nameOf(code: number): BodyName | undefined {
    const name = MessageCode.nameOf(code);
    return name !== undefined && Object.hasOwn(this.table, name) ? (name as BodyName) : undefined;
  }

  /** Decodes `bytes` as the body of a message with `code`; throws CodecError when malformed. */
  decode(code: number, bytes: Uint8Array): Body {
    const name = this.nameOf(code);
    if (name === undefined) return { name: 'unknown', code, bytes };
    const codec = this.table[name] as Codec<unknown>;
    return { name, value: decode(codec, bytes, this.#ctx, name) } as Body;
  }

  /** Encodes one known body; the message code goes with it. */
  encode<K extends BodyName>(name: K, value: BodyTypes[K]): { code: number; bytes: Uint8Array } {
    return { code: MessageCode[name], bytes: encode(this.table[name], value, this.#ctx) };
  }

  /** Encodes any Body, known or raw. */
  encodeBody(body: Body): { code: number; bytes: Uint8Array } {
    if (body.name === 'unknown') return { code: body.code, bytes: body.bytes };
    const codec = this.table[body.name] as Codec<unknown>;
    return { code: MessageCode[body.name], bytes: encode(codec, body.value, this.#ctx) };
  }
}
