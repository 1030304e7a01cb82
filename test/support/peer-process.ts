import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KindDefinition } from '../../src/reload/config/overlay-config.js';
import { kindElement } from '../../src/reload/config/write.js';

/**
 * Real `p2psip` processes for integration tests and benchmarks: an overlay made with `p2psip overlay
 * create`, peers started with `./bin/p2psip peer` on 127.0.0.1, their JSON logs collected, and every
 * child remembered so `killAll()` can end them by PID.
 */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin', 'p2psip');

const children = new Set<ChildProcess>();

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A free TCP port on 127.0.0.1 (bound then released: good enough for tests on loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `./bin/p2psip ARGS` to completion. */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(BIN, [...args], { cwd: REPO, timeout: timeoutMs }, (err, stdout, stderr) => {
      children.delete(child);
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      const why = err?.killed ? `\n(killed by ${err.signal} after ${timeoutMs} ms)` : '';
      resolve({ code, stdout, stderr: `${stderr}${why}` });
    });
    children.add(child);
  });
}

export interface OverlayOptions {
  readonly name?: string;
  readonly bootstrap: readonly HostPort[];
  /** Seconds (RFC 6940 §10.7.4.1 chord-update-interval); the default overlay says 600. */
  readonly updateInterval?: number;
  /** Seconds (chord-ping-interval, how often empty fingers are probed); the default says 3600. */
  readonly pingInterval?: number;
  /** `--shared-secret`: links are TLS-PSK keyed from it (decision 0028). */
  readonly sharedSecret?: string;
  /** More kinds for `<required-kinds>` (RFC 6940 §11.1). */
  readonly kinds?: readonly KindDefinition[];
}

/** The overlay document `xml` with `kinds` added to its `<required-kinds>`. */
export function withKinds(xml: string, kinds: readonly KindDefinition[]): string {
  const blocks = kinds.map((k) => `  <kind-block>\n        ${kindElement(k)}\n      </kind-block>\n    `);
  return xml.replace('</required-kinds>', `${blocks.join('')}</required-kinds>`);
}

/** `p2psip overlay create --self-signed` into DIR/overlay, with the Chord timers made test-fast. */
export async function createOverlay(dir: string, o: OverlayOptions): Promise<string> {
  const out = join(dir, 'overlay');
  const args = ['overlay', 'create', '--name', o.name ?? 'test.p2psip', '--out', out, '--self-signed'];
  for (const b of o.bootstrap) args.push('--bootstrap', `${b.host}:${b.port}`);
  if (o.sharedSecret !== undefined) args.push('--shared-secret', o.sharedSecret);
  const r = await runCli(args);
  if (r.code !== 0) throw new Error(`overlay create failed: ${r.stderr}`);
  const path = join(out, 'overlay.xml');
  const original = await readFile(path, 'utf8');
  let xml = original;
  const set = (element: string, value: number | undefined): void => {
    if (value === undefined) return;
    const re = new RegExp(`(<${element}>)[^<]*(</${element}>)`);
    if (!re.test(xml)) throw new Error(`overlay.xml has no <${element}>`);
    xml = xml.replace(re, `$1${value}$2`);
  };
  set('chord:chord-update-interval', o.updateInterval);
  set('chord:chord-ping-interval', o.pingInterval);
  if (o.kinds !== undefined) xml = withKinds(xml, o.kinds);
  // The signature covered the document as created; an edited one goes out unsigned (self-signed overlays
  // accept that), rather than signed wrongly, which every peer would log as a warning.
  if (xml !== original) xml = xml.replace(/\s*<signature>[\s\S]*<\/signature>/, '');
  await writeFile(path, xml);
  return path;
}

export type LogRecord = Record<string, unknown> & { readonly msg?: string; readonly level?: number };

