import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CHORD_OPTIONS } from '../src/reload/topology/chord/options.js';
import type { SimOptions, SimResult } from '../src/sim/scenario.js';
import { type Bench, table } from './harness.js';

/**
 * CHORD-RELOAD in the simulator: real ReloadNodes on the virtual network (src/sim), measured the way the
 * Chord paper (Stoica et al., SIGCOMM 2001) and the Bamboo churn study (Rhea et al., USENIX 2004) did,
 * with their figures alongside. Each run is its own process so that its heap can be sized for N.
 * BENCH_SIM_SIZES (comma-separated, default 1000,10000) picks the ring sizes; 100000 needs ~2 h of CPU.
 */
interface Run extends SimResult {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly eventsPerSec: number;
  readonly maxRssMB: number;
}

const WORKER = fileURLToPath(new URL('./sim-worker.js', import.meta.url));
const DENSE = { ...DEFAULT_CHORD_OPTIONS, fingerDensity: 8 };

function simulate(opts: SimOptions): Run {
  const heapMB = Math.max(4096, Math.min(22_000, Math.round(opts.nodes * 0.25)));
  process.stderr.write(`  sim ${JSON.stringify(opts)} ...\n`);
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMB}`, WORKER, JSON.stringify(opts)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`simulator run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Run;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const speed = (r: Run): string =>
  `${Math.round(r.eventsPerSec)} ev/s, ${f1(r.virtualSeconds / r.wallSeconds)}×`;

function sizes(): number[] {
  const env = process.env.BENCH_SIM_SIZES;
  const list = env === undefined ? [1000, 10_000] : env.split(',').map(Number);
  return list.filter((n) => Number.isInteger(n) && n >= 100);
}

async function run(): Promise<{ title: string; markdown: string }> {
  const steady = sizes().map((n) => simulate({ nodes: n, seed: 1, lookups: 1000, duration: 60_000 }));
  // The same ring with 8 finger slots per RFC interval instead of 2: fewer hops for more links and pings.
  const dense = simulate({ nodes: 1000, seed: 1, lookups: 1000, duration: 60_000, node: { chord: DENSE } });
  const failed = sizes()
    .filter((n) => n <= 10_000)
    .map((n) => simulate({ nodes: n, seed: 1, fail: 0.5, lookups: 1000, duration: 60_000 }));
  const churn = simulate({ nodes: 1000, seed: 1, churn: 84_000, duration: 10 * 60_000, lookups: 1000 });
  const churn10 = simulate({
    nodes: 1000,
    seed: 1,
    churn: 10 * 60_000,
    duration: 10 * 60_000,
    lookups: 1000,
  });

  const steadyRows = [...steady, dense].map((r) => [
    r === dense ? `${r.nodes} (fingerDensity 8)` : r.nodes,
    pct(r.success),
    `${f2(r.hops.mean)} (${r.hops.p50} / ${r.hops.p99})`,
    f2(0.5 * Math.log2(r.nodes)),
    `${Math.round(r.latencyMs.p50)} / ${Math.round(r.latencyMs.p99)}`,
    f1(r.maintenanceBytesPerNodePerSec),
    `${r.maxRssMB} MB`,
    speed(r),
  ]);
  const failRows = failed.flatMap((r) => [
    [
      r.nodes,
      'right after',
      pct(r.immediate?.success ?? 0),
      f2(r.immediate?.timeoutsPerLookup ?? 0),
      'about 5',
      f2(r.immediate?.hops.mean ?? 0),
    ],
    [
      r.nodes,
      `${(r.detectMs ?? 0) / 1000} s later`,
      pct(r.success),
      f2(r.timeoutsPerLookup),
      '—',
      f2(r.hops.mean),
    ],
  ]);
  const churnRows = [churn10, churn].map((r) => [
    r.nodes,
    `${f1((r === churn ? 84_000 : 600_000) / 60_000)} min`,
    r.departures ?? 0,
    pct(r.success),
    f2(r.timeoutsPerLookup),
    f2(r.hops.mean),
    f1(r.maintenanceBytesPerNodePerSec),
    speed(r),
  ]);
  const big = steady[steady.length - 1];
  const at = (n: number): Run | undefined => steady.find((r) => r.nodes === n);
  const goals = [
    [
      'mean hops at 10^3 ≤ 3.0',
      `${at(1000) === undefined ? 'not run' : f2(at(1000)?.hops.mean ?? 0)} (fingerDensity 8: ${f2(dense.hops.mean)})`,
    ],
    ['mean hops at 10^4 ≤ 4.0', at(10_000) === undefined ? 'not run' : f2(at(10_000)?.hops.mean ?? 0)],
    [
      'timeouts per lookup after 50 % failure ≤ 1',
      failed.map((r) => `${f2(r.timeoutsPerLookup)} at ${r.nodes}`).join(', '),
    ],
    ['maintenance at 1.4-min sessions ≤ 300 B/s/node', `${f1(churn.maintenanceBytesPerNodePerSec)} B/s`],
    [
      '10^5 peers at ≥ 10× real time',
      big === undefined
        ? 'not run'
        : `largest run: ${big.nodes} peers at ${f1(big.virtualSeconds / big.wallSeconds)}×`,
    ],
  ];
  const markdown = [
    'Steady state (lookups from random peers to random Resource-IDs, judged by the oracle):',
    '',
    table(
      [
        'peers',
        'success',
        'hops mean (p50 / p99)',
        'Chord paper ½·log2 N',
        'latency p50 / p99 ms',
        'maintenance B/s/peer',
        'memory',
        'speed (events/s, virtual/wall)',
      ],
      steadyRows,
    ),
    '',
    "Half of the peers killed at once, silently (the Chord paper: 100 % success, about 5 timeouts per lookup). A timeout is an expiry of the originator's 3 s reliability timer:",
    '',
    table(['peers', 'measured', 'success', 'timeouts per lookup', 'Chord paper', 'hops'], failRows),
    '',
    'Churn (exponential sessions with the given median, silent departures, each replaced by a new peer at once; Bamboo was measured from 1.4 min to 3 h):',
    '',
    table(
      [
        'peers',
        'median session',
        'departures',
        'success',
        'timeouts per lookup',
        'hops',
        'maintenance B/s/peer',
        'speed',
      ],
      churnRows,
    ),
    '',
    'Goals:',
    '',
    table(['goal', 'measured'], goals),
  ].join('\n');
  return { title: 'CHORD-RELOAD in the simulator', markdown };
}

export const bench: Bench = { name: 'sim', run };
