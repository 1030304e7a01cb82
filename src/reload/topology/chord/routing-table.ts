import type { NodeId } from '../../../core/ids.js';
import { distance, fingerIndexOf, inHalfOpen, RING_BITS } from './ring.js';

/**
 * The CHORD-RELOAD routing table (RFC 6940 §10.2): the Neighbor Table (predecessors and successors,
 * closest first) and the Finger Table, over a set of peers this node knows to be live overlay members.
 * Pure data: the protocol machine (chord.ts) decides who is a member; the table keeps the best
 * neighbours and fingers among them.
 *
 * Members are kept sorted by clockwise distance from this node, so the neighbours are the two ends of
 * the array and the next hop toward a key is a binary search, not a scan (a forwarding peer asks for
 * every message it routes).
 */
export interface TableSizes {
  /** RFC 6940 §10.2: at least 3 successors and 3 predecessors. */
  readonly successors: number;
  readonly predecessors: number;
  /** RFC 6940 §10.2: the Finger Table SHOULD hold at least 16 entries (up to 128). */
  readonly fingers: number;
  /**
   * Finger entries per RFC finger interval (a power of two, default 1). Entry i covers
   * [n + 2^(128−i), n + 2^(129−i)); with density d it is split into d equal slots, each with its own
   * finger, so the table resolves a key d times finer per hop (base-2d routing; RFC 6940 §10.7.4.3
   * allows larger tables "to keep the number of hops low").
   */
  readonly fingerDensity?: number;
}

export interface TableChange {
  readonly neighborsChanged: boolean;
  readonly rangeChanged: boolean;
}

const NO_CHANGE: TableChange = { neighborsChanged: false, rangeChanged: false };

export class RoutingTable {
  readonly self: NodeId;
  readonly sizes: TableSizes;
  readonly density: number;
  /** Live overlay members this node has a link to (the candidate pool for every table). */
  readonly #members = new Set<NodeId>();
  /** The members by clockwise distance from self, closest first. */
  #ring: NodeId[] = [];
  /** Member → finger slot (undefined: beyond the last finger interval). */
  readonly #slotOf = new Map<NodeId, number | undefined>();
  #successors: readonly NodeId[] = [];
  #predecessors: readonly NodeId[] = [];
  /** Finger slot (0-based: (i − 1) · density + j) → peer. */
  readonly #fingers = new Map<number, NodeId>();

  constructor(self: NodeId, sizes: TableSizes) {
    this.self = self;
    this.sizes = sizes;
    const d = sizes.fingerDensity ?? 1;
    if (!Number.isInteger(d) || d < 1 || d > 64 || (d & (d - 1)) !== 0)
      throw new RangeError(`finger density must be a power of two in 1..64, got ${d}`);
    this.density = d;
  }

  get successors(): readonly NodeId[] {
    return this.#successors;
  }

  get predecessors(): readonly NodeId[] {
    return this.#predecessors;
  }

  /** Finger slot → peer (slot s lies in RFC finger interval floor(s / density) + 1). */
  get fingerEntries(): ReadonlyMap<number, NodeId> {
    return this.#fingers;
  }

