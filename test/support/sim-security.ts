import { errorMessage } from '../../src/core/errors.js';
import type { NodeId } from '../../src/core/ids.js';
import type { MessageSecurity, VerifiedSigner } from '../../src/reload/node/ports.js';
import { signMessage, verifyMessage } from '../../src/reload/security/message-signing.js';
import { SimulatedSigner, SimulatedVerifier } from '../../src/reload/security/simulated.js';

/**
 * A node identity for in-memory overlays: the simulator's signer and verifier (no public-key
 * cryptography) for messages and stored values alike, with a user name, so access policies that look at
 * user names (USER-MATCH, USER-NODE-MATCH) can be exercised. Real signatures are tested in
 * test/unit/reload/security.
 */
export interface SimIdentity {
  readonly signer: SimulatedSigner;
  readonly verifier: SimulatedVerifier;
  readonly security: MessageSecurity;
}

export function simIdentity(id: NodeId, userName: string, nodeIdLength = 16): SimIdentity {
  const signer = new SimulatedSigner(id, userName, nodeIdLength);
  const verifier = new SimulatedVerifier();
  const security: MessageSecurity = {
    sign: (overlay, transactionId, contents, as) =>
      signMessage(as ?? signer, { overlay, transactionId, contents }),
    verify: (overlay, transactionId, contents, block, now): VerifiedSigner | { rejected: string } => {
      try {
        const s = verifyMessage(verifier, { overlay, transactionId, contents }, block, now);
        return s;
      } catch (e) {
        return { rejected: errorMessage(e) };
      }
    },
  };
  return { signer, verifier, security };
}
