import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { kindId } from '../src/core/ids.js';
import { STORAGE_FILE } from '../src/platform/node/peer-runtime.js';
import { SqliteStorage } from '../src/platform/node/sqlite-storage.js';
import type { KindDefinition } from '../src/reload/config/overlay-config.js';
import { getMetrics, getStatus, postJson, ringProblems } from '../test/support/control.js';
import { killAll, type PeerProcess, startPeers, waitUntil } from '../test/support/peer-process.js';
import { nodeMultipleName } from '../test/support/storage-control.js';
import { type Bench, formatRate, table } from './harness.js';

/**
 * Store and Fetch through one real `p2psip peer` (RFC 6940 §7.4), the way `p2psip store|fetch` do it:
 * POST /store and /fetch on its control API, 16 at a time, in a 3-peer overlay on 127.0.0.1 where every
 * value is signed by the storing peer (RSA-2048, §7.1), checked by the responsible peer, written to its
 * SQLite file, copied to two replicas (§10.4), and verified again by the fetching peer (§7.4.2.2).
 *
 * Baselines from the same run: GET /status on the same control API (the cost of the HTTP path alone) and
 * inserting the very rows the peer wrote into a fresh SQLite file with the peer's backend, one
 * transaction per value as the peer does.
 */
const PEERS = 3;
const VALUES = 1500;
const FETCHES = 1500;
const IN_FLIGHT = 16;
/** NODE-MULTIPLE lets the peer write at Node-ID ‖ i for i up to this (RFC 6940 §7.3.4). */
const RESOURCES = 32;
export const BENCH_KIND: KindDefinition = {
  id: kindId(0xf000_0010),
  dataModel: 'dictionary',
  accessPolicy: 'NODE-MULTIPLE',
  maxCount: 100_000,
  maxSize: 256,
  maxNodeMultiple: RESOURCES,
};

/** Runs `job(0..n-1)` with at most `width` running at once; returns the seconds it took. */
async function timed(n: number, width: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) await job(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
  return (performance.now() - start) / 1000;
}

function valueText(i: number): string {
  return `value ${i} `.padEnd(100, 'x');
}

function where(peer: PeerProcess, i: number): { resourceHex: string; key: string } {
  return { resourceHex: nodeMultipleName(peer.nodeId, (i % RESOURCES) + 1), key: `k${i}` };
}

/** Failures by RELOAD error name; a bad request or an HTTP error stops the bench. */
type Failures = Map<string, number>;

