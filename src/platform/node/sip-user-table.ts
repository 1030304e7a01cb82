import { type FSWatcher, watch } from 'node:fs';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Aor } from '../../peer/adapter/aor.js';
import type { UserSigners } from '../../peer/adapter/reload-overlay.js';
import type { SipUser, UserDirectory } from '../../peer/adapter/users.js';
import { identityFromParts, type NodeIdentity } from '../../reload/security/identity.js';
import { type Signer, X509Signer } from '../../reload/security/signer.js';
import { readSipUsers, SIP_USERS_FILE, type StoredSipUser, userCertificateDer } from './sip-users-file.js';

/**
 * The users a running adapter serves, from DIR/sip-users.json: the digest directory of the adapter and the
 * per-user signers of its SIP-REGISTRATION stores (decision 0013). The file is watched; a change replaces
 * the whole table at once, and a file that does not load leaves the previous table in place.
 */
export class SipUserTable implements UserDirectory, UserSigners {
  readonly #node: NodeIdentity;
  readonly #nodeIdLength: number;
  readonly #log: Logger;
  #users = new Map<Aor, { user: SipUser; stored: StoredSipUser }>();
  /** Signers are made on first use (parsing a certificate costs more than reading the file). */
  readonly #signers = new Map<Aor, Signer | null>();

  constructor(node: NodeIdentity, nodeIdLength: number, log: Logger) {
    this.#node = node;
    this.#nodeIdLength = nodeIdLength;
    this.#log = log;
  }

  replace(users: readonly StoredSipUser[]): void {
    const next = new Map<Aor, { user: SipUser; stored: StoredSipUser }>();
    for (const s of users) {
      const h = s.ha1;
      const user: SipUser = {
        aor: s.aor,
        realm: s.realm,
        // RFC 7616 §3.4.2: the "-sess" algorithms start from the same stored HA1.
        ha1: { MD5: h.MD5, 'MD5-sess': h.MD5, 'SHA-256': h['SHA-256'], 'SHA-256-sess': h['SHA-256'] },
      };
      next.set(s.aor, { user, stored: s });
    }
    for (const [aor, old] of this.#users) {
      if (next.get(aor)?.stored.certificate !== old.stored.certificate) this.#signers.delete(aor);
    }
    this.#users = next;
  }

  get size(): number {
    return this.#users.size;
  }

  byAor(aor: Aor): SipUser | undefined {
    return this.#users.get(aor)?.user;
  }

  all(): readonly SipUser[] {
    return [...this.#users.values()].map((e) => e.user);
  }

  signerFor(aor: Aor): Signer | undefined {
    const cached = this.#signers.get(aor);
    if (cached !== undefined) return cached ?? undefined;
    const e = this.#users.get(aor);
    if (e === undefined) return undefined;
    let signer: Signer | null = null;
    try {
      const identity = identityFromParts(this.#node.privateKey, userCertificateDer(e.stored));
      // USER-NODE-MATCH (RFC 6940 §7.3.3): the dictionary key is our Node-ID, so the certificate must carry it.
      if (identity.nodeId !== this.#node.nodeId) throw new Error('its Node-ID is not this node’s');
      if (identity.userName !== aor) throw new Error(`its user name is ${identity.userName}`);
      signer = new X509Signer(identity, this.#nodeIdLength);
    } catch (err) {
      this.#log.warn(
        { aor, error: errorMessage(err) },
        'sip users: unusable certificate, not publishing this user',
      );
    }
    this.#signers.set(aor, signer);
    return signer ?? undefined;
  }
}

/** Loads DIR/sip-users.json into the table now and on every change, until `close()`. */
export async function watchSipUsers(
  dir: string,
  table: SipUserTable,
  log: Logger,
): Promise<{ close(): void }> {
  table.replace(await readSipUsers(dir));
  let timer: NodeJS.Timeout | undefined;
  let reading = Promise.resolve();
  const reload = (): void => {
    reading = reading.then(async () => {
      try {
        const users = await readSipUsers(dir);
        table.replace(users);
        log.info({ users: users.length }, 'sip users: reloaded');
      } catch (e) {
        log.warn({ error: errorMessage(e) }, 'sip users: the file did not load; keeping the previous users');
      }
    });
  };
  let watcher: FSWatcher | undefined;
  try {
    // The file is replaced by a rename: watch the directory, not the file.
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name !== null && name !== SIP_USERS_FILE) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 100);
    });
    watcher.on('error', (e) => log.warn({ error: e.message }, 'sip users: cannot watch the directory'));
  } catch (e) {
    log.warn(
      { error: errorMessage(e) },
      'sip users: cannot watch the directory; restart the peer after changes',
    );
  }
  return {
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
