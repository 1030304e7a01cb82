import { join } from 'node:path';
import type { HostPort } from '../test/support/peer-process.js';
import {
  freeSipPort,
  registerArgs,
  type SipAccount,
  type SippResult,
  sipp,
  startSipp,
  uacArgs,
  writeUsersCsv,
} from '../test/support/sip-interop.js';
import { captureSip, type SipPacket } from './sip-capture.js';

/**
 * The two SIPp workloads of bench/sip-adapter.ts, run the same way against any registrar/proxy: REGISTER
 * throughput (closed loop, digest with its 401 round trip) and call setup time (INVITE → 180 on the
 * caller's wire, timed by tshark).
 */
export interface RegisterRun {
  readonly perSecond: number;
  readonly successful: number;
  readonly failed: number;
  readonly seconds: number;
}

/** The epoch seconds in a SIPp statistics time cell ("2026-11-21\t23:49:38.299269\t1795304978.299269"). */
function epoch(cell: string | undefined): number {
  return Number((cell ?? '').split('\t')[2]);
}

function failure(what: string, r: SippResult): Error {
  return new Error(`${what}: SIPp exited with ${r.code}\n${r.errors || r.stderr.slice(-2000)}`);
}

/**
 * SIPp registers `users` (cycling through them) at `target` for `seconds`, `concurrent` REGISTER
 * transactions at a time (as many as the registrar keeps up with: `-r` is far above either's rate).
 */
export function registerRate(
  dir: string,
  name: string,
  target: HostPort,
  users: readonly SipAccount[],
  seconds: number,
  concurrent: number,
): Promise<RegisterRun> {
  return runRegister(dir, name, target, users, concurrent, ['-timeout', `${seconds}s`], seconds + 60);
}

/** SIPp registers each of `users` once at `target`, `concurrent` at a time. */
export function registerEach(
  dir: string,
  name: string,
  target: HostPort,
  users: readonly SipAccount[],
  concurrent: number,
): Promise<RegisterRun> {
  return runRegister(dir, name, target, users, concurrent, ['-m', String(users.length)], 600);
}

async function runRegister(
  dir: string,
  name: string,
  target: HostPort,
  users: readonly SipAccount[],
  concurrent: number,
  stop: readonly string[],
  timeoutSeconds: number,
): Promise<RegisterRun> {
  const csv = join(dir, `${name}-users.csv`);
  await writeUsersCsv(csv, users);
  const domain = users[0]?.domain ?? '';
  const r = await sipp(
    [
      ...registerArgs(target, csv, await freeSipPort(), domain),
      ...['-r', '50000', '-l', String(concurrent), ...stop],
    ],
    join(dir, `${name}-register.csv`),
    timeoutSeconds * 1000,
  );
  if (r.code !== 0 && r.code !== 1) throw failure(`REGISTER at ${name}`, r);
  const elapsed = epoch(r.stats.CurrentTime) - epoch(r.stats.StartTime);
  const successful = Number(r.stats['SuccessfulCall(C)']);
  return {
    perSecond: successful / elapsed,
    successful,
    failed: Number(r.stats['FailedCall(C)']),
    seconds: elapsed,
  };
}

export interface CallRun {
  /** First INVITE sent → first 180 received (the 407 round trip included), ms, one per call. */
  readonly setupMs: number[];
  /** The INVITE with credentials → first 180, ms: the routing alone. */
  readonly routedMs: number[];
  readonly failed: number;
}

export interface CallPlan {
  readonly name: string;
  /** Where the caller sends (its registrar/proxy). */
  readonly callerProxy: HostPort;
  /** Where the callee registers. */
  readonly calleeRegistrar: HostPort;
  readonly caller: SipAccount;
  readonly callee: SipAccount;
  readonly warmup: number;
  readonly calls: number;
  readonly rate: number;
}

/** Registers a SIPp UAS as the callee, places warm-up calls, then `calls` timed ones. */
export async function callSetup(dir: string, p: CallPlan): Promise<CallRun> {
  const uasPort = await freeSipPort();
  const csv = join(dir, `${p.name}-callee.csv`);
  await writeUsersCsv(csv, [p.callee]);
  const reg = await sipp(
    [...registerArgs(p.calleeRegistrar, csv, uasPort, p.callee.domain), '-m', '1'],
    join(dir, `${p.name}-callee-register.csv`),
  );
  if (reg.code !== 0) throw failure(`callee REGISTER at ${p.name}`, reg);
  const uas = startSipp(
    ['-sf', 'uas.xml', '-i', '127.0.0.1', '-p', String(uasPort)],
    join(dir, `${p.name}-uas.csv`),
    600_000,
  );
  try {
    await calls(dir, p, `${p.name}-warmup`, p.warmup, await freeSipPort());
    const port = await freeSipPort();
    const capture = await captureSip(dir, port);
    const r = await calls(dir, p, p.name, p.calls, port);
    const packets = await capture.stop();
    return { ...timings(packets), failed: Number(r.stats['FailedCall(C)']) };
  } finally {
    uas.kill();
    await uas.done;
  }
}

function calls(dir: string, p: CallPlan, name: string, n: number, port: number): Promise<SippResult> {
  return sipp(
    [
      ...uacArgs(p.callerProxy, 'uac-call.xml', p.caller, p.callee, port),
      ...['-m', String(n), '-r', String(p.rate), '-d', '10'],
    ],
    join(dir, `${name}-calls.csv`),
  );
}

/** Per call: when its first INVITE, its INVITE with credentials (CSeq 2) and its first 180 crossed the wire. */
function timings(packets: readonly SipPacket[]): { setupMs: number[]; routedMs: number[] } {
  const first = new Map<string, number>();
  const authed = new Map<string, number>();
  const ringing = new Map<string, number>();
  const once = (m: Map<string, number>, k: string, t: number): void => {
    if (!m.has(k)) m.set(k, t);
  };
  for (const x of packets) {
    if (x.method === 'INVITE') once(x.cseq === 1 ? first : authed, x.callId, x.time);
    else if (x.status === 180 && x.cseqMethod === 'INVITE') once(ringing, x.callId, x.time);
  }
  const setupMs: number[] = [];
  const routedMs: number[] = [];
  for (const [callId, t180] of ringing) {
    const t0 = first.get(callId);
    const t1 = authed.get(callId) ?? t0;
    if (t0 !== undefined) setupMs.push((t180 - t0) * 1000);
    if (t1 !== undefined) routedMs.push((t180 - t1) * 1000);
  }
  return { setupMs, routedMs };
}
