import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { nodeIdFromHex } from '../src/core/ids.js';
import { overlayHash } from '../src/reload/config/hashes.js';
import { MessageCode, pingReq } from '../src/reload/messages/index.js';
import { encode } from '../src/wire/index.js';
import { getStatus, ringProblems } from '../test/support/control.js';
import { killAll, type PeerProcess, startPeers, waitUntil } from '../test/support/peer-process.js';
import { buildRequest, selfSignedIdentity, TestClient } from '../test/support/reload-client.js';
import { type Bench, table } from './harness.js';

/**
 * What one overlay hop costs between real `p2psip peer` processes on 127.0.0.1. A test client (its own
 * self-signed identity, TLS to the first peer) sends Pings (RFC 6940 §6.4.2.4) source-routed along the
 * ring: destination list [p1, p2, ..., pk] of successive ring neighbours, so a Ping crosses exactly k
 * peers, each a direct link from the last, and the answer retraces the via list. Round trips are timed at
 * the client; a least-squares line through (k, RTT) gives the cost of one more hop.
 */
const PEERS = 12;
const PINGS = 60;

interface Sample {
  readonly hops: number;
  readonly rttMs: number;
}

async function startRing(dir: string): Promise<PeerProcess[]> {
  const peers = await startPeers(dir, { peers: PEERS, updateInterval: 10, pingInterval: 5 });
  const statuses = () => Promise.all(peers.map((p) => getStatus(p.control)));
  await waitUntil('a correct ring', async () => ringProblems(await statuses()), 120_000);
  return peers;
}

async function measure(ring: readonly PeerProcess[]): Promise<Sample[]> {
  const first = ring[0] as PeerProcess;
  const [host, port] = first.listen.split(':');
  const me = await selfSignedIdentity('test.p2psip');
  const client = await TestClient.connectTls({ host: host ?? '127.0.0.1', port: Number(port) }, me);
  const ping = (k: number) =>
    buildRequest(me.signer, {
      overlay: overlayHash('test.p2psip'),
      configurationSequence: 1,
      destination: ring.slice(0, k).map((p) => ({ type: 'node' as const, id: nodeIdFromHex(p.nodeId) })),
      code: MessageCode.ping_req,
      body: encode(pingReq, { padding: new Uint8Array() }),
    });
  const out: Sample[] = [];
  try {
    for (let round = 0; round < PINGS; round++) {
      for (let k = 1; k <= ring.length; k++) {
        const { bytes, txid } = ping(k);
        const t0 = performance.now();
        client.send(bytes);
        const answer = await client.answerTo(txid);
        const rttMs = performance.now() - t0;
        if (answer.contents.code !== MessageCode.ping_ans) throw new Error(`a ${k}-hop Ping failed`);
        if (round > 0) out.push({ hops: k, rttMs });
      }
    }
  } finally {
    client.close();
  }
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Least squares through (hops, median RTT): the slope is the round-trip cost of one more hop. */
function fit(points: ReadonlyArray<readonly [number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export const bench: Bench = {
  name: 'hop-cost',
  async run() {
    const dir = await mkdtemp(join(tmpdir(), 'p2psip-bench-'));
    try {
      const peers = await startRing(dir);
      const ring = [...peers].sort((a, b) => (BigInt(`0x${a.nodeId}`) < BigInt(`0x${b.nodeId}`) ? -1 : 1));
      const samples = await measure(ring);
      const points = ring.map((_, i) => {
        const k = i + 1;
        return [k, median(samples.filter((s) => s.hops === k).map((s) => s.rttMs))] as const;
      });
      const { slope, intercept } = fit(points);
      return {
        title: `Per-hop forwarding cost between real peers (${PEERS} processes, TLS on 127.0.0.1)`,
        markdown: [
          table(
            ['peers crossed', 'median RTT (ms)'],
            points.map(([k, m]) => [k, m.toFixed(2)]),
          ),
          '',
          `Least squares through the medians: RTT ≈ ${intercept.toFixed(2)} ms + ${slope.toFixed(2)} ms × peers crossed, ` +
            `so one more overlay hop costs about ${slope.toFixed(2)} ms of round trip (the Ping and its answer ` +
            'each cross it: TLS decrypt, framing ack, routing, TLS encrypt, and a process switch on a machine ' +
            'with fewer cores than peers). The intercept is what does not depend on the path: the client link ' +
            `and the destination's RSA-2048 signature. ${PINGS - 1} Pings per chain length after one warm-up round, source-routed along ring ` +
            'neighbours so every hop is a direct link.',
        ].join('\n'),
      };
    } finally {
      await killAll();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
