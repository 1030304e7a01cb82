import { sign as cryptoSign } from 'node:crypto';
import { concatBytes } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdToBytes } from '../../core/ids.js';
import { CertificateType, HashAlgorithm } from '../messages/codes.js';
import type { GenericCertificate, Signature, SignerIdentity } from '../messages/security.js';
import { digest, signatureAlgorithmFor } from './algorithms.js';
import type { NodeIdentity } from './identity.js';

/**
 * Who signs: a node's key and certificate. A signature input always ends with the signer's encoded
 * SignerIdentity (messages: RFC 6940 §6.3.4; stored data: §7.1), so callers read `identity`, build the
 * input, then call `sign`.
 */
export interface Signer {
  readonly nodeId: NodeId;
  readonly userName: string;
  /** The SignerIdentity every Signature from this signer carries. */
  readonly identity: SignerIdentity;
  /** What to put in a SecurityBlock's certificate bucket so receivers can verify (RFC 6940 §6.3.4). */
  readonly certificates: readonly GenericCertificate[];
  /** Signs `input`, which must already end with the encoded `identity`. */
  sign(input: Uint8Array): Signature;
}

/**
 * RFC 6940 §6.3.4: a certificate with one Node-ID is named by cert_hash = H(certificate); one with
 * several by cert_hash_node_id = H(Node-ID || certificate), which also says which Node-ID speaks.
 * We always hash with SHA-256.
 */
export function signerIdentityFor(
  certificateDer: Uint8Array,
  nodeIds: readonly NodeId[],
  nodeId: NodeId,
  nodeIdLength: number,
): SignerIdentity {
  if (nodeIds.length === 1) {
    return {
      type: 'cert_hash',
      hashAlgorithm: HashAlgorithm.sha256,
      certificateHash: digest('sha256', certificateDer),
    };
  }
  return {
    type: 'cert_hash_node_id',
    hashAlgorithm: HashAlgorithm.sha256,
    certificateNodeIdHash: digest('sha256', concatBytes(nodeIdToBytes(nodeId, nodeIdLength), certificateDer)),
  };
}

/** Signs with the node's X.509 identity: RSASSA-PKCS1-v1_5 or ECDSA, both over SHA-256. */
export class X509Signer implements Signer {
  readonly nodeId: NodeId;
  readonly userName: string;
  readonly identity: SignerIdentity;
  readonly certificates: readonly GenericCertificate[];
  readonly #identity: NodeIdentity;
  readonly #algorithm: Signature['algorithm'];

  /** `nodeId` picks one of the certificate's Node-IDs (default: the first). */
  constructor(identity: NodeIdentity, nodeIdLength: number, nodeId: NodeId = identity.nodeId) {
    if (!identity.certificate.nodeIds.includes(nodeId)) {
      throw new LocalError('ERR_BAD_USAGE', 'the Node-ID to sign as is not in the certificate');
    }
    this.#identity = identity;
    this.#algorithm = signatureAlgorithmFor(identity.privateKey);
    this.nodeId = nodeId;
    this.userName = identity.userName;
    this.identity = signerIdentityFor(
      identity.certificate.der,
      identity.certificate.nodeIds,
      nodeId,
      nodeIdLength,
    );
    this.certificates = [{ type: CertificateType.X509, certificate: identity.certificate.der }];
  }

  sign(input: Uint8Array): Signature {
    // PKCS#1 v1.5 for RSA keys and DER-encoded ECDSA are node:crypto's defaults, as RELOAD (via TLS) wants.
    const value = new Uint8Array(cryptoSign('sha256', input, this.#identity.privateKey));
    return { algorithm: this.#algorithm, identity: this.identity, value };
  }
}
