import type { KindId, ResourceId, TransactionId } from '../../core/ids.js';
import { type CodecContext, DEFAULT_CONTEXT, Writer } from '../../wire/index.js';
import { type MessageContents, messageContents } from './contents.js';
import { type SignerIdentity, signerIdentity } from './security.js';
import { type StoredDataValue, writeStoredDataValue } from './stored-data.js';

/**
 * The exact byte strings that RELOAD signs. Signing and verifying live in reload/security; this file only
 * builds the input, so both sides of a signature agree on it byte for byte.
 */

/**
 * RFC 6940 §6.3.4: "For signatures over messages, the input to the signature is computed over:
 *   overlay || transaction_id || MessageContents || SignerIdentity
 * where overlay and transaction_id come from the forwarding header". `contents` is the MessageContents as
 * encoded: on receipt pass DecodedPayload.contentsBytes (the bytes as received), never a re-encoding.
 */
export function messageSignatureInput(
  overlay: number,
  transactionId: TransactionId,
  contents: Uint8Array,
  identity: SignerIdentity,
  ctx: CodecContext = DEFAULT_CONTEXT,
): Uint8Array {
  const w = new Writer(ctx, 12 + contents.length + 64);
  w.u32(overlay).u64(transactionId).bytes(contents);
  signerIdentity.encode(w, identity);
  return w.finish();
}

/** The same input for a message being built: encodes `contents` first. */
export function messageSignatureInputFor(
  overlay: number,
  transactionId: TransactionId,
  contents: MessageContents,
  identity: SignerIdentity,
  ctx: CodecContext = DEFAULT_CONTEXT,
): Uint8Array {
  const w = new Writer(ctx, 12 + contents.body.length + 96);
  w.u32(overlay).u64(transactionId);
  messageContents.encode(w, contents);
  signerIdentity.encode(w, identity);
  return w.finish();
}

/**
 * RFC 6940 §7.1: "The input to the signature algorithm is:
 *   resource_id || kind || storage_time || StoredDataValue || SignerIdentity"
 * with the array index set to zero (§7.4.2.2). The RFC does not say whether resource_id keeps its one-byte
 * length (reload-digest §19.2). We sign the raw Resource-ID bytes, without the length: the RFC treats
 * NodeIds in H(NodeId || certificate) the same way, and java-reload does so too; kind is the uint32 and
 * storage_time the uint64 of the wire. A future interop need can add a switch here.
 */
export function storedDataSignatureInput(
  resource: ResourceId,
  kind: KindId,
  storageTime: bigint,
  value: StoredDataValue,
  identity: SignerIdentity,
  ctx: CodecContext = DEFAULT_CONTEXT,
): Uint8Array {
  const w = new Writer(ctx, resource.length + 12 + value.value.length + 96);
  w.bytes(resource).u32(kind).u64(storageTime);
  writeStoredDataValue(w, value, true);
  signerIdentity.encode(w, identity);
  return w.finish();
}

/**
 * RFC 6940 §11.1: a `<configuration>` element (and, "in the same way", a `<kind>` element) is "a binary
 * blob that MUST be signed using the standard SecurityBlock defined in Section 6.3.4". The RFC does not
 * spell out the input (reload-digest §19.5). Both inputs it does spell out (§6.3.4 messages, §7.1 stored
 * data) end with the signer's encoded SignerIdentity, which binds the signature to the certificate that
 * made it, so we sign blob || SignerIdentity too and verify exactly that
 * (docs/decisions/0023-configuration-signature-input.md).
 */
export function blobSignatureInput(
  blob: Uint8Array,
  identity: SignerIdentity,
  ctx: CodecContext = DEFAULT_CONTEXT,
): Uint8Array {
  const w = new Writer(ctx, blob.length + 64);
  w.bytes(blob);
  signerIdentity.encode(w, identity);
  return w.finish();
}
