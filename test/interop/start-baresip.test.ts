import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Baresip, writeBaresipConfig } from '../support/baresip.js';
import { BIN } from '../support/cli.js';
import { getStatus, ringProblems } from '../support/control.js';
import { waitUntil } from '../support/peer-process.js';
import { freeSipPort } from '../support/sip-interop.js';
import { killAllStarts, type StartJson, watchStart } from '../support/start-process.js';
import { requireTool } from '../support/tools.js';

/**
 * The README walkthrough with a real softphone: two `p2psip start` on one machine (the second joins the
 * first through the data directory), each printing a registrar, a user and a password; a baresip phone
 * registers to each with exactly what was printed, and the first calls the second's user across the
 * overlay (established on both sides, media flowing, torn down).
 */
const hostPort = (text: string) => {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
};

describe('p2psip start with baresip phones (the README walkthrough)', { timeout: 180_000 }, () => {
  let dir = '';
  const phones: Baresip[] = [];
  const printed: StartJson[] = [];

  before(async () => {
    requireTool('baresip');
    dir = await mkdtemp(join(tmpdir(), 'p2psip-start-sip-'));
  });

  after(async () => {
    await Promise.all(phones.map((p) => p.stop()));
    await killAllStarts();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('two starts print a registrar, a user and a password each, and form a ring', async () => {
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        process.execPath,
        [BIN, 'start', '--json', '--no-lan', '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0'],
        { env: { ...process.env, P2PSIP_HOME: join(dir, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      printed.push(await watchStart(child, `p2psip start #${i + 1}`).summary);
    }
    for (const s of printed) {
      assert.match(s.sip ?? '', /^127\.0\.0\.1:\d+$/);
      assert.match(s.user ?? '', /^[a-z0-9._-]+-[0-9a-f]{4}@local\.p2psip$/);
      assert.match(s.password ?? '', /^\S{5}-\S{5}-\S{5}$/);
    }
    assert.notEqual(printed[0]?.sip, printed[1]?.sip);
    await waitUntil(
      'a ring of two',
      async () => ringProblems(await Promise.all(printed.map((s) => getStatus(hostPort(s.control))))),
      30_000,
    );
  });

  it('a phone registers to each printed registrar with the printed user and password', async () => {
    for (const [i, s] of printed.entries()) {
      const [user, domain] = (s.user ?? '').split('@');
      const phoneDir = join(dir, `phone${i + 1}`);
      const ctrlPort = await freeSipPort();
      await writeBaresipConfig({
        dir: phoneDir,
        user: user ?? '',
        domain: domain ?? '',
        password: s.password ?? '',
        sipPort: await freeSipPort(),
        ctrlPort,
        proxy: hostPort(s.sip ?? ''),
      });
      phones.push(Baresip.start(phoneDir, ctrlPort));
    }
    await waitUntil(
      'both phones registered',
      async () =>
        phones.flatMap((ph, i) =>
          /200 OK \(\) \[1 binding\]/.test(ph.text) ? [] : [`phone ${i + 1}: ${ph.text.slice(-300)}`],
        ),
      30_000,
    );
    const statuses = await Promise.all(printed.map((s) => getStatus(hostPort(s.control))));
    assert.deepEqual(
      statuses.map((x) => x.registrations),
      [1, 1],
    );
  });

  it("the first phone calls the second's user: established on both sides, media, torn down", async () => {
    const [caller, callee] = phones as [Baresip, Baresip];
    const to = `sip:${printed[1]?.user}`;
    await Promise.all([caller.command('listcalls'), callee.command('listcalls')]);
    const [c0, e0] = [caller.events.length, callee.events.length];
    const dial = await caller.command('dial', to);
    assert.equal(dial.ok, true, dial.data);
    assert.equal((await caller.waitEvent('CALL_ESTABLISHED', c0, 30_000)).peeruri, to);
    assert.equal((await callee.waitEvent('CALL_ESTABLISHED', e0, 10_000)).direction, 'incoming');
    await caller.waitEvent('CALL_RTPESTAB', c0, 10_000);
    await caller.command('hangup');
    await caller.waitEvent('CALL_CLOSED', c0, 10_000);
    await callee.waitEvent('CALL_CLOSED', e0, 10_000);
  });
});
