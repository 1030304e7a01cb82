import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { getMetrics } from './control.js';
import {
  createOverlay,
  freePort,
  type HostPort,
  type PeerProcess,
  REPO,
  runCli,
  startPeer,
} from './peer-process.js';
import { requireTool } from './tools.js';

/**
 * Driving SIPp against real `p2psip peer --sip` processes: free SIP ports (UDP and TCP on P, TLS on P+1),
 * SIPp runs in the foreground (their exit code and the last row of their statistics file) or in the
 * background (a UAS), every child remembered so `killSipp()` ends them by PID. Scenarios live in
 * test/interop/sipp/.
 */
export const SIPP_DIR = join(REPO, 'test', 'interop', 'sipp');

const children = new Set<ChildProcess>();

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

let nextPort = 20000 + Math.floor(Math.random() * 20000);

/** A port P where UDP and TCP P and TCP P+1 are free on 127.0.0.1 (SIP, and TLS on the next port). */
export async function freeSipPort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const p = nextPort;
    nextPort = p + 2 > 60000 ? 20000 : p + 2;
    if ((await tcpFree(p)) && (await udpFree(p)) && (await tcpFree(p + 1))) return p;
  }
  throw new Error('no free SIP port pair on 127.0.0.1');
}

export interface SippResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last row of the `-trace_stat` file: SuccessfulCall(C), FailedCall(C), ... */
  readonly stats: Readonly<Record<string, string>>;
  /**
   * The start of SIPp's `-trace_err` log (what went wrong) and a line per message of the failed calls, for
   * assertion messages; the messages themselves are in `calls`, to be shown after shorter diagnostics.
   */
  readonly errors: string;
  readonly calls: string;
}

export interface SippRun {
  readonly pid: number;
  readonly done: Promise<SippResult>;
  kill(): void;
}

/**
 * Starts SIPp with `args` (a statistics file is added); `done` resolves when it exits, or kills it (and
 * resolves) after `timeoutMs`.
 */
