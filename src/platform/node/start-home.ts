import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LocalError } from '../../core/errors.js';
import { ioError, writeAtomically } from './identity-files.js';

/**
 * The data directory of `p2psip start` ($P2PSIP_HOME, default ~/.p2psip), made so several instances can
 * run from it at once:
 *
 *   HOME/OVERLAY/overlay.xml              the overlay's document (created here, or fetched from a LAN peer)
 *   HOME/OVERLAY/signer.key, signer.crt   only in the home that created the overlay (its configuration signer)
 *   HOME/OVERLAY/instances/N/             one per running peer, N = 1, 2, ...: node.key, node.crt (its
 *                                         identity, kept across restarts), peers.json (cached peers),
 *                                         storage.sqlite, peer.log, users.json (SIP users), and
 *   HOME/OVERLAY/instances/N/lock.json    held while an instance runs: {pid, listen, control, sip, nodeId}
 *
 * An instance takes the lowest N whose lock is free; a lock whose process is gone is taken over. Other
 * instances' locks tell a new one where its siblings listen, so a second `p2psip start` joins the first.
 */
export const LOCK_FILE = 'lock.json';
export const INSTANCES_DIR = 'instances';
/** More instances than this in one home is a mistake (a loop starting peers), not a wish. */
const MAX_INSTANCES = 64;

export interface InstanceInfo {
  readonly pid: number;
  readonly startedAt: number;
  readonly listen?: string;
  readonly control?: string;
  readonly sip?: string | null;
  readonly nodeId?: string;
}

export interface Instance {
  readonly index: number;
  readonly dir: string;
  /** Rewrites the lock with what the instance now knows (addresses, Node-ID). */
  update(info: Omit<InstanceInfo, 'pid' | 'startedAt'>): Promise<void>;
  release(): Promise<void>;
}

export function homeDirectory(env: Readonly<Record<string, string | undefined>>): string {
  const h = env.P2PSIP_HOME;
  return h !== undefined && h !== '' ? h : join(homedir(), '.p2psip');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as { code?: unknown }).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<InstanceInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<InstanceInfo>;
    return typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0
      ? (v as InstanceInfo)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the lock if nobody holds it: true when it is ours. */
async function tryLock(path: string, info: InstanceInfo): Promise<boolean> {
  try {
    const f = await open(path, 'wx', 0o644);
    await f.writeFile(`${JSON.stringify(info)}\n`);
    await f.close();
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw ioError('create', path, e);
  }
  const held = await readLock(path);
  if (held !== undefined && isAlive(held.pid)) return false;
  // A dead holder (or a lock cut short by a crash): move it aside under our name, then check that what
  // we moved is still the dead one; a lock some other starter took in between goes back.
  const aside = `${path}.stale-${process.pid}`;
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  const moved = await readLock(aside);
  if (moved !== undefined && isAlive(moved.pid)) {
    await rename(aside, path).catch(() => undefined);
    return false;
  }
  await rm(aside, { force: true });
  return tryLock(path, info);
}

/** Takes the lowest free instance of HOME/OVERLAY. */
export async function lockInstance(overlayDir: string): Promise<Instance> {
  const base = join(overlayDir, INSTANCES_DIR);
  const startedAt = Date.now();
  for (let index = 1; index <= MAX_INSTANCES; index++) {
    const dir = join(base, String(index));
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw ioError('create', dir, e);
    });
    const path = join(dir, LOCK_FILE);
    if (!(await tryLock(path, { pid: process.pid, startedAt }))) continue;
    let released = false;
    return {
      index,
      dir,
      update: async (more) => {
        if (!released)
          await writeAtomically(path, `${JSON.stringify({ pid: process.pid, startedAt, ...more })}\n`, 0o644);
      },
      release: async () => {
        released = true;
        await rm(path, { force: true });
      },
    };
  }
  throw new LocalError('ERR_LIMIT', `${base} already has ${MAX_INSTANCES} running instances`);
}

/** The other instances of HOME/OVERLAY that are running now, with what their locks say. */
export async function liveInstances(overlayDir: string, except: number): Promise<InstanceInfo[]> {
  const base = join(overlayDir, INSTANCES_DIR);
  let names: string[];
  try {
    names = await readdir(base);
  } catch {
    return [];
  }
  const out: InstanceInfo[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n) || Number(n) === except) continue;
    const info = await readLock(join(base, n, LOCK_FILE));
    if (info !== undefined && isAlive(info.pid)) out.push(info);
  }
  return out;
}
