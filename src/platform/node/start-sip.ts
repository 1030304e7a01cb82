import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { nodeIdToHex } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import type { HostPort } from '../../reload/node/attach.js';
import { loadOrCreateIdentity } from './identity-files.js';
import type { PeerSipOptions } from './peer-runtime.js';
import { addSipUsers, checkAor, issuerFor, readSipUsers } from './sip-users-file.js';

/**
 * The SIP side of `p2psip start` (DESIGN §4): SIP on 127.0.0.1:5060 or the next free port pair (UDP and
 * TCP on the port, TLS on the one after), and a first user for the softphone, made on the first run with a
 * generated password that is shown once (sip-users.json keeps only its HA1).
 */
export const SIP_PORT = 5060;
const SIP_PORT_ATTEMPTS = 50;

export interface StartSip {
  readonly options: PeerSipOptions;
  /** The first user's AOR (user@overlay). */
  readonly user: string;
  /** Only when this run created the user. */
  readonly password?: string;
}

export interface StartSipOptions {
  readonly identityDir: string;
  readonly config: OverlayConfig;
  /** Default 127.0.0.1:5060, or the next free pair. */
  readonly listen?: HostPort;
  /** The first user's name (before the @); default the login name and 4 hex digits of the Node-ID. */
  readonly userName?: string;
  readonly newKey?: Promise<KeyObject>;
  readonly log: Logger;
}

export async function prepareStartSip(o: StartSipOptions): Promise<StartSip> {
  // The user's certificate is over the node's key (decision 0013): make the identity now if it is new.
  const { identity } = await loadOrCreateIdentity(
    o.identityDir,
    o.config,
    o.newKey === undefined ? {} : { newKey: o.newKey },
  );
  const listen = o.listen ?? { host: '127.0.0.1', port: await freeSipPort('127.0.0.1', SIP_PORT) };
  const users = await readSipUsers(o.identityDir);
  const first = users[0];
  if (first !== undefined) return { options: { listen }, user: first.aor };
  const name = o.userName ?? defaultUserName(nodeIdToHex(identity.nodeId, o.config.nodeIdLength));
  const aor = checkAor(`${name}@${o.config.instanceName}`);
  const password = newPassword();
  await addSipUsers(o.identityDir, [{ aor, password }], issuerFor(identity, o.config, Date.now()));
  o.log.info({ user: aor }, 'sip: first user created (its password is shown once)');
  return { options: { listen }, user: aor, password };
}

/** The login name (letters, digits, `._-` only) and 4 hex digits of the Node-ID, unique on a LAN. */
export function defaultUserName(nodeIdHex: string): string {
  let login = '';
  try {
    login = userInfo().username;
  } catch {
    login = '';
  }
  const clean = login.toLowerCase().replace(/[^a-z0-9._-]/g, '');
  return `${clean === '' ? 'user' : clean}-${nodeIdHex.slice(0, 4)}`;
}

/** 15 characters from a 32-letter alphabet without look-alikes: 75 bits, typed easily into a phone. */
export function newPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789AB';
  const bytes = randomBytes(15);
  const chars = Array.from(bytes, (b) => alphabet[b & 31] ?? 'a').join('');
  return `${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10)}`;
}

/** The first port from `from` (stepping by 2) where UDP and TCP on it and TCP on the next one are free. */
export async function freeSipPort(host: string, from: number): Promise<number> {
  for (let i = 0; i < SIP_PORT_ATTEMPTS; i++) {
    const port = from + 2 * i;
    if (
      (await canBindUdp(host, port)) &&
      (await canBindTcp(host, port)) &&
      (await canBindTcp(host, port + 1))
    ) {
      return port;
    }
  }
  return 0;
}

function canBindTcp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function canBindUdp(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
