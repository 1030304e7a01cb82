import type { NodeId } from '../../src/core/ids.js';
import type { NodeOutput } from '../../src/reload/node/types.js';
import type { LinkId } from '../../src/reload/routing/types.js';
import type { SimHost } from '../../src/sim/network.js';

/** What a stub host saw, with the virtual time it saw it. */
export type StubEvent =
  | { readonly kind: 'accept'; readonly at: number; readonly link: LinkId; readonly from: NodeId }
  | { readonly kind: 'up'; readonly at: number; readonly link: LinkId; readonly peer: NodeId }
  | { readonly kind: 'data'; readonly at: number; readonly link: LinkId; readonly bytes: Uint8Array }
  | { readonly kind: 'closed'; readonly at: number; readonly link: LinkId; readonly reason: string }
  | { readonly kind: 'timeout'; readonly at: number };

/**
 * A host for tests of the virtual network itself: it does what the test tells it (connect, send, close,
 * set a deadline) and records every input the network gives it.
 */
export class StubHost implements SimHost {
  readonly localId: NodeId;
  readonly seen: StubEvent[] = [];
  readonly #outputs: NodeOutput[] = [];
  #nextLink = 1;
  #deadline: number | undefined;

  constructor(id: bigint) {
    this.localId = id as NodeId;
  }

  /** Asks the network to connect to host:port; returns the link id. */
  connect(host: string, port: number): LinkId {
    const link = this.#nextLink++ as LinkId;
    this.#outputs.push({ type: 'connect', link, host, port, expected: undefined });
    return link;
  }

  send(link: LinkId, ...chunks: Uint8Array[]): void {
    for (const bytes of chunks) this.#outputs.push({ type: 'transmit', link, bytes });
  }

  close(link: LinkId, reason = 'test'): void {
    this.#outputs.push({ type: 'close', link, reason });
  }

  wakeAt(at: number | undefined): void {
    this.#deadline = at;
  }

  data(): Uint8Array[] {
    return this.seen.flatMap((e) => (e.kind === 'data' ? [e.bytes] : []));
  }

  pollOutput(): NodeOutput | undefined {
    return this.#outputs.shift();
  }

  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean {
    this.seen.push({ kind: 'up', at: now, link, peer: peerIds[0] as NodeId });
    return true;
  }

  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined {
    const link = this.#nextLink++ as LinkId;
    this.seen.push({ kind: 'accept', at: now, link, from: peerIds[0] as NodeId });
    return link;
  }

  linkData(link: LinkId, bytes: Uint8Array, now: number): void {
    this.seen.push({ kind: 'data', at: now, link, bytes });
  }

  linkClosed(link: LinkId, reason: string, now: number): void {
    this.seen.push({ kind: 'closed', at: now, link, reason });
  }

  handleTimeout(now: number): void {
    this.seen.push({ kind: 'timeout', at: now });
    this.#deadline = undefined;
  }

  nextDeadline(): number | undefined {
    return this.#deadline;
  }
}
