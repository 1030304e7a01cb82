import { second } from '../core/clock.js';
import type { SessionDistribution } from './churn.js';
import {
  type MaintenanceSummary,
  type Measurement,
  type PhaseCost,
  SIM_TIMING,
  Simulation,
  type SimulationOptions,
} from './simulation.js';
import type { LookupSummary } from './stats.js';
import { round } from './stats.js';
import { checkValues, putValues, STORAGE_DEFAULTS } from './storage-scenario.js';
import { type StorageCheck, StorageWorkload } from './storage-workload.js';

/**
 * The scenarios of `p2psip sim`: build a ring, let it stabilise, then measure lookups in steady state,
 * after a mass failure, or under churn. Every number in the result is a function of the options and the
 * seed (wall-clock figures such as events per second are the caller's to add).
 */
export interface SimOptions extends Omit<SimulationOptions, 'onProgress'> {
  /** Kill this fraction of the peers at once (silently) after the ring has stabilised. */
  readonly fail?: number;
  /** Run churn with this median session time (ms). */
  readonly churn?: number;
  readonly sessions?: 'exponential' | 'pareto';
  /** Pareto shape α (default 2). */
  readonly paretoShape?: number;
  /** How peers depart under churn (default: kill, a silent failure). */
  readonly departure?: 'kill' | 'crash' | 'leave';
  /** Length of the measurement (steady state and churn), ms. */
  readonly duration?: number;
  /** Lookups per measurement (spread evenly over it, each at a random moment of its slice). */
  readonly lookups?: number;
  /** Time allowed after a mass failure before the main measurement, ms. */
  readonly detect?: number;
  /**
   * Store this many values once the ring is built, and check them at the end (after churn, once the ring
   * had STORAGE_DEFAULTS.settle to settle): reported as `storage`.
   */
  readonly values?: number;
  /** Fail scenario: measure the steady state first, on the same ring (reported as `steady`). */
  readonly steadyFirst?: boolean;
  /** Called as virtual time advances (phase name, fraction of the whole run done). */
  readonly onProgress?: (phase: string, done: number) => void;
}

export interface SimResult extends LookupSummary {
  readonly scenario: 'steady' | 'fail' | 'churn';
  readonly nodes: number;
  readonly seed: number;
  readonly maintenanceBytesPerNodePerSec: number;
  readonly maintenanceMessagesPerNodePerSec: number;
  readonly maintenance: MaintenanceSummary;
  /** Fail scenario with `steadyFirst`: the ring measured before the failure. */
  readonly steady?: Measurement;
  /** Fail scenario: lookups sent in the first seconds after the failure, before any repair. */
  readonly immediate?: LookupSummary;
  /** Fail scenario: virtual time between the failure and the main measurement (ms). */
  readonly detectMs?: number;
  readonly failed?: number;
  readonly departures?: number;
  /** With `values`: stored, lost and under-replicated values at the end (storage-workload.ts). */
  readonly storage?: StorageCheck;
  /** Lookups whose originator departed before the answer came back (churn). */
  readonly abandoned: number;
  /** Live peers, joined peers, and joined peers whose first successor is wrong, at the end. */
  readonly liveNodes: number;
  readonly joinedNodes: number;
  readonly wrongSuccessors: number;
  readonly virtualSeconds: number;
  /** Simulated events (the CLI divides by wall time for events per second). */
  readonly events: number;
  /** Virtual time and events per phase (build, measure, ...), for the cost of each. */
  readonly phases: readonly PhaseCost[];
}

export const SIM_DEFAULTS = {
  seed: 1,
  duration: 60 * second,
  /** Fail scenario: lookups in this first window after the failure are reported as `immediate`. */
  immediateWindow: 5 * second,
  /** Fail scenario: time allowed for the cores to notice the failures (see docs/ARCHITECTURE.md). */
  detect: 90 * second,
} as const;

export function runSimulation(opts: SimOptions): SimResult {
  const duration = opts.duration ?? SIM_DEFAULTS.duration;
  const detect = opts.detect ?? SIM_DEFAULTS.detect;
  const lookups = opts.lookups ?? Math.min(2000, Math.max(200, opts.nodes));
  let sim: Simulation | undefined;
  const total = (): number => {
    const b = sim?.buildTime ?? 0;
    const m = duration + SIM_TIMING.drain + (opts.fail === undefined ? 0 : detect);
    const steady = opts.fail !== undefined && opts.steadyFirst === true ? duration + SIM_TIMING.drain : 0;
    return b + m + steady;
  };
  const { onProgress, ...rest } = opts;
  sim = new Simulation({
    ...rest,
    ...(onProgress === undefined
      ? {}
      : { onProgress: (phase, now) => onProgress(phase, Math.min(1, now / total())) }),
  });
  sim.build();
  const values =
    opts.values === undefined || opts.values === 0 ? undefined : new StorageWorkload(sim.overlay);
  if (values !== undefined) putValues(sim, values, opts.values ?? 0);
  const ring = sim;
  const storage = (settle: boolean): Partial<SimResult> => {
    if (values === undefined) return {};
    if (settle) ring.advance(ring.now + STORAGE_DEFAULTS.settle, 'settle');
    return { storage: checkValues(ring, values) };
  };
  if (opts.fail !== undefined && opts.fail > 0) {
    const steady = opts.steadyFirst === true ? sim.measure(duration, lookups, 'steady') : undefined;
    const failAt = sim.now;
    const failed = sim.fail(opts.fail);
    const immediate = sim.measure(SIM_DEFAULTS.immediateWindow, lookups, 'after failure').lookups;
    const detectMs = Math.max(detect, sim.now - failAt);
    sim.advance(failAt + detectMs, 'detecting');
    const m = sim.measure(duration, lookups);
    return result(sim, 'fail', opts, m, {
      immediate,
      detectMs,
      failed,
      ...(steady === undefined ? {} : { steady }),
      ...storage(false),
    });
  }
  if (opts.churn !== undefined) {
    const d: SessionDistribution =
      opts.sessions === 'pareto'
        ? { kind: 'pareto', median: opts.churn, shape: opts.paretoShape ?? 2 }
        : { kind: 'exponential', median: opts.churn };
    sim.startChurn(d, opts.departure ?? 'kill');
    const m = sim.measure(duration, lookups, 'churn');
    sim.stopChurn();
    return result(sim, 'churn', opts, m, { departures: sim.departures, ...storage(true) });
  }
  const m = sim.measure(duration, lookups);
  return result(sim, 'steady', opts, m, storage(false));
}

function result(
  sim: Simulation,
  scenario: SimResult['scenario'],
  opts: SimOptions,
  m: Measurement,
  extra: Partial<SimResult>,
): SimResult {
  const o = sim.overlay;
  return {
    scenario,
    nodes: opts.nodes,
    seed: opts.seed ?? SIM_DEFAULTS.seed,
    ...m.lookups,
    maintenanceBytesPerNodePerSec: m.maintenance.bytesPerNodePerSec,
    maintenanceMessagesPerNodePerSec: m.maintenance.messagesPerNodePerSec,
    maintenance: m.maintenance,
    abandoned: m.abandoned,
    ...extra,
    liveNodes: o.aliveCount,
    joinedNodes: o.joined.length,
    wrongSuccessors: sim.wrongSuccessors(),
    virtualSeconds: round(o.now / second, 1),
    events: o.net.counters.events,
    phases: sim.phases.map((p) => ({ ...p })),
  };
}
