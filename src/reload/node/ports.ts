import type { NodeId, ResourceId, TransactionId } from '../../core/ids.js';
import type { SecurityBlock } from '../messages/security.js';
import type { Signer } from '../security/signer.js';
import type { VerifiedSigner } from '../security/verifier.js';

/**
 * The interfaces the node composes (DESIGN §2: node.ts is the composition root). Implementations live in
 * reload/security (signatures), reload/topology/chord (the overlay algorithm) and reload/storage; tests
 * and the simulator may pass their own.
 */

/** Who signed a verified message (RFC 6940 §6.3.4): one type for messages and stored data. */
export type { VerifiedSigner } from '../security/verifier.js';

/**
 * Message signatures (RFC 6940 §7.1): every message is signed by its originator over
 * overlay ‖ transaction_id ‖ MessageContents ‖ SignerIdentity and verified by its final destination.
 */
export interface MessageSecurity {
  /** The SecurityBlock for a message this node originates. */
  /**
   * The SecurityBlock for a message this node originates, signed by the node's own identity or by `as`
   * (another certificate of the same node, e.g. an adapter's per-user certificate for USER-NODE-MATCH).
   */
  sign(overlay: number, transactionId: TransactionId, contents: Uint8Array, as?: Signer): SecurityBlock;
  /**
   * Verifies a received message; returns the signer or a reason. The destination must drop a message whose
   * signature does not verify (RFC 6940 §7.1), so a failure here is never answered.
   */
  verify(
    overlay: number,
    transactionId: TransactionId,
    contents: Uint8Array,
    security: SecurityBlock,
    now: number,
  ): VerifiedSigner | { readonly rejected: string };
}

/**
 * What the forwarding layer needs from the topology plug-in (RFC 6940 §6.4.1 for the generic rules,
 * §9 for CHORD-RELOAD).
 */
export interface TopologyRouting {
  isResponsible(resource: ResourceId): boolean;
  coversNodeId(id: NodeId): boolean;
  /**
   * The best next hop toward a ring position among the peers for which `usable` is true (those with a live
   * link), never `exclude`. The topology may consider every peer it knows, not only fingers.
   */
  nextHopToward(target: bigint, usable: (id: NodeId) => boolean, exclude?: NodeId): NodeId | undefined;
}
