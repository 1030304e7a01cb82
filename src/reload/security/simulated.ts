import { bytesEqual, concatBytes, fromUtf8, utf8 } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdFromBytes, nodeIdToBytes } from '../../core/ids.js';
import { CertificateType, HashAlgorithm, SignatureAlgorithm } from '../messages/codes.js';
import type { GenericCertificate, Signature, SignerIdentity } from '../messages/security.js';
import { digest } from './algorithms.js';
import type { Signer } from './signer.js';
import type { VerifiedSigner, Verifier } from './verifier.js';

/**
 * SIMULATOR AND TESTS ONLY (a dependency-cruiser rule forbids importing this file anywhere else in src/).
 *
 * A signer and verifier with no public-key cryptography, so a simulated ring of thousands of nodes signs
 * and verifies every message in microseconds. The "certificate" is a tag, the Node-ID and the user name;
 * the "signature" is SHA-256(certificate || input). Anyone can forge it: it proves nothing about who
 * signed, but it does catch a changed input or a wrong signer, which is what the simulator checks. The
 * algorithm field says anonymous(0), which a real X509Verifier refuses, so a simulated signature can never
 * pass as a real one.
 */
const TAG = utf8('p2psip-simulated-cert');

export function simulatedCertificate(nodeId: NodeId, userName: string, nodeIdLength: number): Uint8Array {
  return concatBytes(TAG, Uint8Array.of(nodeIdLength), nodeIdToBytes(nodeId, nodeIdLength), utf8(userName));
}

function parseSimulated(der: Uint8Array): { nodeId: NodeId; userName: string } | undefined {
  if (der.length < TAG.length + 1 || !bytesEqual(der.subarray(0, TAG.length), TAG)) return undefined;
  const len = der[TAG.length] ?? 0;
  const idStart = TAG.length + 1;
  if (len < 16 || len > 20 || der.length < idStart + len) return undefined;
  try {
    return {
      nodeId: nodeIdFromBytes(der.subarray(idStart, idStart + len)),
      userName: fromUtf8(der.subarray(idStart + len)),
    };
  } catch {
    return undefined;
  }
}

const ALGORITHM = { hash: HashAlgorithm.sha256, signature: SignatureAlgorithm.anonymous };

export class SimulatedSigner implements Signer {
  readonly identity: SignerIdentity;
  readonly certificates: readonly GenericCertificate[];
  readonly #cert: Uint8Array;

  constructor(
    readonly nodeId: NodeId,
    readonly userName: string,
    nodeIdLength = 16,
  ) {
    this.#cert = simulatedCertificate(nodeId, userName, nodeIdLength);
    this.identity = {
      type: 'cert_hash',
      hashAlgorithm: HashAlgorithm.sha256,
      certificateHash: digest('sha256', this.#cert),
    };
    this.certificates = [{ type: CertificateType.X509, certificate: this.#cert }];
  }

  sign(input: Uint8Array): Signature {
    return { algorithm: ALGORITHM, identity: this.identity, value: digest('sha256', this.#cert, input) };
  }
}

export class SimulatedVerifier implements Verifier {
  verify(
    signature: Signature,
    input: Uint8Array,
    certificates: readonly GenericCertificate[],
  ): VerifiedSigner {
    const id = signature.identity;
    if (id.type !== 'cert_hash' || signature.algorithm.signature !== SignatureAlgorithm.anonymous) {
      throw new LocalError('ERR_BAD_SIGNATURE', 'not a simulated signature');
    }
    const cert = certificates.find((c) => bytesEqual(digest('sha256', c.certificate), id.certificateHash));
    const parsed = cert === undefined ? undefined : parseSimulated(cert.certificate);
    if (cert === undefined || parsed === undefined) {
      throw new LocalError('ERR_UNKNOWN_CERT', 'no simulated certificate matches the signer identity');
    }
    if (!bytesEqual(signature.value, digest('sha256', cert.certificate, input))) {
      throw new LocalError('ERR_BAD_SIGNATURE', 'simulated signature does not match the input');
    }
    return { ...parsed, certificate: cert.certificate };
  }
}
