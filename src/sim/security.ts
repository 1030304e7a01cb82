import { bytesEqual } from '../core/bytes.js';
import { isLocalError } from '../core/errors.js';
import type { NodeId, TransactionId } from '../core/ids.js';
import { SignatureAlgorithm } from '../reload/messages/codes.js';
import type { SecurityBlock } from '../reload/messages/security.js';
import type { MessageSecurity, VerifiedSigner } from '../reload/node/ports.js';
import { digest } from '../reload/security/algorithms.js';
import { messageSignatureInput } from '../reload/security/message-input.js';
import { signMessage, verifyMessage } from '../reload/security/message-signing.js';
import { SimulatedSigner, SimulatedVerifier } from '../reload/security/simulated.js';

/**
 * Message signatures for simulated nodes (RFC 6940 §7.1 with the simulated signer of
 * reload/security/simulated.ts): every message is signed and verified through the same SecurityBlock
 * code paths as a real node, but with a hash instead of a public-key signature, so a ring of 10^5 nodes
 * signs and verifies in microseconds. A changed message or a wrong signer is still caught.
 *
 * Verification remembers each signer's certificate by its hash, as a real node caches parsed
 * certificates (X509Verifier does too): the first message from a signer goes through SimulatedVerifier
 * in full, later ones only recompute the signature value SHA-256(certificate ‖ input).
 */
export function simulatedSecurity(nodeId: NodeId, nodeIdLength = 16): MessageSecurity {
  // A short user name keeps messages the size of a deployment with short user names.
  const signer = new SimulatedSigner(nodeId, 'sim', nodeIdLength);
  return {
    sign: (overlay, transactionId, contents) => signMessage(signer, { overlay, transactionId, contents }),
    verify: (overlay, transactionId, contents, security, now) =>
      verify(overlay, transactionId, contents, security, now),
  };
}

interface Known {
  readonly hash: Uint8Array;
  readonly signer: VerifiedSigner;
}

/** The verifier is stateless, so every simulated node shares one, and the certificate cache. */
const VERIFIER = new SimulatedVerifier();
const KNOWN = new Map<number, Known>();
const KNOWN_LIMIT = 1 << 20;

function verify(
  overlay: number,
  transactionId: TransactionId,
  contents: Uint8Array,
  security: SecurityBlock,
  now: number,
): VerifiedSigner | { readonly rejected: string } {
  const sig = security.signature;
  const id = sig.identity;
  if (id.type === 'cert_hash' && sig.algorithm.signature === SignatureAlgorithm.anonymous) {
    const known = KNOWN.get(keyOf(id.certificateHash));
    const cert = known?.signer.certificate;
    if (known !== undefined && cert !== undefined && bytesEqual(known.hash, id.certificateHash)) {
      const input = messageSignatureInput(overlay, transactionId, contents, id);
      return bytesEqual(sig.value, digest('sha256', cert, input))
        ? known.signer
        : { rejected: 'simulated signature does not match the input' };
    }
  }
  try {
    const v = verifyMessage(VERIFIER, { overlay, transactionId: transactionId, contents }, security, now);
    const signer: VerifiedSigner = { nodeIds: [v.nodeId], userName: v.userName, certificate: v.certificate };
    if (id.type === 'cert_hash') {
      if (KNOWN.size >= KNOWN_LIMIT) KNOWN.clear();
      KNOWN.set(keyOf(id.certificateHash), { hash: id.certificateHash, signer });
    }
    return signer;
  } catch (e) {
    if (isLocalError(e)) return { rejected: e.message };
    throw e;
  }
}

/** The first six bytes of a SHA-256 as a number: enough to tell 10^5 signers apart (checked in full). */
function keyOf(h: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < 6 && i < h.length; i++) k = k * 256 + (h[i] as number);
  return k;
}
