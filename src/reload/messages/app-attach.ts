import { type Infer, struct, u16, utf8String, vector } from '../../wire/index.js';
import { iceCandidate } from './attach.js';

/**
 * RFC 6940 §6.5.2.1 and §6.5.2.2 (the answer has the same layout):
 *   struct { opaque ufrag<0..2^8-1>; opaque password<0..2^8-1>; uint16 application;
 *            opaque role<0..2^8-1>; IceCandidate candidates<0..2^16-1>; } AppAttachReq;
 * `application` is an Application-ID (§14.5: 5060 SIP, 5061 SIPS); an unsupported one is answered with
 * Error_Not_Found by the handler, so the codec carries any value.
 */
export const appAttachReq = struct({
  ufrag: utf8String(1, 0, 0xff, 'AppAttach.ufrag'),
  password: utf8String(1, 0, 0xff, 'AppAttach.password'),
  application: u16,
  role: utf8String(1, 0, 0xff, 'AppAttach.role'),
  candidates: vector(2, iceCandidate, 0, 0xffff, 'AppAttach.candidates'),
});
export type AppAttachReq = Infer<typeof appAttachReq>;

/** RFC 6940 §6.5.2.2: AppAttachAns has the fields of AppAttachReq. */
export const appAttachAns = appAttachReq;
export type AppAttachAns = AppAttachReq;
