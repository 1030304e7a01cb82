import { createHash } from 'node:crypto';
import { bytesToBigInt, concatBytes } from '../../src/core/bytes.js';
import { type NodeId, nodeIdToBytes, type TransactionId } from '../../src/core/ids.js';
import type { SecurityBlock } from '../../src/reload/messages/security.js';
import type { MessageSecurity, VerifiedSigner } from '../../src/reload/node/ports.js';

/**
 * A stand-in for certificate signatures in unit tests: the "certificate hash" is the signer's Node-ID and
 * the "signature" a SHA-256 over the signed input and that id, so tampering is detected but no keys are
 * involved. Real signatures are tested in test/unit/reload/security.
 */
export function fakeSecurity(id: NodeId): MessageSecurity {
  const tag = (
    overlay: number,
    txid: TransactionId,
    contents: Uint8Array,
    signer: Uint8Array,
  ): Uint8Array => {
    const h = createHash('sha256');
    h.update(Uint8Array.of(overlay >>> 24, overlay >>> 16, overlay >>> 8, overlay));
    h.update(txid.toString(16));
    h.update(contents);
    h.update(signer);
    return new Uint8Array(h.digest());
  };
  return {
    sign: (overlay, txid, contents): SecurityBlock => {
      const me = nodeIdToBytes(id);
      return {
        certificates: [],
        signature: {
          algorithm: { hash: 4, signature: 1 },
          identity: { type: 'cert_hash', hashAlgorithm: 4, certificateHash: me },
          value: tag(overlay, txid, contents, me),
        },
      };
    },
    verify: (overlay, txid, contents, security): VerifiedSigner | { rejected: string } => {
      const ident = security.signature.identity;
      if (ident.type !== 'cert_hash') return { rejected: 'identity type' };
      const expected = tag(overlay, txid, contents, ident.certificateHash);
      const got = security.signature.value;
      if (expected.length !== got.length || !expected.every((b, i) => b === got[i]))
        return { rejected: 'signature' };
      return {
        nodeId: bytesToBigInt(ident.certificateHash) as NodeId,
        userName: 'test',
        certificate: new Uint8Array(),
      };
    },
  };
}

/** Flips one byte of a signature, for tests that need a forged message. */
export function forge(block: SecurityBlock): SecurityBlock {
  const v = block.signature.value.slice();
  v[0] = (v[0] ?? 0) ^ 0xff;
  return { ...block, signature: { ...block.signature, value: concatBytes(v) } };
}
