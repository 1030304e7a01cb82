import type { NodeId } from '../../../core/ids.js';
import type { RoutingTable } from './routing-table.js';

/**
 * Failure detection for the routing table (RFC 6940 §10.7.1: a neighbour is lost "as determined by
 * connectivity pings or the failure of some request"). A TLS-TCP-FH link only learns that its peer died
 * when it sends something that goes unacknowledged, so an idle link to a silently failed peer would look
 * healthy forever. This tracker says which peers need a connectivity check:
 *
 * - a neighbour not heard from for `keepalive` ms is checked with an Update, a finger not heard from for
 *   `fingerKeepalive` ms with a Ping (both are answered, so one side's check keeps the link heard on both
 *   sides). Fingers may be checked less often: a dead finger that routing still uses costs one link RTO,
 *   after which the transport routes around it (MessageTransport #reroute) and this tracker checks it;
 * - a member that is in neither table and silent for twice the longer of the two is evicted: nobody
 *   keeps that link alive, so it is either dead or unused;
 * - a peer declared failed is remembered for a keepalive period, so that stale Updates from other peers do not make
 *   us attach to it again at once (RFC 6940 §10.7.1: a peer being re-tried stays out of the tables).
 */
export class LivenessTracker {
  readonly #keepalive: number;
  readonly #fingerKeepalive: number;
  readonly #checking = new Set<NodeId>();
  readonly #deadUntil = new Map<NodeId, number>();

  constructor(keepalive: number, fingerKeepalive = keepalive) {
    this.#keepalive = keepalive;
    this.#fingerKeepalive = fingerKeepalive;
  }

  isChecking(id: NodeId): boolean {
    return this.#checking.has(id);
  }

  begin(id: NodeId): void {
    this.#checking.add(id);
  }

  end(id: NodeId): void {
    this.#checking.delete(id);
  }

  /** Remembers a failed peer for a keepalive period (by then its other peers have noticed too). */
  bury(id: NodeId, now: number): void {
    this.#checking.delete(id);
    this.#deadUntil.set(id, now + this.#keepalive);
  }

  isBuried(id: NodeId, now: number): boolean {
    const until = this.#deadUntil.get(id);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#deadUntil.delete(id);
    return false;
  }

  /** Members to check and members to evict, given when each was last heard from. */
  sweep(
    table: RoutingTable,
    lastHeard: (id: NodeId) => number | undefined,
    now: number,
  ): { check: NodeId[]; evict: NodeId[] } {
    const check: NodeId[] = [];
    const evict: NodeId[] = [];
    const idle = 2 * Math.max(this.#keepalive, this.#fingerKeepalive);
    for (const m of table.members()) {
      const silent = now - (lastHeard(m) ?? Number.NEGATIVE_INFINITY);
      if (table.isNeighbor(m)) {
        if (silent >= this.#keepalive && !this.#checking.has(m)) check.push(m);
      } else if (table.isFinger(m)) {
        if (silent >= this.#fingerKeepalive && !this.#checking.has(m)) check.push(m);
      } else if (silent >= idle) {
        evict.push(m);
      }
    }
    for (const [id, until] of this.#deadUntil) if (until <= now) this.#deadUntil.delete(id);
    return { check, evict };
  }
}
