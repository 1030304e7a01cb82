import { second } from '../core/clock.js';
import { resourceIdToBigInt } from '../core/ids.js';
import type { SimEndpoint, SimOverlay } from './overlay.js';
import { Simulation } from './simulation.js';
import type { Departure } from './storage-scenario.js';
import { putValues } from './storage-scenario.js';
import { StorageWorkload } from './storage-workload.js';

/**
 * The repair window of replication (issue #4): after one holder departs, how long until its neighbours
 * have dropped it from their Neighbor Tables (detection), and how long until every resource it held has
 * three live holders again (RFC 6940 §10.4, §10.7.1). Under churn a value is lost when its three holders
 * all depart within one window, so the chance grows with the square of it. Departures are one at a time,
 * each on a settled ring; the clock is read every `step`.
 */
export interface RepairWindowOptions {
  readonly nodes: number;
  readonly values: number;
  readonly departures: number;
  readonly departure: Departure;
  readonly seed?: number;
}

export interface RepairSample {
  /** Resources the departed peer held. */
  readonly held: number;
  /** Until no joined peer lists it as a neighbour (ms; undefined: not within the cap). */
  readonly detectMs: number | undefined;
  /** Until every resource it held has three live holders (ms; undefined: not within the cap). */
  readonly repairMs: number | undefined;
}

const STEP = 250;
const CAP = 4 * 60 * second;
/** Between departures, so that each starts on a settled ring. */
const GAP = 30 * second;

export function measureRepairWindow(opts: RepairWindowOptions): RepairSample[] {
  const sim = new Simulation({ nodes: opts.nodes, seed: opts.seed ?? 5, joinRate: 30, settle: 45 * second });
  sim.build();
  putValues(sim, new StorageWorkload(sim.overlay), opts.values);
  sim.advance(sim.now + 60 * second, 'replicate');
  const o = sim.overlay;
  const boot = new Set(o.bootstrap);
  const samples: RepairSample[] = [];
  for (let k = 0; k < opts.departures; k++) {
    const candidates = o.joined.filter((ep) => !boot.has(ep));
    const victim = candidates[o.random.u32() % candidates.length];
    if (victim === undefined) break;
    samples.push(follow(sim, victim, opts.departure));
    sim.advance(sim.now + GAP, 'gap');
  }
  return samples;
}

function follow(sim: Simulation, victim: SimEndpoint, departure: Departure): RepairSample {
  const o = sim.overlay;
  const id = victim.host.localId;
  const held = victim.host.storage.holdings().map((h) => resourceIdToBigInt(h.resource));
  const t0 = sim.now;
  if (departure === 'crash') o.crash(victim);
  else if (departure === 'leave') o.leave(victim);
  else o.kill(victim);
  let detectMs: number | undefined;
  while (sim.now - t0 < CAP) {
    sim.advance(sim.now + STEP, 'repair');
    const listed = o.joined.some((ep) => {
      const t = ep.host.chord.table;
      return t.successors.includes(id) || t.predecessors.includes(id);
    });
    if (detectMs === undefined && !listed) detectMs = sim.now - t0;
    if (detectMs !== undefined && held.every((r) => (liveHolders(o).get(r) ?? 0) >= 3)) {
      return { held: held.length, detectMs, repairMs: sim.now - t0 };
    }
  }
  return { held: held.length, detectMs, repairMs: undefined };
}

function liveHolders(o: SimOverlay): Map<bigint, number> {
  const count = new Map<bigint, number>();
  for (const ep of o.net.endpoints) {
    if (ep.state !== 'up') continue;
    for (const h of ep.host.storage.holdings()) {
      const r = resourceIdToBigInt(h.resource);
      count.set(r, (count.get(r) ?? 0) + 1);
    }
  }
  return count;
}
