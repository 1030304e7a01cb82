import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatus, ringProblems } from '../test/support/control.js';
import { killAll, waitUntil } from '../test/support/peer-process.js';
import {
  freeSipPort,
  killSipp,
  type SipAccount,
  type SipPeer,
  startSipPeers,
} from '../test/support/sip-interop.js';
import { requireTool } from '../test/support/tools.js';
import { type Bench, table } from './harness.js';
import { KAMAILIO_PASSWORD, KAMAILIO_REALM, type Kamailio, startKamailio } from './kamailio.js';
import { type CallRun, callSetup, type RegisterRun, registerEach, registerRate } from './sip-load.js';

/**
 * The adapter against Kamailio 5.6 (Debian), SIPp driving both in the same run (issue #6):
 * - REGISTER/s through one of three `p2psip peer --sip` processes ÷ Kamailio's (digest with one static
 *   password, usrloc in memory), in two regimes: each user's first registration (at the peer, the
 *   SIP-REGISTRATION stored in the overlay and replicated before the 200), then re-registrations (the
 *   route is already in the overlay and its refresh timer ahead: no Store). Goal ≥ 0.5×.
 * - Call setup, INVITE → 180 at the caller, alice at peer A calling bob at peer C (overlay lookup, reused
 *   for 10 s; AppAttach connection; both adapters proxying) ÷ the same call through Kamailio. Goal ≤ 1.5×.
 */
const DOMAIN = 'p2p.test';
const REGISTER_USERS = 1000;
const REGISTER_SECONDS = 8;
const REGISTER_CONCURRENCY = 100;
const ROUNDS = 2;
const CALLS = 200;
const CALL_RATE = 20;
const WARMUP_CALLS = 10;

const ALICE: SipAccount = { user: 'alice', domain: DOMAIN, password: 'alice-pw' };
const BOB: SipAccount = { user: 'bob', domain: DOMAIN, password: 'bob-pw' };
const ours = (i: number): SipAccount => ({ user: `reg${i}`, domain: DOMAIN, password: `pw${i}` });
const theirs = (user: string): SipAccount => ({
  user,
  domain: KAMAILIO_REALM,
  password: KAMAILIO_PASSWORD,
});

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

interface Figures {
  readonly firsts: { ours: RegisterRun; theirs: RegisterRun };
  readonly registers: ReadonlyArray<{ ours: RegisterRun; theirs: RegisterRun }>;
  readonly ourCalls: CallRun;
  readonly theirCalls: CallRun;
}

async function measure(dir: string, peers: readonly SipPeer[], kam: Kamailio): Promise<Figures> {
  const [, a, c] = peers as [SipPeer, SipPeer, SipPeer];
  const kamailio = { host: '127.0.0.1', port: kam.port };
  const registers: Array<{ ours: RegisterRun; theirs: RegisterRun }> = [];
  const regUsers = Array.from({ length: REGISTER_USERS }, (_, i) => ours(i));
  const kamUsers = Array.from({ length: REGISTER_USERS }, (_, i) => theirs(`reg${i}`));
  // Every user once: at the peer each is a new overlay registration (a Store); this also warms both.
  const firsts = {
    ours: await registerEach(dir, 'ours-first', a.sip, regUsers, REGISTER_CONCURRENCY),
    theirs: await registerEach(dir, 'kamailio-first', kamailio, kamUsers, REGISTER_CONCURRENCY),
  };
  for (let round = 0; round < ROUNDS; round++) {
    const o = await registerRate(
      dir,
      `ours${round}`,
      a.sip,
      regUsers,
      REGISTER_SECONDS,
      REGISTER_CONCURRENCY,
    );
    const t = await registerRate(
      dir,
      `kamailio${round}`,
      kamailio,
      kamUsers,
      REGISTER_SECONDS,
      REGISTER_CONCURRENCY,
    );
    registers.push({ ours: o, theirs: t });
  }
  const plan = { warmup: WARMUP_CALLS, calls: CALLS, rate: CALL_RATE };
  const ourCalls = await callSetup(dir, {
    ...plan,
    name: 'ours',
    callerProxy: a.sip,
    calleeRegistrar: c.sip,
    caller: ALICE,
    callee: BOB,
  });
  const theirCalls = await callSetup(dir, {
    ...plan,
    name: 'kamailio',
    callerProxy: kamailio,
    calleeRegistrar: kamailio,
    caller: theirs('alice'),
    callee: theirs('bob'),
  });
  return { firsts, registers, ourCalls, theirCalls };
}

