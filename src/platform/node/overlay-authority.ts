import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { utf8 } from '../../core/bytes.js';
import { isLocalError, LocalError } from '../../core/errors.js';
import { nodeIdToHex } from '../../core/ids.js';
import {
  CA_OVERLAY_LIFETIME_MS,
  NEW_OVERLAY_LIFETIME_MS,
  newCaOverlay,
  newSelfSignedOverlay,
} from '../../reload/config/new-overlay.js';
import type { BootstrapNode, OverlayConfig } from '../../reload/config/overlay-config.js';
import { parseOverlayConfig } from '../../reload/config/parse.js';
import { prepareConfigurationUpdate } from '../../reload/config/update-document.js';
import type { KeyAlgorithm } from '../../reload/security/algorithms.js';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueIdentity,
  loadCertificateAuthority,
} from '../../reload/security/ca.js';
import { certificateFromPem, certificateToPem } from '../../reload/security/certificate.js';
import {
  signBlob,
  signedOverlayDocument,
  verifyConfigurationDocument,
} from '../../reload/security/config-signature.js';
import {
  createSelfSignedIdentity,
  identityFromParts,
  type NodeIdentity,
} from '../../reload/security/identity.js';
import { privateKeyFromPem, privateKeyToPem } from '../../reload/security/keys.js';
import { X509Signer } from '../../reload/security/signer.js';
import { exists, inFile, ioError, OVERLAY_FILE, readText, writeAtomically } from './identity-files.js';

/**
 * The overlay directory of `p2psip overlay create`: overlay.xml (signed), the configuration signer's key
 * and certificate (signer.key 0600, signer.crt) and, in CA mode, the overlay CA (ca.key 0600, ca.crt).
 * `p2psip overlay update` re-signs overlay.xml with signer.key; `p2psip enrollment serve` issues
 * certificates with ca.key.
 */
export const CA_KEY_FILE = 'ca.key';
export const CA_CERT_FILE = 'ca.crt';
export const SIGNER_KEY_FILE = 'signer.key';
export const SIGNER_CERT_FILE = 'signer.crt';

/** The configuration signer's certificate lasts as long as the CA (RFC 6940 §11.1 names it by Node-ID). */
const SIGNER_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;

export interface CreateOverlayOptions {
  readonly name: string;
  readonly bootstrapNodes: readonly BootstrapNode[];
  readonly selfSigned: boolean;
  readonly enrollmentServers: readonly string[];
  readonly sharedSecret?: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** For the CA and the signer; default RSA-2048 (docs/decisions/0022-overlay-ca-keys.md). */
  readonly keyAlgorithm?: KeyAlgorithm;
}

export interface CreatedOverlay {
  readonly config: OverlayConfig;
  readonly files: readonly string[];
}

async function writeIdentity(
  dir: string,
  base: string,
  keyPem: string,
  certDer: Uint8Array,
): Promise<string[]> {
  const key = join(dir, `${base}.key`);
  const crt = join(dir, `${base}.crt`);
  await writeAtomically(key, keyPem, 0o600);
  await writeAtomically(crt, certificateToPem(certDer), 0o644);
  return [key, crt];
}

interface Parts {
  readonly signer: NodeIdentity;
  readonly config: OverlayConfig;
  readonly files: readonly string[];
}

function commonOptions(o: CreateOverlayOptions) {
  return {
    name: o.name,
    bootstrapNodes: o.bootstrapNodes,
    now: o.now,
    ...(o.sharedSecret === undefined ? {} : { sharedSecret: o.sharedSecret }),
  };
}

/** RFC 6940 §11.3.1: a self-signed Node-ID is the digest of the key, so listing it pins the signer's key. */
async function selfSignedParts(o: CreateOverlayOptions, alg: KeyAlgorithm, userName: string): Promise<Parts> {
  const signer = await createSelfSignedIdentity({
    overlay: o.name,
    digest: 'sha256',
    nodeIdLength: 16,
    now: o.now,
    keyAlgorithm: alg,
    userName,
    validityMs: NEW_OVERLAY_LIFETIME_MS,
  });
  const config = newSelfSignedOverlay({
    ...commonOptions(o),
    configurationSigners: [nodeIdToHex(signer.nodeId)],
  });
  return { signer, config, files: [] };
}

/** The overlay CA (written now) and a configuration signer it issues. */
async function caParts(
  dir: string,
  o: CreateOverlayOptions,
  alg: KeyAlgorithm,
  userName: string,
): Promise<Parts> {
  const ca = await createCertificateAuthority({ overlay: o.name, now: o.now, keyAlgorithm: alg });
  const files = await writeIdentity(dir, 'ca', privateKeyToPem(ca.keys.privateKey), ca.certificate.der);
  const signer = await issueIdentity(ca, {
    overlay: o.name,
    nodeIdLength: 16,
    userName,
    now: o.now,
    validityMs: SIGNER_VALIDITY_MS,
    keyAlgorithm: alg,
  });
  const config = newCaOverlay({
    ...commonOptions(o),
    rootCert: ca.certificate.der,
    enrollmentServers: o.enrollmentServers,
    configurationSigners: [nodeIdToHex(signer.nodeId)],
  });
  return { signer, config, files };
}

