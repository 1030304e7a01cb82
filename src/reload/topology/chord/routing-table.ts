import type { NodeId } from '../../../core/ids.js';
import {
  distance,
  fingerIndexOf,
  inFingerInterval,
  inHalfOpen,
  sortClockwise,
  sortCounterClockwise,
} from './ring.js';

/**
 * The CHORD-RELOAD routing table (RFC 6940 §10.2): the Neighbor Table (predecessors and successors,
 * closest first) and the Finger Table, over a set of peers this node knows to be live overlay members.
 * Pure data: the protocol machine (chord.ts) decides who is a member; the table keeps the best
 * neighbours and fingers among them.
 */
export interface TableSizes {
  /** RFC 6940 §10.2: at least 3 successors and 3 predecessors. */
  readonly successors: number;
  readonly predecessors: number;
  /** RFC 6940 §10.2: the Finger Table SHOULD hold at least 16 entries (up to 128). */
  readonly fingers: number;
}

export interface TableChange {
  readonly neighborsChanged: boolean;
  readonly rangeChanged: boolean;
}

export class RoutingTable {
  readonly self: NodeId;
  readonly sizes: TableSizes;
  /** Live overlay members this node has a link to (the candidate pool for every table). */
  readonly #members = new Set<NodeId>();
  #successors: NodeId[] = [];
  #predecessors: NodeId[] = [];
  /** finger index (1..sizes.fingers) → peer. */
  #fingers = new Map<number, NodeId>();

  constructor(self: NodeId, sizes: TableSizes) {
    this.self = self;
    this.sizes = sizes;
  }

  get successors(): readonly NodeId[] {
    return this.#successors;
  }

  get predecessors(): readonly NodeId[] {
    return this.#predecessors;
  }

  get fingerEntries(): ReadonlyMap<number, NodeId> {
    return this.#fingers;
  }

  /** Distinct finger peers in ascending id order (the `fingers` list of a full ChordUpdate, RFC 6940 §10.7). */
  fingerList(): NodeId[] {
    return [...new Set(this.#fingers.values())].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  members(): IterableIterator<NodeId> {
    return this.#members.values();
  }

  has(id: NodeId): boolean {
    return this.#members.has(id);
  }

  get size(): number {
    return this.#members.size;
  }

  isNeighbor(id: NodeId): boolean {
    return this.#successors.includes(id) || this.#predecessors.includes(id);
  }

  add(id: NodeId): TableChange {
    if (id === this.self || this.#members.has(id)) return { neighborsChanged: false, rangeChanged: false };
    this.#members.add(id);
    return this.#rebuild();
  }

  remove(id: NodeId): TableChange {
    if (!this.#members.delete(id)) return { neighborsChanged: false, rangeChanged: false };
    return this.#rebuild();
  }

  clear(): void {
    this.#members.clear();
    this.#rebuild();
  }

  #rebuild(): TableChange {
    const oldPred = this.#predecessors[0];
    const oldNeighbors = [...this.#successors, ...this.#predecessors].join();
    this.#successors = sortClockwise(this.self, this.#members).slice(0, this.sizes.successors);
    this.#predecessors = sortCounterClockwise(this.self, this.#members).slice(0, this.sizes.predecessors);
    this.#fingers = new Map();
    for (const m of this.#members) {
      const i = fingerIndexOf(this.self, m);
      if (i === undefined || i > this.sizes.fingers) continue;
      // The best finger is the first peer at or after the interval's start (the peer responsible for it).
      const cur = this.#fingers.get(i);
      if (cur === undefined || distance(this.self, m) < distance(this.self, cur)) this.#fingers.set(i, m);
    }
    return {
      neighborsChanged: oldNeighbors !== [...this.#successors, ...this.#predecessors].join(),
      rangeChanged: oldPred !== this.#predecessors[0],
    };
  }

  /**
   * RFC 6940 §10.1: this node is responsible for k iff k ∈ (predecessor, self]. Alone, it owns the ring.
   */
  isResponsible(k: bigint): boolean {
    const pred = this.#predecessors[0];
    return pred === undefined || inHalfOpen(k, pred, this.self);
  }

  /** Whether `id` would improve the Neighbor Table (closer than the worst entry, or a table not yet full). */
  wouldBeNeighbor(id: NodeId): boolean {
    if (id === this.self || this.#members.has(id)) return false;
    const s = this.#successors;
    const p = this.#predecessors;
    if (s.length < this.sizes.successors || p.length < this.sizes.predecessors) return true;
    const worstS = s[s.length - 1] as NodeId;
    const worstP = p[p.length - 1] as NodeId;
    return (
      distance(this.self, id) < distance(this.self, worstS) ||
      distance(id, this.self) < distance(worstP, this.self)
    );
  }

  /** Whether `id` would fill an empty finger or replace one with a peer closer to its interval start. */
  wouldBeFinger(id: NodeId): boolean {
    if (id === this.self || this.#members.has(id)) return false;
    const i = fingerIndexOf(this.self, id);
    if (i === undefined || i > this.sizes.fingers) return false;
    const cur = this.#fingers.get(i);
    return cur === undefined || distance(this.self, id) < distance(this.self, cur);
  }

  /** Finger indices with no entry (RFC 6940 §10.3: such entries are refreshed). */
  emptyFingers(): number[] {
    const out: number[] = [];
    for (let i = 1; i <= this.sizes.fingers; i++) {
      if (!this.#fingers.has(i)) out.push(i);
    }
    return out;
  }

  fingerValid(i: number): boolean {
    const f = this.#fingers.get(i);
    return f !== undefined && inFingerInterval(this.self, i, f);
  }

  /**
   * RFC 6940 §10.3 next hop toward k among `candidates` (peers with live links): the peer with the
   * largest id in (self, k) — the closest preceding peer — else the peer with the smallest id after k.
   * Every live member counts, not only fingers: fewer hops for free.
   */
  nextHop(k: bigint, usable: (id: NodeId) => boolean, exclude?: NodeId): NodeId | undefined {
    const dk = distance(this.self, k);
    let best: NodeId | undefined;
    let bestGap = 0n;
    let after: NodeId | undefined;
    let afterGap = 0n;
    for (const m of this.#members) {
      if (m === exclude || !usable(m)) continue;
      const dm = distance(this.self, m);
      if (dm === dk) return m;
      if (dm < dk) {
        const gap = dk - dm;
        if (best === undefined || gap < bestGap) {
          best = m;
          bestGap = gap;
        }
      } else {
        const gap = dm - dk;
        if (after === undefined || gap < afterGap) {
          after = m;
          afterGap = gap;
        }
      }
    }
    return best ?? after;
  }
}
