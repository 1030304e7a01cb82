import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeIdFromHex } from '../../src/core/ids.js';
import { certificateFromPem, parseCertificate } from '../../src/reload/security/certificate.js';
import {
  addUser,
  type CaOverlay,
  createCaOverlayDir,
  enroll,
  type ServerProcess,
  startEnrollmentServer,
} from '../support/ca-overlay.js';
import { getStatus, ringProblems } from '../support/control.js';
import { freePort, killAll, runCli, startPeer, waitUntil } from '../support/peer-process.js';
import {
  callCounts,
  freeSipPort,
  killSipp,
  peerWarnings,
  registerArgs,
  type SipAccount,
  type SipPeer,
  type SippRun,
  sipp,
  startSipp,
  uacArgs,
  writeUsersCsv,
} from '../support/sip-interop.js';
import { requireTool } from '../support/tools.js';

/**
 * Issue #6 item 4 in an overlay with a CA (decision 0013): `p2psip overlay create` (CA mode), a real
 * `p2psip enrollment serve`, two adapter peers enrolled with `p2psip enroll` and run with `--sip`;
 * `p2psip users add` gets alice's certificate at A and bob's at B from the enrolment server (the node's key
 * and Node-ID, the AOR as user name), SIPp registers both with digest, `p2psip lookup` at A shows bob's route
 * to B, and a SIPp call goes from alice to bob. Wrong passwords and an unreachable server fail in one line.
 */
const NAME = 'ca.p2psip';
const ALICE: SipAccount = { user: 'alice', domain: NAME, password: 'alice-pw' };
const BOB: SipAccount = { user: 'bob', domain: NAME, password: 'bob-pw' };
const aor = (a: SipAccount): string => `${a.user}@${a.domain}`;

