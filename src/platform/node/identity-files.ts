import type { KeyObject } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, isLocalError, LocalError } from '../../core/errors.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { type LoadedConfiguration, parseOverlayConfig } from '../../reload/config/parse.js';
import type { KeyAlgorithm } from '../../reload/security/algorithms.js';
import { certificateFromPem, certificateToPem } from '../../reload/security/certificate.js';
import {
  createSelfSignedIdentity,
  identityFromParts,
  type NodeIdentity,
  renewSelfSignedIdentity,
} from '../../reload/security/identity.js';
import { privateKeyFromPem, privateKeyToPem } from '../../reload/security/keys.js';
import {
  checkNodeCertificate,
  checkNodeCertificateShape,
  checkSelfSigned,
  trustSettingsFromConfig,
} from '../../reload/security/trust.js';

/**
 * The files of an identity directory (DESIGN §4): overlay.xml, node.key (PKCS#8 PEM, mode 0600) and
 * node.crt (PEM). The cores never touch files; this is where they are read and written.
 */
export const OVERLAY_FILE = 'overlay.xml';
export const KEY_FILE = 'node.key';
export const CERT_FILE = 'node.crt';

/** Renew a self-signed certificate this long before it expires. */
export const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

export function ioError(what: string, path: string, e: unknown): LocalError {
  const code = (e as { code?: unknown }).code;
  if (code === 'ENOENT')
    return new LocalError('ERR_NOT_FOUND', `${what} ${path} does not exist`, { cause: e });
  return new LocalError('ERR_IO', `cannot ${what} ${path}: ${errorMessage(e)}`, { cause: e });
}

export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw ioError(what, path, e);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return false;
    throw ioError('access', path, e);
  }
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export async function writeAtomically(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    // A leftover from a crashed run would keep its old mode; start from nothing so `mode` applies.
    await rm(tmp, { force: true });
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    throw ioError('write', path, e);
  }
}

export async function readOverlayConfig(path: string, instanceName?: string): Promise<LoadedConfiguration> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw ioError('read', path, e);
  }
  try {
    return parseOverlayConfig(bytes, instanceName);
  } catch (e) {
    if (isLocalError(e)) throw new LocalError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** True when `dir` is missing or empty. */
export async function isEmptyDirectory(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return true;
    throw ioError('read', dir, e);
  }
}

/** Writes DIR/overlay.xml (creating DIR), replacing any previous one. Returns the path. */
export async function writeOverlayConfig(dir: string, xml: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw ioError('create', dir, e);
  }
  const path = join(dir, OVERLAY_FILE);
  await writeAtomically(path, xml, 0o644);
  return path;
}

export interface IdentityOptions {
  /** Default Date.now(). */
  readonly now?: number;
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly userName?: string;
  /**
   * The key to use when the files must be made, generated ahead (an RSA key takes seconds on a small
   * machine; `p2psip start` makes it while it looks for the overlay). Unused when node.key exists.
   */
  readonly newKey?: Promise<KeyObject>;
}

export interface LoadedIdentity {
  readonly identity: NodeIdentity;
  /** What happened: the files were made now, the certificate was renewed, or both were loaded as they were. */
  readonly action: 'created' | 'renewed' | 'loaded';
  readonly keyPath: string;
  readonly certPath: string;
}

/**
 * The first step of `p2psip peer`: the node's key and certificate from DIR, made when missing and the
 * overlay permits self-signed certificates (RFC 6940 §11.3.1), renewed with the same key (so the same
 * Node-ID) when a self-signed one is about to expire. Loaded files must match each other and the overlay.
 */
export async function loadOrCreateIdentity(
  dir: string,
  config: OverlayConfig,
  options: IdentityOptions = {},
): Promise<LoadedIdentity> {
  const now = options.now ?? Date.now();
  const keyPath = join(dir, KEY_FILE);
  const certPath = join(dir, CERT_FILE);
  const [haveKey, haveCert] = await Promise.all([exists(keyPath), exists(certPath)]);
  const selfSigned = {
    overlay: config.instanceName,
    digest: config.selfSignedDigest,
    nodeIdLength: config.nodeIdLength,
    now,
    ...(options.keyAlgorithm === undefined ? {} : { keyAlgorithm: options.keyAlgorithm }),
    ...(options.userName === undefined ? {} : { userName: options.userName }),
  };
  if (!haveKey && !haveCert) {
    if (!config.selfSignedPermitted) {
      throw new LocalError(
        'ERR_NOT_FOUND',
        `${dir} has no ${KEY_FILE} and ${CERT_FILE}, and overlay ${config.instanceName} does not permit self-signed certificates: get them with p2psip enroll`,
      );
    }
    const identity =
      options.newKey === undefined
        ? await createSelfSignedIdentity(selfSigned)
        : await renewSelfSignedIdentity(await options.newKey, selfSigned);
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw ioError('create', dir, e);
    });
    await writeAtomically(keyPath, privateKeyToPem(identity.privateKey), 0o600);
    await writeAtomically(certPath, certificateToPem(identity.certificate.der), 0o644);
    return { identity, action: 'created', keyPath, certPath };
  }
  if (!haveKey || !haveCert) {
    const [has, lacks] = haveKey ? [KEY_FILE, CERT_FILE] : [CERT_FILE, KEY_FILE];
    throw new LocalError('ERR_BAD_INPUT', `${dir} has ${has} but no ${lacks}: restore it or remove both`);
  }
  const keyPem = await readText(keyPath, 'read');
  const certPem = await readText(certPath, 'read');
  const identity = inFile(certPath, () =>
    identityFromParts(privateKeyFromPem(keyPem), certificateFromPem(certPem)),
  );
  return checkLoaded(identity, config, now, { keyPath, certPath, selfSigned });
}

/** Prefixes a LocalError's message with the file it is about. */
export function inFile<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isLocalError(e)) throw new LocalError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

interface LoadContext {
  readonly keyPath: string;
  readonly certPath: string;
  readonly selfSigned: Parameters<typeof renewSelfSignedIdentity>[1];
}

async function checkLoaded(
  identity: NodeIdentity,
  config: OverlayConfig,
  now: number,
  ctx: LoadContext,
): Promise<LoadedIdentity> {
  const settings = trustSettingsFromConfig(config);
  const cert = identity.certificate;
  const { keyPath, certPath } = ctx;
  if (config.selfSignedPermitted && cert.node.verify(cert.publicKey)) {
    // RFC 6940 §11.3.1: the Node-IDs must be the key's digest under this overlay's settings.
    inFile(certPath, () => {
      checkNodeCertificateShape(cert, settings);
      checkSelfSigned(cert, settings);
    });
    if (now < cert.notBefore || now + RENEW_BEFORE_MS >= cert.notAfter) {
      const renewed = await renewSelfSignedIdentity(identity.privateKey, {
        ...ctx.selfSigned,
        userName: identity.userName,
        nodeIdCount: cert.nodeIds.length,
      });
      await writeAtomically(certPath, certificateToPem(renewed.certificate.der), 0o644);
      return { identity: renewed, action: 'renewed', keyPath, certPath };
    }
    return { identity, action: 'loaded', keyPath, certPath };
  }
  inFile(certPath, () => checkNodeCertificate(cert, settings, now));
  return { identity, action: 'loaded', keyPath, certPath };
}
