import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resourceIdToHex } from '../../src/core/ids.js';
import { chordResourceId } from '../../src/reload/config/hashes.js';
import { getMetrics, getStatus, responsibleFor, ringProblems } from '../support/control.js';
import { killAll, runCli, waitUntil } from '../support/peer-process.js';
import {
  callCounts,
  callMessages,
  freeSipPort,
  killSipp,
  peerHealth,
  peerWarnings,
  registerArgs,
  type SipAccount,
  type SipPeer,
  type SippRun,
  sipp,
  startSipPeers,
  startSipp,
  uacArgs,
  writeUsersCsv,
} from '../support/sip-interop.js';
import { requireTool } from '../support/tools.js';

/**
 * Issue #6 with SIPp against three real `p2psip peer --sip` processes on 127.0.0.1: 1,000 users register
 * with digest across the peers; a SIPp UAS registered as bob at peer C answers 500 calls (INVITE, 407,
 * 100/180/200, ACK and BYE along the Record-Route set) from a SIPp UAC as alice at peer A, then MESSAGE and
 * OPTIONS likewise; killing the peer responsible for bob's registration (neither adapter) with SIGKILL
 * leaves bob reachable through the replicas.
 */
const DOMAIN = 'p2p.test';
const USERS = 1000;
const CALLS = 500;
const PASSWORD = 'secret';
const ALICE: SipAccount = { user: 'alice', domain: DOMAIN, password: 'alice-pw' };
const BOB: SipAccount = { user: 'bob', domain: DOMAIN, password: 'bob-pw' };

function account(i: number): SipAccount {
  return { user: `user${i}`, domain: DOMAIN, password: PASSWORD };
}

