import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Baresip, writeBaresipConfig } from '../support/baresip.js';
import { getStatus, ringProblems } from '../support/control.js';
import { killAll, type PeerProcess, waitUntil } from '../support/peer-process.js';
import {
  addUsers,
  freeSipPort,
  type SipAccount,
  type SipPeer,
  startSipPeers,
} from '../support/sip-interop.js';
import { requireTool } from '../support/tools.js';

/**
 * Two unmodified softphones (baresip 1.0, headless, auto-answer) registered with two different
 * `p2psip peer --sip` processes call each other across the overlay: the call is established on both
 * sides (baresip's CALL_ESTABLISHED events and its log) and torn down (CALL_CLOSED). The users are added
 * while the peers run, so the peers' watch of sip-users.json is exercised too.
 */
const DOMAIN = 'p2p.test';
const ONE: SipAccount = { user: 'carol', domain: DOMAIN, password: 'carol-pw' };
const TWO: SipAccount = { user: 'dave', domain: DOMAIN, password: 'dave-pw' };

describe('baresip phones through two p2psip adapter peers', { timeout: 180_000 }, () => {
  let dir = '';
  let peers: SipPeer[] = [];
  const phones: Baresip[] = [];

  before(async () => {
    requireTool('baresip');
    dir = await mkdtemp(join(tmpdir(), 'p2psip-baresip-'));
    peers = await startSipPeers(dir, { peers: 2, name: DOMAIN });
    await waitUntil('a ring of two', async () => ringProblems(await statuses()), 60_000);
  });

  after(async () => {
    await Promise.all(phones.map((p) => p.stop()));
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  const statuses = () => Promise.all(peers.map((p) => getStatus(p.control)));
  const reloads = (p: PeerProcess): number => p.logs.filter((l) => l.msg === 'sip users: reloaded').length;

  it('a running peer picks up users added with p2psip users add', async () => {
    for (const [i, account] of [ONE, TWO].entries()) {
      const p = peers[i] as SipPeer;
      const before = reloads(p);
      await addUsers(p.identityDir, [account], join(dir, `live-users${i}.txt`));
      await waitUntil(
        'the users file reloaded',
        async () => (reloads(p) > before ? [] : ['not yet']),
        10_000,
      );
    }
  });

  it('each phone registers with its own peer (digest, 200 OK with its binding)', async () => {
    for (const [i, account] of [ONE, TWO].entries()) {
      const p = peers[i] as SipPeer;
      const phoneDir = join(dir, `baresip-${account.user}`);
      const sipPort = await freeSipPort();
      const ctrlPort = await freeSipPort();
      await writeBaresipConfig({ dir: phoneDir, ...account, sipPort, ctrlPort, proxy: p.sip });
      phones.push(Baresip.start(phoneDir, ctrlPort));
    }
    await waitUntil(
      'both phones registered',
      async () =>
        phones.flatMap((ph, i) =>
          /200 OK \(\) \[1 binding\]/.test(ph.text) ? [] : [`phone ${i}: ${ph.text.slice(-300)}`],
        ),
      30_000,
    );
    const s = await statuses();
    assert.deepEqual(
      s.map((x) => x.registrations),
      [1, 1],
    );
  });

  for (const [from, to] of [
    [0, 1],
    [1, 0],
  ] as const) {
    it(`${[ONE, TWO][from]?.user} calls ${[ONE, TWO][to]?.user}: established on both sides, then torn down`, async () => {
      const caller = phones[from] as Baresip;
      const callee = phones[to] as Baresip;
      const callee_ = [ONE, TWO][to] as SipAccount;
      // ctrl_tcp sends events only to a connected client: connect both before dialling.
      await Promise.all([caller.command('listcalls'), callee.command('listcalls')]);
      const [c0, e0] = [caller.events.length, callee.events.length];
      const dial = await caller.command('dial', `sip:${callee_.user}@${DOMAIN}`);
      assert.equal(dial.ok, true, dial.data);
      const established = await caller.waitEvent('CALL_ESTABLISHED', c0, 30_000);
      assert.equal(established.peeruri, `sip:${callee_.user}@${DOMAIN}`);
      const answered = await callee.waitEvent('CALL_ESTABLISHED', e0, 10_000);
      assert.equal(answered.direction, 'incoming');
      // Media flows end to end (the overlay carries only the signalling).
      await caller.waitEvent('CALL_RTPESTAB', c0, 10_000);
      await caller.command('hangup');
      await caller.waitEvent('CALL_CLOSED', c0, 10_000);
      // The BYE crossed both adapters along the Record-Route set and reached the callee.
      await callee.waitEvent('CALL_CLOSED', e0, 10_000);
    });
  }

  it("the phones' logs show both calls established and terminated", async () => {
    // baresip's stdout is a pipe, so it is block-buffered: read it once the phones have quit.
    await Promise.all(phones.map((p) => p.stop()));
    for (const [i, phone] of phones.entries()) {
      const other = [ONE, TWO][1 - i] as SipAccount;
      const uri = `sip:${other.user}@${DOMAIN}`;
      assert.match(phone.text, new RegExp(`Call established: ${uri}`));
      // Each phone hung up one call itself (as caller) and had the other hung up by its peer (as callee).
      assert.match(phone.text, new RegExp(`terminate call '[^']+' with ${uri}`));
      assert.match(phone.text, new RegExp(`${uri}: session closed: Connection reset by peer`));
    }
  });

  it('no peer hit an internal error', async () => {
    for (const s of await statuses()) assert.equal(s.internalErrors, 0);
  });
});
