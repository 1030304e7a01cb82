import { fromUtf8, toHex, tryFromBase64 } from '../core/bytes.js';
import { errorMessage } from '../core/errors.js';
import { type NodeId, nodeIdToHex } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { OverlayConfig } from '../reload/config/overlay-config.js';
import { digest } from '../reload/security/algorithms.js';
import {
  type CertificateAuthority,
  issueNodeCertificate,
  parseCertificateRequest,
} from '../reload/security/ca.js';
import type { AllocationsFile, NodeIdAllocations } from './allocations.js';
import type { HttpRequest, HttpResponse } from './http.js';
import { FormError, type FormPart, parseForm } from './multipart.js';
import { checkPassword } from './passwords.js';
import { type EnrollmentLimits, type EnrollmentToken, MEDIA } from './protocol.js';
import { accountFor, certificateUserName, findUser, isAccountName, type UsersFile } from './users.js';

/**
 * RFC 6940 §11.3, the enrolment request: an authenticated multipart/form-data POST with a PKCS#10 request,
 * answered with one DER certificate carrying random Node-IDs chosen here and the user's name. A key enrolled
 * before keeps its Node-IDs whichever user asks (decision 0013: an adapter's per-user certificates): the
 * CSR's signature proves the asker holds the key, and the name is always the authenticated user's.
 */
export interface EnrollDeps {
  readonly ca: CertificateAuthority;
  readonly config: () => OverlayConfig;
  readonly users: () => UsersFile;
  readonly allocations: NodeIdAllocations;
  /** Makes new allocations durable before the certificate that uses them goes out. */
  readonly saveAllocations: (file: AllocationsFile) => Promise<void>;
  /** Cryptographically random Node-IDs (RFC 6940 §11.3). */
  readonly freshNodeId: (nodeIdLength: number) => NodeId;
  readonly limits: EnrollmentLimits;
  readonly log: Logger;
}

/**
 * A failure answer: RFC 6940 §11.3 wants 403 with a token; DESIGN §4 wants a wrong password to be 401, so
 * that one is 401 (with the same token body and the WWW-Authenticate RFC 9110 §15.5.2 requires) and a
 * malformed request 400 (docs/decisions/0024-enrollment-service.md).
 */
function refuse(status: number, token: EnrollmentToken | 'bad_request', overlay: string): HttpResponse {
  const headers: Record<string, string> =
    status === 401 ? { 'WWW-Authenticate': `RELOAD-enrollment realm="${overlay}"` } : {};
  return { status, contentType: MEDIA.text, body: `${token}\n`, headers };
}

function text(part: FormPart | undefined): string | undefined {
  if (part === undefined) return undefined;
  try {
    return fromUtf8(part.data);
  } catch {
    return undefined;
  }
}

/** The CSR part as DER: binary as RFC 6940 sends it, or base64/PEM text, which some clients send. */
function csrBytes(part: FormPart): Uint8Array {
  const t = text(part);
  if (t === undefined) return part.data;
  const b64 = t.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  return tryFromBase64(b64) ?? part.data;
}

function acceptsPkixCert(accept: string | undefined): boolean {
  if (accept === undefined) return true;
  return accept
    .split(',')
    .map((t) => (t.split(';')[0] ?? '').trim().toLowerCase())
    .some((t) => t === MEDIA.pkixCert || t === 'application/*' || t === '*/*');
}

