import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequest, parseDatagram, serializeMessage } from '../src/sip/message/index.js';
import { REPO } from '../test/support/peer-process.js';
import { requireTool } from '../test/support/tools.js';

/**
 * Kamailio from Debian as the baseline of bench/sip-adapter.ts: bench/kamailio.cfg (a registrar and
 * stateful proxy, usrloc in memory, static digest: every user's password is `secret`, realm home.test;
 * /work/shared/reference/real-peers/kamailio.cfg) moved to 127.0.0.1:PORT, run in the foreground
 * (`-DD -E`) with its pid file, control socket and log in its own directory, stopped by PID.
 */
export const KAMAILIO_REALM = 'home.test';
export const KAMAILIO_PASSWORD = 'secret';

export interface Kamailio {
  readonly port: number;
  readonly pid: number;
  /** Its log (stderr), for a failed run. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function startKamailio(dir: string, port: number): Promise<Kamailio> {
  const kamailio = requireTool('kamailio');
  const cfg = await readFile(join(REPO, 'bench', 'kamailio.cfg'), 'utf8');
  const cfgPath = join(dir, 'kamailio.cfg');
  await writeFile(cfgPath, cfg.replaceAll('127.0.0.1:5080', `127.0.0.1:${port}`));
  const logPath = join(dir, 'kamailio.log');
  const args = [
    '-f',
    cfgPath,
    '-DD',
    '-E',
    '-m',
    '256',
    '-w',
    dir,
    '-Y',
    dir,
    '-P',
    join(dir, 'kamailio.pid'),
    '-A',
    'WITH_AUTH_STATIC',
    '-A',
    `CTL_SOCK="unix:${join(dir, 'kamailio_ctl')}"`,
  ];
  const out = openSync(logPath, 'w');
  const child = spawn(kamailio, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): Promise<string> => readFile(logPath, 'utf8').catch(() => '');
  try {
    await answersOptions(port, child, 30_000);
  } catch (e) {
    stop(child);
    await exited;
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${(await log()).slice(-2000)}`);
  }
  return {
    port,
    pid: child.pid ?? -1,
    log,
    stop: async () => {
      stop(child);
      await exited;
    },
  };
}

/** SIGTERM to the main process (it stops its workers); the PID is the one we spawned. */
function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
    process.kill(child.pid, 'SIGTERM');
}

/** Waits until Kamailio answers an OPTIONS keep-alive to itself (its REQINIT route answers 200). */
async function answersOptions(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const answered = new Promise<void>((resolve) =>
    s.on('message', (b: Buffer) => {
      if (parseDatagram(new Uint8Array(b)).status === 200) resolve();
    }),
  );
  const deadline = Date.now() + timeoutMs;
  try {
    for (let n = 1; ; n++) {
      if (child.exitCode !== null) throw new Error(`kamailio exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`kamailio did not answer on 127.0.0.1:${port}`);
      const options = createRequest('OPTIONS', `sip:127.0.0.1:${port}`, [
        ['Via', `SIP/2.0/UDP 127.0.0.1:${s.address().port};branch=z9hG4bK-ready-${n};rport`],
        ['Max-Forwards', '70'],
        ['From', `<sip:bench@${KAMAILIO_REALM}>;tag=ready${n}`],
        ['To', `<sip:127.0.0.1:${port}>`],
        ['Call-ID', `ready-${n}@bench`],
        ['CSeq', `${n} OPTIONS`],
      ]);
      s.send(serializeMessage(options), port, '127.0.0.1');
      const ok = await Promise.race([
        answered.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 250)),
      ]);
      if (ok) return;
    }
  } finally {
    s.close();
  }
}
