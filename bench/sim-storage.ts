import type { PhaseCost } from '../src/sim/simulation.js';
import {
  type Departure,
  STORAGE_DEFAULTS,
  type StorageResult,
  type StorageScenarioOptions,
} from '../src/sim/storage-scenario.js';
import { type Bench, table } from './harness.js';
import { inWorker } from './sim.js';
import type { PhaseClock } from './sim-worker.js';

/**
 * Issue #4 at full size: 1,000 peers, 10,000 values, churn with 10-minute median sessions for one
 * virtual hour (then 2 minutes to settle), and on a fresh ring two of every three consecutive peers killed
 * at once. Churn runs twice: with crashes (the departing peer's links reset at once: a process that exits
 * on a live host) and with silent kills (the host dies or leaves the network: its neighbours notice by
 * their connectivity checks). Each run is its own worker process (bench/sim.ts). BENCH_SIM_STORAGE_NODES
 * and BENCH_SIM_STORAGE_VALUES shrink it for a quick look.
 */
interface Run extends StorageResult {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMB: number;
  readonly clocks: readonly PhaseClock[];
}

const NODES = Number(process.env.BENCH_SIM_STORAGE_NODES ?? 1000);
const VALUES = Number(process.env.BENCH_SIM_STORAGE_VALUES ?? 10_000);

const f1 = (x: number): string => x.toFixed(1);

function costOf(r: Run, names: readonly string[]): string {
  const virtual = r.phases
    .filter((p: PhaseCost) => names.includes(p.phase))
    .reduce((a, p) => a + p.virtualMs / 1000, 0);
  const cpu = r.clocks.filter((c) => names.includes(c.phase)).reduce((a, c) => a + c.cpuSeconds, 0);
  return `${Math.round(virtual)} s virtual in ${Math.round(cpu)} s CPU`;
}

function row(r: Run, what: string): string[] {
  return [
    what,
    String(r.stored),
    String(r.lost),
    String(r.underReplicated),
    String(r.fullyReplicated),
    r.holders.join(' / '),
    String(r.ownerMissing),
    f1(r.storageBytesPerNodePerSec),
    `${Math.round(r.cpuSeconds)} s CPU (build ${costOf(r, ['build'])}; ${r.scenario === 'churn' ? `churn + settle ${costOf(r, ['churn', 'settle'])}` : `repair ${costOf(r, ['repair'])}`}), ${r.maxRssMB} MB`,
  ];
}

async function run(): Promise<{ title: string; markdown: string }> {
  const base = { nodes: NODES, values: VALUES, seed: 1 };
  const churnOf = (departure: Departure): StorageScenarioOptions => ({
    ...base,
    scenario: 'churn',
    departure,
  });
  const replicaOpts: StorageScenarioOptions = { ...base, scenario: 'replicas' };
  const [crash, kill, replicas] = await Promise.all([
    inWorker<Run>(churnOf('crash'), NODES, 'storage'),
    inWorker<Run>(churnOf('kill'), NODES, 'storage'),
    inWorker<Run>(replicaOpts, NODES, 'storage'),
  ]);
  const markdown = [
    `${NODES} peers, ${VALUES} values of a private NODE-MULTIPLE kind stored from random peers, never refreshed. Churn: exponential sessions with a 10-minute median, each departed peer replaced at once, for ${STORAGE_DEFAULTS.duration / 60_000} virtual minutes, then ${STORAGE_DEFAULTS.settle / 60_000} minutes to settle (${crash.departures ?? 0} departures); a departing peer crashes (its links reset at once: the process exits on a live host) or is killed silently (the host dies: neighbours notice by their connectivity checks, 60 s of silence + 3 s). Replicas: two of every three consecutive peers (ring positions i mod 3 ∈ {1, 2}) killed at once, silently (${replicas.killed ?? 0} peers), checked ${STORAGE_DEFAULTS.repair / 60_000} minutes later. Lost: no Fetch from a random live peer (3 tries) found the value. Copies: live peers holding it (0 / 1 / 2 / 3 / more). Storage traffic: Store and Fetch messages (replication, migration) per live peer and second over the churn or repair phase.`,
    '',
    table(
      [
        'scenario',
        'stored',
        'lost',
        'under-replicated',
        'with 3 copies',
        'copies → values',
        'responsible peer lacks it',
        'storage B/s/peer',
        'cost',
      ],
      [
        row(crash, 'churn, 1 h, crashes'),
        row(kill, 'churn, 1 h, silent kills'),
        row(replicas, '2 of 3 holders killed'),
      ],
    ),
    '',
    `Goal (issue #4): 0 lost under churn and with 2 of 3 holders killed — measured ${crash.lost} (crashes), ${kill.lost} (silent kills) and ${replicas.lost}.`,
  ].join('\n');
  return { title: 'Storage in the simulator', markdown };
}

export const bench: Bench = { name: 'sim-storage', run };
