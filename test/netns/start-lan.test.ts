import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN } from '../support/cli.js';
import { ringProblems, type Status } from '../support/control.js';
import { createLan, type NetnsLan } from '../support/netns.js';
import { waitUntil } from '../support/peer-process.js';
import { killAllStarts, peerLog, type StartProcess, watchStart } from '../support/start-process.js';

/**
 * `p2psip start` with no address given, on a LAN of three network namespaces (one bridge): LAN discovery
 * (DNS-SD over mDNS) finds the overlay, the document comes from a peer, the ring forms; after a restart
 * with multicast dropped by nft, the peers find each other again through their cached peers.
 */
const RING_WITHIN_MS = 15_000;

describe('p2psip start on a LAN of network namespaces', { timeout: 150_000 }, () => {
  let lan: NetnsLan;
  let dir = '';
  const procs: StartProcess[] = [];
  const home = (i: number): string => join(dir, `home${i + 1}`);
  const host = (i: number) => {
    const h = lan.hosts[i];
    assert.ok(h !== undefined);
    return h;
  };
  const start = (i: number): StartProcess => {
    const p = watchStart(
      lan.spawn(host(i), process.execPath, [BIN, 'start', '--json'], {
        ...process.env,
        P2PSIP_HOME: home(i),
      }),
      `p2psip start in ${host(i).ns}`,
    );
    procs[i] = p;
    return p;
  };
  const status = (i: number): Status =>
    JSON.parse(lan.exec(host(i), process.execPath, [BIN, 'status', '--json'])) as Status;
  const ring = (n: number) => async (): Promise<string[]> => {
    try {
      return ringProblems(Array.from({ length: n }, (_, i) => status(i)));
    } catch (e) {
      return [String(e)];
    }
  };
  const instanceDir = (i: number): string => join(home(i), 'local.p2psip', 'instances', '1');

  before(async () => {
    lan = createLan(3);
    dir = await mkdtemp(join(tmpdir(), 'p2psip-netns-'));
  });

  after(async () => {
    await killAllStarts();
    lan?.destroy();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('two hosts started together form a two-peer ring within 15 s, with no address given', async () => {
    const [a, b] = await Promise.all([start(0).summary, start(1).summary]);
    await waitUntil('a ring of two', ring(2), 40_000, 500);
    const formed = Date.now();
    assert.equal(a.overlay, 'local.p2psip');
    assert.equal(b.overlay, 'local.p2psip');
    assert.equal(a.fingerprint, b.fingerprint, 'one overlay, not two of the same name');
    assert.equal(a.listen, `${host(0).address}:6084`);
    assert.equal(b.listen, `${host(1).address}:6084`);
    // From the moment both processes were up (their first log record) to a ring.
    const up = await Promise.all(
      [0, 1].map(async (i) => Date.parse(String((await peerLog(instanceDir(i)))[0]?.time))),
    );
    assert.ok(formed - Math.max(...up) <= RING_WITHIN_MS, `ring after ${formed - Math.max(...up)} ms`);
    // Exactly one home created the overlay; the other got its document from that peer on the LAN.
    const logs = await Promise.all([0, 1].map((i) => peerLog(instanceDir(i))));
    const created = logs.filter((l) => l.some((r) => r.msg === 'created a new self-signed overlay'));
    const fetched = logs.filter((l) => l.some((r) => r.msg === 'lan: got the overlay document from a peer'));
    assert.equal(created.length, 1);
    assert.equal(fetched.length, 1);
  });

  it('a third host joins the same overlay', async () => {
    const c = await start(2).summary;
    assert.equal(c.fingerprint, (await procs[0]?.summary)?.fingerprint);
    await waitUntil('a ring of three', ring(3), 40_000, 500);
  });

  it('after a restart with multicast blocked, the peers find each other through their cached peers', async () => {
    const ids = [0, 1, 2].map((i) => status(i).nodeId);
    for (const p of procs) assert.deepEqual(await p.stop(), { code: 0, signal: null });
    for (let i = 0; i < 3; i++) {
      const cache = JSON.parse(await readFile(join(instanceDir(i), 'peers.json'), 'utf8')) as {
        peers: { nodeId: string }[];
      };
      assert.ok(cache.peers.length >= 1, `host ${i + 1} cached no peer`);
      for (const p of cache.peers) assert.ok(ids.includes(p.nodeId) && p.nodeId !== ids[i]);
      lan.blockMulticast(host(i));
    }
    // The overlay's creator first: it starts alone if nobody answers, the others must find it.
    const creator = (
      await Promise.all(
        [0, 1, 2].map(async (i) =>
          (await peerLog(instanceDir(i))).some((r) => r.msg === 'created a new self-signed overlay'),
        ),
      )
    ).indexOf(true);
    await start(creator).summary;
    await Promise.all([0, 1, 2].filter((i) => i !== creator).map((i) => start(i).summary));
    await waitUntil('a ring of three again', ring(3), 60_000, 500);
    assert.deepEqual(
      [0, 1, 2].map((i) => status(i).nodeId),
      ids,
      'each instance kept its Node-ID',
    );
    for (let i = 0; i < 3; i++) {
      const records = await peerLog(instanceDir(i));
      const lastStart = records.findLastIndex(
        (r) =>
          r.msg === 'bootstrap methods: cached peers, configured nodes, bootstrap servers, LAN discovery',
      );
      const run = records.slice(lastStart);
      const cached = run[0]?.cachedPeers;
      assert.ok(Array.isArray(cached) && cached.length >= 1, `host ${i + 1} started without cached peers`);
      assert.ok(
        !run.some((r) => r.source !== undefined && String(r.source).startsWith('LAN')),
        'LAN discovery found nobody',
      );
    }
  });
});
