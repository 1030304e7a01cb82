import type { NodeId } from '../../core/ids.js';
import type { HostPort } from './attach.js';

/**
 * Where other peers accept links, as learned from the overlay itself: the passive candidate in an Attach
 * request or answer (RFC 6940 §6.5.1, signed by its sender) and the address a bootstrap link was dialled
 * at (RFC 6940 §11.4). A link accepted on our listener comes from an ephemeral port, so this is the only
 * way to know how to reach such a peer again, e.g. from a cache of peers kept across restarts.
 */
export class PeerAddresses {
  readonly #byPeer = new Map<NodeId, HostPort>();

  /** At most this many peers are remembered; the least recently learned one goes first. */
  constructor(readonly capacity = 256) {}

  learn(peer: NodeId, address: HostPort): void {
    this.#byPeer.delete(peer);
    this.#byPeer.set(peer, { host: address.host, port: address.port });
    if (this.#byPeer.size > this.capacity) {
      const oldest = this.#byPeer.keys().next();
      if (oldest.done !== true) this.#byPeer.delete(oldest.value);
    }
  }

  get(peer: NodeId): HostPort | undefined {
    return this.#byPeer.get(peer);
  }

  get size(): number {
    return this.#byPeer.size;
  }
}
