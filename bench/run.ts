import { writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Bench, BenchResult } from './harness.js';

/**
 * `npm run bench`: runs every registered benchmark and rewrites BENCHMARKS.md. Pass names to run a subset
 * (`npm run bench -- codec`); a subset prints its results and leaves BENCHMARKS.md alone.
 */
const registry: Array<() => Promise<{ bench: Bench }>> = [() => import('./sim.js')];

const only = process.argv.slice(2);
const results: BenchResult[] = [];
for (const load of registry) {
  const { bench } = await load();
  if (only.length > 0 && !only.includes(bench.name)) continue;
  process.stderr.write(`bench: ${bench.name} ...\n`);
  const r = await bench.run();
  results.push(r);
  process.stdout.write(`\n## ${r.title}\n\n${r.markdown}\n`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmarks',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`,
  `Date: ${new Date().toISOString().slice(0, 10)}. Produced by \`npm run bench\`; every figure below comes from that one run.`,
  '',
].join('\n');
if (only.length === 0) {
  writeFileSync(
    'BENCHMARKS.md',
    `${header}${results.map((r) => `\n## ${r.title}\n\n${r.markdown}\n`).join('')}`,
  );
  process.stderr.write('bench: wrote BENCHMARKS.md\n');
}
