import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostPort, REPO, runCli } from './peer-process.js';

/**
 * A CA overlay run with real processes: `p2psip overlay create` (CA mode) with the Chord timers made
 * test-fast and the document signed again with `p2psip overlay update`, `p2psip enrollment serve` as a
 * child process (ended by PID), and `p2psip enroll` for each node.
 */
const BIN = join(REPO, 'bin', 'p2psip');

export interface CaOverlay {
  /** The overlay directory (ca.key, ca.crt, signer.*, overlay.xml, users.json). */
  readonly dir: string;
  readonly name: string;
  readonly enrollment: HostPort;
  readonly configUrl: string;
}

/** Replaces the text of `<element>` in overlay.xml; throws if it is not there. */
export function setElement(xml: string, element: string, value: string | number): string {
  const re = new RegExp(`(<${element}>)[^<]*(</${element}>)`);
  if (!re.test(xml)) throw new Error(`overlay.xml has no <${element}>`);
  return xml.replace(re, `$1${value}$2`);
}

/** `p2psip overlay update --overlay DIR` after `edit` changed DIR/overlay.xml; returns the new sequence. */
export async function editAndUpdate(dir: string, edit: (xml: string) => string): Promise<number> {
  const path = join(dir, 'overlay.xml');
  await writeFile(path, edit(await readFile(path, 'utf8')));
  const r = await runCli(['overlay', 'update', '--overlay', dir]);
  if (r.code !== 0) throw new Error(`overlay update failed: ${r.stderr}`);
  const seq = /<configuration [^>]*sequence="(\d+)"/.exec(await readFile(path, 'utf8'))?.[1];
  return Number(seq);
}

export async function createCaOverlayDir(
  root: string,
  o: { name: string; enrollment: HostPort; bootstrap: HostPort },
): Promise<CaOverlay> {
  const dir = join(root, 'overlay');
  const base = `https://${o.enrollment.host}:${o.enrollment.port}`;
  const r = await runCli([
    'overlay',
    'create',
    '--name',
    o.name,
    '--out',
    dir,
    '--enrollment-url',
    `${base}/enroll`,
    '--bootstrap',
    `${o.bootstrap.host}:${o.bootstrap.port}`,
  ]);
  if (r.code !== 0) throw new Error(`overlay create failed: ${r.stderr}`);
  await editAndUpdate(dir, (xml) =>
    setElement(setElement(xml, 'chord:chord-update-interval', 3), 'chord:chord-ping-interval', 1),
  );
  return {
    dir,
    name: o.name,
    enrollment: o.enrollment,
    configUrl: `${base}/.well-known/reload-config`,
  };
}

export async function addUser(overlay: CaOverlay, user: string, password: string): Promise<void> {
  const r = await runCli([
    'enrollment',
    'add-user',
    '--overlay',
    overlay.dir,
    '--user',
    user,
    '--password',
    password,
  ]);
  if (r.code !== 0) throw new Error(`add-user failed: ${r.stderr}`);
}

/** `p2psip enroll` into DIR, trusting the overlay's ca.crt; returns the command's result. */
export function enroll(overlay: CaOverlay, user: string, password: string, out: string) {
  return runCli([
    'enroll',
    '--config',
    overlay.configUrl,
    '--user',
    user,
    '--password',
    password,
    '--out',
    out,
    '--ca',
    join(overlay.dir, 'ca.crt'),
  ]);
}

export interface ServerProcess {
  readonly pid: number;
  /** Log records (JSON lines of stdout) so far. */
  readonly logs: Record<string, unknown>[];
  /** Ends the server by PID and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `p2psip enrollment serve` and resolves once it listens. */
export function startEnrollmentServer(overlay: CaOverlay): Promise<ServerProcess> {
  const { host, port } = overlay.enrollment;
  const child: ChildProcess = spawn(
    BIN,
    ['enrollment', 'serve', '--overlay', overlay.dir, '--listen', `${host}:${port}`],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGKILL');
    }
    await exited;
  };
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const record = JSON.parse(line) as Record<string, unknown>;
          logs.push(record);
          if (record.msg === 'enrolment service listening') resolve({ pid: child.pid ?? -1, logs, stop });
        } catch {
          // not a log record
        }
      }
    });
    void exited.then(() => reject(new Error(`enrollment serve exited: ${stderr}`)));
  });
}
