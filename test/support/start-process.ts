import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `p2psip start --json` as a child process (on loopback, or inside a network namespace): the one JSON
 * object it prints, its output, and a clean stop (SIGINT, as Ctrl-C) or a kill, always by PID.
 */
export interface StartJson {
  readonly overlay: string;
  readonly nodeId: string;
  readonly listen: string;
  readonly sip: string | null;
  readonly control: string;
  readonly user?: string;
  readonly password?: string;
  readonly state: string;
  readonly peers: number;
  readonly fingerprint: string;
  readonly instance: number;
  readonly data: string;
}

export interface StartProcess {
  readonly pid: number;
  readonly summary: Promise<StartJson>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** SIGINT (Ctrl-C), then SIGKILL if it has not left within `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<StartProcess>();

export function watchStart(child: ChildProcess, what: string, timeoutMs = 60_000): StartProcess {
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const summary = new Promise<StartJson>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what}: no summary within ${timeoutMs} ms\n${out}${err}`)),
      timeoutMs,
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as StartJson);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      err += chunk;
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before its summary:\n${out}${err}`));
    });
  });
  summary.catch(() => undefined);
  const p: StartProcess = {
    pid: child.pid ?? -1,
    summary,
    exited,
    output: () => out + err,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGINT');
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        }, graceMs);
        const r = await exited;
        clearTimeout(timer);
        running.delete(p);
        return r;
      }
      running.delete(p);
      return exited;
    },
  };
  running.add(p);
  void exited.then(() => running.delete(p));
  return p;
}

/** Kills (SIGKILL, by PID) every start process still running, and waits for them. */
export async function killAllStarts(): Promise<void> {
  await Promise.all(
    [...running].map(async (p) => {
      if (p.pid > 0) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await p.exited;
    }),
  );
  running.clear();
}

/** The records of an instance's peer.log (JSON lines). */
export async function peerLog(data: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(data, 'peer.log'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
