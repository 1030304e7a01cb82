import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CHORD_OPTIONS } from '../src/reload/topology/chord/options.js';
import type { SimOptions, SimResult } from '../src/sim/scenario.js';
import type { PhaseCost } from '../src/sim/simulation.js';
import type { LookupSummary } from '../src/sim/stats.js';
import { type Bench, table } from './harness.js';
import type { PhaseClock } from './sim-worker.js';

/**
 * CHORD-RELOAD in the simulator: real ReloadNodes on the virtual network (src/sim), measured the way the
 * Chord paper (Stoica et al., SIGCOMM 2001) and the Bamboo churn study (Rhea et al., USENIX 2004) did,
 * with their figures alongside. Each run is its own process so that its heap can be sized for N.
 * Speeds are given per CPU second as well as per wall second, since the reference machine is shared.
 *
 * Rings below BENCH_SIM_BULK_FROM peers (default 10000) are built by real joins; larger ones are
 * bulk-started (src/sim/bulk-start.ts: every peer starts with a converged routing table and its links, then
 * the ordinary protocol runs), labelled so in every table, and measured over shorter windows.
 * Environment: BENCH_SIM_SIZES (comma-separated, default 1000,10000,100000), BENCH_SIM_BULK_FROM,
 * BENCH_SIM_WINDOW (ms of each measurement of a bulk-started ring, default 20000), BENCH_SIM_DETECT (ms
 * between the failure and the last measurement of a bulk-started ring, default 60000), BENCH_SIM_CHURN
 * (ms of each churn measurement, default 180000), BENCH_SIM_EXTRAS=1 (also the sparse finger table and 10-minute sessions at 10^3), BENCH_SIM_DENSITY_100K (finger density of rings of
 * 10^5 peers and more, default 2: see BENCHMARKS.md for the memory of the default 8), BENCH_SIM_JOBS,
 * BENCH_SIM_CACHE (see `cached`), BENCH_SIM_VERBOSE (pass the workers' progress through).
 */
interface Run extends SimResult {
  readonly start?: 'join' | 'bulk';
  readonly fingerDensity?: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMB: number;
  readonly clocks: readonly PhaseClock[];
}

const WORKER = fileURLToPath(new URL('./sim-worker.js', import.meta.url));
/** The previous default (2 finger slots per RFC interval), for comparison. */
const SPARSE = { ...DEFAULT_CHORD_OPTIONS, fingerDensity: 2, fingerKeepaliveInterval: 60_000 };

/** Runs one simulation in a worker process; at most one per core at a time (`slots`). */
async function simulate(opts: SimOptions): Promise<Run> {
  const r = await cached(opts, () => inWorker<Run>(opts, opts.nodes));
  return {
    ...r,
    start: opts.start ?? 'join',
    fingerDensity: opts.node?.chord?.fingerDensity ?? DEFAULT_CHORD_OPTIONS.fingerDensity,
  };
}

/**
 * With BENCH_SIM_CACHE=DIR, each run's result is kept in DIR under a hash of its options and reused by
 * later runs with the same options (to redo the tables without redoing hours of simulation).
 */
async function cached(opts: SimOptions, run: () => Promise<Run>): Promise<Run> {
  const dir = process.env.BENCH_SIM_CACHE;
  if (dir === undefined) return run();
  const file = join(
    dir,
    `${createHash('sha256').update(JSON.stringify(opts)).digest('hex').slice(0, 16)}.json`,
  );
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Run;
  const r = await run();
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, JSON.stringify(r));
  return r;
}

/**
 * Runs `sim-worker.js` with `opts` (and `mode`, 'lookups' or 'storage') in its own process with a heap
 * sized for `nodes`, and returns what it printed, parsed. bench/sim-storage.ts uses it too.
 */
export async function inWorker<T>(opts: object, nodes: number, mode = 'lookups'): Promise<T> {
  await slots.acquire();
  try {
    const heapMB = Math.max(4096, Math.min(22_000, Math.round(nodes * 0.25)));
    process.stderr.write(`  sim ${mode} ${JSON.stringify(opts)} ...\n`);
    const child = spawn(process.execPath, [
      `--max-old-space-size=${heapMB}`,
      WORKER,
      JSON.stringify(opts),
      mode,
    ]);
    let out = '';
    let err = '';
    const verbose = process.env.BENCH_SIM_VERBOSE !== undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (verbose) process.stderr.write(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`simulator run failed (${code}): ${err.slice(-2000)}`);
    return JSON.parse(out) as T;
  } finally {
    slots.release();
  }
}

/** A counting semaphore: the simulations are independent, so they share the machine's cores. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(n: number) {
    this.#free = n;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free++;
    else next();
  }
}

const slots = new Slots(Math.max(1, Number(process.env.BENCH_SIM_JOBS ?? os.cpus().length)));

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** A phase's virtual time, events, CPU and wall time (phases of one name added up). */
function phase(r: Run, name: string): { virtual: number; events: number; cpu: number; wall: number } {
  const sum = <T>(xs: readonly T[], f: (x: T) => number): number => xs.reduce((a, x) => a + f(x), 0);
  const p = r.phases.filter((x: PhaseCost) => x.phase === name);
  const c = r.clocks.filter((x) => x.phase === name);
  return {
    virtual: sum(p, (x) => x.virtualMs) / 1000,
    events: sum(p, (x) => x.events),
    cpu: sum(c, (x) => x.cpuSeconds),
    wall: sum(c, (x) => x.wallSeconds),
  };
}