export function startSipp(args: readonly string[], statsFile: string, timeoutMs = 120_000): SippRun {
  const sipp = requireTool('sipp');
  const errorFile = `${statsFile}.errors`;
  const messageFile = `${statsFile}.messages`;
  const traces = [
    ...['-trace_stat', '-stf', statsFile, '-fd', '1', '-trace_err', '-error_file', errorFile],
    // Every message, so that a failed call's own exchange can be shown (callMessages).
    ...['-trace_msg', '-message_file', messageFile],
  ];
  const child = spawn(sipp, [...args, '-nostdin', ...traces], {
    cwd: SIPP_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (c: string) => {
    // SIPp redraws its screen on stdout: keep the tail only.
    stdout = (stdout + c).slice(-20_000);
  });
  child.stderr?.on('data', (c: string) => {
    stderr = (stderr + c).slice(-20_000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<SippResult>((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      void Promise.all([
        readStats(statsFile),
        readFile(errorFile, 'utf8').catch(() => ''),
        readFile(messageFile, 'utf8').catch(() => ''),
      ]).then(([stats, errors, messages]) =>
        resolve({
          code,
          stdout,
          stderr,
          stats,
          errors: failures(errors) + callMessages(errors, messages, 'SIPp', 'summary'),
          calls: callMessages(errors, messages, 'SIPp', 'messages'),
        }),
      );
    });
  });
  return {
    pid: child.pid ?? -1,
    done,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * The messages SIPp sent and received for the first calls its error log names (by Call-ID), so that an
 * aborted call shows which request went unanswered.
 */
export function callMessages(
  errors: string,
  messages: string,
  who: string,
  part: 'summary' | 'messages',
): string {
  const ids = [...new Set([...errors.matchAll(/Call-I[Dd] '([^']+)'/g)].map((m) => m[1] as string))];
  if (ids.length === 0 || messages === '') return '';
  // Each block starts with SIPp's separator line, which carries the time.
  const blocks = messages.split(/^(?=-{20,})/m);
  const out: string[] = [];
  for (const id of ids.slice(0, 2)) {
    const mine = [
      ...new Set(
        blocks
          .filter((b) =>
            new RegExp(`^Call-ID: ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'mi').test(b),
          )
          .map((b) => b.trim()),
      ),
    ];
    // One line per message first (time, direction, start line, CSeq): what went unanswered at a glance.
    const summary = mine.map((b) => {
      const time = /\d\d:\d\d:\d\d\.\d+/.exec(b)?.[0] ?? '?';
      const dir = /message (sent|received)/i.exec(b)?.[1] ?? '?';
      const start = /^(?:[A-Z]+ sip:\S+ SIP\/2\.0|SIP\/2\.0 \d{3}.*)$/m.exec(b)?.[0] ?? '?';
      const cseq = /^CSeq:\s*(.*)$/im.exec(b)?.[1] ?? '?';
      return `  ${time} ${dir} ${start.trim()} (CSeq ${cseq.trim()})`;
    });
    const lines = part === 'summary' ? summary.slice(0, 20) : mine.slice(0, 12);
    out.push(`\n${who}'s messages of call ${id}:\n${lines.join(part === 'summary' ? '\n' : '\n--\n')}`);
  }
  return out.join('\n').slice(0, 12_000);
}

/**
 * Datagrams the kernel dropped at the UDP sockets bound to these 127.0.0.1 ports (the last column of
 * /proc/net/udp): a full receive buffer shows here, not in any log.
 */
export async function udpDrops(ports: readonly number[]): Promise<string> {
  const text = await readFile('/proc/net/udp', 'utf8').catch(() => '');
  const wanted = new Map(ports.map((p) => [`0100007F:${p.toString(16).toUpperCase().padStart(4, '0')}`, p]));
  const found: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const port = wanted.get(f[1] ?? '');
    if (port !== undefined)
      found.push(`${port}: ${f[f.length - 1]} dropped, rx queue ${f[4]?.split(':')[1] ?? '?'}`);
  }
  return `\nUDP drops (/proc/net/udp): ${found.join('; ') || 'no such sockets'}`;
}

export function sipp(args: readonly string[], statsFile: string, timeoutMs?: number): Promise<SippResult> {
  return startSipp(args, statsFile, timeoutMs).done;
}

/**
 * The events of a SIPp error log that failed a call, first: a late retransmission reaching a finished call
 * ("Dead call ... (successful)") is logged too but fails nothing.
 */
function failures(log: string): string {
  const events = log.split(/(?=\d{4}-\d\d-\d\d\t)/);
  const bad = events.filter((e) => !/Dead call \S+ \(successful\)/.test(e));
  return bad.join('').slice(0, 4000);
}

async function readStats(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  const header = (rows[0] ?? '').split(';');
  const last = (rows[rows.length - 1] ?? '').split(';');
  return Object.fromEntries(header.map((h, i) => [h, last[i] ?? '']));
}

/** The counters of a SIPp run that a test asserts on. */
export function callCounts(r: SippResult): { successful: number; failed: number } {
  return {
    successful: Number(r.stats['SuccessfulCall(C)'] ?? Number.NaN),
    failed: Number(r.stats['FailedCall(C)'] ?? Number.NaN),
  };
}

/** Ends every SIPp still running, by PID. */
export async function killSipp(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) resolve();
          else {
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }
        }),
    ),
  );
  children.clear();
}

export interface SipAccount {
  readonly user: string;
  readonly domain: string;
  readonly password: string;
}

/** SIPp's injection file for register.xml: `user;domain;[authentication ...]`. */
export async function writeUsersCsv(path: string, users: readonly SipAccount[]): Promise<void> {
  const lines = users.map(
    (u) => `${u.user};${u.domain};[authentication username=${u.user} password=${u.password}]`,
  );
  await writeFile(path, `SEQUENTIAL\n${lines.join('\n')}\n`);
}

/** `p2psip users add --from FILE` for these accounts. */
export async function addUsers(
  identityDir: string,
  users: readonly SipAccount[],
  file: string,
): Promise<void> {
  await writeFile(file, users.map((u) => `${u.user}@${u.domain} ${u.password}`).join('\n'));
  const r = await runCli(['users', 'add', '--identity', identityDir, '--from', file], 120_000);
  if (r.code !== 0) throw new Error(`users add failed: ${r.stderr}`);
}

/** `host:port` of a peer's `--sip`. */
export function sipTarget(p: HostPort): string {
  return `${p.host}:${p.port}`;
}

/** SIPp `register.xml` from 127.0.0.1:`port` for the accounts in `csv`; the digest URI names `domain`. */
export function registerArgs(target: HostPort, csv: string, port: number, domain: string): string[] {
  return [
    sipTarget(target),
    '-sf',
    'register.xml',
    '-inf',
    csv,
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-auth_uri',
    domain,
  ];
}

/**
 * SIPp `scenario` (uac-call.xml, uac-message.xml, uac-options.xml) from 127.0.0.1:`port`: `caller` to
 * `callee` through `proxy`, answering digest challenges with the caller's credentials.
 */
export function uacArgs(
  proxy: HostPort,
  scenario: string,
  caller: SipAccount,
  callee: SipAccount,
  port: number,
): string[] {
  return [
    sipTarget(proxy),
    '-sf',
    scenario,
    '-s',
    callee.user,
    '-key',
    'user',
    caller.user,
    '-key',
    'domain',
    caller.domain,
    '-au',
    caller.user,
    '-ap',
    caller.password,
    // SIPp signs the URI it is given, not the Request-URI: name the callee's, as the request does.
    '-auth_uri',
    `${callee.user}@${callee.domain}`,
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
  ];
}

export interface SipPeer extends PeerProcess {
  /** Where phones reach it: UDP and TCP here, TLS on the next port. */
  readonly sip: HostPort;
}

export interface SipRingOptions {
  readonly peers: number;
  readonly name?: string;
  /** The SIP users each peer serves, added with `p2psip users add --from` before it starts. */
  readonly users?: (i: number) => readonly SipAccount[];
  readonly extraArgs?: (i: number) => readonly string[];
}

/**
 * An overlay (Chord timers made test-fast) of `peers` real `p2psip peer --sip` processes on 127.0.0.1:
 * peer 0 is the bootstrap node; each has its identity in DIR/peerI. Digest is the default, MD5 alone
 * (decision 0025: SIPp 3.6 and baresip 1.0 know no other).
 */
export async function startSipPeers(dir: string, o: SipRingOptions): Promise<SipPeer[]> {
  const bootPort = await freePort();
  const overlayXml = await createOverlay(dir, {
    ...(o.name === undefined ? {} : { name: o.name }),
    bootstrap: [{ host: '127.0.0.1', port: bootPort }],
    updateInterval: 3,
    pingInterval: 1,
  });
  const prepared = await Promise.all(
    Array.from({ length: o.peers }, async (_, i) => {
      const identityDir = join(dir, `peer${i}`);
      await mkdir(identityDir, { recursive: true });
      await writeFile(join(identityDir, 'overlay.xml'), await readFile(overlayXml));
      const users = o.users?.(i) ?? [];
      if (users.length > 0) await addUsers(identityDir, users, join(dir, `users${i}.txt`));
      return identityDir;
    }),
  );
  const peers: SipPeer[] = [];
  for (const [i, identityDir] of prepared.entries()) {
    const sip = { host: '127.0.0.1', port: await freeSipPort() };
    const p = await startPeer({
      overlayXml,
      identityDir,
      listen: { host: '127.0.0.1', port: i === 0 ? bootPort : 0 },
      extraArgs: ['--sip', sipTarget(sip), ...(o.extraArgs?.(i) ?? [])],
    });
    peers.push({ ...p, sip });
  }
  return peers;
}

/** The peers' last warnings and errors (busy-link notices left out), to explain a failed SIPp run. */
export function peerWarnings(peers: readonly PeerProcess[], last = 20): string {
  const lines = peers
    .flatMap((p) => p.logs)
    .filter(
      (l) =>
        ((l.level ?? 0) >= 40 && !String(l.msg).startsWith('link suspect')) ||
        // Connection losses are info, but explain calls that never got an answer.
        /^(sip: unparsable|sip: app connection gone|app: )/.test(String(l.msg)),
    )
    .slice(-last)
    .map((l) => JSON.stringify(l));
  return lines.length === 0 ? '' : `\npeer warnings:\n${lines.join('\n')}`;
}

/**
 * For an assertion message: each peer's event-loop stalls (the longest since the last scrape), the INVITEs
 * it received, and the kernel's drops at its SIP port, so a call that went unanswered can be placed.
 */
export async function peerHealth(peers: readonly SipPeer[]): Promise<string> {
  const rows = await Promise.all(
    peers.map(async (p) => {
      const m = await getMetrics(p.control).catch(() => new Map<string, number>());
      const lag = m.get('p2psip_nodejs_eventloop_lag_max_seconds');
      const invites = m.get('p2psip_sip_requests_received_total{method="INVITE"}');
      const drops = [...m]
        .filter(([k, v]) => k.startsWith('p2psip_sip_dropped_total') && v > 0)
        .map(([k, v]) => `${/reason="([^"]*)"/.exec(k)?.[1] ?? k} ${v}`);
      const datagrams = m.get('p2psip_sip_datagrams_received_total');
      return `${p.nodeId.slice(0, 8)} sip ${p.sip.port}: event loop max lag ${lag ?? '?'} s, INVITEs received ${invites ?? '?'}, datagrams ${datagrams ?? '?'}, dropped: ${drops.join(', ') || 'none'}`;
    }),
  );
  return `\npeers:\n  ${rows.join('\n  ')}${await udpDrops(peers.map((p) => p.sip.port))}`;
}
