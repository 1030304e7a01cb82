import { X509Certificate } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesEqual } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { nodeIdToHex } from '../../core/ids.js';
import { ipFamily } from '../../core/ip.js';
import { CONFIG_PATH, MEDIA } from '../../enrollment/protocol.js';
import { certificateUserName } from '../../enrollment/users.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { parseOverlayConfig } from '../../reload/config/parse.js';
import { DEFAULT_KEY_ALGORITHM } from '../../reload/security/algorithms.js';
import { certificateFromPem, certificateToPem } from '../../reload/security/certificate.js';
import { verifyConfigurationDocument } from '../../reload/security/config-signature.js';
import { identityFromParts } from '../../reload/security/identity.js';
import {
  generateKeyPair,
  keyPairFromPrivateKey,
  privateKeyFromPem,
  privateKeyToPem,
} from '../../reload/security/keys.js';
import { obtainCertificate, rootPems } from './enrollment-client.js';
import { httpsRequest } from './https-client.js';
import { CERT_FILE, exists, KEY_FILE, OVERLAY_FILE, readText, writeAtomically } from './identity-files.js';
import { readOptional } from './overlay-authority.js';

/**
 * `p2psip enroll` (RFC 6940 §11.2, §11.3): get the configuration, check its signature, make (or reuse) a
 * key, send a CSR with the user's name and password, check the certificate that comes back, and write
 * DIR/node.key, DIR/node.crt and DIR/overlay.xml.
 *
 * Trust in the first document (docs/decisions/0024-enrollment-service.md): a FILE is trusted as the
 * operator's out-of-band provisioning; a URL needs either `caFile` (the overlay CA's certificate, obtained
 * out of band: the server must present a certificate from it and the document must list it as root-cert) or
 * `insecureTrust` (trust on first use: any server certificate is accepted for this one fetch, and is then
 * checked against the root-cert of the document it served). Every later request is verified against the
 * document's root-certs.
 */
export interface EnrollOptions {
  /** An https URL of the configuration server, or a path to a configuration document. */
  readonly config: string;
  readonly user: string;
  readonly password: string;
  readonly out: string;
  readonly insecureTrust?: boolean;
  readonly caFile?: string;
  readonly timeoutMs?: number;
}

export interface EnrollResult {
  readonly overlay: string;
  readonly nodeId: string;
  readonly userName: string;
  readonly keyReused: boolean;
  /** SHA-256 of the root-cert trusted on first use, when that is how the document was trusted. */
  readonly trustedOnFirstUse?: string;
  readonly files: readonly string[];
}

interface FetchedDocument {
  readonly document: Uint8Array;
  readonly config: OverlayConfig;
  readonly trustedOnFirstUse?: string;
}

const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);

/** The document, checked: one configuration, signed by its own configuration-signer under its root-cert. */
function verifyFirst(document: Uint8Array, now: number): OverlayConfig {
  const name = parseOverlayConfig(document).config.instanceName;
  const { config } = verifyConfigurationDocument(document, { instanceName: name, now });
  if (config.rootCerts.length === 0) {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `overlay ${name} has no root-cert: it does not enrol (self-signed?)`,
    );
  }
  return config;
}

async function caAnchors(caFile: string | undefined): Promise<Uint8Array[] | undefined> {
  if (caFile === undefined) return undefined;
  const pem = await readText(caFile, 'read');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new LocalError('ERR_BAD_INPUT', `${caFile} holds no PEM certificate`);
  return blocks.map((b) => certificateFromPem(b));
}

/** RFC 2818 §3.1 with the document's roots: issued by a root-cert, valid now, for this host. */
function checkServerCertificate(
  der: Uint8Array | undefined,
  config: OverlayConfig,
  host: string,
  now: number,
): void {
  if (der === undefined) throw new LocalError('ERR_BAD_CERT', 'the server presented no certificate');
  const leaf = new X509Certificate(der);
  const issued = config.rootCerts.some((r) => {
    const root = new X509Certificate(r);
    return leaf.checkIssued(root) && leaf.verify(root.publicKey);
  });
  const valid = now >= Date.parse(leaf.validFrom) && now <= Date.parse(leaf.validTo);
  const named =
    ipFamily(host) === undefined ? leaf.checkHost(host) !== undefined : leaf.checkIP(host) !== undefined;
  if (!issued || !valid || !named) {
    throw new LocalError(
      'ERR_BAD_CERT',
      `the server's certificate is not ${!issued ? "from the document's root-cert" : !valid ? 'valid now' : `for ${host}`}: refusing what it served`,
    );
  }
}

