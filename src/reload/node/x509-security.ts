import { errorMessage } from '../../core/errors.js';
import type { TransactionId } from '../../core/ids.js';
import type { SecurityBlock } from '../messages/security.js';
import { signMessage, verifyMessage } from '../security/message-signing.js';
import type { Signer } from '../security/signer.js';
import type { VerifiedSigner, Verifier } from '../security/verifier.js';
import type { MessageSecurity } from './ports.js';

/**
 * The node's MessageSecurity from a Signer (our key and certificate) and a Verifier (the overlay's trust
 * settings): RFC 6940 §6.3.4 message signatures, made by the originator and checked by the destination.
 * A verification failure becomes a rejection reason: the destination drops such a message silently.
 */
export function messageSecurity(signer: Signer, verifier: Verifier): MessageSecurity {
  return {
    sign: (overlay: number, transactionId: TransactionId, contents: Uint8Array, as?: Signer): SecurityBlock =>
      signMessage(as ?? signer, { overlay, transactionId, contents }),
    verify: (overlay, transactionId, contents, security, now): VerifiedSigner | { rejected: string } => {
      try {
        return verifyMessage(verifier, { overlay, transactionId, contents }, security, now);
      } catch (e) {
        return { rejected: errorMessage(e) };
      }
    },
  };
}
