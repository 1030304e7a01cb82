import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger, LogLevel } from '../../core/logger.js';
import { CONFIG_DEFAULTS } from '../../reload/config/overlay-config.js';
import type { HostPort } from '../../reload/node/attach.js';
import { DEFAULT_KEY_ALGORITHM } from '../../reload/security/algorithms.js';
import { generateKeyPair } from '../../reload/security/keys.js';
import { startBootstrappedPeer } from './bootstrapped-peer.js';
import { exists, KEY_FILE } from './identity-files.js';
import { LanHost } from './lan-host.js';
import { createLogger } from './logger.js';
import { type FoundOverlay, findOverlay } from './overlay-finder.js';
import type { PeerRuntime } from './peer-runtime.js';
import { type Instance, lockInstance } from './start-home.js';
import { prepareStartSip } from './start-sip.js';

/**
 * Everything `p2psip start` runs below its control API (DESIGN §4): an instance of the data directory, LAN
 * discovery, the overlay's document (found, fetched or created), the peer, the endpoint serving the
 * document to the LAN, and the bootstrap methods. The CLI adds the control API and the output.
 */
export interface ZeroConfigOptions {
  readonly home: string;
  readonly overlay: string;
  readonly create: boolean;
  readonly lan: boolean;
  /** Default 0.0.0.0:6084, or the next free port. */
  readonly listen?: HostPort;
  readonly bootstrap: readonly HostPort[];
  readonly bootstrapServers: readonly URL[];
  readonly level: LogLevel;
  readonly softwareVersion: string;
  /** How long to listen on the LAN before creating an overlay (ms). */
  readonly discoveryWindowMs?: number;
  /** Aborted by Ctrl-C: a start still looking for its overlay gives up (ERR_CLOSED). */
  readonly signal?: AbortSignal;
  /** The SIP adapter (default 127.0.0.1:5060 or the next free port, a first user), or false for none. */
  readonly sip: { readonly listen?: HostPort; readonly userName?: string } | false;
}

export interface ZeroConfigPeer {
  readonly peer: PeerRuntime;
  readonly instance: Instance;
  readonly found: FoundOverlay;
  readonly logPath: string;
  readonly log: Logger;
  /** The softphone's user (AOR), and its password on the run that created it. */
  readonly sipUser: { readonly user: string; readonly password?: string } | undefined;
  stop(): Promise<void>;
}

/** RFC 6940 §11.4 makes 6084 the default; a second instance on the host takes the next free port. */
export const PORT_ATTEMPTS = 100;
const DISCOVERY_WINDOW_MS = 3_000;

export async function startZeroConfig(o: ZeroConfigOptions): Promise<ZeroConfigPeer> {
  const overlayDir = join(o.home, o.overlay);
  await mkdir(overlayDir, { recursive: true });
  const instance = await lockInstance(overlayDir);
  const logPath = join(instance.dir, 'peer.log');
  const fd = openSync(logPath, 'a', 0o644);
  const log = createLogger({ level: o.level, fd, base: { instance: instance.index } });
  const undo: Array<() => Promise<void> | void> = [() => instance.release(), () => closeSync(fd)];
  try {
    // RFC 6940 §11.3.1: a self-signed node makes its own key; start on it while we look for the overlay.
    const newKey = (await exists(join(instance.dir, KEY_FILE)))
      ? undefined
      : generateKeyPair(DEFAULT_KEY_ALGORITHM).then((k) => k.privateKey);
    newKey?.catch(() => undefined);
    const lan = o.lan ? await LanHost.open({ log: log.child({ part: 'lan' }) }) : undefined;
    if (lan !== undefined) undo.unshift(() => lan.close());
    const found = await findOverlay({
      name: o.overlay,
      overlayDir,
      create: o.create,
      mayCreate: o.bootstrap.length === 0 && o.bootstrapServers.length === 0,
      lan,
      windowMs: o.discoveryWindowMs ?? DISCOVERY_WINDOW_MS,
      instance: instance.index,
      log,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
    const sip =
      o.sip === false
        ? undefined
        : await prepareStartSip({
            identityDir: instance.dir,
            config: found.config,
            log,
            ...(o.sip.listen === undefined ? {} : { listen: o.sip.listen }),
            ...(o.sip.userName === undefined ? {} : { userName: o.sip.userName }),
            ...(newKey === undefined ? {} : { newKey }),
          });
    const listen = o.listen ?? { host: '0.0.0.0', port: CONFIG_DEFAULTS.bootstrapPort };
    const running = await startBootstrappedPeer({
      identityDir: instance.dir,
      overlayFile: found.path,
      listen,
      listenAttempts: listen.port === 0 ? 1 : PORT_ATTEMPTS,
      bootstrap: [...found.peers, ...o.bootstrap],
      // RFC 6940 §10.5: the home that created the overlay may start it alone; any other keeps looking.
      mayStartAlone: found.founder,
      dataDir: instance.dir,
      ...(newKey === undefined ? {} : { newKey }),
      softwareVersion: o.softwareVersion,
      log,
      bootstrapServers: o.bootstrapServers,
      ...(lan === undefined ? {} : { lan }),
      ...(sip === undefined ? {} : { sip: sip.options }),
    });
    await instance.update({
      listen: formatHostPort(running.peer.listen.host, running.peer.listen.port),
      nodeId: running.peer.status().nodeId,
    });
    return {
      ...running,
      instance,
      found,
      logPath,
      log,
      sipUser:
        sip === undefined
          ? undefined
          : { user: sip.user, ...(sip.password === undefined ? {} : { password: sip.password }) },
      stop: async () => {
        await running.stop();
        for (const u of undo) await u();
      },
    };
  } catch (e) {
    log.error({ reason: errorMessage(e) }, 'start failed');
    for (const u of undo) await u();
    throw e;
  }
}
