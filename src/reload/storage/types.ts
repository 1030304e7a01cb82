import type { NodeId, ResourceId } from '../../core/ids.js';

/**
 * What storage needs from the rest of the node. Storage never imports the topology plug-in (DESIGN §2):
 * reload/storage-placement.ts answers these questions from CHORD-RELOAD's tables and node.ts passes them
 * in.
 */

/** Who signed a value or a request, as the access policies (RFC 6940 §7.3) need it. */
export interface SignerInfo {
  /** The Node-ID the SignerIdentity names (RFC 6940 §6.3.4). */
  readonly nodeId: NodeId;
  /** The user name of the signer's certificate (rfc822Name). */
  readonly userName: string;
  /** DER of the signing certificate, kept with the data it signed. */
  readonly certificate: Uint8Array;
}

/** Where data lives in the overlay, as this peer sees it now (RFC 6940 §10.4 for CHORD-RELOAD). */
export interface Placement {
  /** The node is a member of the overlay (joined), so the answers below mean something. */
  ready(): boolean;
  /** This peer holds the original of `resource` (RFC 6940 §10.1: pred < k ≤ self). */
  isResponsible(resource: ResourceId): boolean;
  /**
   * The peers that should hold copies of `resource`: the responsible peer first, then its replica peers
   * in order (replica_number 1, 2, ...), as many as the configuration's replica count asks for and this
   * peer can see. Undefined when the resource lies beyond what this peer's tables cover, or before the
   * node has joined.
   */
  holders(resource: ResourceId): readonly NodeId[] | undefined;
}
