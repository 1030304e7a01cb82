#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's test runner, so its summary line shows
// the counts. Node 20 cannot glob on its own, and given the directory it would also run the support
// modules, so we list the files. Arguments filter by path: `npm test -- unit/wire sim`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
};
walk(root);
// Longest first: the runner starts files in the order given, so a long file started last would run on
// alone at the end. The simulator and real-process suites take minutes each; unit files take seconds.
const FIRST = ['/sim/', '/interop/', '/integration/', '/netns/', '/property/'];
const rank = (f) => {
  const i = FIRST.findIndex((d) => f.includes(d));
  return i < 0 ? FIRST.length : i;
};
files.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const filters = process.argv.slice(2);
const selected = filters.length === 0 ? files : files.filter((f) => filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error(`run-tests: no test files matched under ${root} (filters: ${filters.join(' ') || 'none'})`);
  process.exit(1);
}
// Three at a time on the 2-core reference machine: the real-process suites spend most of their time
// waiting on timers and processes, so two files left a core idle (CPU ~30 % busy over a whole run).
const concurrency = process.env.TEST_CONCURRENCY ?? '3';
const r = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=900000',
    ...selected,
  ],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
