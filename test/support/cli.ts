import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/command.js';

/** bin/p2psip of this checkout (tests run from dist/test/...). */
export const BIN = fileURLToPath(new URL('../../../bin/p2psip', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CliIo that keeps what a command printed, for in-process runs of `main`. */
export function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    env: {},
    isTty: false,
    stopSignal: new AbortController().signal,
  };
  return io;
}

/** Runs the real command line, as a user would, in `cwd`. */
export function p2psip(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, nothing on stdout, one line on stderr naming the command, matching `message`. */
export function assertUsageError(r: Run, command: string, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^p2psip ${command}: [^\\n]+\\n$`), 'one line on stderr');
  assert.match(r.stderr, message);
}

/** `p2psip overlay create` of a CA overlay in `dir` enrolling at `enrollmentUrl`; asserts it worked. */
export function createCaOverlay(
  cwd: string,
  dir: string,
  name: string,
  enrollmentUrl: string,
  ...more: string[]
): Run {
  const r = p2psip(
    cwd,
    'overlay',
    'create',
    '--name',
    name,
    '--out',
    dir,
    '--enrollment-url',
    enrollmentUrl,
    ...more,
  );
  assert.equal(r.code, 0, r.stderr);
  return r;
}

/** `p2psip enrollment add-user` in the overlay directory `dir`; asserts it worked. */
export function addEnrollmentUser(cwd: string, dir: string, user: string, password: string): void {
  const r = p2psip(cwd, 'enrollment', 'add-user', '--overlay', dir, '--user', user, '--password', password);
  assert.equal(r.code, 0, r.stderr);
}
