import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addEnrollmentUser, BIN, createCaOverlay, p2psip } from '../support/cli.js';
import { getStatus, ringProblems } from '../support/control.js';
import { freePort, killAll, type PeerProcess, startPeer, waitUntil } from '../support/peer-process.js';

/**
 * A bootstrap server (the enrolment service's /bootstrap, decision 0024) as the only way in: a CA overlay
 * whose document names no bootstrap node. Peer A starts it and announces itself to the server (a signed
 * POST /bootstrap); peer B, given nothing but the server's URL, asks it (GET /bootstrap) and joins through A.
 */
const NAME = 'boot.example.org';

describe('joining through a bootstrap server', { timeout: 120_000 }, () => {
  let cwd = '';
  let port = 0;
  let server: ChildProcess | undefined;
  let serverLog = '';
  const peers: PeerProcess[] = [];
  const serverRecords = (): Record<string, unknown>[] =>
    readFileSync(serverLog, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'p2psip-bootsrv-'));
    port = await freePort();
    const dir = join(cwd, 'overlay');
    createCaOverlay(cwd, dir, NAME, `https://127.0.0.1:${port}/enroll`);
    for (const user of ['alice', 'bob']) addEnrollmentUser(cwd, dir, user, `${user}-pw`);
    serverLog = join(cwd, 'server.log');
    const out = openSync(serverLog, 'w');
    server = spawn(
      process.execPath,
      [BIN, 'enrollment', 'serve', '--overlay', dir, '--listen', `127.0.0.1:${port}`],
      {
        cwd,
        stdio: ['ignore', out, out],
      },
    );
    closeSync(out);
    await waitUntil(
      'the enrolment server',
      async () =>
        serverRecords().some((r) => r.msg === 'enrolment service listening') ? [] : ['not listening'],
      30_000,
    );
    for (const user of ['alice', 'bob']) {
      const r = p2psip(
        cwd,
        'enroll',
        '--config',
        `https://127.0.0.1:${port}/`,
        '--user',
        user,
        '--password',
        `${user}-pw`,
        '--out',
        join(cwd, user),
        '--ca',
        join(dir, 'ca.crt'),
      );
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(async () => {
    await killAll();
    const pid = server?.pid;
    if (pid !== undefined && server?.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      process.kill(pid, 'SIGTERM');
      await exited;
    }
    if (cwd !== '') await rm(cwd, { recursive: true, force: true });
  });

  it('the first peer announces itself; a peer given only the server URL joins through it', async () => {
    const aPort = await freePort();
    const a = await startPeer({
      overlayXml: join(cwd, 'alice', 'overlay.xml'),
      identityDir: join(cwd, 'alice'),
      listen: { host: '127.0.0.1', port: aPort },
      // Its own address as bootstrap node: it is the overlay's first peer (RFC 6940 §10.5).
      extraArgs: ['--bootstrap', `127.0.0.1:${aPort}`],
    });
    peers.push(a);
    await waitUntil(
      'the announcement',
      async () =>
        serverRecords().some((r) => r.msg === 'bootstrap peer announced' && r.nodeId === a.nodeId)
          ? []
          : ['not announced'],
      30_000,
    );
    const b = await startPeer({
      overlayXml: join(cwd, 'bob', 'overlay.xml'),
      identityDir: join(cwd, 'bob'),
      listen: { host: '127.0.0.1', port: 0 },
      extraArgs: ['--bootstrap-server', `https://127.0.0.1:${port}`],
    });
    peers.push(b);
    await waitUntil(
      'a ring of two',
      async () => ringProblems(await Promise.all(peers.map((p) => getStatus(p.control)))),
      30_000,
    );
    const asked = b.logs.find((r) => r.msg === 'bootstrap: server answered');
    assert.deepEqual(asked?.peers, [a.listen], 'the server listed A, and only A');
    const via = b.logs.find((r) => r.msg === 'bootstrap: connected');
    assert.equal(via?.bootstrap, a.listen);
  });
});