async function post(peer: PeerProcess, path: string, body: unknown, failures: Failures): Promise<unknown> {
  const r = await postJson(peer.control, path, body);
  if (r.status === 502) {
    const name = String((r.body as { errorCode?: unknown }).errorCode);
    failures.set(name, (failures.get(name) ?? 0) + 1);
    return undefined;
  }
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

function total(f: Failures): number {
  return [...f.values()].reduce((a, b) => a + b, 0);
}

function perSecond(rate: number): string {
  return `${formatRate(rate)} values`;
}

function cpu(ms: number): string {
  return `${ms.toFixed(1)} ms (${formatRate(1000 / ms)} per CPU)`;
}

function describeFailures(f: Failures): string {
  return total(f) === 0 ? '0' : [...f].map(([name, n]) => `${n} ${name}`).join(', ');
}

interface Rates {
  readonly storeFailures: Failures;
  readonly fetchFailures: Failures;
  /** Seconds from the last Store answer until every stored value had its three copies. */
  readonly copiesLag: number;
  readonly store: number;
  readonly replicated: number;
  readonly fetch: number;
  readonly status: number;
  /** CPU milliseconds the three peers spent per value stored (until every copy was held) and fetched. */
  readonly storeCpuMs: number;
  readonly fetchCpuMs: number;
}

/** CPU seconds the peers have used so far (process_cpu_seconds_total of each, summed). */
async function cpuSeconds(peers: readonly PeerProcess[]): Promise<number> {
  const all = await Promise.all(peers.map((p) => getMetrics(p.control)));
  return all.reduce((n, m) => n + (m.get('p2psip_process_cpu_seconds_total') ?? 0), 0);
}

async function measure(peers: readonly PeerProcess[]): Promise<Rates> {
  const via = peers[0] as PeerProcess;
  const kind = BENCH_KIND.id;
  const cpu0 = await cpuSeconds(peers);
  const start = performance.now();
  const storeFailures: Failures = new Map();
  const stored = new Set<number>();
  const storeSeconds = await timed(VALUES, IN_FLIGHT, async (i) => {
    if (
      (await post(via, '/store', { kind, ...where(via, i), value: valueText(i) }, storeFailures)) !==
      undefined
    )
      stored.add(i);
  });
  const answered = performance.now();
  // Every peer of a 3-peer overlay holds every value: the responsible peer and its two replicas.
  await waitUntil(
    'three copies of every value',
    async () => {
      const held = (await Promise.all(peers.map((p) => getStatus(p.control)))).reduce(
        (n, s) => n + s.storedValues,
        0,
      );
      return held === PEERS * stored.size ? [] : [`${held} of ${PEERS * stored.size} copies`];
    },
    120_000,
    50,
  );
  const replicatedSeconds = (performance.now() - start) / 1000;
  const copiesLag = (performance.now() - answered) / 1000;
  const cpu1 = await cpuSeconds(peers);
  const fetchFailures: Failures = new Map();
  const ids = [...stored];
  const fetchSeconds = await timed(FETCHES, IN_FLIGHT, async (n) => {
    const i = ids[(n * 7919) % ids.length] ?? 0;
    const body = (await post(via, '/fetch', { kind, ...where(via, i), keys: [`k${i}`] }, fetchFailures)) as
      | { values: Array<{ value?: string }> }
      | undefined;
    if (body !== undefined && body.values[0]?.value !== valueText(i))
      throw new Error(`fetch ${i}: wrong value`);
  });
  const cpu2 = await cpuSeconds(peers);
  const statusSeconds = await timed(FETCHES, IN_FLIGHT, async () => {
    await getStatus(via.control);
  });
  return {
    storeFailures,
    fetchFailures,
    copiesLag,
    store: stored.size / storeSeconds,
    replicated: stored.size / replicatedSeconds,
    fetch: (FETCHES - total(fetchFailures)) / fetchSeconds,
    status: FETCHES / statusSeconds,
    storeCpuMs: ((cpu1 - cpu0) * 1000) / stored.size,
    fetchCpuMs: ((cpu2 - cpu1) * 1000) / FETCHES,
  };
}

/**
 * The rows a peer wrote, inserted again into a fresh file one transaction each (rows/s). Read after the
 * peers have stopped, so the file and its write-ahead log are complete.
 */
function sqliteRate(dir: string, peer: PeerProcess): number {
  const source = new SqliteStorage(join(peer.identityDir, 'data', STORAGE_FILE));
  const rows = source.loadAll(Date.now());
  source.close();
  const target = new SqliteStorage(join(dir, 'baseline.sqlite'));
  const start = performance.now();
  for (const row of rows) target.write({ puts: [row], deletes: [] });
  const seconds = (performance.now() - start) / 1000;
  target.close();
  return rows.length / seconds;
}

export const bench: Bench = {
  name: 'storage',
  async run() {
    const dir = await mkdtemp(join(os.tmpdir(), 'p2psip-bench-store-'));
    try {
      const peers = await startPeers(dir, {
        peers: PEERS,
        updateInterval: 10,
        pingInterval: 5,
        kinds: [BENCH_KIND],
        // Only the bench's values are counted: the peers' own certificates (RFC 6940 §8) stay out.
        extraArgs: (i) => ['--data', join(dir, `peer${i}`, 'data'), '--no-certificate-publishing'],
      });
      await waitUntil(
        'a correct ring',
        async () => ringProblems(await Promise.all(peers.map((p) => getStatus(p.control)))),
        120_000,
      );
      const load = os.loadavg()[0] ?? 0;
      const r = await measure(peers);
      await killAll();
      const sqlite = sqliteRate(dir, peers[0] as PeerProcess);
      const ratio = r.store / sqlite;
      const stored = VALUES - total(r.storeFailures);
      return {
        title: `Store and Fetch through one real peer (${PEERS} processes, TLS on 127.0.0.1, RSA-2048)`,
        markdown: [
          table(
            ['operation', 'count', 'failed', 'rate (wall clock)', 'CPU per value, 3 peers'],
            [
              [
                'Store through the peer, answered',
                VALUES,
                describeFailures(r.storeFailures),
                perSecond(r.store),
                '',
              ],
              [
                'Store, until all three copies are held',
                stored,
                '',
                perSecond(r.replicated),
                cpu(r.storeCpuMs),
              ],
              [
                'Fetch of one value through the peer, verified',
                FETCHES,
                describeFailures(r.fetchFailures),
                perSecond(r.fetch),
                cpu(r.fetchCpuMs),
              ],
              ['baseline: GET /status on the same control API', FETCHES, '', formatRate(r.status), ''],
              [
                'baseline: SQLite insert of the same rows, one transaction each',
                stored,
                '',
                formatRate(sqlite),
                '',
              ],
            ],
          ),
          '',
          `${IN_FLIGHT} requests in flight through POST /store and /fetch of one peer; 100-byte values in a ` +
            `NODE-MULTIPLE dictionary kind at ${RESOURCES} resources, so every peer is responsible for some. ` +
            'Each value costs up to seven RSA-2048 signatures in all: two at the storing peer (the value and ' +
            'the message), three at the responsible peer (its answer and the two replica Stores) and one ' +
            'answer at each replica, besides the verifications and three SQLite writes; the three processes ' +
            `share the machine. The store rate is ${(ratio * 100).toFixed(1)} % of the raw SQLite insert rate ` +
            `of the same rows (ratio ${ratio.toFixed(3)}), ` +
            (ratio < 0.5
              ? 'so the disk is not what limits it (compare the signature rates above).'
              : 'so the SQLite writes are a large share of it.') +
            ` The machine's load average was ${load.toFixed(1)} when the run began: wall-clock rates fall ` +
            'with other work on the machine, while the CPU time per value (process_cpu_seconds_total of the ' +
            'three peers, summed) does not. After the last Store was answered it took ' +
            `${r.copiesLag.toFixed(1)} s until every value had its three copies.` +
            (total(r.storeFailures) + total(r.fetchFailures) === 0
              ? ''
              : ' The failed requests got the RELOAD errors named in the table; Error_Not_Found ("no route ' +
                'toward the destination") is what a peer answers while every one of its links is suspect ' +
                '(no acknowledgement within the RTO, RFC 6940 §6.6.3), which a loaded machine causes.'),
        ].join('\n'),
      };
    } finally {
      await killAll();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