describe('SIP users from the enrolment server of a CA overlay', { timeout: 300_000 }, () => {
  const T = { timeout: 120_000 };
  let root = '';
  let overlay: CaOverlay;
  let server: ServerProcess | undefined;
  let a: SipPeer;
  let b: SipPeer;
  let uas: SippRun | undefined;
  let uasPort = 0;
  let bootstrapPort = 0;
  const dirA = (): string => join(root, 'a');
  const dirB = (): string => join(root, 'b');
  const controlOf = (p: SipPeer): string => `${p.control.host}:${p.control.port}`;

  before(async () => {
    requireTool('sipp');
    root = await mkdtemp(join(tmpdir(), 'p2psip-ca-users-'));
    bootstrapPort = await freePort();
    const bootstrap = { host: '127.0.0.1', port: bootstrapPort };
    const enrollment = { host: '127.0.0.1', port: await freePort() };
    overlay = await createCaOverlayDir(root, { name: NAME, enrollment, bootstrap });
    await addUser(overlay, 'node-a', 'node-a-pw');
    await addUser(overlay, 'node-b', 'node-b-pw');
    // alice's account is named as RFC 6940 §11.3 suggests, bob's by his AOR: `users add` sends the AOR.
    await addUser(overlay, ALICE.user, ALICE.password);
    await addUser(overlay, aor(BOB), BOB.password);
    server = await startEnrollmentServer(overlay);
    for (const [user, pw, out] of [
      ['node-a', 'node-a-pw', dirA()],
      ['node-b', 'node-b-pw', dirB()],
    ] as const) {
      const r = await enroll(overlay, user, pw, out);
      assert.equal(r.code, 0, r.stderr);
    }
  });

  after(async () => {
    uas?.kill();
    await killSipp();
    await killAll();
    await server?.stop();
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  /** The certificates of DIR: the node's and its users', as RELOAD sees them. */
  const certificates = async (dir: string) => {
    const node = parseCertificate(certificateFromPem(await readFile(join(dir, 'node.crt'), 'utf8')));
    const file = JSON.parse(await readFile(join(dir, 'sip-users.json'), 'utf8')) as {
      users: Array<{ aor: string; certificate: string }>;
    };
    const users = file.users.map((u) => ({
      aor: u.aor,
      cert: parseCertificate(certificateFromPem(u.certificate)),
    }));
    return { node, users };
  };

  it(
    'users add gets each user a certificate over the node key, with its Node-ID and the AOR',
    T,
    async () => {
      const added = await runCli([
        'users',
        'add',
        '--identity',
        dirA(),
        '--user',
        aor(ALICE),
        '--password',
        ALICE.password,
      ]);
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stdout, `added ${aor(ALICE)}\n`);
      const list = join(root, 'bob.txt');
      await writeFile(list, `${aor(BOB)} ${BOB.password}\n`);
      const fromFile = await runCli(['users', 'add', '--identity', dirB(), '--from', list]);
      assert.equal(fromFile.code, 0, fromFile.stderr);
      for (const [dir, who] of [
        [dirA(), ALICE],
        [dirB(), BOB],
      ] as const) {
        const { node, users } = await certificates(dir);
        assert.deepEqual(
          users.map((u) => [
            u.aor,
            u.cert.userName,
            u.cert.nodeIds,
            Buffer.from(u.cert.spki).toString('hex'),
          ]),
          [[aor(who), aor(who), node.nodeIds, Buffer.from(node.spki).toString('hex')]],
        );
      }
      const issued = (): unknown[] =>
        (server?.logs ?? []).filter((l) => l.msg === 'certificate issued').map((l) => l.userName);
      await waitUntil(
        'the server logged four certificates',
        async () => (issued().length >= 4 ? [] : [`${issued().length} logged`]),
        10_000,
      );
      assert.deepEqual(issued(), [`node-a@${NAME}`, `node-b@${NAME}`, aor(ALICE), aor(BOB)]);
    },
  );

  it('refuses a wrong password in one line, exit 1, and changes nothing', T, async () => {
    const before = await readFile(join(dirA(), 'sip-users.json'), 'utf8');
    const r = await runCli(['users', 'add', '--identity', dirA(), '--user', aor(BOB), '--password', 'guess']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `p2psip users add: enrolment server refused ${aor(BOB)}: wrong user name or password\n`,
    );
    assert.equal(await readFile(join(dirA(), 'sip-users.json'), 'utf8'), before);
  });

  it(
    'both adapters run with --sip; SIPp registers alice at A and bob at B; lookup at A shows bob at B',
    T,
    async () => {
      const overlayXml = (dir: string): string => join(dir, 'overlay.xml');
      const start = async (dir: string, port: number): Promise<SipPeer> => {
        const sip = { host: '127.0.0.1', port: await freeSipPort() };
        const p = await startPeer({
          overlayXml: overlayXml(dir),
          identityDir: dir,
          listen: { host: '127.0.0.1', port },
          extraArgs: ['--sip', `${sip.host}:${sip.port}`],
        });
        return { ...p, sip };
      };
      a = await start(dirA(), bootstrapPort);
      b = await start(dirB(), 0);
      await waitUntil(
        'a ring of two',
        async () => ringProblems(await Promise.all([a, b].map((p) => getStatus(p.control)))),
        60_000,
      );
      const { node } = await certificates(dirB());
      assert.deepEqual([nodeIdFromHex(b.nodeId)], node.nodeIds, 'B runs with its enrolled Node-ID');
      uasPort = await freeSipPort();
      for (const [peer, who, port] of [
        [a, ALICE, await freeSipPort()],
        [b, BOB, uasPort],
      ] as const) {
        const csv = join(root, `${who.user}.csv`);
        await writeUsersCsv(csv, [who]);
        const r = await sipp(
          [...registerArgs(peer.sip, csv, port, NAME), '-m', '1'],
          join(root, `${who.user}-reg.csv`),
        );
        assert.equal(r.code, 0, `REGISTER ${aor(who)}: ${r.errors}${peerWarnings([a, b])}\n${r.calls}`);
        assert.deepEqual(callCounts(r), { successful: 1, failed: 0 });
      }
      const r = await runCli(['lookup', aor(BOB), '--control', controlOf(a), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const answer = JSON.parse(r.stdout) as { routes: Array<{ node: string }> };
      assert.deepEqual(
        answer.routes.map((x) => x.node),
        [b.nodeId],
      );
    },
  );

  it('alice at A calls bob at B (SIPp UAC to a SIPp UAS): the call completes', T, async () => {
    uas = startSipp(
      ['-sf', 'uas.xml', '-i', '127.0.0.1', '-p', String(uasPort)],
      join(root, 'uas.csv'),
      100_000,
    );
    const r = await sipp(
      [...uacArgs(a.sip, 'uac-call.xml', ALICE, BOB, await freeSipPort()), '-m', '3', '-d', '100'],
      join(root, 'calls.csv'),
    );
    assert.equal(r.code, 0, `SIPp calls: ${r.errors}${peerWarnings([a, b])}\n${r.calls}`);
    assert.deepEqual(callCounts(r), { successful: 3, failed: 0 });
    for (const p of [a, b]) {
      assert.deepEqual(
        p.logs.filter((l) => (l.level ?? 0) >= 50),
        [],
      );
    }
  });

  it('names the enrolment server URL when it cannot be reached: exit 1, one line', T, async () => {
    await server?.stop();
    server = undefined;
    const r = await runCli([
      'users',
      'add',
      '--identity',
      dirA(),
      '--user',
      `carol@${NAME}`,
      '--password',
      'carol-pw',
    ]);
    assert.equal(r.code, 1);
    const url = `https://127.0.0.1:${overlay.enrollment.port}/enroll`;
    assert.match(r.stderr, /^p2psip users add: no answer from the enrolment server [^\n]+\n$/);
    assert.ok(r.stderr.includes(url), r.stderr);
  });
});
