import type { NodeId } from '../core/ids.js';
import type { NodeOutput } from '../reload/node/types.js';
import type { LinkId } from '../reload/routing/types.js';
import type { Placement } from './latency.js';

/**
 * What the virtual network connects: a host is any sans-I/O node with the driver interface of
 * reload/node (ReloadNode, MessageTransport, or a test stub), and an endpoint is the network's record of
 * it: where it sits, whether it is alive, its links.
 */
export interface SimHost {
  readonly localId: NodeId;
  pollOutput(): NodeOutput | undefined;
  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean;
  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined;
  linkData(link: LinkId, bytes: Uint8Array, now: number): void;
  linkClosed(link: LinkId, reason: string, now: number): void;
  handleTimeout(now: number): void;
  nextDeadline(): number | undefined;
}

/** `up` runs; `dead` went silent (kill); `crashed` reset its connections and refuses new ones. */
export type EndpointState = 'up' | 'dead' | 'crashed';

export interface LinkEnd<H extends SimHost> {
  readonly peer: Endpoint<H>;
  readonly peerLink: LinkId;
  /** When the last packet sent this way arrives: later packets never overtake it (TCP order). */
  lastArrival: number;
}

export class Endpoint<H extends SimHost> {
  state: EndpointState = 'up';
  /** Partition group: two endpoints reach each other only inside the same group. */
  group = 0;
  /** The wake-up currently scheduled for the host's next deadline (Infinity: none). */
  wakeAt = Number.POSITIVE_INFINITY;
  readonly links = new Map<LinkId, LinkEnd<H>>();
  /** Client connections not up yet: link → when the connect began. */
  readonly pending = new Map<LinkId, number>();

  constructor(
    readonly index: number,
    readonly address: string,
    readonly host: H,
    readonly placement: Placement,
  ) {}
}

/** Sees every transmission; the token it returns comes back when (and only if) the bytes are delivered. */
export interface TrafficObserver<H extends SimHost, T> {
  /** One segment: the chunks one input wrote to a link, in order. */
  sent(from: Endpoint<H>, to: Endpoint<H>, chunks: readonly Uint8Array[]): T | undefined;
  delivered(to: Endpoint<H>, token: T): void;
}
