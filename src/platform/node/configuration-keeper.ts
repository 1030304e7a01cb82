import { readFile } from 'node:fs/promises';
import { minute } from '../../core/clock.js';
import { errorMessage, isLocalError, LocalError } from '../../core/errors.js';
import { nodeIdToHex } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { parseOverlayConfig } from '../../reload/config/parse.js';
import type { InstalledConfiguration } from '../../reload/node/config-update.js';
import type { ReloadNode } from '../../reload/node.js';
import { verifyConfigurationDocument } from '../../reload/security/config-signature.js';
import type { NodeDriver } from './driver.js';
import { fetchCurrentDocument } from './enroll.js';
import { ioError, writeAtomically } from './identity-files.js';

/**
 * The configuration document in force for a running peer (RFC 6940 §11.1, §6.5.4), on the platform side:
 * overlay.xml is read and verified at start; a newer document the node installed (a ConfigUpdate, or one we
 * offered) is written back to overlay.xml and its trust settings applied; the configuration server is asked
 * for the current document when the node learns it is behind (`outdated`) and every `refreshMs`; and the
 * certificates of live links are checked again as time passes, so an expired one loses its link.
 */
export interface StartConfiguration {
  readonly config: OverlayConfig;
  /** Undefined when overlay.xml does not verify: the peer runs on it but takes no ConfigUpdate. */
  readonly installed: InstalledConfiguration | undefined;
  /** The document exactly as read (its signature covers these bytes). */
  readonly document: Uint8Array;
}

/**
 * Reads overlay.xml. A document that parses but is not signed by one of its own configuration-signers
 * (hand-edited, or from an older p2psip) is still the operator's to run (decision 0023: a file is trusted as
 * provisioned out of band), but without a verified document the node cannot check the next one.
 */
export async function readStartConfiguration(
  path: string,
  log: Logger,
  now: number,
): Promise<StartConfiguration> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw ioError('read', path, e);
  }
  let config: OverlayConfig;
  try {
    config = parseOverlayConfig(bytes).config;
  } catch (e) {
    if (isLocalError(e)) throw new LocalError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
  try {
    const v = verifyConfigurationDocument(bytes, {
      instanceName: config.instanceName,
      now,
      allowUnsigned: true,
    });
    return { config: v.config, installed: v, document: bytes };
  } catch (e) {
    if (!isLocalError(e)) throw e;
    log.warn(
      { path, reason: e.message },
      'overlay.xml does not verify: the peer runs on it but takes no ConfigUpdate',
    );
    return { config, installed: undefined, document: bytes };
  }
}

export interface KeeperOptions {
  readonly node: ReloadNode;
  readonly driver: NodeDriver;
  /** Where the document in force is kept (the identity directory's overlay.xml). */
  readonly path: string;
  readonly log: Logger;
  /** A new configuration is in force: apply its trust settings to certificates and links. */
  readonly applyTrust: (config: OverlayConfig) => void;
  /** Checks the certificates of the live links again (TlsHost.recheck). */
  readonly recheckLinks: () => void;
  /** How often to ask the configuration server for a newer document; 0 never. Default one hour. */
  readonly refreshMs?: number;
  /** How often live links' certificates are checked again. Default one minute. */
  readonly recheckMs?: number;
  /** The configuration server's current document (tests replace it). */
  readonly fetchDocument?: (config: OverlayConfig) => Promise<Uint8Array>;
}

export const DEFAULT_CONFIG_REFRESH = 60 * minute;

export class ConfigurationKeeper {
  readonly #o: KeeperOptions;
  readonly #log: Logger;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #unsubscribe: Array<() => void> = [];
  #fetching = false;
  #writes: Promise<void> = Promise.resolve();

  constructor(o: KeeperOptions) {
    this.#o = o;
    this.#log = o.log;
    const updates = o.node.configUpdates;
    if (updates !== undefined) {
      this.#unsubscribe.push(
        updates.events.on('installed', (e) => {
          this.#log.info(
            {
              sequence: e.config.sequence,
              previous: e.previousSequence,
              // The node whose ConfigUpdate brought it, or the configuration server.
              from:
                e.from === undefined ? 'configuration server' : nodeIdToHex(e.from, e.config.nodeIdLength),
              restartNeeded: e.restartNeeded,
            },
            'new configuration in force',
          );
          if (e.unsupported.length > 0) {
            this.#log.error(
              { unsupported: e.unsupported },
              'the new configuration asks for what p2psip lacks',
            );
          }
          this.#store(e.document);
          o.applyTrust(e.config);
          o.recheckLinks();
        }),
        updates.events.on('outdated', (e) => {
          this.#log.info({ theirs: e.theirs, ours: e.ours }, 'fetching the newer configuration');
          void this.refresh();
        }),
      );
    }
    const refresh = o.refreshMs ?? DEFAULT_CONFIG_REFRESH;
    if (refresh > 0 && updates !== undefined)
      this.#timers.push(setInterval(() => void this.refresh(), refresh));
    this.#timers.push(setInterval(() => o.recheckLinks(), o.recheckMs ?? minute));
  }

  /** The configuration in force. */
  get config(): OverlayConfig | undefined {
    return this.#o.node.configUpdates?.config;
  }

  /**
   * Asks the configuration server for the current document and offers it to the node when it is newer
   * (RFC 6940 §6.5.4.2: the recovery of a node that is behind "is to attempt to retrieve a new
   * Configuration Document, typically by the mechanisms used for initial bootstrapping").
   */
  async refresh(): Promise<void> {
    const updates = this.#o.node.configUpdates;
    if (updates === undefined || this.#fetching || updates.config.enrollmentServers.length === 0) return;
    this.#fetching = true;
    try {
      const fetch = this.#o.fetchDocument ?? ((c: OverlayConfig) => fetchCurrentDocument(c, 10_000));
      const document = await fetch(updates.config);
      if (sequenceOf(document, updates.config.instanceName) === updates.config.sequence) return;
      this.#o.driver.run('configuration offer', (now) => {
        try {
          updates.offer(document, now);
        } catch (e) {
          if (!isLocalError(e)) throw e;
          this.#log.warn({ reason: e.message }, 'the configuration server sent a document we do not accept');
        }
      });
    } catch (e) {
      this.#log.warn({ reason: errorMessage(e) }, 'cannot fetch the configuration document');
    } finally {
      this.#fetching = false;
    }
  }

  #store(document: Uint8Array): void {
    // In order, so the newest document is the one left on disk.
    this.#writes = this.#writes.then(() =>
      writeAtomically(this.#o.path, document, 0o644).catch((e: unknown) =>
        this.#log.error({ reason: errorMessage(e) }, 'cannot store the new configuration'),
      ),
    );
  }

  /** Stops the timers and waits for the last document to be written. */
  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    for (const u of this.#unsubscribe) u();
    await this.#writes;
  }
}

function sequenceOf(document: Uint8Array, instanceName: string): number | undefined {
  try {
    return parseOverlayConfig(document, instanceName).config.sequence;
  } catch {
    return undefined;
  }
}
