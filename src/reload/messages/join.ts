import { type Infer, opaque, struct } from '../../wire/index.js';
import { nodeId } from './common.js';

/**
 * RFC 6940 §6.4.2.1:
 *   struct { NodeId joining_peer_id; opaque overlay_specific_data<0..2^16-1>; } JoinReq;
 *   struct { opaque overlay_specific_data<0..2^16-1>; } JoinAns;
 * The receiver MUST check that joining_peer_id is the Node-ID that signed the message (Error_Forbidden
 * otherwise) and that it arrived over a link bound to that Node-ID: handler checks. CHORD-RELOAD puts
 * nothing in overlay_specific_data.
 */
export const joinReq = struct({
  joiningPeerId: nodeId,
  overlaySpecificData: opaque(2, 0, 0xffff, 'JoinReq.overlay_specific_data'),
});
export type JoinReq = Infer<typeof joinReq>;

export const joinAns = struct({
  overlaySpecificData: opaque(2, 0, 0xffff, 'JoinAns.overlay_specific_data'),
});
export type JoinAns = Infer<typeof joinAns>;