async function fetchDocument(o: EnrollOptions, now: number): Promise<FetchedDocument> {
  const anchors = await caAnchors(o.caFile);
  const checkAnchor = (config: OverlayConfig): void => {
    if (anchors !== undefined && !anchors.some((a) => config.rootCerts.some((r) => bytesEqual(a, r)))) {
      throw new LocalError('ERR_BAD_CERT', `the document's root-cert is not the CA in ${o.caFile}`);
    }
  };
  if (!isUrl(o.config)) {
    const document = await readOptional(o.config);
    if (document === undefined) throw new LocalError('ERR_BAD_INPUT', `${o.config} does not exist`);
    const config = verifyFirst(document, now);
    checkAnchor(config);
    return { document, config };
  }
  const url = new URL(o.config);
  if (url.protocol !== 'https:')
    throw new LocalError('ERR_BAD_INPUT', `--config ${o.config}: want an https: URL`);
  if (url.pathname === '' || url.pathname === '/') url.pathname = CONFIG_PATH;
  if (anchors === undefined && o.insecureTrust !== true) {
    throw new LocalError(
      'ERR_BAD_USAGE',
      '--config URL needs --ca FILE (the overlay CA) or --insecure-trust',
    );
  }
  const pems = anchors?.map((a) => certificateToPem(a));
  const res = await httpsRequest(url, {
    method: 'GET',
    headers: { Accept: MEDIA.config },
    trust: pems ?? 'none',
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
  });
  if (res.status !== 200) throw new LocalError('ERR_REMOTE', `${url.href} answered ${res.status}`);
  const config = verifyFirst(res.body, now);
  checkAnchor(config);
  // Trust on first use: the server's certificate must come from the root-cert of the very document it
  // served, so a man in the middle would have to forge a whole signed overlay to be believed.
  if (anchors === undefined)
    checkServerCertificate(res.peerCertificate, config, url.hostname.replace(/^\[(.*)\]$/, '$1'), now);
  const root = config.rootCerts[0] ?? new Uint8Array();
  return {
    document: res.body,
    config,
    ...(anchors === undefined ? { trustedOnFirstUse: fingerprint(root) } : {}),
  };
}

/**
 * The configuration server's current document, for a node that learnt it is behind (the `outdated` event
 * of ConfigUpdates): GET /.well-known/reload-config at the host of the document's enrollment-server, the
 * server checked against the root-certs we hold. RFC 6940 §11.2 would find the server by DNS SRV on the
 * overlay name; p2psip serves both from one place. The caller verifies the bytes (ConfigUpdates.offer).
 */
export async function fetchCurrentDocument(config: OverlayConfig, timeoutMs?: number): Promise<Uint8Array> {
  const server = config.enrollmentServers[0];
  if (server === undefined) {
    throw new LocalError('ERR_NOT_FOUND', `overlay ${config.instanceName} names no enrollment-server`);
  }
  const url = new URL(CONFIG_PATH, server);
  const res = await httpsRequest(url, {
    method: 'GET',
    headers: { Accept: MEDIA.config },
    trust: rootPems(config),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (res.status !== 200) throw new LocalError('ERR_REMOTE', `${url.href} answered ${res.status}`);
  return res.body;
}

function fingerprint(der: Uint8Array): string {
  return new X509Certificate(der).fingerprint256;
}

export async function enroll(o: EnrollOptions): Promise<EnrollResult> {
  const now = Date.now();
  const { document, config, trustedOnFirstUse } = await fetchDocument(o, now);
  const keyPath = join(o.out, KEY_FILE);
  const certPath = join(o.out, CERT_FILE);
  // The same device keeps its key, so the server gives it back its Node-ID (RFC 6940 §11.3).
  const keyReused = await exists(keyPath);
  const keys = keyReused
    ? await keyPairFromPrivateKey(privateKeyFromPem(await readText(keyPath, 'read')))
    : await generateKeyPair(DEFAULT_KEY_ALGORITHM);
  const cert = await obtainCertificate({
    config,
    user: o.user,
    password: o.password,
    keys,
    userName: certificateUserName(o.user, config.instanceName),
    now,
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
  });
  const identity = identityFromParts(keys.privateKey, cert);
  await mkdir(o.out, { recursive: true }).catch((e: unknown) => {
    throw new LocalError('ERR_IO', `cannot create ${o.out}: ${errorMessage(e)}`);
  });
  if (!keyReused) await writeAtomically(keyPath, privateKeyToPem(keys.privateKey), 0o600);
  await writeAtomically(certPath, certificateToPem(cert), 0o644);
  const overlayPath = join(o.out, OVERLAY_FILE);
  // The exact bytes: the document's signature covers them.
  await writeAtomically(overlayPath, document, 0o644);
  return {
    overlay: config.instanceName,
    nodeId: nodeIdToHex(identity.nodeId, config.nodeIdLength),
    userName: identity.userName,
    keyReused,
    ...(trustedOnFirstUse === undefined ? {} : { trustedOnFirstUse }),
    files: [keyPath, certPath, overlayPath],
  };
}
