import { measureRepairWindow, type RepairSample } from '../src/sim/repair-window.js';
import type { Departure } from '../src/sim/storage-scenario.js';
import { type Bench, table } from './harness.js';

/**
 * The repair window after one holder departs (src/sim/repair-window.ts), for each way of departing: a
 * graceful Leave, a crash (links reset at once) and a silent kill. 150 peers, 1,500 values, 8 departures
 * one at a time; the times are virtual, read every 0.25 s.
 */
const NODES = 150;
const VALUES = 1500;
const DEPARTURES = 8;

const seconds = (ms: number | undefined): string => (ms === undefined ? '> 240' : (ms / 1000).toFixed(2));

function summary(samples: readonly RepairSample[], pick: (s: RepairSample) => number | undefined): string {
  const v = samples.map(pick).map((x) => x ?? Number.POSITIVE_INFINITY);
  v.sort((a, b) => a - b);
  const at = (q: number): number | undefined => {
    const x = v[Math.min(v.length - 1, Math.floor(q * v.length))];
    return x === undefined || x === Number.POSITIVE_INFINITY ? undefined : x;
  };
  return `${seconds(v[0])} / ${seconds(at(0.5))} / ${seconds(at(1))}`;
}

async function run(): Promise<{ title: string; markdown: string }> {
  const what: Record<Departure, string> = {
    leave: 'graceful Leave (RFC 6940 §10.8)',
    crash: 'crash (links reset at once)',
    kill: 'silent kill (no FIN)',
  };
  const rows = (['leave', 'crash', 'kill'] as const).map((departure) => {
    const s = measureRepairWindow({ nodes: NODES, values: VALUES, departures: DEPARTURES, departure });
    return [what[departure], String(s.length), summary(s, (x) => x.detectMs), summary(s, (x) => x.repairMs)];
  });
  const markdown = [
    `${NODES} peers, ${VALUES} values (three copies each: responsible peer + 2 successors), one peer departing at a time on a settled ring, ${DEPARTURES} times per row. Detection: until no live peer lists it as a neighbour. Three copies again: until every value it held has three live holders (the successor hold-down is 2 s, decision 0033). Times are virtual seconds, min / median / max, read every 0.25 s.`,
    '',
    table(['departure', 'departures', 'detection (s)', 'three copies again (s)'], rows),
  ].join('\n');
  return { title: 'Storage repair window in the simulator', markdown };
}

export const bench: Bench = { name: 'sim-repair', run };
