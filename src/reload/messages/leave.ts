import { type Infer, opaque, struct } from '../../wire/index.js';
import { type Empty, empty, nodeId } from './common.js';

/**
 * RFC 6940 §6.4.2.2:
 *   struct { NodeId leaving_peer_id; opaque overlay_specific_data<0..2^16-1>; } LeaveReq;
 * LeaveAns is empty. For CHORD-RELOAD overlay_specific_data MUST hold a ChordLeaveData (§10.9, chord.ts).
 * As for Join, the signer and link checks are the handler's.
 */
export const leaveReq = struct({
  leavingPeerId: nodeId,
  overlaySpecificData: opaque(2, 0, 0xffff, 'LeaveReq.overlay_specific_data'),
});
export type LeaveReq = Infer<typeof leaveReq>;

export const leaveAns = empty;
export type LeaveAns = Empty;
