import type { TransactionId } from '../../core/ids.js';
import { Writer } from '../../wire/index.js';
import { type SignerIdentity, signerIdentity } from '../messages/security.js';

/**
 * RFC 6940 §6.3.4: "For signatures over messages, the input to the signature is computed over:
 *   overlay || transaction_id || MessageContents || SignerIdentity"
 * where overlay (uint32) and transaction_id (uint64) come from the forwarding header, MessageContents is
 * the contents exactly as encoded (as received, for verification) and SignerIdentity is encoded with its
 * type and length. The shared builder for every signature input lives in
 * src/reload/messages/signature-input.ts on the messages branch; the lead points this one at it when the
 * branches merge, so this file stays private to src/reload/security.
 */
export function messageSignatureInput(
  overlay: number,
  transactionId: TransactionId,
  contents: Uint8Array,
  identity: SignerIdentity,
): Uint8Array {
  const w = new Writer(undefined, 32 + contents.length);
  w.u32(overlay).u64(transactionId).bytes(contents);
  signerIdentity.encode(w, identity);
  return w.finish();
}
