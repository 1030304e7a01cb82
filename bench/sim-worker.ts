import { performance } from 'node:perf_hooks';
import { runSimulation, type SimOptions } from '../src/sim/scenario.js';

/**
 * One simulator run in its own process (bench/sim.ts starts it with a heap sized for N): reads the
 * options as JSON from argv, prints the result with wall time, CPU time and peak memory as JSON.
 */
const opts = JSON.parse(process.argv[2] ?? '{}') as SimOptions;
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = runSimulation(opts);
const wallSeconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
process.stdout.write(
  `${JSON.stringify({
    ...r,
    wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    eventsPerSec: r.events / wallSeconds,
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
