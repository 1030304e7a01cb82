import { type NodeId, resourceIdToBigInt } from '../core/ids.js';
import type { Placement } from './storage/types.js';
import type { ChordTopology } from './topology/chord/chord.js';
import { inHalfOpen, sortClockwise } from './topology/chord/ring.js';

/**
 * CHORD-RELOAD's answers to storage's Placement questions (RFC 6940 §10.4). Storage and the topology
 * never import each other (DESIGN §2); this file, beside node.ts, joins them.
 *
 * The holders of a resource are the responsible peer — the first peer at or after its Resource-ID — and
 * the `replicaCount` peers after it on the ring. A peer sees the ring through its Neighbor Table: from its
 * farthest predecessor to its farthest successor, or the whole ring when the two lists meet (a small
 * overlay). A resource outside that window has no answer.
 */
export function chordPlacement(chord: ChordTopology, replicaCount: number): Placement {
  return {
    isResponsible: (r) => chord.isResponsible(r),
    holders: (r) =>
      chord.state === 'joined' ? holders(chord, resourceIdToBigInt(r), replicaCount) : undefined,
  };
}

function holders(chord: ChordTopology, k: bigint, replicaCount: number): NodeId[] | undefined {
  const self = chord.localId;
  const { predecessors: preds, successors: succs, sizes } = chord.table;
  const whole =
    preds.length < sizes.predecessors ||
    succs.length < sizes.successors ||
    preds.some((p) => succs.includes(p));
  if (whole) {
    const ring = sortClockwise(self, new Set([self, ...preds, ...succs]));
    const n = ring.length;
    const owner = ring.findIndex((w, i) => n === 1 || inHalfOpen(k, ring[(i + n - 1) % n] as NodeId, w));
    const count = Math.min(replicaCount + 1, n);
    return Array.from({ length: count }, (_, j) => ring[(owner + j) % n] as NodeId);
  }
  // Farthest predecessor first, clockwise to the farthest successor.
  const window = [...preds].reverse().concat(self, succs);
  for (let i = 1; i < window.length; i++) {
    if (inHalfOpen(k, window[i - 1] as NodeId, window[i] as NodeId))
      return window.slice(i, i + replicaCount + 1);
  }
  return undefined;
}
