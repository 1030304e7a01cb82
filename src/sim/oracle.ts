import type { NodeId } from '../core/ids.js';

/**
 * The global oracle: the sorted Node-IDs of every live, joined peer at this instant. The responsible peer
 * for a key k is the first id ≥ k, wrapping round the ring (RFC 6940 §10.1: a peer owns (predecessor,
 * self]). Only the simulator knows this; lookups are judged against it.
 */
export class LiveRing {
  #ids: NodeId[] = [];

  get size(): number {
    return this.#ids.length;
  }

  get ids(): readonly NodeId[] {
    return this.#ids;
  }

  add(id: NodeId): void {
    const i = this.#search(id);
    if (this.#ids[i] === id) return;
    this.#ids.splice(i, 0, id);
  }

  remove(id: NodeId): void {
    const i = this.#search(id);
    if (this.#ids[i] === id) this.#ids.splice(i, 1);
  }

  has(id: NodeId): boolean {
    return this.#ids[this.#search(id)] === id;
  }

  /** The peer responsible for `k`, or undefined when the ring is empty. */
  ownerOf(k: bigint): NodeId | undefined {
    const i = this.#search(k);
    return this.#ids[i] ?? this.#ids[0];
  }

  /** The index of the first id ≥ k (the length when there is none). */
  #search(k: bigint): number {
    let lo = 0;
    let hi = this.#ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#ids[mid] as bigint) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
