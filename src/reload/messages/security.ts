import {
  type Codec,
  CodecError,
  opaque,
  type Reader,
  struct,
  u8,
  vector,
  type Writer,
} from '../../wire/index.js';
import { SignerIdentityType } from './codes.js';

/**
 * RFC 6940 §6.3.4 SecurityBlock, GenericCertificate, Signature and SignerIdentity.
 *
 *   struct { CertificateType type; opaque certificate<0..2^16-1>; } GenericCertificate;
 *   struct { GenericCertificate certificates<0..2^16-1>; Signature signature; } SecurityBlock;
 *   struct { SignatureAndHashAlgorithm algorithm; SignerIdentity identity; opaque signature_value<0..2^16-1>; } Signature;
 *   struct { SignerIdentityType identity_type; uint16 length;
 *            select (identity_type) { case cert_hash: HashAlgorithm hash_alg; opaque certificate_hash<0..2^8-1>;
 *                                     case cert_hash_node_id: HashAlgorithm hash_alg; opaque certificate_node_id_hash<0..2^8-1>;
 *                                     case none: ; } identity[SignerIdentity.length]; } SignerIdentity;
 */
export const genericCertificate = struct({
  type: u8,
  certificate: opaque(2),
});
export type GenericCertificate = ReturnType<typeof genericCertificate.decode>;

export const signatureAndHashAlgorithm = struct({
  hash: u8,
  signature: u8,
});
export type SignatureAndHashAlgorithm = ReturnType<typeof signatureAndHashAlgorithm.decode>;

export type SignerIdentity =
  /** The hash of the signer's certificate (RFC 6940 §6.3.4, one Node-ID in the certificate). */
  | { readonly type: 'cert_hash'; readonly hashAlgorithm: number; readonly certificateHash: Uint8Array }
  /** H(Node-ID ‖ certificate), for certificates with several Node-IDs. */
  | {
      readonly type: 'cert_hash_node_id';
      readonly hashAlgorithm: number;
      readonly certificateNodeIdHash: Uint8Array;
    }
  /** Only in synthesised Fetch answers for values that do not exist (RFC 6940 §7.4.2.2). */
  | { readonly type: 'none' }
  | { readonly type: 'unknown'; readonly code: number; readonly value: Uint8Array };

export const signerIdentity: Codec<SignerIdentity> = {
  encode: (w: Writer, v: SignerIdentity) => {
    switch (v.type) {
      case 'cert_hash':
        w.u8(SignerIdentityType.cert_hash).vector(2, () =>
          w.u8(v.hashAlgorithm).opaque(1, v.certificateHash, 0, 255, 'certificate_hash'),
        );
        return;
      case 'cert_hash_node_id':
        w.u8(SignerIdentityType.cert_hash_node_id).vector(2, () =>
          w.u8(v.hashAlgorithm).opaque(1, v.certificateNodeIdHash, 0, 255, 'certificate_node_id_hash'),
        );
        return;
      case 'none':
        w.u8(SignerIdentityType.none).u16(0);
        return;
      case 'unknown':
        if (SignerIdentityType.isKnown(v.code))
          throw new CodecError(`signer identity ${v.code} is not unknown`);
        w.u8(v.code).opaque(2, v.value);
        return;
    }
  },
  decode: (r: Reader): SignerIdentity => {
    const at = r.offset;
    const type = r.u8();
    const body = r.vector(2, 0, 0xffff, 'SignerIdentity');
    let v: SignerIdentity;
    switch (type) {
      case SignerIdentityType.cert_hash:
        v = {
          type: 'cert_hash',
          hashAlgorithm: body.u8(),
          certificateHash: body.opaque(1, 0, 255, 'certificate_hash'),
        };
        break;
      case SignerIdentityType.cert_hash_node_id:
        v = {
          type: 'cert_hash_node_id',
          hashAlgorithm: body.u8(),
          certificateNodeIdHash: body.opaque(1, 0, 255, 'certificate_node_id_hash'),
        };
        break;
      case SignerIdentityType.none:
        v = { type: 'none' };
        break;
      case SignerIdentityType.reserved:
        throw new CodecError('signer identity type 0 is reserved', at);
      default:
        return { type: 'unknown', code: type, value: body.rest() };
    }
    body.end('SignerIdentity');
    return v;
  },
};

export const signature = struct({
  algorithm: signatureAndHashAlgorithm,
  identity: signerIdentity,
  value: opaque(2),
});
export type Signature = ReturnType<typeof signature.decode>;

export const securityBlock = struct({
  certificates: vector(2, genericCertificate),
  signature,
});
export type SecurityBlock = ReturnType<typeof securityBlock.decode>;

/** The signature of a value that does not exist (algorithm {0,0}, identity none, empty value). */
export const NO_SIGNATURE: Signature = Object.freeze({
  algorithm: { hash: 0, signature: 0 },
  identity: { type: 'none' },
  value: new Uint8Array(0),
});
