import { bytesToBigInt } from '../../core/bytes.js';
import type { KindId, ResourceId } from '../../core/ids.js';
import type { ResourceEntry } from './resource-store.js';

/**
 * RFC 6940 §7.4.4.2: for Find, the Resource-ID "closest" to the target among those this peer stores with
 * a live value of the kind, or an all-zero Resource-ID when it stores none. Closest is the first one at or
 * after the target going round the ring (the CHORD-RELOAD direction of responsibility), so repeated Finds
 * from random points walk the stored resources.
 */
export function closestResource(
  entries: Iterable<ResourceEntry>,
  kind: KindId,
  target: ResourceId,
  now: number,
): ResourceId {
  const bits = BigInt(8 * target.length);
  const mask = (1n << bits) - 1n;
  const t = bytesToBigInt(target);
  let best: ResourceId | undefined;
  let bestDistance = 0n;
  for (const e of entries) {
    if (e.id.length !== target.length) continue;
    const k = e.kinds.get(kind);
    let live = false;
    for (const v of k?.values.values() ?? []) {
      if (v.data.value.exists && v.expiresAt > now) {
        live = true;
        break;
      }
    }
    if (!live) continue;
    const d = (bytesToBigInt(e.id) - t) & mask;
    if (best === undefined || d < bestDistance) {
      best = e.id;
      bestDistance = d;
    }
  }
  return best ?? (new Uint8Array(target.length) as ResourceId);
}
