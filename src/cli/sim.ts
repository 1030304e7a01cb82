import { performance } from 'node:perf_hooks';
import { runSimulation, type SimOptions, type SimResult } from '../sim/scenario.js';
import type { LookupSummary } from '../sim/stats.js';
import { type CliIo, EXIT_OK, parseOptions, required, UsageError } from './command.js';
import { formatDuration, parseDuration } from './duration.js';

/**
 * `p2psip sim`: runs the deterministic simulator (src/sim) — real RELOAD cores on a virtual clock and
 * network — and reports lookups and maintenance traffic (DESIGN §4). Wall-clock time is read here only,
 * around the run, for events per second.
 */
const OPTIONS = {
  nodes: { type: 'string' },
  seed: { type: 'string' },
  fail: { type: 'string' },
  churn: { type: 'string' },
  departure: { type: 'string' },
  duration: { type: 'string' },
  lookups: { type: 'string' },
  values: { type: 'string' },
  json: { type: 'boolean' },
} as const;

function integer(text: string, option: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${option} ${JSON.stringify(text)}: want a whole number from ${min} to ${max}`);
  }
  return n;
}

function fraction(text: string): number {
  const f = /^(0(\.\d+)?|\.\d+|1(\.0+)?)$/.test(text) ? Number(text) : Number.NaN;
  if (!(f > 0 && f < 1))
    throw new UsageError(`--fail ${JSON.stringify(text)}: want a fraction between 0 and 1`);
  return f;
}

const DEPARTURES = ['kill', 'crash', 'leave'] as const;
type Departure = (typeof DEPARTURES)[number];

/** How churned peers depart: silently (kill), with their links reset (crash), or by a Leave. */
function departure(text: string): Departure {
  const d = DEPARTURES.find((x) => x === text);
  if (d === undefined) throw new UsageError(`--departure ${JSON.stringify(text)}: want kill, crash or leave`);
  return d;
}

/** Turns the command line into simulator options; every bad value is a UsageError (exit 2). */
export function simOptions(args: readonly string[]): SimOptions & { readonly json: boolean } {
  const { values } = parseOptions(args, OPTIONS);
  const nodes = integer(required(values, 'nodes'), 'nodes', 2, 1_000_000);
  if (values.fail !== undefined && values.churn !== undefined) {
    throw new UsageError('--fail and --churn are separate scenarios: give one of them');
  }
  if (values.departure !== undefined && values.churn === undefined) {
    throw new UsageError('--departure says how churned peers depart: give --churn too');
  }
  return {
    nodes,
    json: values.json === true,
    seed: values.seed === undefined ? 1 : integer(values.seed, 'seed', 0, 0xffff_ffff),
    ...(values.fail === undefined ? {} : { fail: fraction(values.fail) }),
    ...(values.churn === undefined ? {} : { churn: parseDuration(values.churn, 'churn') }),
    ...(values.departure === undefined ? {} : { departure: departure(values.departure) }),
    ...(values.duration === undefined ? {} : { duration: parseDuration(values.duration, 'duration') }),
    ...(values.lookups === undefined ? {} : { lookups: integer(values.lookups, 'lookups', 1, 10_000_000) }),
    ...(values.values === undefined ? {} : { values: integer(values.values, 'values', 0, 10_000_000) }),
  };
}

/** A progress bar on stderr, redrawn at most ten times a second. */
function progressBar(io: CliIo): { update: (phase: string, done: number) => void; end: () => void } {
  let last = 0;
  const width = 30;
  return {
    update: (phase, done) => {
      const t = performance.now();
      if (t - last < 100) return;
      last = t;
      const filled = Math.round(done * width);
      io.stderr(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(done * 100)}% ${phase}   `,
      );
    },
    end: () => io.stderr(`\r${' '.repeat(width + 30)}\r`),
  };
}

export async function runSim(args: readonly string[], io: CliIo): Promise<number> {
  const { json, ...opts } = simOptions(args);
  const bar = io.isTty ? progressBar(io) : undefined;
  const t0 = performance.now();
  const r = runSimulation({ ...opts, ...(bar === undefined ? {} : { onProgress: bar.update }) });
  const wallSeconds = (performance.now() - t0) / 1000;
  bar?.end();
  const eventsPerSec = Math.round(r.events / Math.max(wallSeconds, 1e-3));
  if (json) {
    io.stdout(`${JSON.stringify({ ...r, eventsPerSec, wallSeconds: Math.round(wallSeconds * 10) / 10 })}\n`);
  } else {
    io.stdout(report(r, opts, eventsPerSec, wallSeconds));
  }
  return EXIT_OK;
}

function scenarioLine(r: SimResult, opts: SimOptions): string {
  const head = `p2psip sim: ${r.nodes} peers, seed ${r.seed}`;
  if (r.scenario === 'fail') {
    const pct = Math.round((opts.fail ?? 0) * 100);
    return `${head}; ${r.failed} (${pct} %) killed at once, silently; measured ${formatDuration(r.detectMs ?? 0)} later`;
  }
  if (r.scenario === 'churn') {
    const how = { kill: 'silent kills', crash: 'crashes', leave: 'graceful leaves' }[
      opts.departure ?? 'kill'
    ];
    return `${head}; churn with ${formatDuration(opts.churn ?? 0)} median sessions, ${r.departures} departures (${how})`;
  }
  return `${head}; steady state`;
}

function columns(s: LookupSummary): string[] {
  const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
  return [
    String(s.lookups),
    pct(s.success),
    s.timeoutsPerLookup.toFixed(2),
    `${s.hops.mean.toFixed(2)} / ${s.hops.p50} / ${s.hops.p99}`,
    `${Math.round(s.latencyMs.p50)} / ${Math.round(s.latencyMs.p99)}`,
  ];
}

/** The short table of the human output. */
export function report(r: SimResult, opts: SimOptions, eventsPerSec: number, wallSeconds: number): string {
  const labels = [
    'lookups',
    'success',
    'timeouts per lookup',
    'hops mean / p50 / p99',
    'latency p50 / p99 (ms)',
  ];
  const cols = r.immediate === undefined ? [columns(r)] : [columns(r.immediate), columns(r)];
  const head =
    r.immediate === undefined ? [] : ['', 'right after', `after ${formatDuration(r.detectMs ?? 0)}`];
  const w = [24, ...cols.map((c) => Math.max(12, ...c.map((x) => x.length)) + 2)];
  const row = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(w[i] ?? 12))
      .join('')
      .trimEnd();
  const lines = [scenarioLine(r, opts)];
  if (head.length > 0) lines.push(row(head));
  labels.forEach((l, i) => {
    lines.push(row([l, ...cols.map((c) => c[i] ?? '')]));
  });
  lines.push(
    row([
      'maintenance',
      `${r.maintenanceBytesPerNodePerSec} B/s and ${r.maintenanceMessagesPerNodePerSec} messages/s per peer`,
    ]),
    ...(r.storage === undefined
      ? []
      : [
          row([
            'stored values',
            `${r.storage.stored} stored, ${r.storage.lost} lost, ${r.storage.underReplicated} under-replicated (fewer than 3 live copies)`,
          ]),
        ]),
    row([
      'simulated',
      `${r.virtualSeconds} s in ${wallSeconds.toFixed(1)} s (${(r.virtualSeconds / Math.max(wallSeconds, 1e-3)).toFixed(1)}× real time), ${eventsPerSec} events/s`,
    ]),
  );
  return `${lines.join('\n')}\n`;
}