/** Speed of a phase: events per CPU second, and virtual time over CPU time and over wall time. */
function speed(r: Run, name: string): string {
  const p = phase(r, name);
  return `${Math.round(p.events / p.cpu)} ev/s; ${f2(p.virtual / p.cpu)}× (CPU), ${f2(p.virtual / p.wall)}× (wall)`;
}

function sizes(): number[] {
  const env = process.env.BENCH_SIM_SIZES;
  const list = env === undefined ? [1000, 10_000, 100_000] : env.split(',').map(Number);
  return list.filter((n) => Number.isInteger(n) && n >= 100);
}

const envMs = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const BULK_FROM = envMs('BENCH_SIM_BULK_FROM', 10_000);
const DENSITY_100K = envMs('BENCH_SIM_DENSITY_100K', 2);

/** The options of one ring of the size table: real joins, or a bulk start with short windows. */
function ringOptions(n: number): SimOptions {
  const base = { nodes: n, seed: 1, lookups: 1000, fail: 0.5, steadyFirst: true } as const;
  if (n < BULK_FROM) return { ...base, duration: 60_000 };
  // 10^5 peers: half the windows again (each virtual second costs seconds of CPU there).
  const window = envMs('BENCH_SIM_WINDOW', 20_000) / (n >= 100_000 ? 2 : 1);
  return {
    ...base,
    start: 'bulk',
    settle: window,
    duration: window,
    detect: envMs('BENCH_SIM_DETECT', 60_000) / (n >= 100_000 ? 2 : 1),
    ...(n >= 100_000 ? { node: { chord: { ...DEFAULT_CHORD_OPTIONS, fingerDensity: DENSITY_100K } } } : {}),
  };
}

/** How a ring of the size table was built, for its label. */
function label(r: Run): string {
  if (r.start !== 'bulk') return `${r.nodes}`;
  const d =
    r.fingerDensity === DEFAULT_CHORD_OPTIONS.fingerDensity ? '' : `, fingerDensity ${r.fingerDensity}`;
  return `${r.nodes} (bulk start${d})`;
}

function steadyOf(r: Run): LookupSummary & { maintenance: number } {
  const s = r.steady;
  if (s === undefined) throw new Error('run without a steady measurement');
  return { ...s.lookups, maintenance: s.maintenance.bytesPerNodePerSec };
}

