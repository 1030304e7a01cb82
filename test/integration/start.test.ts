import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertUsageError, BIN, p2psip } from '../support/cli.js';
import { getStatus, ringProblems } from '../support/control.js';
import { waitUntil } from '../support/peer-process.js';
import { killAllStarts, peerLog, type StartJson, watchStart } from '../support/start-process.js';

/**
 * `p2psip start` on 127.0.0.1 without LAN discovery (`--no-lan`: tests send nothing off loopback): two
 * instances of one data directory form a ring, Ctrl-C leaves cleanly, a home that only joined an overlay
 * never founds it again on its own (unless --create), and the summary reads as documented.
 */
const LOOPBACK = ['--no-lan', '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'];

function start(home: string, ...args: string[]) {
  const child = spawn(process.execPath, [BIN, 'start', ...args], {
    env: { ...process.env, P2PSIP_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchStart(child, `p2psip start ${args.join(' ')}`);
}

const controlOf = (s: StartJson) => {
  const [host, port] = s.control.split(':');
  return { host: host ?? '127.0.0.1', port: Number(port) };
};

describe('p2psip start on loopback', { timeout: 120_000 }, () => {
  let dir = '';
  const homeA = () => join(dir, 'a');
  const homeB = () => join(dir, 'b');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2psip-start-'));
  });
  after(async () => {
    await killAllStarts();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('a second start in the same data directory finds the first and joins it; Ctrl-C leaves cleanly', async () => {
    const first = start(homeA(), '--json', ...LOOPBACK);
    const one = await first.summary;
    assert.equal(one.overlay, 'local.p2psip');
    assert.equal(one.state, 'joined');
    assert.equal(one.instance, 1);
    assert.equal(one.peers, 1);
    assert.match(one.sip ?? '', /^127\.0\.0\.1:\d+$/, 'SIP on loopback');
    const second = start(homeA(), '--json', ...LOOPBACK);
    const two = await second.summary;
    assert.equal(two.instance, 2);
    assert.equal(two.fingerprint, one.fingerprint);
    assert.equal(two.data, join(homeA(), 'local.p2psip', 'instances', '2'));
    await waitUntil(
      'a ring of two',
      async () => ringProblems(await Promise.all([one, two].map((s) => getStatus(controlOf(s))))),
      30_000,
    );
    assert.deepEqual(await second.stop(), { code: 0, signal: null });
    await assert.rejects(stat(join(two.data, 'lock.json')), 'the instance lock is released');
    const log = await peerLog(two.data);
    assert.ok(log.some((r) => r.msg === 'stopped'));
    const cache = JSON.parse(await readFile(join(two.data, 'peers.json'), 'utf8')) as {
      peers: { nodeId: string; port: number }[];
    };
    assert.deepEqual(
      cache.peers.map((p) => [p.nodeId, `127.0.0.1:${p.port}`]),
      [[one.nodeId, one.listen]],
    );
    assert.deepEqual(await first.stop(), { code: 0, signal: null });
  });

  it('a home that joined an overlay keeps looking when nobody answers, and founds it only with --create', async () => {
    // Home B has the document of A's overlay but not its signer: it joined that overlay, it did not make it.
    await mkdir(join(homeB(), 'local.p2psip'), { recursive: true });
    await copyFile(
      join(homeA(), 'local.p2psip', 'overlay.xml'),
      join(homeB(), 'local.p2psip', 'overlay.xml'),
    );
    const gone = (await peerLog(join(homeA(), 'local.p2psip', 'instances', '1'))).find(
      (r) => r.msg === 'listening',
    );
    const lost = start(homeB(), '--json', ...LOOPBACK, '--bootstrap', String(gone?.advertised));
    const s = await lost.summary;
    assert.equal(s.state, 'joining');
    const records = await peerLog(s.data);
    assert.ok(records.filter((r) => r.msg === 'bootstrap: attempt failed').length >= 2, 'it retried');
    assert.ok(!records.some((r) => String(r.msg).includes('starting the overlay')));
    assert.equal(
      await readFile(join(homeB(), 'local.p2psip', 'overlay.xml'), 'utf8'),
      await readFile(join(homeA(), 'local.p2psip', 'overlay.xml'), 'utf8'),
      'no second overlay of the same name',
    );
    assert.deepEqual(await lost.stop(), { code: 0, signal: null });
    const created = await start(homeB(), '--json', '--create', ...LOOPBACK).summary;
    assert.equal(created.state, 'joined');
    assert.notEqual(created.fingerprint, s.fingerprint, '--create made a new overlay');
  });

  it('prints the summary as a few lines, then "left the overlay" on Ctrl-C', async () => {
    await killAllStarts();
    const p = start(join(dir, 'c'), '--overlay', 'home.example.org', ...LOOPBACK);
    await waitUntil(
      'the summary',
      async () => (p.output().includes('Ctrl-C leaves') ? [] : ['not yet']),
      60_000,
    );
    const text = p.output();
    assert.match(
      text,
      /^p2psip is running in overlay home\.example\.org \(a new self-signed overlay, created here\)$/m,
    );
    assert.match(text, /^ {2}node {7}[0-9a-f]{32} {2}\(instance 1, /m);
    assert.match(text, /^ {2}peers {6}1 \(this one alone\)$/m);
    assert.match(text, /^ {2}reload {5}127\.0\.0\.1:\d+ {2}\(fingerprint [0-9a-f]{32}\)$/m);
    assert.match(text, /^ {2}softphone {2}registrar 127\.0\.0\.1:\d+ \(UDP or TCP; TLS on the next port\)$/m);
    assert.match(
      text,
      /^ {13}user [a-z0-9._-]+-[0-9a-f]{4}@home\.example\.org {2}password \S+ {2}\(shown this once\)$/m,
    );
    assert.match(
      text,
      /^ {2}control {4}http:\/\/127\.0\.0\.1:\d+\/ {2}\(p2psip status --control 127\.0\.0\.1:\d+\)$/m,
    );
    assert.deepEqual(await p.stop(), { code: 0, signal: null });
    assert.match(p.output(), /\nleft the overlay\n$/);
  });

  it('a fresh home told to join peers (--bootstrap) creates no overlay when no document is to be had', async () => {
    const home = join(dir, 'd');
    const p = start(home, '--json', ...LOOPBACK, '--bootstrap', '127.0.0.1:9');
    assert.deepEqual(await p.exited, { code: 1, signal: null });
    assert.match(
      p.output(),
      /^p2psip start: no document of overlay local\.p2psip in .* --create makes a new overlay\n$/m,
    );
    await assert.rejects(stat(join(home, 'local.p2psip', 'overlay.xml')));
    await assert.rejects(stat(join(home, 'local.p2psip', 'instances', '1', 'lock.json')), 'lock released');
  });

  it('refuses a bad overlay name or bootstrap server URL with exit 2 and one line', () => {
    assertUsageError(p2psip(dir, 'start', '--overlay', 'not a name'), 'start', /not a DNS name/);
    assertUsageError(p2psip(dir, 'start', '--bootstrap-server', 'http://x.example'), 'start', /https/);
  });
});
