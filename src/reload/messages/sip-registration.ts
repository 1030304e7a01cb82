import { type Codec, CodecError, type Reader, utf8String, vector, type Writer } from '../../wire/index.js';
import { SipRegistrationType } from './codes.js';
import { type Destination, destination } from './common.js';

const uri = utf8String(2, 0, 0xffff, 'SipRegistration.uri');
const contactPrefs = utf8String(2, 0, 0xffff, 'SipRegistration.contact_prefs');
const destinationList = vector(2, destination, 3, 0xffff, 'SipRegistration.destination_list');

/**
 * RFC 7904 §3.2 (the value of the SIP-REGISTRATION kind, DICTIONARY keyed by the storing Node-ID):
 *   enum { sip_registration_uri(1), sip_registration_route(2), (255) } SipRegistrationType;
 *   select (SipRegistration.type) {
 *     case sip_registration_uri:   opaque uri<0..2^16-1>;
 *     case sip_registration_route: opaque contact_prefs<0..2^16-1>; Destination destination_list<3..2^16-1>;
 *     (this type can be extended) } SipRegistrationData;
 *   struct { SipRegistrationType type; uint16 length; SipRegistrationData data; } SipRegistration;
 * `uri` is another AOR to dereference (forwarding); `route` says "connect to this peer" with RFC 3840
 * contact preferences such as "(sip.schemes=SIPS)". Unknown types travel raw thanks to `length`.
 */
export type SipRegistration =
  | { readonly type: 'uri'; readonly uri: string }
  | { readonly type: 'route'; readonly contactPrefs: string; readonly destinationList: Destination[] }
  | { readonly type: 'unknown'; readonly code: number; readonly data: Uint8Array };

export const sipRegistration: Codec<SipRegistration> = {
  encode: (w: Writer, v: SipRegistration) => {
    if (v.type === 'unknown') {
      if (SipRegistrationType.isKnown(v.code)) {
        throw new CodecError(`SipRegistrationType ${v.code} cannot be encoded as unknown`);
      }
      w.u8(v.code).opaque(2, v.data, 0, 0xffff, 'SipRegistration');
      return;
    }
    w.u8(
      v.type === 'uri'
        ? SipRegistrationType.sip_registration_uri
        : SipRegistrationType.sip_registration_route,
    );
    w.vector(2, () => {
      if (v.type === 'uri') {
        uri.encode(w, v.uri);
      } else {
        contactPrefs.encode(w, v.contactPrefs);
        destinationList.encode(w, v.destinationList);
      }
    });
  },
  decode: (r: Reader): SipRegistration => {
    const code = r.u8();
    const body = r.vector(2, 0, 0xffff, 'SipRegistration');
    let v: SipRegistration;
    if (code === SipRegistrationType.sip_registration_uri) {
      v = { type: 'uri', uri: uri.decode(body) };
    } else if (code === SipRegistrationType.sip_registration_route) {
      v = {
        type: 'route',
        contactPrefs: contactPrefs.decode(body),
        destinationList: destinationList.decode(body),
      };
    } else {
      return { type: 'unknown', code, data: body.rest() };
    }
    body.end('SipRegistration');
    return v;
  },
};
