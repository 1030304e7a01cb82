import { performance } from 'node:perf_hooks';

/**
 * The benchmark contract: each bench module exports `bench: Bench`; bench/run.ts runs them all and writes
 * BENCHMARKS.md with the machine and the date. Timings live here, never in tests (README, "The checks").
 */
export interface BenchResult {
  /** Section title in BENCHMARKS.md. */
  readonly title: string;
  /** Markdown body: a table and a sentence on what it means, including goals missed. */
  readonly markdown: string;
}

export interface Bench {
  readonly name: string;
  run(): Promise<BenchResult>;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function opsPerSecond(fn: () => void, ms = 1000, warmupMs = 200): number {
  const until = (deadline: number): number => {
    let n = 0;
    while (performance.now() < deadline) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
    }
    return n;
  };
  until(performance.now() + warmupMs);
  const start = performance.now();
  const n = until(start + ms);
  return (n * 1000) / (performance.now() - start);
}

/**
 * Like opsPerSecond but per second of this process's CPU time (user + system), so the figure holds on a
 * machine busy with other work; for single-threaded code the two agree on an idle machine.
 */
export function cpuOpsPerSecond(fn: () => void, ms = 1000, warmupMs = 200): number {
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const until = (budget: number): [number, number] => {
    const start = cpuMs();
    let n = 0;
    while (cpuMs() - start < budget) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
    }
    return [n, cpuMs() - start];
  };
  until(warmupMs);
  const [n, used] = until(ms);
  return (n * 1000) / used;
}

export function formatRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k/s`;
  return `${n.toFixed(1)} /s`;
}

export function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