export async function handleEnrollment(req: HttpRequest, d: EnrollDeps): Promise<HttpResponse> {
  const config = d.config();
  const overlay = config.instanceName;
  const log = d.log.child({ remote: req.remote });
  if (!acceptsPkixCert(req.accept)) {
    return { status: 406, contentType: MEDIA.text, body: `enrolment answers ${MEDIA.pkixCert}\n` };
  }
  let form: Map<string, FormPart>;
  try {
    form = parseForm(req.contentType, req.body);
  } catch (e) {
    if (!(e instanceof FormError)) throw e;
    log.warn({ reason: e.message }, 'enrolment refused: malformed form');
    return refuse(400, 'bad_request', overlay);
  }
  const given = text(form.get('username'));
  const password = text(form.get('password'));
  // RFC 6940 §11.3: "The enrollment server MUST authenticate the request" — before anything else, so
  // nobody learns a Node-ID or the CSR's fate without the password.
  const users = d.users();
  const account = given === undefined ? undefined : accountFor(users, given, overlay);
  const known = account === undefined ? undefined : findUser(users, account);
  const ok = await checkPassword(password ?? '', known);
  if (!ok || account === undefined) {
    log.warn({ user: given ?? null }, 'enrolment refused: wrong user name or password');
    return refuse(401, 'failed_authentication', overlay);
  }
  const count = nodeIdCount(text(form.get('nodeids')));
  if (count === undefined || count > d.limits.maxNodeIds) {
    log.warn({ user: account }, 'enrolment refused: Node-IDs not available');
    return refuse(403, 'Node-IDs_not_available', overlay);
  }
  const csrPart = form.get('csr');
  let request: Awaited<ReturnType<typeof parseCertificateRequest>>;
  try {
    if (csrPart === undefined) throw new Error('no csr field');
    if (csrPart.contentType !== MEDIA.pkcs10)
      throw new Error(`csr is ${csrPart.contentType}, not ${MEDIA.pkcs10}`);
    request = await parseCertificateRequest(csrBytes(csrPart));
  } catch (e) {
    log.warn({ user: account, reason: errorMessage(e) }, 'enrolment refused: bad CSR');
    return refuse(400, 'bad_CSR', overlay);
  }
  const userName = certificateUserName(account, overlay);
  if (!isAccountName(account, overlay) || (request.userName !== undefined && request.userName !== userName)) {
    log.warn(
      { user: account, asked: request.userName ?? null },
      'enrolment refused: user name not available',
    );
    return refuse(403, 'username_not_available', overlay);
  }
  return issue(d, config, { account, userName, count, spki: request.subjectPublicKey, log, now: req.now });
}

/** RFC 6940 §11.3: "nodeids" is the number of Node-IDs wanted, one when absent. */
function nodeIdCount(value: string | undefined): number | undefined {
  if (value === undefined) return 1;
  return /^\s*[1-9][0-9]{0,2}\s*$/.test(value) ? Number(value) : undefined;
}

interface Issue {
  readonly account: string;
  readonly userName: string;
  readonly count: number;
  readonly spki: Uint8Array;
  readonly log: Logger;
  readonly now: number;
}

async function issue(d: EnrollDeps, config: OverlayConfig, o: Issue): Promise<HttpResponse> {
  const len = config.nodeIdLength;
  // The binding is by key, and parseCertificateRequest verified the CSR's signature with that key: only
  // its holder can have a certificate for its Node-IDs, under whatever account it authenticates as.
  const key = toHex(digest('sha256', o.spki));
  const got = d.allocations.allocate(o.account, key, o.count, d.limits.maxKeysPerUser, () =>
    d.freshNodeId(len),
  );
  if (!got.ok) {
    o.log.warn({ user: o.account, reason: got.reason }, 'enrolment refused: Node-IDs not available');
    return refuse(403, 'Node-IDs_not_available', config.instanceName);
  }
  if (got.changed) await d.saveAllocations(d.allocations.toFile());
  const now = o.now;
  const der = await issueNodeCertificate(d.ca, {
    subjectPublicKey: o.spki,
    nodeIds: got.nodeIds,
    nodeIdLength: len,
    overlay: config.instanceName,
    userName: o.userName,
    notBefore: now - 3600_000,
    notAfter: Math.min(now + d.limits.certificateValidityMs, d.ca.certificate.notAfter),
  });
  o.log.info(
    { user: o.account, userName: o.userName, nodeIds: got.nodeIds.map((id) => nodeIdToHex(id, len)) },
    'certificate issued',
  );
  return { status: 200, contentType: MEDIA.pkixCert, body: der };
}
