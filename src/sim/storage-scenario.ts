import { minute, second } from '../core/clock.js';
import { MessageCode } from '../reload/messages/codes.js';
import type { SimEndpoint, SimNodeConfig } from './overlay.js';
import { maintenanceOf, type PhaseCost, Simulation } from './simulation.js';
import { round } from './stats.js';
import { type StorageCheck, StorageWorkload } from './storage-workload.js';

/**
 * The storage scenarios of issue #4, on real ReloadNodes:
 * - churn: values are stored, then peers churn (exponential sessions, each departed peer replaced at once;
 *   departures are crashes by default, silent kills or graceful leaves on request) for a while; churn
 *   stops, the ring settles, and every value is fetched;
 * - replicas: values are stored and replicated, then two of every three consecutive peers on the ring
 *   (positions i mod 3 ∈ {1, 2}, sorted by Node-ID) are killed at once, silently, so every value keeps
 *   exactly one of its three copies (RFC 6940 §10.4: responsible peer + 2 successors); the cores must
 *   notice, the survivor must take over as responsible peer and replicate again (§10.7.1).
 * Every number in the result is a function of the options and the seed.
 */
export interface StorageScenarioOptions {
  readonly scenario: 'churn' | 'replicas';
  readonly nodes: number;
  readonly values: number;
  readonly seed?: number;
  /** Churn: median session time (ms, default 10 min). */
  readonly churn?: number;
  /**
   * Churn: how a peer departs (default `crash`): `crash` — the process exits or is killed on a live host,
   * whose stack resets its links at once; `kill` — the host dies or drops off the network, silently;
   * `leave` — a graceful RFC 6940 §10.8 Leave.
   */
  readonly departure?: Departure;
  /** Churn: how long the peers churn (ms, default 1 h). */
  readonly duration?: number;
  /** Time after churn stops, or after the replica holders die, before the check (ms). */
  readonly settle?: number;
  /** Joins per second and settling time of the build (Simulation defaults otherwise). */
  readonly joinRate?: number;
  readonly buildSettle?: number;
  readonly node?: Partial<SimNodeConfig>;
  /** Called as virtual time advances (phase name, virtual ms so far). */
  readonly onProgress?: (phase: string, now: number) => void;
}

export interface StorageResult extends StorageCheck {
  readonly scenario: 'churn' | 'replicas';
  readonly nodes: number;
  readonly values: number;
  readonly seed: number;
  /** Store attempts refused or unanswered (each was retried from another peer). */
  readonly storeFailures: number;
  /** Churn: how peers departed. */
  readonly departure?: Departure;
  /** Churn: peers that departed (each replaced by a fresh one). */
  readonly departures?: number;
  /** Replicas: peers killed at once. */
  readonly killed?: number;
  /** Replicas: values with 3 or more live copies at the check. */
  readonly fullyReplicated: number;
  /** Store and Fetch traffic (replication and migration) per live peer and second, churn/repair + settle. */
  readonly storageBytesPerNodePerSec: number;
  readonly storageMessagesPerNodePerSec: number;
  readonly liveNodes: number;
  readonly wrongSuccessors: number;
  readonly virtualSeconds: number;
  readonly events: number;
  readonly phases: readonly PhaseCost[];
}

export type Departure = 'kill' | 'crash' | 'leave';

export const STORAGE_DEFAULTS = {
  seed: 1,
  departure: 'crash' as Departure,
  churn: 10 * minute,
  duration: 60 * minute,
  /** Churn: long enough for the last joiners to finish and a silent kill's detection (≤ 63 s) to pass. */
  settle: 2 * minute,
  /**
   * Replicas: silent failures are noticed within keepalive (60 s) + liveness timeout (3 s) + one sweep
   * (≤ 22.5 s); new replicas follow after the successor hold-down (2 s, RFC 6940 §10.7.1).
   */
  repair: 4 * minute,
  /** Stores per second of virtual time while values are put (so the links are not flooded at once). */
  storeRate: 200,
  fetchRate: 200,
} as const;

const STORAGE_CODES: readonly number[] = [
  MessageCode.store_req,
  MessageCode.store_ans,
  MessageCode.fetch_req,
  MessageCode.fetch_ans,
];