export async function createOverlayDirectory(dir: string, o: CreateOverlayOptions): Promise<CreatedOverlay> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw ioError('create', dir, e);
  });
  const alg = o.keyAlgorithm ?? 'rsa-2048';
  const userName = `configuration-signer@${o.name}`;
  const files: string[] = [];
  const made = o.selfSigned ? await selfSignedParts(o, alg, userName) : await caParts(dir, o, alg, userName);
  const { signer, config } = made;
  files.push(...made.files);
  files.push(
    ...(await writeIdentity(dir, 'signer', privateKeyToPem(signer.privateKey), signer.certificate.der)),
  );
  const xml = signedOverlayDocument(config, new X509Signer(signer, config.nodeIdLength));
  // What we write must verify; a failure here is a bug, not bad input.
  verifyConfigurationDocument(utf8(xml), { instanceName: o.name, now: o.now });
  const path = join(dir, OVERLAY_FILE);
  await writeAtomically(path, xml, 0o644);
  return { config, files: [path, ...files] };
}

/** The overlay CA from DIR/ca.key and DIR/ca.crt. */
export async function loadAuthority(dir: string): Promise<CertificateAuthority> {
  const keyPath = join(dir, CA_KEY_FILE);
  const certPath = join(dir, CA_CERT_FILE);
  const [keyPem, certPem] = [await readText(keyPath, 'read'), await readText(certPath, 'read')];
  const der = inFile(certPath, () => certificateFromPem(certPem));
  const key = inFile(keyPath, () => privateKeyFromPem(keyPem));
  return loadCertificateAuthority(key, der).catch((e: unknown) => {
    throw isLocalError(e) ? new LocalError(e.code, `${certPath}: ${e.message}`, { cause: e }) : e;
  });
}

/** The configuration signer from DIR/signer.key and DIR/signer.crt. */
export async function loadSigner(dir: string): Promise<NodeIdentity> {
  const keyPath = join(dir, SIGNER_KEY_FILE);
  const certPath = join(dir, SIGNER_CERT_FILE);
  const [keyPem, certPem] = [await readText(keyPath, 'read'), await readText(certPath, 'read')];
  return inFile(certPath, () => identityFromParts(privateKeyFromPem(keyPem), certificateFromPem(certPem)));
}

export interface UpdatedOverlay {
  readonly path: string;
  readonly instanceName: string;
  readonly previousSequence: number;
  readonly sequence: number;
}

/**
 * `p2psip overlay update`: bumps the sequence of DIR/overlay.xml (RFC 6940 §6.3.2.1: 65534 is followed
 * by 0), renews its expiration and signs it again with DIR/signer.key. A document that does not parse, or
 * that no longer lists our signer (peers could never take a later update from us), is refused.
 */
export async function updateOverlayDirectory(dir: string, now: number): Promise<UpdatedOverlay> {
  const path = join(dir, OVERLAY_FILE);
  const text = await readText(path, 'read');
  const caMode = await exists(join(dir, CA_CERT_FILE));
  const prepared = inFile(path, () =>
    prepareConfigurationUpdate(text, {
      expiration: now + (caMode ? CA_OVERLAY_LIFETIME_MS : NEW_OVERLAY_LIFETIME_MS),
    }),
  );
  const signer = await loadSigner(dir);
  const { config } = inFile(path, () =>
    parseOverlayConfig(prepared.withSignatures([]), prepared.instanceName),
  );
  const hex = nodeIdToHex(signer.nodeId, config.nodeIdLength);
  if (!config.configurationSigners.includes(hex)) {
    throw new LocalError(
      'ERR_BAD_INPUT',
      `${path} no longer lists our signer ${hex} as a configuration-signer: peers could not take a later update from us`,
    );
  }
  const signature = signBlob(new X509Signer(signer, config.nodeIdLength), utf8(prepared.configuration));
  const out = prepared.withSignatures([signature]);
  inFile(path, () => verifyConfigurationDocument(utf8(out), { instanceName: prepared.instanceName, now }));
  await writeAtomically(path, out, 0o644);
  return {
    path,
    instanceName: prepared.instanceName,
    previousSequence: prepared.previousSequence,
    sequence: prepared.sequence,
  };
}

/** Reads a file's bytes, or undefined when it does not exist. */
export async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return undefined;
    throw ioError('read', path, e);
  }
}
