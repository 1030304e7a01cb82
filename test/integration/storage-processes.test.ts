import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PEER_CACHE_FILE } from '../../src/platform/node/peer-cache.js';
import { getMetrics, getStatus, ringProblems, sortedIds } from '../support/control.js';
import {
  freePort,
  killAll,
  type PeerProcess,
  runCli,
  startPeer,
  startPeers,
  waitUntil,
} from '../support/peer-process.js';
import { selfSignedIdentity } from '../support/reload-client.js';
import {
  expectedHolders,
  fetchProblems,
  held,
  nodeMultipleName,
  placementProblems,
  resourceIdOfHex,
  type StoredValue,
} from '../support/storage-control.js';

/**
 * Storage across ten real `p2psip peer` processes on 127.0.0.1 (RFC 6940 §7, §10.4, §10.5): values
 * stored with `p2psip store` through one peer are fetched through every other; the responsible peer and
 * its two successors hold them; after kill -9 of a responsible peer and its first replica every value is
 * still there and has three holders again within one stabilisation period; a joining peer takes over its
 * range; a peer restarted on its --data has its values before it rejoins.
 *
 * The peer stores as itself, so the values are of kinds its identity may write: TURN-SERVICE at
 * Node-ID ‖ i (NODE-MULTIPLE, i = 1..20), CERTIFICATE_BY_NODE at its Node-ID and CERTIFICATE_BY_USER at
 * its user name.
 */
const PEERS = 10;
const TURN_VALUES = 12;
const CONVERGE_MS = 60_000;
const UPDATE_INTERVAL_S = 3;
/**
 * One stabilisation period: the RFC's successor replacement hold-down before new replicas are made (30 s,
 * RFC 6940 §10.7.1; our peers wait 2 s, so this leaves room for a loaded machine) plus a few
 * chord-update-intervals for the ring itself to repair.
 */
const STABILISATION_MS = 30_000 + 5 * UPDATE_INTERVAL_S * 1000;
const T = { timeout: 90_000 };

const control = (p: PeerProcess): string => `${p.control.host}:${p.control.port}`;

