import { type Infer, struct } from '../../wire/index.js';
import { destination } from './common.js';
import { diagnosticsRequest, diagnosticsResponse } from './diagnostics.js';

/**
 * RFC 7851 §4.3.1.1 (message code path_track_req 0x27, §9.3; Wireshark 4.0 uses the draft's 101):
 *   struct { Destination destination; DiagnosticsRequest request; } PathTrackReq;
 */
export const pathTrackReq = struct({
  destination,
  request: diagnosticsRequest,
});
export type PathTrackReq = Infer<typeof pathTrackReq>;

/**
 * RFC 7851 §4.3.1.2 (path_track_ans 0x28; Wireshark: 102):
 *   struct { Destination next_hop; DiagnosticsResponse response; } PathTrackAns;
 * next_hop equal to the responder ends the initiator's iteration.
 */
export const pathTrackAns = struct({
  nextHop: destination,
  response: diagnosticsResponse,
});
export type PathTrackAns = Infer<typeof pathTrackAns>;
