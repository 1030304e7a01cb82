import {
  type Codec,
  CodecError,
  type Infer,
  type Reader,
  struct,
  u8,
  vector,
  type Writer,
} from '../../wire/index.js';
import { ProbeInformationType } from './codes.js';

/**
 * RFC 6940 §6.4.2.5.1:
 *   enum { invalidProbeInformationType(0), responsible_set(1), num_resources(2), uptime(3), (255) }
 *        ProbeInformationType;
 *   struct { ProbeInformationType requested_info<0..2^8-1>; } ProbeReq;
 * Requested types are plain numbers: an unknown one is simply not answered.
 */
export const probeReq = struct({
  requestedInfo: vector(1, u8, 0, 0xff, 'ProbeReq.requested_info'),
});
export type ProbeReq = Infer<typeof probeReq>;

/** The probe information types whose value RFC 6940 defines (each a uint32). */
export type KnownProbeInformation = 'responsible_set' | 'num_resources' | 'uptime';

/**
 * RFC 6940 §6.4.2.5.2:
 *   struct { select (type) { case responsible_set: uint32 responsible_ppb;
 *                            case num_resources:   uint32 num_resources;
 *                            case uptime:          uint32 uptime;
 *                            (this type may be extended) }; } ProbeInformationData;
 *   struct { ProbeInformationType type; uint8 length; ProbeInformationData value; } ProbeInformation;
 * `length` lets unknown types (exp-probe, future ones) travel as raw bytes.
 */
export type ProbeInformation =
  | { readonly type: KnownProbeInformation; readonly value: number }
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

export const probeInformation: Codec<ProbeInformation> = {
  encode: (w: Writer, v: ProbeInformation) => {
    if (v.type === 'unknown') {
      if (v.code === ProbeInformationType.invalid || isKnownProbeType(v.code)) {
        throw new CodecError(`probe information type ${v.code} cannot be encoded as unknown`);
      }
      w.u8(v.code).opaque(1, v.data, 0, 0xff, 'ProbeInformation');
      return;
    }
    w.u8(ProbeInformationType[v.type]).u8(4).u32(v.value);
  },
  decode: (r: Reader): ProbeInformation => {
    const at = r.offset;
    const code = r.u8();
    const body = r.vector(1, 0, 0xff, 'ProbeInformation');
    if (code === ProbeInformationType.invalid)
      throw new CodecError('probe information type 0 is invalid', at);
    const name = ProbeInformationType.nameOf(code);
    if (name === 'responsible_set' || name === 'num_resources' || name === 'uptime') {
      // RFC 6940 §6.4.2.5.2: "Each of the current possible Probe information types is a 32-bit unsigned integer."
      if (body.remaining !== 4) throw new CodecError(`${name} has length ${body.remaining}, want 4`, at);
      return { type: name, value: body.u32() };
    }
    return { type: 'unknown', code, data: body.rest() };
  },
};

function isKnownProbeType(code: number): boolean {
  return (
    code === ProbeInformationType.responsible_set ||
    code === ProbeInformationType.num_resources ||
    code === ProbeInformationType.uptime
  );
}

/** RFC 6940 §6.4.2.5.2: struct { ProbeInformation probe_info<0..2^16-1>; } ProbeAns; */
export const probeAns = struct({
  probeInfo: vector(2, probeInformation, 0, 0xffff, 'ProbeAns.probe_info'),
});
export type ProbeAns = Infer<typeof probeAns>;
