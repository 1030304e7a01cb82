import type { NodeId } from '../core/ids.js';
import type { RoutingTable } from '../reload/topology/chord/routing-table.js';
import { LiveRing } from './oracle.js';
import { SIM_PORT, type SimEndpoint, type SimOverlay } from './overlay.js';

/**
 * Bulk start: a shortcut for large simulated rings (bench/sim.ts at 10^4 and 10^5 peers), where building
 * the ring by real joins costs hours of CPU. All `n` peers are created at once and each one starts as a
 * joined member whose routing table is what a converged ring would give it, read from the oracle: its
 * successors and predecessors, and in every finger slot the first peer of that slot. It then opens a
 * TLS link (with the network's usual handshake latency) to each of them, as a node whose Attaches
 * succeeded would have, and from there on everything is the ordinary protocol: Updates, connectivity
 * checks, finger probes, failure detection and repair run unchanged in the same cores.
 *
 * What it skips is the join itself (RFC 6940 §10.6: Attach to the admitting peer, Join, the Update
 * cascade and the finger fill), so a bulk-started ring measures the steady state, failures and churn,
 * never the cost of joining; its finger tables are fuller than a ring built by joins has after the same
 * time. Results from it are labelled so (BENCHMARKS.md). test/sim/ring.test.ts builds its ring by real
 * joins; test/sim/bulk-start.test.ts checks a bulk-started ring against the oracle.
 */
export function bulkStart(overlay: SimOverlay, n: number): void {
  const eps: SimEndpoint[] = [];
  for (let i = 0; i < n; i++) eps.push(overlay.createNode());
  const all = new LiveRing();
  for (const ep of eps) all.add(ep.host.localId);
  for (const ep of eps) {
    const node = ep.host;
    for (const m of seededMembers(node.chord.table, all)) node.chord.table.add(m);
  }
  for (const ep of eps) {
    overlay.start(ep, (node, t) => {
      node.storage.restore(t);
      node.chord.startAlone(t);
    });
  }
  // One link per pair: the peer that holds the other in its table dials it (when both do, the one
  // earlier in creation order); the far end accepts it without adding the dialler to its own table,
  // as after an Attach (RFC 6940 §6.4.2.3: Attach alone does not make a routing-table member).
  for (const ep of eps) {
    const table = ep.host.chord.table;
    const links: SimEndpoint[] = [];
    for (const m of table.members()) {
      const peer = overlay.endpointOf(m);
      if (peer === undefined) continue;
      if (peer.index < ep.index && peer.host.chord.table.has(ep.host.localId)) continue;
      links.push(peer);
    }
    overlay.net.input(ep, (node, t) => {
      for (const peer of links) {
        const address = peer.host.config.listen;
        node.peerAddresses.learn(peer.host.localId, address);
        node.transport.connect(address.host, SIM_PORT, peer.host.localId, 'attach', t);
      }
    });
  }
}

/** What a converged ring gives `table`'s owner: its neighbours and the first peer of every finger slot. */
export function seededMembers(table: RoutingTable, ring: LiveRing): NodeId[] {
  const ids = ring.ids;
  const self = table.self;
  const out = new Set<NodeId>();
  const at = indexOf(ids, self);
  const { successors, predecessors } = table.sizes;
  for (let k = 1; k <= successors && k < ids.length; k++) out.add(ids[(at + k) % ids.length] as NodeId);
  for (let k = 1; k <= predecessors && k < ids.length; k++)
    out.add(ids[(at - k + ids.length) % ids.length] as NodeId);
  const slots = table.sizes.fingers * table.density;
  for (let s = 0; s < slots; s++) {
    const owner = ring.ownerOf(table.slotStart(s));
    if (owner !== undefined && owner !== self && table.slotOf(owner) === s) out.add(owner);
  }
  out.delete(self);
  return [...out];
}

function indexOf(ids: readonly NodeId[], id: NodeId): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as bigint) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
