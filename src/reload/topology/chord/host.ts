import type { NodeId } from '../../../core/ids.js';
import type { Logger } from '../../../core/logger.js';
import type { Random } from '../../../core/random.js';
import type { Destination } from '../../messages/common.js';
import type { RequestResult, RequestSpec } from '../../node/types.js';
import type { LinkId } from '../../routing/types.js';

/**
 * What the CHORD-RELOAD machine needs from the node it runs in (reload/node.ts provides it). Chord never
 * sees links, bytes or certificates: it asks for requests and Attaches and hears about links going down.
 */
export type AttachResult =
  | { readonly ok: true; readonly peer: NodeId }
  | { readonly ok: false; readonly reason: string };

export interface ChordHost {
  readonly localId: NodeId;
  readonly log: Logger;
  readonly random: Random;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
  /**
   * Attach (RFC 6940 §6.5.1) to the destination and call back once a TLS link to the answering node is
   * up. `sendUpdate` asks the answerer to send its routing state (RFC 6940 §6.5.1.?); `via` forces the
   * first hop (the joining node's bootstrap link).
   */
  attach(
    destination: readonly Destination[],
    opts: { sendUpdate: boolean; via?: LinkId },
    callback: (r: AttachResult) => void,
  ): void;
  /** A live, non-suspect link to the node. */
  isUsable(id: NodeId): boolean;
  /** When anything last arrived on the link to the node (ms), or undefined without a link. */
  lastHeard(id: NodeId): number | undefined;
  closeLinkTo(id: NodeId, reason: string): void;
}
