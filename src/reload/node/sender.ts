import type { NodeId, TransactionId } from '../../core/ids.js';
import type { CodecContext } from '../../wire/index.js';
import type { Destination } from '../messages/common.js';
import type { MessageContents } from '../messages/contents.js';
import type { ForwardingHeader } from '../messages/header.js';
import type { GenericCertificate } from '../messages/security.js';
import type { LinkId } from '../routing/types.js';
import type { Signer } from '../security/signer.js';
import type { TransportStats } from './stats.js';

/**
 * What the requester and responder halves of the message transport need from its forwarding core.
 * Internal to reload/node.
 */
export interface Sender {
  readonly localId: NodeId;
  readonly ctx: CodecContext;
  readonly stats: TransportStats;
  readonly nodeIdLength: number;
  /** The `now` of the input being processed, for answers given from inside another input's callback. */
  clock(): number;
  /**
   * MessageContents ‖ SecurityBlock, signed by this node (RFC 6940 §6.3.4) or by `signer`; `certificates`
   * join ours in the bucket.
   */
  signedPayload(
    transactionId: TransactionId,
    contents: MessageContents,
    certificates?: readonly GenericCertificate[],
    signer?: Signer,
  ): Uint8Array;
  /** A fresh forwarding header for a message this node originates (TTL = initial-ttl, empty via list). */
  newHeader(transactionId: TransactionId, destination: readonly Destination[]): ForwardingHeader;
  /**
   * Routes and transmits a message this node originates, or queues it for local delivery when this node is
   * its destination. `via` forces the first hop. Returns false if it could not be sent anywhere.
   */
  originate(
    header: ForwardingHeader,
    payload: Uint8Array,
    code: number,
    via: LinkId | undefined,
    now: number,
  ): OriginateResult;
}

/**
 * What became of a message this node originates: sent (or queued for local delivery), not routable yet
 * (a request's retransmission tries again), or refused for good by our own routing (answer it now).
 */
export type OriginateResult =
  | { readonly status: 'sent' }
  | { readonly status: 'later'; readonly reason: string }
  | { readonly status: 'refused'; readonly errorCode: number; readonly reason: string };

/** A message as it stood before this node routed it: enough to route it again (a link turned suspect). */
export interface RoutedMessage {
  readonly header: ForwardingHeader;
  readonly payload: Uint8Array;
  readonly code: number | undefined;
  readonly previousHop: NodeId | undefined;
}

/** A message delivered to this node after routing and reassembly. */
export interface LocalDelivery {
  readonly header: ForwardingHeader;
  readonly payload: Uint8Array;
  /** The link it arrived on; undefined when this node sent it to itself. */
  readonly link: LinkId | undefined;
  readonly previousHop: NodeId | undefined;
}

export function peekCode(payload: Uint8Array): number | undefined {
  return payload.length >= 2 ? ((payload[0] as number) << 8) | (payload[1] as number) : undefined;
}
