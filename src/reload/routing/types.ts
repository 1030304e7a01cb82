import type { Brand } from '../../core/brand.js';
import type { NodeId, ResourceId } from '../../core/ids.js';

/** A connection-table entry's handle, allocated by the node (one per TLS connection). */
export type LinkId = Brand<number, 'LinkId'>;

/**
 * What the forwarding rules of RFC 6940 §6.1.2 need to know about this node. The node (reload/node.ts)
 * implements it from its connection table and topology plug-in.
 */
export interface RoutingEnv {
  readonly localId: NodeId;
  readonly nodeIdLength: number;
  /** RFC 6940 §6.3.2: low 32 bits of SHA-1(overlay name). */
  readonly overlay: number;
  /** RFC 6940 §11.1 initial-ttl (default 100). */
  readonly initialTtl: number;
  /** Whether this node is responsible for the Resource-ID (topology plug-in). */
  isResponsible(resource: ResourceId): boolean;
  /** Whether the Node-ID falls in this node's range of responsibility (it would own a resource with that id). */
  coversNodeId(id: NodeId): boolean;
  /** The link to a directly connected node, if any. */
  linkTo(id: NodeId): LinkId | undefined;
  /**
   * The next hop towards a ring position, from the topology plug-in (RFC 6940 §9.3 for Chord), restricted
   * to peers with a live link; undefined when none is known.
   */
  nextHopToward(target: bigint, exclude?: NodeId): NodeId | undefined;
}