async function run(): Promise<{ title: string; markdown: string }> {
  // One ring per size: steady state first, then half of it killed at once. The largest goes first.
  const ringRuns = [...sizes()].sort((a, b) => b - a).map((n) => simulate(ringOptions(n)));
  // The comparison runs (the sparse finger table, 10-minute sessions) only with BENCH_SIM_EXTRAS=1.
  const extras = process.env.BENCH_SIM_EXTRAS === '1';
  const churnWindow = envMs('BENCH_SIM_CHURN', 3 * 60_000);
  const churnRun = simulate({ nodes: 1000, seed: 1, churn: 84_000, duration: churnWindow, lookups: 1000 });
  const sparseRun = extras
    ? simulate({
        nodes: 1000,
        seed: 1,
        lookups: 1000,
        duration: 60_000,
        fail: 0.5,
        steadyFirst: true,
        node: { chord: SPARSE },
      })
    : undefined;
  const churn10Run = extras
    ? simulate({ nodes: 1000, seed: 1, churn: 10 * 60_000, duration: churnWindow, lookups: 1000 })
    : undefined;
  // A ring that could not be run (out of memory at 10^5, say) is reported, not fatal to the table.
  const settled = await Promise.allSettled(ringRuns);
  const rings = settled
    .flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []))
    .sort((a, b) => a.nodes - b.nodes);
  const failures = settled.flatMap((x, i) =>
    x.status === 'rejected'
      ? [`${[...sizes()].sort((a, b) => b - a)[i]} peers: ${String(x.reason).slice(0, 600)}`]
      : [],
  );
  const [sparse, churn, churn10] = await Promise.all([sparseRun, churnRun, churn10Run]);

  const compared = sparse === undefined ? rings : [...rings, sparse];
  const steadyRows = compared.map((r) => {
    const s = steadyOf(r);
    const b = phase(r, 'build');
    return [
      r === sparse ? `${r.nodes} (fingerDensity 2)` : label(r),
      pct(s.success),
      `${f2(s.hops.mean)} (${s.hops.p50} / ${s.hops.p99})`,
      f2(0.5 * Math.log2(r.nodes)),
      `${Math.round(s.latencyMs.p50)} / ${Math.round(s.latencyMs.p99)}`,
      f1(s.maintenance),
      `${r.maxRssMB} MB`,
      `${Math.round(b.events / r.nodes)} ev/${r.start === 'bulk' ? 'peer (bulk start + settle)' : 'join'}, ${Math.round(b.cpu)} s CPU`,
      speed(r, 'steady'),
    ];
  });
  const failRows = compared.flatMap((r) => {
    const name = r === sparse ? `${r.nodes} (fingerDensity 2)` : label(r);
    const i = r.immediate;
    return [
      [
        name,
        'first 5 s',
        pct(i?.success ?? 0),
        f2(i?.timeoutsPerLookup ?? 0),
        'about 5',
        f2(i?.hops.mean ?? 0),
      ],
      [
        name,
        `${(r.detectMs ?? 0) / 1000} s later`,
        pct(r.success),
        f2(r.timeoutsPerLookup),
        '—',
        f2(r.hops.mean),
      ],
    ];
  });
  const churnRows = (churn10 === undefined ? [churn] : [churn10, churn]).map((r) => [
    r.nodes,
    `${f1((r === churn ? 84_000 : 600_000) / 60_000)} min`,
    r.departures ?? 0,
    pct(r.success),
    f2(r.timeoutsPerLookup),
    f2(r.hops.mean),
    f1(r.maintenanceBytesPerNodePerSec),
    speed(r, 'churn'),
  ]);
  const at = (n: number): Run | undefined => rings.find((r) => r.nodes === n);
  const hopsAt = (n: number): string => {
    const r = at(n);
    return r === undefined ? 'not run' : f2(steadyOf(r).hops.mean);
  };
  const big = rings[rings.length - 1];
  const goals = [
    ['mean hops at 10^3 ≤ 3.0', hopsAt(1000)],
    ['mean hops at 10^4 ≤ 4.0', hopsAt(10_000)],
    [
      'timeouts per lookup after 50 % failure ≤ 1',
      rings
        .map(
          (r) =>
            `${f2(r.immediate?.timeoutsPerLookup ?? 0)} (first 5 s), ${f2(r.timeoutsPerLookup)} (after ${(r.detectMs ?? 0) / 1000} s) at ${r.nodes}`,
        )
        .join('; '),
    ],
    ['maintenance at 1.4-min sessions ≤ 300 B/s/node', `${f1(churn.maintenanceBytesPerNodePerSec)} B/s`],
    [
      '10^5 peers at ≥ 10× real time',
      big === undefined
        ? 'not run'
        : big.nodes >= 100_000
          ? `${label(big)}: steady state at ${f2(phase(big, 'steady').virtual / phase(big, 'steady').cpu)}× real time per CPU second (${f2(phase(big, 'steady').virtual / phase(big, 'steady').wall)}× per wall second), ${Math.round(phase(big, 'steady').events / phase(big, 'steady').cpu)} events per CPU second`
          : extrapolate(big),
    ],
  ];
  const markdown = [
    'Steady state (lookups from random peers to random Resource-IDs, judged by the oracle). Build: peers join one by one through bootstrap, except rows marked "bulk start", where every peer starts at once with the routing table and links of a converged ring (src/sim/bulk-start.ts) and is measured over short windows (see below); speed is that of the steady measurement:',
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
        'build',
        'speed (events/CPU s; virtual/CPU, virtual/wall)',
      ],
      steadyRows,
    ),
    '',
    "The same rings with half of the peers killed at once, silently (the Chord paper: 100 % success, about 5 timeouts per lookup). A timeout is an expiry of the originator's 3 s reliability timer:",
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
    ...(failures.length === 0 ? [] : ['', `Rings that did not complete: ${failures.join('; ')}`]),
    '',
    `Bulk-started rings: settle ${envMs('BENCH_SIM_WINDOW', 20_000) / 1000} s after the start, steady and post-failure measurements of ${envMs('BENCH_SIM_WINDOW', 20_000) / 1000} s each, last measurement ${envMs('BENCH_SIM_DETECT', 60_000) / 1000} s after the failure (at 10^5 peers all of these halved); their maintenance figure is that of a freshly started ring whose fingers are all filled (no finger probes, keepalives not yet due), so it is lower than a joined ring's. Churn: ${churnWindow / 60_000} min measured.`,
  ].join('\n');
  return { title: 'CHORD-RELOAD in the simulator', markdown };
}

/** What 10^5 peers would cost, from the largest run: steady events per peer-second and CPU per event. */
function extrapolate(r: Run): string {
  const s = phase(r, 'steady');
  const perEvent = s.cpu / s.events;
  const steadyEventsPerSec = (s.events / s.virtual / r.nodes) * 1e5;
  return `not run: the largest run is ${label(r)}, whose steady state runs at ${f2(s.virtual / s.cpu)}× real time per CPU; at its ${Math.round(1e6 * perEvent)} µs per event, 10^5 peers would run at about ${f2(1 / (steadyEventsPerSec * perEvent))}× real time`;
}

export const bench: Bench = { name: 'sim', run };