export interface PeerProcess {
  readonly pid: number;
  readonly nodeId: string;
  readonly control: HostPort;
  readonly listen: string;
  readonly identityDir: string;
  readonly logs: LogRecord[];
  /** Lines of stdout that were not JSON (should stay empty). */
  readonly stray: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

export interface PeerSpawnOptions {
  readonly overlayXml: string;
  readonly identityDir: string;
  readonly listen: HostPort;
  readonly control?: HostPort;
  readonly extraArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

/** Starts `p2psip peer` and resolves once it logged "peer running". */
export async function startPeer(o: PeerSpawnOptions): Promise<PeerProcess> {
  await mkdir(o.identityDir, { recursive: true });
  await writeFile(join(o.identityDir, 'overlay.xml'), await readFile(o.overlayXml));
  const control = o.control ?? { host: '127.0.0.1', port: 0 };
  const args = [
    'peer',
    '--identity',
    o.identityDir,
    '--listen',
    `${o.listen.host}:${o.listen.port}`,
    '--control',
    `${control.host}:${control.port}`,
    ...(o.extraArgs ?? []),
  ];
  const child = spawn(BIN, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const logs: LogRecord[] = [];
  const stray: string[] = [];
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  const running = new Promise<LogRecord>((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let record: LogRecord;
        try {
          record = JSON.parse(line) as LogRecord;
        } catch {
          stray.push(line);
          continue;
        }
        logs.push(record);
        if (record.msg === 'peer running') resolve(record);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    void exited.then(({ code }) => reject(new Error(`peer exited with ${code} before running: ${stderr}`)));
  });
  const timeout = o.startTimeoutMs ?? 60_000;
  const record = await withTimeout(running, timeout, `peer did not start within ${timeout} ms`);
  const [host, port] = String(record.control).split(':');
  return {
    pid: child.pid ?? -1,
    nodeId: String(record.nodeId),
    control: { host: host ?? '127.0.0.1', port: Number(port) },
    listen: String(record.listen),
    identityDir: o.identityDir,
    logs,
    stray,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Ends every child still running, by PID (SIGKILL), and waits for them. */
export async function killAll(): Promise<void> {
  const waits = [...children].map(
    (c) =>
      new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) resolve();
        else {
          c.once('exit', () => resolve());
          if (c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
        }
      }),
  );
  await Promise.all(waits);
  children.clear();
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]);
}

/** Polls `check` until it returns no problems; throws with the last ones after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => Promise<readonly string[]>,
  timeoutMs: number,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let problems: readonly string[] = ['never checked'];
  while (Date.now() < deadline) {
    problems = await check();
    if (problems.length === 0) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms:\n  ${problems.slice(0, 20).join('\n  ')}`);
}

export interface RingOptions {
  readonly peers: number;
  readonly updateInterval?: number;
  readonly pingInterval?: number;
  readonly sharedSecret?: string;
  readonly kinds?: readonly KindDefinition[];
  /** Extra command-line arguments for peer i. */
  readonly extraArgs?: (i: number) => readonly string[];
}

/**
 * An overlay whose bootstrap node is peer 0 (on a free port of 127.0.0.1), and `peers` peers started one
 * after the other, each with its identity in DIR/peerI; the others listen on ports the OS picks.
 */
export async function startPeers(dir: string, o: RingOptions): Promise<PeerProcess[]> {
  const bootPort = await freePort();
  const overlayXml = await createOverlay(dir, {
    bootstrap: [{ host: '127.0.0.1', port: bootPort }],
    ...(o.updateInterval === undefined ? {} : { updateInterval: o.updateInterval }),
    ...(o.pingInterval === undefined ? {} : { pingInterval: o.pingInterval }),
    ...(o.sharedSecret === undefined ? {} : { sharedSecret: o.sharedSecret }),
    ...(o.kinds === undefined ? {} : { kinds: o.kinds }),
  });
  const peers: PeerProcess[] = [];
  for (let i = 0; i < o.peers; i++) {
    peers.push(
      await startPeer({
        overlayXml,
        identityDir: join(dir, `peer${i}`),
        listen: { host: '127.0.0.1', port: i === 0 ? bootPort : 0 },
        extraArgs: o.extraArgs?.(i) ?? [],
      }),
    );
  }
  return peers;
}
