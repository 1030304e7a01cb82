import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Bench, BenchResult } from './harness.js';

/**
 * `npm run bench`: runs every registered benchmark and rewrites BENCHMARKS.md. Pass names to run a subset
 * (`npm run bench -- codec`); a subset prints its results and replaces only its own sections of
 * BENCHMARKS.md (added at the end when missing), each marked with the date and machine of its run.
 */
const registry: Array<() => Promise<{ bench: Bench }>> = [
  () => import('./codec.js'),
  () => import('./crypto.js'),
  () => import('./sip-parse.js'),
  () => import('./hop-cost.js'),
  () => import('./sip-adapter.js'),
  () => import('./storage.js'),
  () => import('./storage-memory.js'),
  () => import('./sim.js'),
  () => import('./sim-storage.js'),
  () => import('./sim-repair.js'),
];

const only = process.argv.slice(2);
// The reference machine is shared: say how busy it was, so that figures from a loaded run read as such.
const loadAtStart = os.loadavg()[0] ?? 0;
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
const loadNote = `load average ${loadAtStart.toFixed(1)} at the start, ${(os.loadavg()[0] ?? 0).toFixed(1)} at the end`;
const header = [
  '# Benchmarks',
  '',
  `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}.`,
  `Date: ${new Date().toISOString().slice(0, 10)}. Produced by \`npm run bench\`; every figure below comes from that one run (${loadNote}).`,
  '',
].join('\n');
if (only.length === 0) {
  writeFileSync(
    'BENCHMARKS.md',
    `${header}${results.map((r) => `\n## ${r.title}\n\n${r.markdown}\n`).join('')}`,
  );
  process.stderr.write('bench: wrote BENCHMARKS.md\n');
} else if (results.length > 0) {
  const machine = `${cpu}, ${os.cpus().length} cores, Node ${process.version}`;
  const stamp = `_This section: \`npm run bench -- ${only.join(' ')}\` on ${new Date().toISOString().slice(0, 10)}, ${machine}, ${loadNote}._`;
  let doc = existsSync('BENCHMARKS.md') ? readFileSync('BENCHMARKS.md', 'utf8') : header;
  for (const r of results) doc = replaceSection(doc, r.title, `${stamp}\n\n${r.markdown}\n`);
  writeFileSync('BENCHMARKS.md', doc);
  process.stderr.write('bench: updated BENCHMARKS.md\n');
}

/** Replaces the body of the `## title` section (up to the next `## `), or appends the section. */
function replaceSection(doc: string, title: string, body: string): string {
  const head = `\n## ${title}\n`;
  const at = doc.indexOf(head);
  if (at < 0) return `${doc.replace(/\n*$/, '\n')}${head}\n${body}`;
  const start = at + head.length;
  const next = doc.indexOf('\n## ', start);
  return `${doc.slice(0, start)}\n${body}${next < 0 ? '' : doc.slice(next)}`;
}
