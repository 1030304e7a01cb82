import { join } from 'node:path';
import { LocalError } from '../../core/errors.js';
import { type Aor, aorDomain, aorUser, parseAor } from '../../peer/adapter/aor.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { certificateFromPem, certificateToPem } from '../../reload/security/certificate.js';
import { type NodeIdentity, renewSelfSignedIdentity } from '../../reload/security/identity.js';
import { keyPairFromPrivateKey } from '../../reload/security/keys.js';
import { isUserName } from '../../reload/security/node-certificate.js';
import { ha1 } from '../../sip/auth/digest.js';
import { obtainCertificate } from './enrollment-client.js';
import { exists, readText, writeAtomically } from './identity-files.js';

/**
 * The SIP users of an adapter (`p2psip users add|list|remove`, docs/decisions/0013-adapter-identities.md):
 * DIR/sip-users.json, mode 0600, one entry per AOR with the digest HA1 per algorithm for the realm (the
 * AOR's domain) — never the password — and the user's certificate: the node's key and Node-ID with the
 * AOR as user name, which SIP-REGISTRATION's USER-NODE-MATCH needs (RFC 7904 §3, RFC 6940 §7.3.3).
 */
export const SIP_USERS_FILE = 'sip-users.json';

export interface StoredSipUser {
  readonly aor: Aor;
  readonly realm: string;
  /** HA1 = H(user:realm:password), hex (RFC 7616 §3.4.2); the "-sess" variants use the same value. */
  readonly ha1: { readonly MD5: string; readonly 'SHA-256': string };
  /** PEM. */
  readonly certificate: string;
}

interface SipUsersDocument {
  readonly version: 1;
  readonly users: readonly StoredSipUser[];
}

export function sipUsersPath(dir: string): string {
  return join(dir, SIP_USERS_FILE);
}

function isStoredUser(v: unknown): v is StoredSipUser {
  if (typeof v !== 'object' || v === null) return false;
  const u = v as Record<string, unknown>;
  const h = u.ha1 as Record<string, unknown> | undefined;
  return (
    typeof u.aor === 'string' &&
    parseAor(u.aor) === u.aor &&
    typeof u.realm === 'string' &&
    typeof u.certificate === 'string' &&
    typeof h === 'object' &&
    h !== null &&
    typeof h.MD5 === 'string' &&
    typeof h['SHA-256'] === 'string'
  );
}

/** Parses the file's text; anything malformed is ERR_BAD_INPUT naming the file. */
export function parseSipUsers(text: string, path: string): StoredSipUser[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new LocalError('ERR_BAD_INPUT', `${path} is not JSON`, { cause: e });
  }
  const d = doc as Partial<SipUsersDocument> | null;
  if (typeof d !== 'object' || d === null || d.version !== 1 || !Array.isArray(d.users)) {
    throw new LocalError('ERR_BAD_INPUT', `${path}: want {"version": 1, "users": [...]}`);
  }
  const users: StoredSipUser[] = [];
  for (const [i, u] of d.users.entries()) {
    if (!isStoredUser(u)) throw new LocalError('ERR_BAD_INPUT', `${path}: users[${i}] is malformed`);
    users.push(u);
  }
  return users;
}

/** The users of DIR; none when the file does not exist yet. */
export async function readSipUsers(dir: string): Promise<StoredSipUser[]> {
  const path = sipUsersPath(dir);
  if (!(await exists(path))) return [];
  return parseSipUsers(await readText(path, 'read'), path);
}

export async function writeSipUsers(dir: string, users: readonly StoredSipUser[]): Promise<void> {
  const doc: SipUsersDocument = { version: 1, users };
  // The HA1 values open every account of the realm to whoever reads them: owner only.
  await writeAtomically(sipUsersPath(dir), `${JSON.stringify(doc, null, 1)}\n`, 0o600);
}

/**
 * Where a user's certificate comes from (decision 0013): made here over the node's key in a self-signed
 * overlay; in an overlay with a CA, issued by the enrolment server to the user's credentials for the
 * node's key and Node-ID.
 */
export interface UserCertificateIssuer {
  /** A certificate (DER) over the node's key, with the node's Node-ID and `aor` as user name. */
  issue(aor: Aor, password: string): Promise<Uint8Array>;
}

