import type { NodeId } from '../../core/ids.js';
import { type Codec, CodecError, type Infer, type Reader, struct, type Writer } from '../../wire/index.js';
import { ChordLeaveType, ChordUpdateType } from './codes.js';
import { nodeId, nodeIdList } from './common.js';

/**
 * RFC 6940 §10.7 (the UpdateReq body of CHORD-RELOAD):
 *   enum { invalidChordUpdateType(0), peer_ready(1), neighbors(2), full(3), (255) } ChordUpdateType;
 *   struct { uint32 uptime; ChordUpdateType type;
 *            select (type) { case peer_ready: ;
 *                            case neighbors: NodeId predecessors<0..2^16-1>; NodeId successors<0..2^16-1>;
 *                            case full: NodeId predecessors<0..2^16-1>; NodeId successors<0..2^16-1>;
 *                                       NodeId fingers<0..2^16-1>; }; } ChordUpdate;
 * The select cannot be extended, so another type is a parse error (§6.3.1.1).
 */
export type ChordUpdate =
  | { readonly uptime: number; readonly type: 'peer_ready' }
  | {
      readonly uptime: number;
      readonly type: 'neighbors';
      readonly predecessors: NodeId[];
      readonly successors: NodeId[];
    }
  | {
      readonly uptime: number;
      readonly type: 'full';
      readonly predecessors: NodeId[];
      readonly successors: NodeId[];
      /** In ascending numeric order (§10.7). */
      readonly fingers: NodeId[];
    };

export const chordUpdate: Codec<ChordUpdate> = {
  encode: (w: Writer, u: ChordUpdate) => {
    w.u32(u.uptime).u8(ChordUpdateType[u.type]);
    if (u.type === 'peer_ready') return;
    nodeIdList.encode(w, u.predecessors);
    nodeIdList.encode(w, u.successors);
    if (u.type === 'full') nodeIdList.encode(w, u.fingers);
  },
  decode: (r: Reader): ChordUpdate => {
    const uptime = r.u32();
    const at = r.offset;
    const type = r.u8();
    switch (type) {
      case ChordUpdateType.peer_ready:
        return { uptime, type: 'peer_ready' };
      case ChordUpdateType.neighbors:
        return {
          uptime,
          type: 'neighbors',
          predecessors: nodeIdList.decode(r),
          successors: nodeIdList.decode(r),
        };
      case ChordUpdateType.full: {
        const predecessors = nodeIdList.decode(r);
        const successors = nodeIdList.decode(r);
        return { uptime, type: 'full', predecessors, successors, fingers: nodeIdList.decode(r) };
      }
      default:
        throw new CodecError(`ChordUpdateType ${type} is not peer_ready, neighbors or full`, at);
    }
  },
};

/**
 * RFC 6940 §10.9 (overlay_specific_data of a CHORD-RELOAD LeaveReq):
 *   enum { invalidChordLeaveType(0), from_succ(1), from_pred(2), (255) } ChordLeaveType;
 *   struct { ChordLeaveType type;
 *            select (type) { case from_succ: NodeId successors<0..2^16-1>;
 *                            case from_pred: NodeId predecessors<0..2^16-1>; }; } ChordLeaveData;
 * from_succ: sent by a successor of the receiver, carrying the leaver's successor list; from_pred the
 * reverse.
 */
export type ChordLeaveData =
  | { readonly type: 'from_succ'; readonly successors: NodeId[] }
  | { readonly type: 'from_pred'; readonly predecessors: NodeId[] };

export const chordLeaveData: Codec<ChordLeaveData> = {
  encode: (w: Writer, l: ChordLeaveData) => {
    w.u8(ChordLeaveType[l.type]);
    nodeIdList.encode(w, l.type === 'from_succ' ? l.successors : l.predecessors);
  },
  decode: (r: Reader): ChordLeaveData => {
    const at = r.offset;
    const type = r.u8();
    if (type === ChordLeaveType.from_succ) return { type: 'from_succ', successors: nodeIdList.decode(r) };
    if (type === ChordLeaveType.from_pred) return { type: 'from_pred', predecessors: nodeIdList.decode(r) };
    throw new CodecError(`ChordLeaveType ${type} is not from_succ or from_pred`, at);
  },
};

/**
 * RFC 6940 §10.8 (the RouteQueryAns body of CHORD-RELOAD; its RouteQueryReq adds no data):
 *   struct { NodeId next_peer; } ChordRouteQueryAns;
 */
export const chordRouteQueryAns = struct({ nextPeer: nodeId });
export type ChordRouteQueryAns = Infer<typeof chordRouteQueryAns>;
