import { bytesEqual } from '../core/bytes.js';
import { errorMessage } from '../core/errors.js';
import type { NodeId } from '../core/ids.js';
import { SignatureAlgorithm } from '../reload/messages/codes.js';
import type { GenericCertificate, Signature } from '../reload/messages/security.js';
import type { MessageSecurity } from '../reload/node/ports.js';
import { digest } from '../reload/security/algorithms.js';
import { signMessage, verifyMessage } from '../reload/security/message-signing.js';
import { SimulatedSigner, SimulatedVerifier } from '../reload/security/simulated.js';
import type { VerifiedSigner, Verifier } from '../reload/security/verifier.js';

/**
 * Signatures for simulated nodes (RFC 6940 §7.1 with the simulated signer of reload/security/simulated.ts):
 * every message and every stored value is signed and verified through the same SecurityBlock code paths
 * as a real node, but with a hash instead of a public-key signature, so a ring of 10^5 nodes signs and
 * verifies in microseconds. A changed message or a wrong signer is still caught.
 */
export interface SimSecurity {
  readonly security: MessageSecurity;
  readonly signer: SimulatedSigner;
  readonly verifier: Verifier;
}

export function simulatedSecurity(nodeId: NodeId, nodeIdLength = 16): SimSecurity {
  // A short user name keeps messages the size of a deployment with short user names.
  const signer = new SimulatedSigner(nodeId, 'sim', nodeIdLength);
  const security: MessageSecurity = {
    sign: (overlay, transactionId, contents, as) =>
      signMessage(as ?? signer, { overlay, transactionId, contents }),
    verify: (overlay, transactionId, contents, block, now) => {
      try {
        return verifyMessage(CACHED, { overlay, transactionId, contents }, block, now);
      } catch (e) {
        return { rejected: errorMessage(e) };
      }
    },
  };
  return { security, signer, verifier: CACHED };
}

interface Known {
  readonly hash: Uint8Array;
  readonly signer: VerifiedSigner;
}

/**
 * Remembers each signer's certificate by its hash, as a real node caches parsed certificates: the first
 * signature of a signer goes through SimulatedVerifier in full, later ones only recompute the signature
 * value SHA-256(certificate ‖ input). Stateless otherwise, so every simulated node shares one.
 */
class CachedSimulatedVerifier implements Verifier {
  readonly #inner = new SimulatedVerifier();
  readonly #known = new Map<number, Known>();

  verify(
    signature: Signature,
    input: Uint8Array,
    certificates: readonly GenericCertificate[],
  ): VerifiedSigner {
    const id = signature.identity;
    if (id.type === 'cert_hash' && signature.algorithm.signature === SignatureAlgorithm.anonymous) {
      const known = this.#known.get(keyOf(id.certificateHash));
      if (known !== undefined && bytesEqual(known.hash, id.certificateHash)) {
        if (bytesEqual(signature.value, digest('sha256', known.signer.certificate, input)))
          return known.signer;
      }
    }
    const signer = this.#inner.verify(signature, input, certificates);
    if (id.type === 'cert_hash') {
      if (this.#known.size >= KNOWN_LIMIT) this.#known.clear();
      this.#known.set(keyOf(id.certificateHash), { hash: id.certificateHash, signer });
    }
    return signer;
  }
}

const KNOWN_LIMIT = 1 << 20;
const CACHED = new CachedSimulatedVerifier();

/** The first six bytes of a SHA-256 as a number: enough to tell 10^5 signers apart (checked in full). */
function keyOf(h: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < 6 && i < h.length; i++) k = k * 256 + (h[i] as number);
  return k;
}
