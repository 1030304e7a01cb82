import { type Infer, struct, vector } from '../../wire/index.js';
import { kindIdCodec, resourceId } from './common.js';

/**
 * RFC 6940 §7.4.4.1:
 *   struct { ResourceId resource; KindId kinds<0..2^8-1>; } FindReq;
 * Each kind may appear only once; a duplicate is rejected by the handler, not the codec.
 */
export const findReq = struct({
  resource: resourceId,
  kinds: vector(1, kindIdCodec, 0, 0xff, 'FindReq.kinds'),
});
export type FindReq = Infer<typeof findReq>;

/**
 * RFC 6940 §7.4.4.2:
 *   struct { KindId kind; ResourceId closest; } FindKindData;
 *   struct { FindKindData results<0..2^16-1>; } FindAns;
 * `closest` is the stored Resource-ID nearest the requested one, or 0 when there is none.
 */
export const findKindData = struct({
  kind: kindIdCodec,
  closest: resourceId,
});
export type FindKindData = Infer<typeof findKindData>;

export const findAns = struct({
  results: vector(2, findKindData, 0, 0xffff, 'FindAns.results'),
});
export type FindAns = Infer<typeof findAns>;