function report(f: Figures): string {
  const regOurs = mean(f.registers.map((r) => r.ours.perSecond));
  const regTheirs = mean(f.registers.map((r) => r.theirs.perSecond));
  const regRatio = regOurs / regTheirs;
  const run = (r: RegisterRun): string =>
    `${r.perSecond.toFixed(0)} (${r.successful} ok, ${r.failed} failed)`;
  const firstRatio = f.firsts.ours.perSecond / f.firsts.theirs.perSecond;
  const rows: Array<Array<string | number>> = [
    [
      `REGISTER/s, first registration of ${REGISTER_USERS} users`,
      run(f.firsts.ours),
      run(f.firsts.theirs),
      firstRatio.toFixed(3),
    ],
  ];
  for (const [i, r] of f.registers.entries()) {
    rows.push([
      `REGISTER/s, re-registrations, round ${i + 1}`,
      run(r.ours),
      run(r.theirs),
      (r.ours.perSecond / r.theirs.perSecond).toFixed(3),
    ]);
  }
  rows.push([
    'REGISTER/s, re-registrations, mean',
    regOurs.toFixed(0),
    regTheirs.toFixed(0),
    regRatio.toFixed(3),
  ]);
  const ms = (x: number): string => x.toFixed(2);
  const setupRatio = quantile(f.ourCalls.setupMs, 0.5) / quantile(f.theirCalls.setupMs, 0.5);
  for (const [label, pick, q] of [
    ['INVITE → 180 median (ms)', (r: CallRun) => r.setupMs, 0.5],
    ['INVITE → 180 p90 (ms)', (r: CallRun) => r.setupMs, 0.9],
    ['INVITE with credentials → 180 median (ms)', (r: CallRun) => r.routedMs, 0.5],
  ] as const) {
    const o = quantile(pick(f.ourCalls), q);
    const t = quantile(pick(f.theirCalls), q);
    rows.push([label, ms(o), ms(t), (o / t).toFixed(2)]);
  }
  rows.push([
    'calls timed (failed)',
    `${f.ourCalls.setupMs.length} (${f.ourCalls.failed})`,
    `${f.theirCalls.setupMs.length} (${f.theirCalls.failed})`,
    '',
  ]);
  const verdict = (ok: boolean): string => (ok ? 'met' : 'missed');
  return [
    table(['measure', 'p2psip (3-peer overlay)', 'Kamailio 5.6', 'p2psip ÷ Kamailio'], rows),
    '',
    `REGISTER: SIPp \`register.xml\` (REGISTER, 401, REGISTER with digest, 200), ${REGISTER_CONCURRENCY} at a time. ` +
      `First each of ${REGISTER_USERS} users registers once at each server: at the p2psip peer every such 200 ` +
      'waits for the SIP-REGISTRATION Store (a route to the peer, signed with the user’s certificate, ' +
      'replicated to the other peers). Then the same users re-register for ' +
      `${REGISTER_SECONDS} s per round, the two servers alternating for ${ROUNDS} rounds: the value in the ` +
      'overlay does not change and its refresh timer is ahead, so the peer answers without a Store (the ' +
      'timer stores it again, from the latest binding expiry, before the overlay would forget it). Kamailio ' +
      "keeps usrloc in memory and checks one static password. Goal ≥ 0.5× Kamailio's rate: re-registrations " +
      `${verdict(regRatio >= 0.5)} (${regRatio.toFixed(3)}×), first registrations ${verdict(firstRatio >= 0.5)} ` +
      `(${firstRatio.toFixed(3)}×).`,
    '',
    `Calls: SIPp \`uac-call.xml\` → \`uas.xml\`, ${CALLS} calls at ${CALL_RATE}/s after ${WARMUP_CALLS} warm-up calls, ` +
      "timed by tshark on the caller's port (SIPp's own timer ticks in whole ms). Both proxies challenge the " +
      'INVITE (407); the p2psip call crosses two adapters over their AppAttach connection, the Kamailio call ' +
      'one proxy. Peer A looks bob up in the overlay (a Fetch) and reuses that lookup for 10 s, so most timed ' +
      'calls go without a Fetch; a call that finds the route stale forgets it. ' +
      `Goal ≤ 1.5× Kamailio's setup time (median): ${verdict(setupRatio <= 1.5)} ` +
      `(${setupRatio.toFixed(2)}×).`,
  ].join('\n');
}

export const bench: Bench = {
  name: 'sip-adapter',
  async run() {
    for (const tool of ['sipp', 'kamailio', 'tshark']) requireTool(tool);
    const dir = await mkdtemp(join(tmpdir(), 'p2psip-bench-sip-'));
    let kam: Kamailio | undefined;
    try {
      const peers = await startSipPeers(dir, {
        peers: 3,
        name: DOMAIN,
        users: (i) =>
          i === 1
            ? [ALICE, ...Array.from({ length: REGISTER_USERS }, (_, k) => ours(k))]
            : i === 2
              ? [BOB]
              : [],
      });
      await waitUntil(
        'a ring of three',
        async () => ringProblems(await Promise.all(peers.map((p) => getStatus(p.control)))),
        60_000,
      );
      await mkdir(join(dir, 'kamailio'));
      kam = await startKamailio(join(dir, 'kamailio'), await freeSipPort());
      const figures = await measure(dir, peers, kam);
      return { title: 'SIP adapter against Kamailio (SIPp, 127.0.0.1)', markdown: report(figures) };
    } finally {
      await kam?.stop();
      await killSipp();
      await killAll();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
