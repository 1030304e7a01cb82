import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type CachedPeer,
  mergePeerCache,
  PEER_CACHE_SIZE,
  readPeerCache,
  writePeerCache,
} from '../../../../src/platform/node/peer-cache.js';
import { homeDirectory, liveInstances, lockInstance } from '../../../../src/platform/node/start-home.js';
import { overlayFingerprint } from '../../../../src/reload/config/fingerprint.js';
import { newSelfSignedOverlay } from '../../../../src/reload/config/new-overlay.js';

/** The data directory of `p2psip start`: instance locks, the peer cache, the overlay fingerprint. */
let root = '';
let n = 0;
const fresh = (): string => join(root, `d-${n++}`);
const OVERLAY = { name: 'local.p2psip', fingerprint: '00112233445566778899aabbccddeeff' };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'p2psip-start-data-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The PID of a process that has exited (and was reaped): nobody holds it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('instances of a data directory', () => {
  it('$P2PSIP_HOME, else ~/.p2psip', () => {
    assert.equal(homeDirectory({ P2PSIP_HOME: '/srv/p2p' }), '/srv/p2p');
    assert.match(homeDirectory({}), /\.p2psip$/);
  });

  it('instances take the lowest free number; a released one is taken again', async () => {
    const dir = fresh();
    const one = await lockInstance(dir);
    const two = await lockInstance(dir);
    assert.deepEqual([one.index, two.index], [1, 2]);
    assert.equal(two.dir, join(dir, 'instances', '2'));
    await one.release();
    const again = await lockInstance(dir);
    assert.equal(again.index, 1);
    await Promise.all([two.release(), again.release()]);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const dir = fresh();
    await mkdir(join(dir, 'instances', '1'), { recursive: true });
    await writeFile(
      join(dir, 'instances', '1', 'lock.json'),
      JSON.stringify({ pid: deadPid(), startedAt: 0 }),
    );
    const i = await lockInstance(dir);
    assert.equal(i.index, 1);
    const lock = JSON.parse(await readFile(join(i.dir, 'lock.json'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid);
    await i.release();
  });

  it('the other running instances are listed with what their locks say', async () => {
    const dir = fresh();
    const one = await lockInstance(dir);
    const two = await lockInstance(dir);
    await one.update({ listen: '10.0.0.1:6084', control: '127.0.0.1:6085' });
    const seen = await liveInstances(dir, two.index);
    assert.deepEqual(
      seen.map((s) => [s.listen, s.control]),
      [['10.0.0.1:6084', '127.0.0.1:6085']],
    );
    await one.release();
    assert.deepEqual(await liveInstances(dir, two.index), []);
    await two.release();
  });
});

const peer = (i: number, lastLinked: number): CachedPeer => ({
  nodeId: i.toString(16).padStart(32, '0'),
  address: `10.0.0.${i}`,
  port: 6084,
  lastLinked,
});

describe('the peer cache', () => {
  it('keeps the last ten peers linked, newest first, one entry per Node-ID and per address', () => {
    const old = Array.from({ length: 12 }, (_, i) => peer(i + 1, 1000 + i));
    const now = mergePeerCache(
      old,
      [{ nodeId: peer(3, 0).nodeId, address: { host: '10.0.0.3', port: 6084 } }],
      5000,
    );
    assert.equal(now.length, PEER_CACHE_SIZE);
    assert.deepEqual(now[0], peer(3, 5000));
    assert.deepEqual(
      now.slice(1).map((p) => p.address),
      [
        '10.0.0.12',
        '10.0.0.11',
        '10.0.0.10',
        '10.0.0.9',
        '10.0.0.8',
        '10.0.0.7',
        '10.0.0.6',
        '10.0.0.5',
        '10.0.0.4',
      ],
    );
    const moved = mergePeerCache(now, [{ nodeId: 'ab', address: { host: '10.0.0.12', port: 6084 } }], 6000);
    assert.equal(moved.filter((p) => p.address === '10.0.0.12').length, 1, 'a new peer at an old address');
    assert.equal(moved[0]?.nodeId, 'ab');
  });

  it('reads back what it wrote, and ignores a cache of another overlay or a damaged file', async () => {
    const dir = fresh();
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'peers.json');
    assert.deepEqual(await readPeerCache(path, OVERLAY), { peers: [] });
    await writePeerCache(path, OVERLAY, [peer(1, 10), peer(2, 20)]);
    assert.deepEqual((await readPeerCache(path, OVERLAY)).peers, [peer(2, 20), peer(1, 10)]);
    const other = await readPeerCache(path, { ...OVERLAY, fingerprint: 'ff'.repeat(16) });
    assert.deepEqual(other.peers, []);
    assert.match(other.problem ?? '', /another overlay/);
    await writeFile(
      path,
      '{"version":1,"overlay":"local.p2psip","fingerprint":"00112233445566778899aabbccddeeff","peers":[{"nodeId":"zz"},{"nodeId":"01","address":"10.0.0.1","port":6084,"lastLinked":1}]}',
    );
    assert.deepEqual(
      (await readPeerCache(path, OVERLAY)).peers.map((p) => p.nodeId),
      ['01'],
    );
    await writeFile(path, 'not json');
    assert.match((await readPeerCache(path, OVERLAY)).problem ?? '', /not JSON/);
  });
});

describe('the overlay fingerprint', () => {
  const NOW = Date.UTC(2026, 0, 1);
  const make = (signer: string, sequence = 1) => ({
    ...newSelfSignedOverlay({
      name: 'local.p2psip',
      bootstrapNodes: [],
      now: NOW,
      configurationSigners: [signer],
    }),
    sequence,
  });

  it('tells apart two overlays of one name made by different signers, and stays across sequences', () => {
    const a = make('aa'.repeat(16));
    const b = make('bb'.repeat(16));
    assert.notEqual(overlayFingerprint(a), overlayFingerprint(b));
    assert.equal(overlayFingerprint(a), overlayFingerprint(make('aa'.repeat(16), 7)));
    assert.match(overlayFingerprint(a), /^[0-9a-f]{32}$/);
  });
});
