import { performance } from 'node:perf_hooks';
import { runSimulation, type SimOptions } from '../src/sim/scenario.js';
import { runStorageScenario, type StorageScenarioOptions } from '../src/sim/storage-scenario.js';

/**
 * One simulator run in its own process (bench/sim.ts starts it with a heap sized for N): reads the
 * options as JSON from argv, and the mode ('lookups': runSimulation, 'storage': runStorageScenario), prints the result with wall time, CPU time and peak memory as JSON, in total
 * and per phase (the simulator reports each phase's virtual time and events; the clocks are read here).
 */
export interface PhaseClock {
  readonly phase: string;
  wallSeconds: number;
  cpuSeconds: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as SimOptions & StorageScenarioOptions;
const mode = process.argv[3] ?? 'lookups';
const cpuNow = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
const clocks: PhaseClock[] = [];
let mark = { wall: performance.now(), cpu: cpuNow() };
let current: PhaseClock | undefined;
/** Called after each virtual second of `phase`: the time since the last call was spent in it. */
const tick = (phase: string): void => {
  const now = { wall: performance.now(), cpu: cpuNow() };
  if (current?.phase !== phase) {
    current = { phase, wallSeconds: 0, cpuSeconds: 0 };
    clocks.push(current);
    process.stderr.write(`  [${opts.nodes} peers] ${phase} at ${Math.round(now.cpu)} s CPU\n`);
  }
  current.wallSeconds += (now.wall - mark.wall) / 1000;
  current.cpuSeconds += now.cpu - mark.cpu;
  mark = now;
};
const t0 = performance.now();
const c0 = cpuNow();
const onProgress = (phase: string): void => tick(phase);
const r =
  mode === 'storage' ? runStorageScenario({ ...opts, onProgress }) : runSimulation({ ...opts, onProgress });
const wallSeconds = (performance.now() - t0) / 1000;
process.stdout.write(
  `${JSON.stringify({
    ...r,
    wallSeconds,
    cpuSeconds: cpuNow() - c0,
    eventsPerSec: r.events / wallSeconds,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    clocks,
  })}\n`,
);