export function runStorageScenario(opts: StorageScenarioOptions): StorageResult {
  const sim = new Simulation({
    nodes: opts.nodes,
    seed: opts.seed ?? STORAGE_DEFAULTS.seed,
    ...(opts.joinRate === undefined ? {} : { joinRate: opts.joinRate }),
    ...(opts.buildSettle === undefined ? {} : { settle: opts.buildSettle }),
    ...(opts.node === undefined ? {} : { node: opts.node }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  sim.build();
  const w = new StorageWorkload(sim.overlay);
  putValues(sim, w, opts.values);
  const o = sim.overlay;
  o.monitor.reset();
  o.takeNodeTime();
  let extra: Partial<StorageResult>;
  if (opts.scenario === 'churn') {
    sim.startChurn(
      { kind: 'exponential', median: opts.churn ?? STORAGE_DEFAULTS.churn },
      opts.departure ?? STORAGE_DEFAULTS.departure,
    );
    sim.advance(sim.now + (opts.duration ?? STORAGE_DEFAULTS.duration), 'churn');
    sim.stopChurn();
    sim.advance(sim.now + (opts.settle ?? STORAGE_DEFAULTS.settle), 'settle');
    extra = { departure: opts.departure ?? STORAGE_DEFAULTS.departure, departures: sim.departures };
  } else {
    const killed = killReplicaHolders(sim);
    sim.advance(sim.now + (opts.settle ?? STORAGE_DEFAULTS.repair), 'repair');
    extra = { killed };
  }
  const traffic = maintenanceOf(o.monitor.reset(), o.takeNodeTime());
  const check = checkValues(sim, w);
  let bytes = 0;
  let messages = 0;
  for (const code of STORAGE_CODES) {
    const m = traffic.byMessage[MessageCode.nameOf(code) ?? ''];
    bytes += m?.bytes ?? 0;
    messages += m?.messages ?? 0;
  }
  return {
    scenario: opts.scenario,
    nodes: opts.nodes,
    values: opts.values,
    seed: opts.seed ?? STORAGE_DEFAULTS.seed,
    storeFailures: w.storeFailures,
    ...extra,
    ...check,
    fullyReplicated: check.holders.slice(3).reduce((a, b) => a + b, 0),
    storageBytesPerNodePerSec: round(bytes, 1),
    storageMessagesPerNodePerSec: round(messages, 3),
    liveNodes: o.aliveCount,
    wrongSuccessors: sim.wrongSuccessors(),
    virtualSeconds: round(o.now / second, 1),
    events: o.net.counters.events,
    phases: sim.phases.map((p) => ({ ...p })),
  };
}

/** Stores `count` values from random joined peers and waits until every Store is answered. */
export function putValues(sim: Simulation, w: StorageWorkload, count: number): void {
  const window = (count / STORAGE_DEFAULTS.storeRate) * second;
  w.put(count, window);
  drain(sim, w, 'store', window);
}

/** Fetches every stored value from random joined peers, then asks the oracle; the ring is left as is. */
export function checkValues(sim: Simulation, w: StorageWorkload): StorageCheck {
  const window = (w.stored / STORAGE_DEFAULTS.fetchRate) * second;
  w.fetchAll(window);
  drain(sim, w, 'check', window);
  return w.check();
}

/**
 * Runs the network until the workload has no request outstanding: every request ends, if only by timing
 * out (RFC 6940 §6.2.1). The cap only guards against a request whose sender died; what is still open
 * then counts as not stored, or not found.
 */
function drain(sim: Simulation, w: StorageWorkload, phase: string, window: number): void {
  const end = sim.now + window + 5 * minute;
  while (w.pending > 0 && sim.now < end) sim.advance(sim.now + second, phase);
}

/**
 * Kills, silently and at once, the joined peers at ring positions i with i mod 3 ∈ {1, 2} (sorted by
 * Node-ID): of any three consecutive peers — the holders of any resource — exactly two die, so every
 * value is left with one copy. Bootstrap peers are not spared: nobody joins afterwards.
 */
export function killReplicaHolders(sim: Simulation): number {
  const o = sim.overlay;
  const victims = o.ring.ids
    .filter((_, i) => i % 3 !== 0)
    .map((id) => o.endpointOf(id))
    .filter((ep): ep is SimEndpoint => ep !== undefined);
  for (const ep of victims) o.kill(ep);
  return victims.length;
}
