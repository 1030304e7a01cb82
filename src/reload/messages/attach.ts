import {
  boolean,
  type Codec,
  CodecError,
  type Infer,
  opaque,
  type Reader,
  struct,
  utf8String,
  vector,
  type Writer,
} from '../../wire/index.js';
import { CandType } from './codes.js';
import { type IpAddressPort, ipAddressPort } from './common.js';

/**
 * RFC 6940 §6.5.1.1:
 *   struct { opaque name<0..2^16-1>; opaque value<0..2^16-1>; } IceExtension;
 * Binary translations of ICE extension attributes, kept as bytes.
 */
export const iceExtension = struct({
  name: opaque(2, 0, 0xffff, 'IceExtension.name'),
  value: opaque(2, 0, 0xffff, 'IceExtension.value'),
});
export type IceExtension = Infer<typeof iceExtension>;

/** The candidate types a RELOAD IceCandidate can carry (CandType 3 is reserved, RFC 6940 §6.5.1.1). */
export type IceCandidateType = 'host' | 'srflx' | 'relay';

interface IceCandidateCommon {
  readonly addrPort: IpAddressPort;
  /** OverlayLinkType (codes.ts); an unknown link type is carried as its number. */
  readonly overlayLink: number;
  /** ICE foundation (1*32 ice-char, so ASCII in practice). */
  readonly foundation: string;
  readonly priority: number;
  readonly extensions: IceExtension[];
}

/**
 * RFC 6940 §6.5.1.1:
 *   struct { IpAddressPort addr_port; OverlayLinkType overlay_link; opaque foundation<0..255>;
 *            uint32 priority; CandType type;
 *            select (type) { case host: ; case srflx: case relay: IpAddressPort rel_addr_port; };
 *            IceExtension extensions<0..2^16-1>; } IceCandidate;
 * The select has no default arm, so an unknown or reserved CandType cannot be skipped: per §6.3.1.1 it is
 * a parse error. (The prose also names "prfix" for rel_addr_port; the struct, which we follow, does not.)
 */
export type IceCandidate =
  | (IceCandidateCommon & { readonly type: 'host' })
  | (IceCandidateCommon & { readonly type: 'srflx' | 'relay'; readonly relAddrPort: IpAddressPort });

const foundation = utf8String(1, 0, 0xff, 'IceCandidate.foundation');
const extensions = vector(2, iceExtension, 0, 0xffff, 'IceCandidate.extensions');

export const iceCandidate: Codec<IceCandidate> = {
  encode: (w: Writer, c: IceCandidate) => {
    ipAddressPort.encode(w, c.addrPort);
    w.u8(c.overlayLink);
    foundation.encode(w, c.foundation);
    w.u32(c.priority).u8(CandType[c.type]);
    if (c.type !== 'host') ipAddressPort.encode(w, c.relAddrPort);
    extensions.encode(w, c.extensions);
  },
  decode: (r: Reader): IceCandidate => {
    const addrPort = ipAddressPort.decode(r);
    const overlayLink = r.u8();
    const f = foundation.decode(r);
    const priority = r.u32();
    const at = r.offset;
    const typeCode = r.u8();
    switch (typeCode) {
      case CandType.host:
        return {
          addrPort,
          overlayLink,
          foundation: f,
          priority,
          type: 'host',
          extensions: extensions.decode(r),
        };
      case CandType.srflx:
      case CandType.relay: {
        const relAddrPort = ipAddressPort.decode(r);
        const type = typeCode === CandType.srflx ? 'srflx' : 'relay';
        return {
          addrPort,
          overlayLink,
          foundation: f,
          priority,
          type,
          relAddrPort,
          extensions: extensions.decode(r),
        };
      }
      default:
        throw new CodecError(`CandType ${typeCode} is not host, srflx or relay`, at);
    }
  },
};

/**
 * RFC 6940 §6.5.1.1:
 *   struct { opaque ufrag<0..2^8-1>; opaque password<0..2^8-1>; opaque role<0..2^8-1>;
 *            IceCandidate candidates<0..2^16-1>; Boolean send_update; } AttachReqAns;
 * ufrag and password are ICE short-term credentials and role is the RFC 4145 attribute ("passive" in the
 * request, "active" in the answer), all text.
 */
export const attachReqAns = struct({
  ufrag: utf8String(1, 0, 0xff, 'AttachReqAns.ufrag'),
  password: utf8String(1, 0, 0xff, 'AttachReqAns.password'),
  role: utf8String(1, 0, 0xff, 'AttachReqAns.role'),
  candidates: vector(2, iceCandidate, 0, 0xffff, 'AttachReqAns.candidates'),
  sendUpdate: boolean,
});
export type AttachReqAns = Infer<typeof attachReqAns>;