describe('SIPp through three p2psip adapter peers', { timeout: 300_000 }, () => {
  let dir = '';
  let peers: SipPeer[] = [];
  /** alice's adapter, bob's adapter, and the peer responsible for H(bob) (neither of them). */
  let a: SipPeer;
  let c: SipPeer;
  let holder: SipPeer;
  let uas: SippRun | undefined;
  let uasPort = 0;
  const live = (): SipPeer[] => peers.filter((p) => p !== holder || !killed);
  let killed = false;

  before(async () => {
    requireTool('sipp');
    dir = await mkdtemp(join(tmpdir(), 'p2psip-sipp-'));
    peers = await startSipPeers(dir, {
      peers: 3,
      name: DOMAIN,
      users: (i) => [
        ALICE,
        BOB,
        ...Array.from({ length: USERS }, (_, k) => account(k)).filter((_, k) => k % 3 === i),
      ],
    });
    await waitUntil('a ring of three', async () => ringProblems(await statuses()), 60_000);
    // Roles by where H(bob) lands: the holder must be neither alice's nor bob's adapter.
    const rid = resourceIdToHex(chordResourceId(`${BOB.user}@${DOMAIN}`));
    const holderId = responsibleFor(
      rid,
      peers.map((p) => p.nodeId),
    );
    holder = peers.find((p) => p.nodeId === holderId) as SipPeer;
    [a, c] = peers.filter((p) => p !== holder) as [SipPeer, SipPeer];
  });

  after(async () => {
    uas?.kill();
    await killSipp();
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const statuses = () => Promise.all(live().map((p) => getStatus(p.control)));

  it('registers 1,000 users with digest auth, spread over the three peers', async () => {
    const runs = peers.map(async (p, i) => {
      const users = Array.from({ length: USERS }, (_, k) => account(k)).filter((_, k) => k % 3 === i);
      const csv = join(dir, `register${i}.csv`);
      await writeUsersCsv(csv, users);
      const r = await sipp(
        [
          ...registerArgs(p.sip, csv, await freeSipPort(), DOMAIN),
          '-m',
          String(users.length),
          '-r',
          '40',
          '-l',
          '40',
        ],
        join(dir, `register${i}-stats.csv`),
      );
      assert.equal(r.code, 0, `SIPp register at peer ${i}: ${r.errors}${peerWarnings(peers)}\n${r.calls}`);
      assert.deepEqual(callCounts(r), { successful: users.length, failed: 0 });
    });
    await Promise.all(runs);
    const s = await statuses();
    assert.equal(
      s.reduce((n, x) => n + x.registrations, 0),
      USERS,
    );
    for (const k of [0, 1, 500, 999]) {
      const r = await runCli(['lookup', `user${k}@${DOMAIN}`, '--control', controlOf(a), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as { routes: Array<{ node: string }> };
      assert.deepEqual(
        answer.routes.map((x) => x.node),
        [peers[k % 3]?.nodeId],
        `user${k} is published as a route to its adapter`,
      );
    }
    const missing = await runCli(['lookup', `nobody@${DOMAIN}`, '--control', controlOf(a)]);
    assert.equal(missing.code, 1);
  });

  it('a SIPp UAS registers as bob at peer C', async () => {
    uasPort = await freeSipPort();
    const csv = join(dir, 'bob.csv');
    await writeUsersCsv(csv, [BOB]);
    const reg = await sipp(
      [...registerArgs(c.sip, csv, uasPort, DOMAIN), '-m', '1'],
      join(dir, 'bob-register.csv'),
    );
    assert.equal(reg.code, 0, reg.errors);
    uas = startSipp(
      ['-sf', 'uas.xml', '-i', '127.0.0.1', '-p', String(uasPort)],
      join(dir, 'uas.csv'),
      280_000,
    );
  });

  const readUasMessages = (): Promise<string> =>
    readFile(join(dir, 'uas.csv.messages'), 'utf8').catch(() => '');

  const placeCalls = async (calls: number, tag: string): Promise<void> => {
    const r = await sipp(
      [
        ...uacArgs(a.sip, 'uac-call.xml', ALICE, BOB, await freeSipPort()),
        ...['-m', String(calls), '-r', '30', '-l', '60', '-d', '100'],
      ],
      join(dir, `${tag}.csv`),
    );
    if (r.code !== 0) {
      // Short diagnostics first: a CI log may show only the start of the message.
      const uas = await readUasMessages();
      const health = await peerHealth(live());
      assert.fail(
        `SIPp calls: ${r.errors}${callMessages(r.errors, uas, 'the UAS', 'summary')}${health}${peerWarnings(live())}\n${r.calls}${callMessages(r.errors, uas, 'the UAS', 'messages')}`,
      );
    }
    assert.deepEqual(callCounts(r), { successful: calls, failed: 0 });
  };

  it('alice at peer A places 500 calls to bob at peer C: 0 failed', async () => {
    await placeCalls(CALLS, 'calls');
    const m = await getMetrics(a.control);
    assert.ok((m.get('p2psip_sip_requests_received_total{method="INVITE"}') ?? 0) >= 2 * CALLS);
    assert.ok((m.get('p2psip_sip_requests_received_total{method="BYE"}') ?? 0) >= CALLS);
    assert.equal(m.get('p2psip_sip_app_connections'), 1, 'one AppAttach connection carries every call');
  });

  for (const method of ['MESSAGE', 'OPTIONS']) {
    it(`alice sends 500 ${method} requests to bob across the overlay: 0 failed`, async () => {
      const r = await sipp(
        [
          ...uacArgs(a.sip, `uac-${method.toLowerCase()}.xml`, ALICE, BOB, await freeSipPort()),
          ...['-m', String(CALLS), '-r', '50', '-l', '60'],
        ],
        join(dir, `${method}.csv`),
      );
      assert.equal(r.code, 0, `SIPp ${method}: ${r.errors}${peerWarnings(live())}\n${r.calls}`);
      assert.deepEqual(callCounts(r), { successful: CALLS, failed: 0 });
    });
  }

  it('calls to bob still work after the peer responsible for his registration is killed', async () => {
    assert.notEqual(holder, a);
    assert.notEqual(holder, c);
    holder.kill('SIGKILL');
    await holder.exited;
    killed = true;
    await waitUntil('a ring of two', async () => ringProblems(await statuses()), 60_000);
    const r = await runCli(['lookup', `${BOB.user}@${DOMAIN}`, '--control', controlOf(a), '--json']);
    assert.equal(r.code, 0, r.stderr);
    await placeCalls(50, 'calls-after-kill');
  });

  it('no surviving peer hit an internal error', async () => {
    for (const s of await statuses()) assert.equal(s.internalErrors, 0, `${s.nodeId}: internal errors`);
    for (const p of live()) {
      assert.deepEqual(
        p.logs.filter((r) => (r.level ?? 0) >= 50),
        [],
      );
    }
  });
});

function controlOf(p: SipPeer): string {
  return `${p.control.host}:${p.control.port}`;
}
