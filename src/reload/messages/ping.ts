import { type Infer, opaque, struct, u64 } from '../../wire/index.js';
import { time } from './common.js';

/**
 * RFC 6940 §6.5.3.1:
 *   struct { opaque<0..2^16-1> padding; } PingReq;
 * The padding carries no meaning; up to 65535 bytes of it let a node probe the path MTU end to end.
 */
export const pingReq = struct({
  padding: opaque(2, 0, 0xffff, 'PingReq.padding'),
});
export type PingReq = Infer<typeof pingReq>;

/**
 * RFC 6940 §6.5.3.2:
 *   struct { uint64 response_id; uint64 time; } PingAns;
 * response_id is random (it tells answers apart); time is when the answer was made, in ms since 1970.
 */
export const pingAns = struct({
  responseId: u64,
  time,
});
export type PingAns = Infer<typeof pingAns>;
