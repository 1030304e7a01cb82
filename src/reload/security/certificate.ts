import { type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { errorMessage, LocalError } from '../../core/errors.js';
import type { NodeId } from '../../core/ids.js';
import { digest } from './algorithms.js';
import { type NodeUri, parseNodeUri } from './reload-uri.js';
import { parseAltNames } from './subject-alt-names.js';
import { x509 } from './x509.js';

/**
 * What RELOAD needs to know about an X.509 certificate (RFC 6940 §11.3): its Node-IDs (subjectAltName
 * reload URIs), its user name (the subjectAltName rfc822Name), validity, public key, and the hash that
 * SignerIdentity cert_hash uses. Parsing never throws anything but a LocalError ERR_BAD_CERT, whatever
 * the bytes: certificates arrive from the network.
 */
export interface CertificateInfo {
  readonly der: Uint8Array;
  /** SHA-256 of the DER: the cert_hash a SignerIdentity names (RFC 6940 §6.3.4). */
  readonly sha256: Uint8Array;
  /** The node reload URIs of the subjectAltName, in order. */
  readonly nodes: readonly NodeUri[];
  /** The Node-IDs of `nodes`, in order. */
  readonly nodeIds: readonly NodeId[];
  /** The rfc822Name of the subjectAltName, when there is exactly one. */
  readonly userName: string | undefined;
  /** subjectAltName entries that RFC 6940 §11.3 does not allow (anything else, or a second user name). */
  readonly otherNames: readonly string[];
  /** Milliseconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** DER SubjectPublicKeyInfo, what a self-signed Node-ID is computed from (RFC 6940 §11.3.1). */
  readonly spki: Uint8Array;
  readonly publicKey: KeyObject;
  readonly subjectEmpty: boolean;
  /** BasicConstraints cA (RFC 5280 §4.2.1.9): may this certificate sign others? */
  readonly isCa: boolean;
  /** node:crypto's view of the same certificate, for chain checks. */
  readonly node: NodeX509;
}

/** GenericCertificate holds at most 2^16-1 bytes (RFC 6940 §6.3.4). */
export const MAX_CERTIFICATE_SIZE = 0xffff;

function bad(message: string, cause?: unknown): LocalError {
  return new LocalError('ERR_BAD_CERT', message, cause === undefined ? undefined : { cause });
}

export function parseCertificate(der: Uint8Array): CertificateInfo {
  if (der.length === 0 || der.length > MAX_CERTIFICATE_SIZE) {
    throw bad(`certificate of ${der.length} bytes is not acceptable`);
  }
  const copy = Uint8Array.from(der);
  let node: NodeX509;
  try {
    // OpenSSL insists on DER and decodes it natively: several times cheaper than an ASN.1 decoder in
    // JavaScript, which matters because every new signer's certificate is parsed on the Store path.
    node = new NodeX509(copy);
    // OpenSSL keeps the certificate's own encoding: anything after it in `der` was not part of it.
    if (node.raw.length !== copy.length) throw new Error('bytes after the end of the certificate');
    return describe(copy, node);
  } catch (e) {
    if (e instanceof LocalError) throw e;
    throw bad(`not a DER X.509 certificate: ${errorMessage(e)}`, e);
  }
}

/** node:crypto prints validity as "Nov 22 01:39:21 2026 GMT" (whole seconds, as DER times are). */
function time(text: string, what: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw bad(`unreadable ${what} ${text}`);
  return t;
}

function describe(der: Uint8Array, node: NodeX509): CertificateInfo {
  const nodes: NodeUri[] = [];
  const emails: string[] = [];
  const otherNames: string[] = [];
  for (const name of parseAltNames(node.subjectAltName)) {
    const uri = name.type === 'url' ? parseNodeUri(name.value) : undefined;
    if (uri !== undefined) nodes.push(uri);
    else if (name.type === 'email') emails.push(name.value);
    else otherNames.push(`${name.type}:${name.value}`);
  }
  if (emails.length > 1) otherNames.push(...emails.slice(1).map((e) => `email:${e}`));
  const publicKey = node.publicKey;
  let spki: Uint8Array | undefined;
  return {
    der,
    sha256: digest('sha256', der),
    nodes,
    nodeIds: nodes.map((n) => n.nodeId),
    userName: emails[0],
    otherNames,
    notBefore: time(node.validFrom, 'notBefore'),
    notAfter: time(node.validTo, 'notAfter'),
    // Exported on first use: only self-signed Node-ID checks and key matching need it.
    get spki(): Uint8Array {
      spki ??= new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      return spki;
    },
    publicKey,
    subjectEmpty: (node.subject ?? '') === '',
    isCa: node.ca,
    node,
  };
}

/** DER → PEM ("CERTIFICATE"), for files. */
export function certificateToPem(der: Uint8Array): string {
  return new x509.X509Certificate(Uint8Array.from(der)).toString('pem');
}

/** PEM or DER → DER, checking that it parses. */
export function certificateFromPem(pem: string): Uint8Array {
  try {
    return new Uint8Array(new NodeX509(pem).raw);
  } catch (e) {
    throw bad(`not a PEM certificate: ${errorMessage(e)}`, e);
  }
}
