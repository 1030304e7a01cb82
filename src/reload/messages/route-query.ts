import { boolean, type Codec, type Infer, opaque, struct } from '../../wire/index.js';
import { destination, overlaySpecific } from './common.js';

/**
 * RFC 6940 §6.4.2.4.1:
 *   struct { Boolean send_update; Destination destination; opaque overlay_specific_data<0..2^16-1>; }
 *          RouteQueryReq;
 * send_update=true asks the responder to send an Update (for Chord a `full` one) right after answering.
 */
export const routeQueryReq = struct({
  sendUpdate: boolean,
  destination,
  overlaySpecificData: opaque(2, 0, 0xffff, 'RouteQueryReq.overlay_specific_data'),
});
export type RouteQueryReq = Infer<typeof routeQueryReq>;

/**
 * RFC 6940 §6.4.2.4.2: "This message is completely overlay specific." Carried raw; for CHORD-RELOAD it is
 * a ChordRouteQueryAns (chord.ts).
 */
export type RouteQueryAns = Uint8Array;
export const routeQueryAns: Codec<RouteQueryAns> = overlaySpecific;
