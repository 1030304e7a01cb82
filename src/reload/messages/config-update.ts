import { type Codec, CodecError, opaque, type Reader, vector, type Writer } from '../../wire/index.js';
import { ConfigUpdateType } from './codes.js';
import { type Empty, empty } from './common.js';

const configData = opaque(3, 0, 0xff_ffff, 'ConfigUpdateReq.config_data');
const kindDescriptions = vector(
  3,
  opaque(2, 0, 0xffff, 'KindDescription'),
  0,
  0xff_ffff,
  'ConfigUpdateReq.kinds',
);

/**
 * RFC 6940 §6.5.4.1:
 *   typedef opaque KindDescription<0..2^16-1>;
 *   struct { ConfigUpdateType type; uint32 length;
 *            select (type) { case config: opaque config_data<0..2^24-1>;
 *                            case kind: KindDescription kinds<0..2^24-1>;
 *                            (this structure may be extended with new types) }; } ConfigUpdateReq;
 * `length` is the size of the rest, so an unknown type travels as raw bytes. The configuration document
 * and the kind-blocks (UTF-8 XML) are kept as the exact bytes received: their signatures cover those
 * bytes, and decoding them as text could drop a byte-order mark.
 */
export type ConfigUpdateReq =
  | { readonly type: 'config'; readonly configData: Uint8Array }
  | { readonly type: 'kind'; readonly kinds: Uint8Array[] }
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

export const configUpdateReq: Codec<ConfigUpdateReq> = {
  encode: (w: Writer, v: ConfigUpdateReq) => {
    if (v.type === 'unknown' && (v.code === ConfigUpdateType.reserved || ConfigUpdateType.isKnown(v.code))) {
      throw new CodecError(`ConfigUpdateType ${v.code} cannot be encoded as unknown`);
    }
    w.u8(v.type === 'unknown' ? v.code : ConfigUpdateType[v.type]);
    w.vector(4, () => {
      if (v.type === 'config') configData.encode(w, v.configData);
      else if (v.type === 'kind') kindDescriptions.encode(w, v.kinds);
      else w.bytes(v.data);
    });
  },
  decode: (r: Reader): ConfigUpdateReq => {
    const at = r.offset;
    const code = r.u8();
    const body = r.vector(4, 0, 0xffff_ffff, 'ConfigUpdateReq');
    let v: ConfigUpdateReq;
    switch (code) {
      case ConfigUpdateType.config:
        v = { type: 'config', configData: configData.decode(body) };
        break;
      case ConfigUpdateType.kind:
        v = { type: 'kind', kinds: kindDescriptions.decode(body) };
        break;
      case ConfigUpdateType.reserved:
        throw new CodecError('ConfigUpdateType 0 is invalid', at);
      default:
        return { type: 'unknown', code, data: body.rest() };
    }
    body.end('ConfigUpdateReq');
    return v;
  },
};

/** RFC 6940 §6.5.4.2: struct { } ConfigUpdateAns; */
export const configUpdateAns = empty;
export type ConfigUpdateAns = Empty;
