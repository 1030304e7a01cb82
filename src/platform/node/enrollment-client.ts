import { randomBytes } from 'node:crypto';
import { bytesEqual, fromUtf8, toHex } from '../../core/bytes.js';
import { errorMessage, isLocalError, LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdToHex } from '../../core/ids.js';
import { buildForm } from '../../enrollment/multipart.js';
import { describeToken, MEDIA } from '../../enrollment/protocol.js';
import type { OverlayConfig } from '../../reload/config/overlay-config.js';
import { createCertificateRequest } from '../../reload/security/ca.js';
import { certificateToPem, parseCertificate } from '../../reload/security/certificate.js';
import type { KeyPair } from '../../reload/security/keys.js';
import { checkNodeCertificate, trustSettingsFromConfig } from '../../reload/security/trust.js';
import { httpsRequest } from './https-client.js';

/**
 * The client half of the enrolment request (RFC 6940 §11.3), shared by `p2psip enroll` (a node's own
 * certificate) and `p2psip users add` in an overlay with a CA (an adapter's per-user certificates over the
 * node's key, docs/decisions/0013-adapter-identities.md): POST the user's name, password and a CSR to the
 * document's enrollment-server, the server checked against the document's root-certs, and check what comes
 * back.
 */
export interface CertificateWanted {
  readonly config: OverlayConfig;
  /** The user name sent to the server (an account, or an AOR the server maps to one). */
  readonly user: string;
  readonly password: string;
  readonly keys: KeyPair;
  /** The rfc822Name the certificate must carry. */
  readonly userName: string;
  /** The Node-ID it must carry, when the key already holds one (an adapter's user certificates). */
  readonly nodeId?: NodeId;
  readonly now: number;
  readonly timeoutMs?: number;
}

export function rootPems(config: OverlayConfig): string[] {
  return config.rootCerts.map((der) => certificateToPem(der));
}

/** The enrolment server's URL: the first enrollment-server of the document (RFC 6940 §11.1). */
export function enrollmentServer(config: OverlayConfig): string {
  const server = config.enrollmentServers[0];
  if (server === undefined) {
    throw new LocalError('ERR_BAD_CONFIG', `overlay ${config.instanceName} names no enrollment-server`);
  }
  return server;
}

/** A certificate (DER) for `w.keys`, issued by the enrolment server and checked. */
export async function obtainCertificate(w: CertificateWanted): Promise<Uint8Array> {
  const server = enrollmentServer(w.config);
  const csr = await createCertificateRequest(w.keys, w.userName);
  const der = await postEnrollment(server, w, csr);
  return checkIssued(der, w);
}

/** RFC 6940 §11.3: POST the form to the enrollment server, checked against the document's root-certs. */
async function postEnrollment(server: string, w: CertificateWanted, csr: Uint8Array): Promise<Uint8Array> {
  const form = buildForm(
    [
      { name: 'username', value: w.user },
      { name: 'password', value: w.password },
      { name: 'csr', value: csr, contentType: MEDIA.pkcs10, filename: 'node.p10' },
    ],
    `p2psip-${toHex(new Uint8Array(randomBytes(16)))}`,
  );
  const url = new URL(server);
  const res = await httpsRequest(url, {
    method: 'POST',
    headers: { 'Content-Type': form.contentType, Accept: MEDIA.pkixCert },
    body: form.body,
    trust: rootPems(w.config),
    ...(w.timeoutMs === undefined ? {} : { timeoutMs: w.timeoutMs }),
  }).catch((e: unknown) => {
    if (!isLocalError(e, 'ERR_IO') && !isLocalError(e, 'ERR_TIMEOUT')) throw e;
    // httpsRequest names the origin; the line names the whole URL once.
    const why = errorMessage(e).replace(`${url.origin}: `, '');
    throw new LocalError('ERR_IO', `no answer from the enrolment server ${url.href}: ${why}`, { cause: e });
  });
  if (res.status !== 200) throw refusal(server, w.user, res.status, res.body);
  return res.body;
}

function refusal(server: string, user: string, status: number, body: Uint8Array): LocalError {
  if (status === 401) {
    return new LocalError('ERR_FORBIDDEN', `enrolment server refused ${user}: wrong user name or password`);
  }
  let text = '';
  try {
    text = fromUtf8(body.subarray(0, 200));
  } catch {
    text = '';
  }
  const why = status === 403 || status === 400 ? describeToken(text) : `HTTP ${status} from ${server}`;
  return new LocalError(
    status === 403 ? 'ERR_FORBIDDEN' : 'ERR_REMOTE',
    `enrolment server refused ${user}: ${why}`,
  );
}

/**
 * RFC 6940 §11.3: "The client MUST check that the returned certificate chains back to one of the
 * certificates received in the root-cert list ... (including PKIX BasicConstraints checks)". We also want
 * exactly one Node-ID (the node's, when it has one), our user name, and our key.
 */
function checkIssued(der: Uint8Array, w: CertificateWanted): Uint8Array {
  const cert = parseCertificate(der);
  const result = checkNodeCertificate(cert, trustSettingsFromConfig(w.config), w.now);
  if (result.kind !== 'chain')
    throw new LocalError('ERR_BAD_CERT', 'the issued certificate does not chain to a root-cert');
  const bad = (why: string): LocalError => new LocalError('ERR_BAD_CERT', `the issued certificate ${why}`);
  if (cert.nodeIds.length !== 1) throw bad(`carries ${cert.nodeIds.length} Node-IDs, not 1`);
  if (cert.userName !== w.userName) throw bad(`is for ${cert.userName ?? 'nobody'}, not ${w.userName}`);
  const len = w.config.nodeIdLength;
  const got = cert.nodeIds[0];
  if (w.nodeId !== undefined && got !== w.nodeId) {
    throw bad(
      `carries Node-ID ${got === undefined ? '?' : nodeIdToHex(got, len)}, not this node's ${nodeIdToHex(w.nodeId, len)} (does the enrolment server still know this node's key?)`,
    );
  }
  const spki = new Uint8Array(w.keys.publicKey.export({ type: 'spki', format: 'der' }));
  if (!bytesEqual(cert.spki, spki)) throw bad('is over another key');
  return der;
}