  get slotCount(): number {
    return this.sizes.fingers * this.density;
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

  isFinger(id: NodeId): boolean {
    const s = this.#slotOf.get(id);
    return s !== undefined && this.#fingers.get(s) === id;
  }

  /** The Routing Table proper (RFC 6940 §10.2: Neighbor Table ∪ Finger Table). */
  inRoutingTable(id: NodeId): boolean {
    return this.isNeighbor(id) || this.isFinger(id);
  }

  add(id: NodeId): TableChange {
    if (id === this.self || this.#members.has(id)) return NO_CHANGE;
    this.#members.add(id);
    const d = distance(this.self, id);
    const at = this.#upperBound(d);
    this.#ring.splice(at, 0, id);
    const slot = this.slotOf(id);
    this.#slotOf.set(id, slot);
    if (slot !== undefined) {
      const cur = this.#fingers.get(slot);
      if (cur === undefined || d < distance(this.self, cur)) this.#fingers.set(slot, id);
    }
    return this.#neighborsUpdated();
  }

  remove(id: NodeId): TableChange {
    if (!this.#members.delete(id)) return NO_CHANGE;
    const d = distance(this.self, id);
    let at = this.#upperBound(d) - 1;
    while (at >= 0 && this.#ring[at] !== id) at--;
    if (at >= 0) this.#ring.splice(at, 1);
    const slot = this.#slotOf.get(id);
    this.#slotOf.delete(id);
    if (slot !== undefined && this.#fingers.get(slot) === id) {
      this.#fingers.delete(slot);
      // The closest remaining member in the slot takes over (RFC 6940 §10.7.2).
      for (const m of this.#ring) {
        if (this.#slotOf.get(m) === slot) {
          this.#fingers.set(slot, m);
          break;
        }
      }
    }
    return this.#neighborsUpdated();
  }

  clear(): void {
    this.#members.clear();
    this.#ring = [];
    this.#slotOf.clear();
    this.#fingers.clear();
    this.#neighborsUpdated();
  }

  #neighborsUpdated(): TableChange {
    const oldS = this.#successors;
    const oldP = this.#predecessors;
    const r = this.#ring;
    this.#successors = r.slice(0, this.sizes.successors);
    this.#predecessors = r.slice(Math.max(0, r.length - this.sizes.predecessors)).reverse();
    return {
      neighborsChanged: !sameList(oldS, this.#successors) || !sameList(oldP, this.#predecessors),
      rangeChanged: oldP[0] !== this.#predecessors[0],
    };
  }

  /** The index of the first member farther (clockwise) than `d`. */
  #upperBound(d: bigint): number {
    const r = this.#ring;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distance(this.self, r[mid] as NodeId) <= d) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The finger slot `x` falls in, or undefined when it lies beyond the last finger interval. */
  slotOf(x: bigint): number | undefined {
    const i = fingerIndexOf(this.self, x);
    if (i === undefined || i > this.sizes.fingers) return undefined;
    const shift = BigInt(RING_BITS - i);
    const lo = 1n << shift;
    const j = Number(((distance(this.self, x) - lo) * BigInt(this.density)) >> shift);
    return (i - 1) * this.density + j;
  }

  /** The first ring position of a finger slot (the position whose owner is the ideal finger). */
  slotStart(slot: number): bigint {
    const i = Math.floor(slot / this.density) + 1;
    const j = slot % this.density;
    const shift = BigInt(RING_BITS - i);
    return (this.self + (1n << shift) + (BigInt(j) << shift) / BigInt(this.density)) & RING_MASK;
  }

  /** The clockwise width of a finger slot. */
  slotWidth(slot: number): bigint {
    const i = Math.floor(slot / this.density) + 1;
    return (1n << BigInt(RING_BITS - i)) / BigInt(this.density);
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

  /**
   * Whether `id` would fill an empty finger slot. A slot that holds a peer is valid (RFC 6940 §10.7.4.2:
   * an entry is refreshed when it is empty, has failed or lies outside its interval), so a closer peer
   * is not worth an Attach; it still takes the slot if it becomes a member for another reason.
   */
  wouldBeFinger(id: NodeId): boolean {
    if (id === this.self || this.#members.has(id)) return false;
    const slot = this.slotOf(id);
    return slot !== undefined && !this.#fingers.has(slot);
  }

  /** Finger slots with no entry (RFC 6940 §10.3: such entries are refreshed). */
  emptyFingers(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.slotCount; s++) if (!this.#fingers.has(s)) out.push(s);
    return out;
  }

  /**
   * Whether a slot lies wholly between us and our last successor: the successor list then already says
   * who is in it (its finger, if any, is one of them), so probing it would teach nothing.
   */
  slotCovered(slot: number): boolean {
    const last = this.#successors[this.#successors.length - 1];
    if (last === undefined || this.#successors.length < this.sizes.successors) return false;
    const end = distance(this.self, this.slotStart(slot)) + this.slotWidth(slot) - 1n;
    return end <= distance(this.self, last);
  }

  /**
   * The peer our Neighbor Table says is responsible for k, when k falls inside it: k ∈ (s_i, s_i+1] is
   * owned by s_i+1 and k ∈ (p_i+1, p_i] by p_i (RFC 6940 §10.1: a peer owns (predecessor, self]). Sending
   * there directly saves the hop through the owner's predecessor and, while two peers' views of the ring
   * disagree (concurrent joins, failures not yet noticed), keeps a request from bouncing between them.
   */
  knownOwner(k: bigint): NodeId | undefined {
    let prev: NodeId = this.self;
    for (const s of this.#successors) {
      if (inHalfOpen(k, prev, s)) return s;
      prev = s;
    }
    let next: NodeId | undefined;
    for (const p of this.#predecessors) {
      if (next !== undefined && inHalfOpen(k, p, next)) return next;
      next = p;
    }
    return undefined;
  }

  /**
   * RFC 6940 §10.3 next hop toward k among `candidates` (peers with live links): the peer with the
   * largest id in (self, k) — the closest preceding peer — else the peer with the smallest id after k.
   * Every live member counts, not only fingers: fewer hops for free. When the Neighbor Table names k's
   * owner, that peer is taken directly (`knownOwner`).
   */
  nextHop(k: bigint, usable: (id: NodeId) => boolean, exclude?: NodeId): NodeId | undefined {
    const owner = this.knownOwner(k);
    if (owner !== undefined && owner !== exclude && usable(owner)) return owner;
    const r = this.#ring;
    const j = this.#upperBound(distance(this.self, k));
    for (let i = j - 1; i >= 0; i--) {
      const m = r[i] as NodeId;
      if (m !== exclude && usable(m)) return m;
    }
    for (let i = j; i < r.length; i++) {
      const m = r[i] as NodeId;
      if (m !== exclude && usable(m)) return m;
    }
    return undefined;
  }
}

const RING_MASK = (1n << BigInt(RING_BITS)) - 1n;

function sameList(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
