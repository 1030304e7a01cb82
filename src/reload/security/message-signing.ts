import type { TransactionId } from '../../core/ids.js';
import type { SecurityBlock, Signature } from '../messages/security.js';
import { messageSignatureInput } from '../messages/signature-input.js';
import type { Signer } from './signer.js';
import type { VerifiedSigner, Verifier } from './verifier.js';

/**
 * RFC 6940 §6.3.4: every message is signed by its originator over overlay || transaction_id ||
 * MessageContents || SignerIdentity, and the destination verifies it.
 */
export interface SignedParts {
  /** The forwarding header's overlay field. */
  readonly overlay: number;
  readonly transactionId: TransactionId;
  /** MessageContents as encoded (as received, when verifying: DecodedPayload.contentsBytes). */
  readonly contents: Uint8Array;
}

export function signMessage(signer: Signer, parts: SignedParts): SecurityBlock {
  const input = messageSignatureInput(parts.overlay, parts.transactionId, parts.contents, signer.identity);
  return { certificates: [...signer.certificates], signature: signer.sign(input) };
}

export function verifyMessage(
  verifier: Verifier,
  parts: SignedParts,
  security: SecurityBlock,
  now: number,
): VerifiedSigner {
  const s: Signature = security.signature;
  const input = messageSignatureInput(parts.overlay, parts.transactionId, parts.contents, s.identity);
  return verifier.verify(s, input, security.certificates, now);
}
