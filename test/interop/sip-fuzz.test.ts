import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getMetrics, getStatus } from '../support/control.js';
import { killAll } from '../support/peer-process.js';
import { blastTcp, blastUdp } from '../support/sip-blast.js';
import { fuzzedStream, type StreamTally, streamConnections } from '../support/sip-fuzz.js';
import {
  callCounts,
  freeSipPort,
  killSipp,
  peerWarnings,
  registerArgs,
  type SipAccount,
  type SipPeer,
  sipp,
  startSipPeers,
  startSipp,
  uacArgs,
  writeUsersCsv,
} from '../support/sip-interop.js';
import { requireTool } from '../support/tools.js';
import { tortureMessage, tortureNames } from '../support/torture.js';

/**
 * A live `p2psip peer --sip` fed the RFC 4475 torture messages and 100,000 fast-check-fuzzed messages
 * (well-formed requests of every method and mutated copies; fixed seeds, printed, so a failure replays)
 * over UDP and TCP as fast as it reads them: every datagram and every framed stream message reaches the
 * adapter, the process stays up with no internal error, and a phone still registers and calls afterwards.
 */
const DOMAIN = 'p2p.test';
const ALICE: SipAccount = { user: 'alice', domain: DOMAIN, password: 'alice-pw' };
const BOB: SipAccount = { user: 'bob', domain: DOMAIN, password: 'bob-pw' };
const UDP_MESSAGES = 80_000;
const TCP_MESSAGES = 20_000;
const UDP_SEED = 6;
const TCP_SEED = 7;

/** What the peer counted: datagrams read, stream messages framed, requests handled, 500s sent. */
async function counters(peer: SipPeer): Promise<{
  datagrams: number;
  streamMessages: number;
  requests: number;
  serverErrors: number;
}> {
  const m = await getMetrics(peer.control);
  const sum = (prefix: string): number =>
    [...m].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  return {
    datagrams: m.get('p2psip_sip_datagrams_received_total') ?? 0,
    streamMessages: m.get('p2psip_sip_stream_messages_received_total') ?? 0,
    requests: sum('p2psip_sip_requests_received_total'),
    serverErrors: m.get('p2psip_sip_responses_sent_total{code="500"}') ?? 0,
  };
}

/** The peer process is alive (signal 0 throws for a PID that is gone), answers /status, logged no error. */
async function assertHealthy(peer: SipPeer): Promise<void> {
  assert.equal(process.kill(peer.pid, 0), true);
  const s = await getStatus(peer.control);
  assert.equal(s.internalErrors, 0, peerWarnings([peer]));
  assert.deepEqual(
    peer.logs.filter((l) => (l.level ?? 0) >= 50),
    [],
  );
}

describe('a live peer under torture and fuzzing', { timeout: 600_000 }, () => {
  let dir = '';
  let peer: SipPeer;

  before(async () => {
    requireTool('sipp');
    dir = await mkdtemp(join(tmpdir(), 'p2psip-fuzz-'));
    [peer] = (await startSipPeers(dir, { peers: 1, name: DOMAIN, users: () => [ALICE, BOB] })) as [SipPeer];
  });

  after(async () => {
    await killSipp();
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('reads every RFC 4475 torture message over UDP and TCP and answers the bad ones 400', async () => {
    const torture = tortureNames().map(tortureMessage);
    const before = await counters(peer);
    const udp = await blastUdp(peer.sip, torture);
    // Each on a connection of its own, so each is read from the start of a stream.
    const tally: StreamTally = { connections: 0, framed: 0 };
    const connected = await blastTcp(
      peer.sip,
      torture.flatMap((m) => [...streamConnections([m], tally)]),
    );
    const now = await counters(peer);
    assert.equal(now.datagrams - before.datagrams, udp.sent + udp.probes);
    assert.equal(connected, torture.length);
    assert.equal(now.streamMessages - before.streamMessages, tally.framed);
    assert.equal(now.serverErrors, 0, peerWarnings([peer]));
    const m = await getMetrics(peer.control);
    assert.ok(
      (m.get('p2psip_sip_responses_sent_total{code="400"}') ?? 0) > 0,
      'the bad ones were answered 400',
    );
    await assertHealthy(peer);
  });

  it(`reads ${UDP_MESSAGES + TCP_MESSAGES} fuzzed messages over UDP and TCP and stays up`, async (t) => {
    t.diagnostic(
      `fast-check seeds: UDP ${UDP_SEED}, TCP ${TCP_SEED} (fuzzedStream in test/support/sip-fuzz.ts)`,
    );
    const before = await counters(peer);
    const started = Date.now();
    const udp = await blastUdp(peer.sip, fuzzedStream(UDP_MESSAGES, UDP_SEED));
    const tally: StreamTally = { connections: 0, framed: 0 };
    const connected = await blastTcp(
      peer.sip,
      streamConnections(fuzzedStream(TCP_MESSAGES, TCP_SEED), tally),
    );
    const now = await counters(peer);
    t.diagnostic(
      `UDP: ${udp.sent} datagrams + ${udp.probes} probes; TCP: ${tally.connections} connections, ` +
        `${tally.framed} framed messages; requests handled: ${now.requests - before.requests}; ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.equal(udp.sent, UDP_MESSAGES);
    // Not one datagram lost to a full socket buffer: the peer read them all.
    assert.equal(now.datagrams - before.datagrams, udp.sent + udp.probes);
    assert.equal(connected, tally.connections);
    assert.equal(now.streamMessages - before.streamMessages, tally.framed);
    assert.ok(
      now.requests - before.requests > (UDP_MESSAGES + TCP_MESSAGES) / 10,
      `the adapter handled ${now.requests - before.requests} as new requests`,
    );
    assert.equal(now.serverErrors, 0, peerWarnings([peer]));
    await assertHealthy(peer);
  });

  it('still carries a call from alice to bob afterwards', async () => {
    const uasPort = await freeSipPort();
    const csv = join(dir, 'bob.csv');
    await writeUsersCsv(csv, [BOB]);
    const reg = await sipp(
      [...registerArgs(peer.sip, csv, uasPort, DOMAIN), '-m', '1'],
      join(dir, 'bob-register.csv'),
    );
    assert.equal(reg.code, 0, reg.errors);
    const uas = startSipp(['-sf', 'uas.xml', '-i', '127.0.0.1', '-p', String(uasPort)], join(dir, 'uas.csv'));
    const calls = await sipp(
      [
        ...uacArgs(peer.sip, 'uac-call.xml', ALICE, BOB, await freeSipPort()),
        ...['-m', '5', '-r', '5', '-d', '100'],
      ],
      join(dir, 'calls.csv'),
    );
    uas.kill();
    assert.equal(calls.code, 0, `${calls.errors}${peerWarnings([peer])}\n${calls.calls}`);
    assert.deepEqual(callCounts(calls), { successful: 5, failed: 0 });
    assert.equal((await getStatus(peer.control)).internalErrors, 0);
  });
});
