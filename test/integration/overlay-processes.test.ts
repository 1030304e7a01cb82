import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  fingerProblems,
  getMetrics,
  getStatus,
  responsibleFor,
  ringProblems,
  type Status,
} from '../support/control.js';
import { killAll, type PeerProcess, runCli, startPeers, waitUntil } from '../support/peer-process.js';

/**
 * Ten real `p2psip peer` processes on 127.0.0.1 form a CHORD-RELOAD ring over TLS (RFC 6940 §10), survive
 * three kill -9s and a graceful leave, and answer `p2psip status|ping|trace` through their control API.
 * The overlay comes from `p2psip overlay create` with the Chord timers shortened in its document.
 */
const PEERS = 10;
const CONVERGE_MS = 60_000;

describe('ten p2psip peer processes on 127.0.0.1', { timeout: 240_000 }, () => {
  let dir = '';
  const peers: PeerProcess[] = [];
  const live = (): PeerProcess[] => peers.filter((p) => !gone.has(p));
  const gone = new Set<PeerProcess>();
  const statuses = (): Promise<Status[]> => Promise.all(live().map((p) => getStatus(p.control)));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2psip-ring-'));
    peers.push(
      ...(await startPeers(dir, {
        peers: PEERS,
        updateInterval: 3,
        pingInterval: 1,
        extraArgs: (i) => (i === 0 ? ['--data', join(dir, 'peer0-data')] : []),
      })),
    );
  });

  after(async () => {
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('converges: every first successor and predecessor matches the sorted Node-IDs', async () => {
    await waitUntil('a correct ring', async () => ringProblems(await statuses()), CONVERGE_MS);
    const s = await statuses();
    assert.equal(new Set(s.map((x) => x.nodeId)).size, PEERS);
    assert.ok((await stat(join(dir, 'peer0-data'))).isDirectory(), '--data DIR is created');
    for (const x of s) {
      assert.equal(x.overlay, 'test.p2psip');
      assert.equal(x.sip, null);
      assert.ok(x.links >= 2, `${x.nodeId} has ${x.links} links`);
    }
  });

  it('fills the finger table (RFC 6940 §10.3)', async () => {
    await waitUntil('filled fingers', async () => fingerProblems(await statuses()), CONVERGE_MS);
  });

  it('p2psip status prints the peer as aligned lines', async () => {
    const p = peers[3] as PeerProcess;
    const r = await runCli(['status', '--control', `${p.control.host}:${p.control.port}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^node {2,}${p.nodeId}$`, 'm'));
    assert.match(r.stdout, /^state {2,}joined$/m);
    assert.match(r.stdout, new RegExp(`^listen {2,}${p.listen.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('p2psip ping reaches every peer by Node-ID from the bootstrap peer', async () => {
    const from = peers[0] as PeerProcess;
    for (const to of peers.slice(1)) {
      const r = await runCli([
        'ping',
        to.nodeId,
        '--control',
        `${from.control.host}:${from.control.port}`,
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as { ok: boolean; answeredBy: string };
      assert.equal(answer.ok, true);
      assert.equal(answer.answeredBy, to.nodeId);
    }
  });

  it('p2psip trace from every peer to random resources ends at the responsible peer', async () => {
    const ids = peers.map((p) => p.nodeId);
    // Two traces from every peer, four CLI processes at a time: each is a whole Node process, and twenty
    // at once on a small CI machine measure its scheduler, not the overlay.
    const traces = peers.flatMap((p) => [p, p]);
    const trace = async (p: (typeof peers)[number]) => {
      const name = `sip:${randomBytes(6).toString('hex')}@test.p2psip`;
      const r = await runCli(['trace', name, '--control', `${p.control.host}:${p.control.port}`, '--json']);
      assert.equal(r.code, 0, `trace ${name} from ${p.nodeId}: ${r.stderr}`);
      const t = JSON.parse(r.stdout) as { resourceId: string; hops: Array<{ nodeId: string }> };
      const last = t.hops[t.hops.length - 1];
      assert.equal(last?.nodeId, responsibleFor(t.resourceId, ids), `trace ${name} from ${p.nodeId}`);
      for (const h of t.hops) assert.ok(ids.includes(h.nodeId), `hop ${h.nodeId} is a peer`);
    };
    for (let i = 0; i < traces.length; i += 4) await Promise.all(traces.slice(i, i + 4).map(trace));
    const human = await runCli(['trace', peers[5]?.nodeId ?? '', '--control', controlOf(peers[0])]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^\\s*\\d+ {2}${peers[5]?.nodeId} {2}\\d+ ms$`, 'm'));
  });

  it('repairs the ring after three peers are killed with SIGKILL', async () => {
    for (const i of [2, 5, 8]) {
      const p = peers[i] as PeerProcess;
      p.kill('SIGKILL');
      await p.exited;
      gone.add(p);
    }
    await waitUntil('a correct ring of seven', async () => ringProblems(await statuses()), CONVERGE_MS);
    await waitUntil('fingers without the dead', async () => fingerProblems(await statuses()), CONVERGE_MS);
  });

  it('a peer stopped with SIGTERM hands its neighbours a Leave (RFC 6940 §10.8) and exits 0', async () => {
    const leaving = peers[6] as PeerProcess;
    const before = await statuses();
    const mine = before.find((s) => s.nodeId === leaving.nodeId);
    assert.ok(mine !== undefined);
    const neighbours = live().filter(
      (p) => p.nodeId === mine.successors[0] || p.nodeId === mine.predecessors[0],
    );
    assert.equal(neighbours.length, 2);
    const leavesBefore = await Promise.all(neighbours.map((p) => leavesReceived(p)));
    leaving.kill('SIGTERM');
    assert.deepEqual(await leaving.exited, { code: 0, signal: null });
    gone.add(leaving);
    assert.ok(leaving.logs.some((r) => r.msg === 'stopped'));
    const leavesAfter = await Promise.all(neighbours.map((p) => leavesReceived(p)));
    leavesAfter.forEach((n, i) => {
      assert.ok(n > (leavesBefore[i] ?? 0), `neighbour ${i} got no Leave`);
    });
    // Each neighbour dropped the link because of the Leave, not because the socket died or timed out.
    for (const p of neighbours) {
      const down = p.logs.filter((r) => r.msg === 'link down' && r.peer === leaving.nodeId);
      assert.ok(
        down.some((r) => r.reason === 'peer left the overlay'),
        `${p.nodeId} link down reasons: ${down.map((r) => r.reason).join(', ')}`,
      );
    }
    await waitUntil('a correct ring of six', async () => ringProblems(await statuses()), CONVERGE_MS);
  });

  it('no peer hit an internal error or wrote anything but JSON logs', async () => {
    for (const s of await statuses()) assert.equal(s.internalErrors, 0, `${s.nodeId}: internal errors`);
    for (const p of peers) {
      assert.deepEqual(p.stray, []);
      assert.deepEqual(
        p.logs.filter((r) => (r.level ?? 0) >= 50),
        [],
      );
    }
  });
});

function controlOf(p: PeerProcess | undefined): string {
  assert.ok(p !== undefined);
  return `${p.control.host}:${p.control.port}`;
}

async function leavesReceived(p: PeerProcess): Promise<number> {
  return (await getMetrics(p.control)).get('p2psip_messages_in_total{method="leave_req"}') ?? 0;
}
