import { randomBytes } from 'node:crypto';
import { mkdir, open, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorMessage, LocalError } from '../../core/errors.js';
import { parseHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { type Beacon, instanceLabel } from '../../discovery/dns-sd.js';
import { overlayFingerprint } from '../../reload/config/fingerprint.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import type { HostPort } from '../../reload/node/attach.js';
import { verifyConfigurationDocument } from '../../reload/security/config-signature.js';
import { advertisedAddress } from './addresses.js';
import { fetchConfiguration } from './config-endpoint.js';
import { exists, OVERLAY_FILE } from './identity-files.js';
import { createOverlayDirectory, readOptional, SIGNER_KEY_FILE } from './overlay-authority.js';
import { liveInstances } from './start-home.js';

/**
 * How `p2psip start` gets its overlay's document: the one already in HOME/OVERLAY, or one fetched from a
 * peer of that overlay found on the LAN (checked: signed, and of the fingerprint the peer announced), or a
 * new self-signed overlay created here when nothing was found. While it looks, it announces itself on the
 * LAN as "seeking" with a random tie-break, so that of several homes started at once only one creates the
 * overlay and the others join it.
 */
export interface FindOverlayOptions {
  readonly name: string;
  readonly overlayDir: string;
  /** `--create`: a new overlay even if this home has one (it replaces it). */
  readonly create: boolean;
  /**
   * Whether a home with no document may create one when the LAN offers none. Not when the user named
   * peers to join (`--bootstrap`, `--bootstrap-server`): that overlay exists, and a new one of its name
   * would be a foreign overlay to it.
   */
  readonly mayCreate: boolean;
  readonly lan: LanView | undefined;
  /** How long to listen on the LAN before deciding (ms). */
  readonly windowMs: number;
  readonly instance: number;
  readonly log: Logger;
  /** Ctrl-C while looking: give up at once (ERR_CLOSED). */
  readonly signal?: AbortSignal;
}

/** What the finder needs of LAN discovery (a LanHost). */
export interface LanView {
  beacons(): Beacon[];
  advertise(beacon: Beacon | undefined): void;
}

export interface FoundOverlay {
  readonly path: string;
  readonly config: OverlayConfig;
  readonly fingerprint: string;
  readonly origin: 'home' | 'created' | 'lan';
  /** This home created the overlay (it holds the configuration signer): it may start it alone. */
  readonly founder: boolean;
  /** Where peers of this overlay accept links: sibling instances, then LAN peers heard so far. */
  readonly peers: readonly HostPort[];
}

const POLL_MS = 200;
/** Seekers with a smaller tie-break get this long to create the overlay before we give up on them. */
const SEEKER_GRACE_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One poll of a wait loop: sleeps, or throws when the user asked to stop. */
async function pause(o: FindOverlayOptions): Promise<void> {
  if (o.signal?.aborted === true) {
    throw new LocalError('ERR_CLOSED', `stopped while looking for overlay ${o.name}`);
  }
  await sleep(POLL_MS);
  // Timers run before the poll phase: after a stall (a loaded machine) read the packets already waiting
  // before deciding anything, or a deadline could pass with a peer's announcement unread in the socket.
  await new Promise((resolve) => setImmediate(resolve));
}

export async function findOverlay(o: FindOverlayOptions): Promise<FoundOverlay> {
  const path = join(o.overlayDir, OVERLAY_FILE);
  if (o.create) {
    await createOverlay(o);
    return found(o, path, 'created');
  }
  if (await exists(path)) return found(o, path, 'home');
  const tiebreak = randomBytes(8).toString('hex');
  o.lan?.advertise({
    instance: instanceLabel(tiebreak),
    overlay: o.name,
    fingerprint: '',
    state: 'seeking',
    address: (await advertisedAddress({ host: '0.0.0.0', port: 0 }, [])).host,
    port: 0,
    tiebreak,
  });
  try {
    let origin: FoundOverlay['origin'] | undefined;
    const deadline = Date.now() + o.windowMs;
    const refused = new Set<string>();
    const seekers = new SmallerSeekers(o, tiebreak);
    while (origin === undefined) {
      if (await exists(path)) origin = 'home';
      else if (await fetchFromLan(o, path, refused)) origin = 'lan';
      else if (!seekers.waiting() && Date.now() >= deadline) {
        if (!o.mayCreate) throw noDocument(o);
        o.log.info(
          {
            overlay: o.name,
            heard: (o.lan?.beacons() ?? []).map((b) => `${b.instance} ${b.overlay} ${b.state}`),
          },
          'lan: no peer of this overlay found: creating it',
        );
        await createOverlay(o);
        origin = 'created';
      } else await pause(o);
    }
    return await found(o, path, origin);
  } finally {
    o.lan?.advertise(undefined);
  }
}

function noDocument(o: FindOverlayOptions): LocalError {
  return new LocalError(
    'ERR_NOT_FOUND',
    `no document of overlay ${o.name} in ${o.overlayDir} and none offered on the LAN: to join it through ` +
      `--bootstrap or --bootstrap-server, put its overlay.xml there (or p2psip enroll); --create makes a new overlay`,
  );
}

/** LAN peers of this very overlay that are in it (joined). */
function lanPeers(o: FindOverlayOptions, fingerprint: string): HostPort[] {
  return (o.lan?.beacons() ?? [])
    .filter((b) => b.state === 'joined' && b.fingerprint === fingerprint && sameOverlay(b, o.name))
    .map((b) => ({ host: b.address, port: b.port }));
}

/**
 * Another seeker of the same overlay with a smaller tie-break creates it; we give it SEEKER_GRACE_MS from
 * when we first heard it. Its seeking instance says goodbye before its running one is announced, so
 * having heard it counts, not only hearing it now.
 */
class SmallerSeekers {
  #since: number | undefined;

  constructor(
    private readonly o: FindOverlayOptions,
    private readonly ours: string,
  ) {}

  waiting(): boolean {
    const now = Date.now();
    const heard = (this.o.lan?.beacons() ?? []).some(
      (b) => b.state === 'seeking' && sameOverlay(b, this.o.name) && (b.tiebreak ?? '') < this.ours,
    );
    if (heard && this.#since === undefined) this.#since = now;
    return this.#since !== undefined && now < this.#since + SEEKER_GRACE_MS;
  }
}

function sameOverlay(b: Beacon, name: string): boolean {
  return b.overlay.toLowerCase() === name.toLowerCase();
}

/**
 * Fetches the document from a LAN peer of the overlay that serves it, joined ones first. Of several
 * overlays with our name (a foreign one), the one most peers announce wins; ties go to the smaller
 * fingerprint, so every seeker picks the same.
 */
async function fetchFromLan(o: FindOverlayOptions, path: string, refused: Set<string>): Promise<boolean> {
  const offerOf = (b: Beacon): string => `${b.address}|${b.configPort}|${b.fingerprint}`;
  const offers = (o.lan?.beacons() ?? []).filter(
    (b) =>
      b.state !== 'seeking' &&
      b.configPort !== undefined &&
      sameOverlay(b, o.name) &&
      !refused.has(offerOf(b)),
  );
  if (offers.length === 0) return false;
  const count = new Map<string, number>();
  for (const b of offers) count.set(b.fingerprint, (count.get(b.fingerprint) ?? 0) + 1);
  const [fingerprint] = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [''];
  if (count.size > 1) {
    o.log.warn(
      { overlay: o.name, fingerprints: [...count.keys()], chosen: fingerprint },
      'lan: several overlays with this name',
    );
  }
  const sorted = offers
    .filter((b) => b.fingerprint === fingerprint)
    .sort((a, b) => Number(b.state === 'joined') - Number(a.state === 'joined'));
  for (const b of sorted) {
    try {
      const document = await fetchConfiguration(b.address, b.configPort ?? 0);
      const { config } = verifyConfigurationDocument(document, { instanceName: o.name, now: Date.now() });
      if (overlayFingerprint(config) !== b.fingerprint) {
        throw new LocalError('ERR_BAD_CONFIG', 'the document is not of the fingerprint its peer announced');
      }
      await writeExclusive(path, document);
      o.log.info(
        { from: `${b.address}:${b.configPort}`, overlay: o.name, fingerprint, sequence: config.sequence },
        'lan: got the overlay document from a peer',
      );
      return true;
    } catch (e) {
      // Not asked again: a peer that serves a bad document would otherwise be asked every poll.
      refused.add(offerOf(b));
      o.log.warn({ from: b.address, reason: errorMessage(e) }, 'lan: document not usable');
    }
  }
  return false;
}

/** Keeps a document another instance of this home wrote first: the home has one overlay per name. */
async function writeExclusive(path: string, document: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    const f = await open(path, 'wx', 0o644);
    await f.writeFile(document);
    await f.close();
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
  }
}

/**
 * A new self-signed overlay in HOME/OVERLAY. `.creating` (a directory: mkdir is atomic) keeps two
 * instances of one home from creating two overlays; one left by a crash is taken over after a minute.
 */
async function createOverlay(o: FindOverlayOptions): Promise<void> {
  const guard = join(o.overlayDir, '.creating');
  await mkdir(o.overlayDir, { recursive: true });
  for (;;) {
    try {
      await mkdir(guard);
      break;
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
      const age =
        Date.now() -
        (await stat(guard)
          .then((s) => s.mtimeMs)
          .catch(() => Date.now()));
      if (age > 60_000) await rmdir(guard).catch(() => undefined);
      else if (!o.create && (await exists(join(o.overlayDir, OVERLAY_FILE)))) return;
      else await pause(o);
    }
  }
  try {
    if (!o.create && (await exists(join(o.overlayDir, OVERLAY_FILE)))) return;
    const { config } = await createOverlayDirectory(o.overlayDir, {
      name: o.name,
      bootstrapNodes: [],
      selfSigned: true,
      enrollmentServers: [],
      now: Date.now(),
    });
    o.log.info(
      { overlay: o.name, fingerprint: overlayFingerprint(config) },
      'created a new self-signed overlay',
    );
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

async function found(
  o: FindOverlayOptions,
  path: string,
  origin: FoundOverlay['origin'],
): Promise<FoundOverlay> {
  const document = await readOptional(path);
  if (document === undefined) throw new LocalError('ERR_NOT_FOUND', `${path} does not exist`);
  let config: OverlayConfig;
  try {
    // Our own home's file: the signature proves it is whole; older unsigned self-signed documents pass.
    config = verifyConfigurationDocument(document, {
      instanceName: o.name,
      now: Date.now(),
      allowUnsigned: true,
    }).config;
  } catch (e) {
    throw new LocalError('ERR_BAD_CONFIG', `${path}: ${errorMessage(e)}`, { cause: e });
  }
  const fingerprint = overlayFingerprint(config);
  const founder = await exists(join(o.overlayDir, SIGNER_KEY_FILE));
  const siblings = (await liveInstances(o.overlayDir, o.instance))
    .map((i) => (i.listen === undefined ? undefined : parseHostPort(i.listen)))
    .filter((h): h is HostPort => h !== undefined && h.port !== 0);
  // A founder alone in its home may start the overlay by itself: first give the LAN a moment to say
  // whether the overlay is already running elsewhere, so it joins instead of starting a partition.
  if (origin === 'home' && founder && siblings.length === 0 && o.lan !== undefined) {
    const deadline = Date.now() + o.windowMs;
    while (Date.now() < deadline && lanPeers(o, fingerprint).length === 0) await pause(o);
  }
  return { path, config, fingerprint, origin, founder, peers: [...siblings, ...lanPeers(o, fingerprint)] };
}