describe('storage across ten p2psip peer processes', { timeout: 600_000 }, () => {
  let dir = '';
  let overlayXml = '';
  let live: PeerProcess[] = [];
  let storer: PeerProcess;
  const values: StoredValue[] = [];
  const statuses = () => Promise.all(live.map((p) => getStatus(p.control)));
  const dataOf = (p: PeerProcess): string => join(p.identityDir, 'data');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2psip-storage-'));
    live = await startPeers(dir, {
      peers: PEERS,
      updateInterval: UPDATE_INTERVAL_S,
      pingInterval: 1,
      // These tests store text under the certificate kinds themselves, so the peers keep theirs out.
      extraArgs: (i) => ['--data', join(dir, `peer${i}`, 'data'), '--no-certificate-publishing'],
    });
    overlayXml = join(dir, 'overlay', 'overlay.xml');
    storer = live[1] as PeerProcess;
    await waitUntil('a correct ring', async () => ringProblems(await statuses()), CONVERGE_MS);
  });

  after(async () => {
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('values stored with p2psip store through one peer are fetched through every other', T, async () => {
    const user = `${storer.nodeId}@test.p2psip`;
    const wanted: Array<StoredValue & { args: string[] }> = [
      ...Array.from({ length: TURN_VALUES }, (_, i) => {
        const hex = nodeMultipleName(storer.nodeId, i + 1);
        const value = `turn server ${i + 1}`;
        return {
          kind: 'TURN-SERVICE',
          resourceHex: hex,
          resourceId: resourceIdOfHex(hex),
          value,
          args: ['--resource-hex', hex, '--value', value],
        };
      }),
      {
        kind: 'CERTIFICATE_BY_NODE',
        resourceHex: storer.nodeId,
        resourceId: resourceIdOfHex(storer.nodeId),
        value: 'certificate by node',
        args: ['--resource-hex', storer.nodeId, '--value', 'certificate by node'],
      },
      {
        kind: 'CERTIFICATE_BY_USER',
        resourceHex: Buffer.from(user).toString('hex'),
        resourceId: resourceIdOfHex(Buffer.from(user).toString('hex')),
        value: 'certificate by user',
        args: ['--resource', user, '--value', 'certificate by user'],
      },
    ];
    // Three CLI processes at a time: each is a Node.js start on a machine already running ten peers.
    for (let i = 0; i < wanted.length; i += 3) {
      const batch = wanted.slice(i, i + 3);
      const runs = await Promise.all(
        batch.map((v) =>
          runCli(['store', '--kind', v.kind, ...v.args, '--control', control(storer), '--json']),
        ),
      );
      runs.forEach((r, j) => {
        const v = batch[j] as StoredValue;
        assert.equal(r.code, 0, `store ${v.resourceId}: ${r.stderr}`);
        const answer = JSON.parse(r.stdout) as { resourceId: string; replicas: string[] };
        assert.equal(answer.resourceId, v.resourceId);
        const ids = live.map((p) => p.nodeId);
        assert.deepEqual(answer.replicas, expectedHolders(v.resourceId, ids).slice(1), 'the two replicas');
        values.push({ kind: v.kind, resourceHex: v.resourceHex, resourceId: v.resourceId, value: v.value });
      });
    }
    for (const p of live.filter((x) => x !== storer)) assert.deepEqual(await fetchProblems(p, values), []);
    for (const p of [live[0], live[5], live[9]] as PeerProcess[]) {
      const v = values[p === live[0] ? 0 : p === live[5] ? TURN_VALUES : TURN_VALUES + 1] as StoredValue;
      const r = await runCli([
        'fetch',
        '--kind',
        v.kind,
        '--resource-hex',
        v.resourceHex,
        '--control',
        control(p),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const line = new RegExp(
        `^(\\[0\\]  )?${v.value}  \\(signed by ${storer.nodeId}@test\\.p2psip, \\d+ s left\\)\\n$`,
      );
      assert.match(r.stdout, line);
    }
  });

  it('the responsible peer and its two successors hold each value, and nobody else', T, async () => {
    await waitUntil('three holders per value', () => placementProblems(live, values), 20_000);
    const s = await statuses();
    assert.equal(
      s.reduce((n, x) => n + x.storedValues, 0),
      3 * values.length,
      '/status storedValues adds up to three copies',
    );
    assert.equal(
      s.reduce((n, x) => n + x.storedResources, 0),
      3 * values.length,
    );
    const metrics = await Promise.all(live.map((p) => getMetrics(p.control)));
    const sum = (name: string) => metrics.reduce((n, m) => n + (m.get(name) ?? 0), 0);
    assert.equal(
      (await getMetrics(storer.control)).get('p2psip_storage_requests_total{method="store",result="ok"}'),
      values.length,
    );
    assert.equal(sum('p2psip_storage_answered_total{method="store",result="ok"}'), values.length);
    assert.equal(
      sum('p2psip_storage_answered_total{method="replica_store",result="ok"}') >= 2 * values.length,
      true,
    );
    assert.equal(
      sum('p2psip_replication_lag_seconds_count') + sum('p2psip_replication_incomplete_total'),
      values.length,
      'every original Store is timed or counted as incomplete',
    );
  });

  it(
    'after kill -9 of a responsible peer and its first replica, every value is fetchable and has three holders again within one stabilisation period',
    T,
    async () => {
      const ids = live.map((p) => p.nodeId);
      // A value whose responsible peer and first replica are neither the bootstrap peer nor the storer.
      const keep = [live[0]?.nodeId, storer.nodeId];
      const victim = values.find((v) =>
        expectedHolders(v.resourceId, ids)
          .slice(0, 2)
          .every((h) => !keep.includes(h)),
      );
      assert.ok(victim !== undefined, 'a value held by two peers that may die');
      const [owner, first] = expectedHolders(victim.resourceId, ids);
      const dead = live.filter((p) => p.nodeId === owner || p.nodeId === first);
      assert.equal(dead.length, 2);
      for (const p of dead) p.kill('SIGKILL');
      await Promise.all(dead.map((p) => p.exited));
      const killedAt = Date.now();
      live = live.filter((p) => !dead.includes(p));
      // The old second replica answers at once: it holds a copy and is now responsible.
      await waitUntil(
        'a correct ring of eight',
        async () => ringProblems(await statuses()),
        STABILISATION_MS,
      );
      for (const p of live)
        assert.deepEqual(await fetchProblems(p, values), [], 'fetchable right after the repair');
      const left = STABILISATION_MS - (Date.now() - killedAt);
      await waitUntil(
        'three holders per value again',
        () => placementProblems(live, values),
        Math.max(left, 1),
      );
    },
  );

  it('a joining peer takes over its range from its successor', T, async () => {
    const ids = live.map((p) => p.nodeId);
    // An identity whose place on the ring makes it responsible for at least one stored value.
    let identity = await selfSignedIdentity('test.p2psip');
    const hex = () => identity.nodeId.toString(16).padStart(32, '0');
    const mineOf = (id: string) =>
      values.filter((v) => expectedHolders(v.resourceId, sortedIds([...ids, id]))[0] === id);
    while (mineOf(hex()).length === 0) identity = await selfSignedIdentity('test.p2psip');
    const identityDir = join(dir, 'newcomer');
    await mkdir(identityDir, { recursive: true });
    await writeFile(join(identityDir, 'node.key'), identity.keyPem, { mode: 0o600 });
    await writeFile(join(identityDir, 'node.crt'), identity.certPem);
    const newcomer = await startPeer({
      overlayXml,
      identityDir,
      listen: { host: '127.0.0.1', port: 0 },
      extraArgs: [
        '--data',
        join(identityDir, 'data'),
        '--bootstrap',
        storer.listen,
        '--no-certificate-publishing',
      ],
    });
    assert.equal(newcomer.nodeId, hex());
    live.push(newcomer);
    await waitUntil('a correct ring of nine', async () => ringProblems(await statuses()), CONVERGE_MS);
    const range = mineOf(newcomer.nodeId).map((v) => v.resourceId);
    await waitUntil(
      'the newcomer responsible for its range',
      async () => {
        const h = await held(newcomer.control);
        return range.filter((r) => !h.some((x) => x.resourceId === r && x.responsible));
      },
      CONVERGE_MS,
    );
    assert.deepEqual(await fetchProblems(newcomer, values), []);
    await waitUntil('three holders per value', () => placementProblems(live, values), STABILISATION_MS);
  });

  it('a peer restarted on the same --data has its values before it rejoins', T, async () => {
    const before = await statuses();
    const i = live.findIndex((p, j) => p !== live[0] && p !== storer && (before[j]?.storedValues ?? 0) > 0);
    const old = live[i] as PeerProcess;
    const had = (await held(old.control)).map((h) => h.resourceId).sort();
    old.kill('SIGKILL');
    await old.exited;
    live = live.filter((p) => p !== old);
    // First with a configuration whose only bootstrap address answers nothing and without the peers it
    // cached (DATA/peers.json, which would let it rejoin at once): it cannot join.
    await rm(join(dataOf(old), PEER_CACHE_FILE), { force: true });
    const nowhere = join(dir, 'nowhere.xml');
    const xml = await readFile(overlayXml, 'utf8');
    await writeFile(
      nowhere,
      xml.replace(/(<bootstrap-node address="127\.0\.0\.1" port=")\d+/, `$1${await freePort()}`),
    );
    const alone = await startPeer({
      overlayXml: nowhere,
      identityDir: old.identityDir,
      listen: { host: '127.0.0.1', port: 0 },
      extraArgs: ['--data', dataOf(old), '--no-certificate-publishing'],
    });
    const s = await getStatus(alone.control);
    assert.equal(s.nodeId, old.nodeId);
    assert.equal(s.state, 'joining');
    assert.equal(s.storedValues, had.length, 'loaded from SQLite before joining');
    assert.deepEqual((await held(alone.control)).map((h) => h.resourceId).sort(), had);
    alone.kill('SIGKILL');
    await alone.exited;
    // Then with the overlay's own configuration: it rejoins and serves what it kept.
    const back = await startPeer({
      overlayXml,
      identityDir: old.identityDir,
      listen: { host: '127.0.0.1', port: 0 },
      extraArgs: ['--data', dataOf(old), '--no-certificate-publishing'],
    });
    live.push(back);
    await waitUntil('a correct ring with it back', async () => ringProblems(await statuses()), CONVERGE_MS);
    assert.deepEqual(await fetchProblems(back, values), []);
    await waitUntil('three holders per value', () => placementProblems(live, values), STABILISATION_MS);
  });

  it('no peer hit an internal error or logged an error', async () => {
    for (const s of await statuses()) assert.equal(s.internalErrors, 0, `${s.nodeId}: internal errors`);
    for (const p of live) {
      assert.deepEqual(p.stray, []);
      assert.deepEqual(
        p.logs.filter((r) => (r.level ?? 0) >= 50),
        [],
      );
    }
  });
});