/** Self-signed overlays (RFC 6940 §11.3.1): the same key gives the same Node-ID, so the adapter signs it. */
export function selfSignedIssuer(
  node: NodeIdentity,
  config: OverlayConfig,
  now: number,
): UserCertificateIssuer {
  return {
    issue: async (aor) =>
      (
        await renewSelfSignedIdentity(node.privateKey, {
          overlay: config.instanceName,
          digest: config.selfSignedDigest,
          nodeIdLength: config.nodeIdLength,
          now,
          userName: aor,
        })
      ).certificate.der,
  };
}

/**
 * Overlays with a CA: the enrolment request (RFC 6940 §11.3, as `p2psip enroll` makes it) with the user's
 * AOR and password and a CSR over the node's key. The server gives the key the Node-ID it already holds and
 * the authenticated user's name; we check both, so a server that does not know the key fails here, not at
 * the first Store. The password goes to the server once, over TLS checked against the root-certs.
 */
export function enrolmentIssuer(
  node: NodeIdentity,
  config: OverlayConfig,
  now: number,
): UserCertificateIssuer {
  return {
    issue: async (aor, password) =>
      obtainCertificate({
        config,
        user: aor,
        password,
        keys: await keyPairFromPrivateKey(node.privateKey),
        userName: aor,
        nodeId: node.nodeId,
        now,
      }),
  };
}

export function issuerFor(node: NodeIdentity, config: OverlayConfig, now: number): UserCertificateIssuer {
  return config.selfSignedPermitted
    ? selfSignedIssuer(node, config, now)
    : enrolmentIssuer(node, config, now);
}

export interface NewUser {
  readonly aor: string;
  readonly password: string;
}

/** Checks an AOR given on the command line; ERR_BAD_INPUT when it cannot name a SIP user. */
export function checkAor(text: string): Aor {
  const aor = parseAor(text);
  if (aor === undefined || !isUserName(aor)) {
    throw new LocalError(
      'ERR_BAD_INPUT',
      `${JSON.stringify(text)} is not an address of record (user@domain)`,
    );
  }
  return aor;
}

/** A user entry: HA1 for the realm (the AOR's domain, RFC 3261 §22.1) and the user's certificate. */
export async function makeSipUser(u: NewUser, issuer: UserCertificateIssuer): Promise<StoredSipUser> {
  const aor = checkAor(u.aor);
  if (u.password === '') throw new LocalError('ERR_BAD_INPUT', `${aor}: the password is empty`);
  const realm = aorDomain(aor);
  const user = aorUser(aor);
  return {
    aor,
    realm,
    ha1: { MD5: ha1(user, realm, u.password, 'MD5'), 'SHA-256': ha1(user, realm, u.password, 'SHA-256') },
    certificate: certificateToPem(await issuer.issue(aor, u.password)),
  };
}

/** Adds (or replaces) users; returns the AORs that were new. */
export async function addSipUsers(
  dir: string,
  users: readonly NewUser[],
  issuer: UserCertificateIssuer,
): Promise<{ added: Aor[]; replaced: Aor[] }> {
  const current = new Map((await readSipUsers(dir)).map((u) => [u.aor, u]));
  const added: Aor[] = [];
  const replaced: Aor[] = [];
  for (const u of users) {
    const entry = await makeSipUser(u, issuer);
    (current.has(entry.aor) ? replaced : added).push(entry.aor);
    current.set(entry.aor, entry);
  }
  await writeSipUsers(dir, [...current.values()]);
  return { added, replaced };
}

/** Removes a user; false when DIR has no such user. */
export async function removeSipUser(dir: string, aorText: string): Promise<boolean> {
  const aor = checkAor(aorText);
  const users = await readSipUsers(dir);
  const left = users.filter((u) => u.aor !== aor);
  if (left.length === users.length) return false;
  await writeSipUsers(dir, left);
  return true;
}

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END CERTIFICATE-----\s*$/;

/**
 * The DER of a stored user's certificate. Every caller parses it next (which checks it), so a plain PEM
 * block is only base64-decoded here, sparing an OpenSSL parse per user on the first Store; anything else
 * goes through the full PEM reader and its error.
 */
export function userCertificateDer(u: StoredSipUser): Uint8Array {
  const body = PEM_CERTIFICATE.exec(u.certificate)?.[1];
  if (body === undefined) return certificateFromPem(u.certificate);
  return new Uint8Array(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
}
