import { randomBytes, type webcrypto } from 'node:crypto';
import { toHex } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdFromBytes } from '../../core/ids.js';
import type { SelfSignedDigest } from '../config/overlay-config.js';
import { digest } from './algorithms.js';
import type { KeyPair } from './keys.js';
import { formatNodeUri } from './reload-uri.js';
import { x509 } from './x509.js';

/**
 * Building RELOAD node certificates (RFC 6940 §11.3): one subjectAltName URI per Node-ID, one rfc822Name
 * user name, nothing else, and an empty subject. Used for self-signed identities and, with a CA key, by the
 * enrollment service of issue #5.
 */

/**
 * RFC 6940 §11.3.1: a self-signed Node-ID is the high-order NodeIdLength bytes of digest(SPKI DER); with
 * several Node-IDs, the 1-based index goes first as a 4-byte big-endian integer.
 */
export function selfSignedNodeId(
  spki: Uint8Array,
  digestName: SelfSignedDigest,
  nodeIdLength: number,
  index?: number,
): NodeId {
  const prefix = new Uint8Array(index === undefined ? 0 : 4);
  if (index !== undefined) new DataView(prefix.buffer).setUint32(0, index);
  const d = digest(digestName, prefix, spki);
  if (nodeIdLength > d.length) {
    throw new LocalError(
      'ERR_BAD_CONFIG',
      `${digestName} gives ${d.length} bytes, node-id-length is ${nodeIdLength}`,
    );
  }
  return nodeIdFromBytes(d.subarray(0, nodeIdLength));
}

/** The Node-IDs a self-signed certificate with `count` of them must carry, in order. */
export function selfSignedNodeIds(
  spki: Uint8Array,
  digestName: SelfSignedDigest,
  nodeIdLength: number,
  count: number,
): NodeId[] {
  if (count === 1) return [selfSignedNodeId(spki, digestName, nodeIdLength)];
  return Array.from({ length: count }, (_, i) => selfSignedNodeId(spki, digestName, nodeIdLength, i + 1));
}

/**
 * A user name must fit an rfc822Name (an IA5String, RFC 5280 §4.2.1.6): `local@domain` in printable ASCII.
 * RFC 6940 §11.3 asks enrollment to refuse odd characters such as NUL; we refuse spaces and controls too.
 */
export function isUserName(name: string): boolean {
  return /^[!#-'*+\-/-9=?A-Z^-~]+(?:\.[!#-'*+\-/-9=?A-Z^-~]+)*@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(
    name,
  );
}

export interface NodeCertificateFields {
  readonly overlay: string;
  readonly nodeIds: readonly NodeId[];
  readonly nodeIdLength: number;
  readonly userName: string;
  /** Milliseconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
}

export interface CertificateIssuer {
  readonly keys: KeyPair;
  /** The issuer's subject name; absent for a self-signed certificate (whose issuer is the empty subject). */
  readonly name?: x509.Name;
}

/** A random positive serial number of 16 bytes (RFC 5280 §4.1.2.2: at most 20 octets, positive). */
export function serialNumber(): string {
  const b = new Uint8Array(randomBytes(16));
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return toHex(b);
}

export async function buildNodeCertificate(
  fields: NodeCertificateFields,
  /** The subject's public key: a WebCrypto key, or DER SubjectPublicKeyInfo (e.g. from a CSR). */
  subjectKey: webcrypto.CryptoKey | Uint8Array,
  issuer: CertificateIssuer,
): Promise<Uint8Array> {
  if (!isUserName(fields.userName)) {
    throw new LocalError(
      'ERR_BAD_INPUT',
      `not a usable user name (user@domain): ${JSON.stringify(fields.userName)}`,
    );
  }
  if (fields.nodeIds.length === 0)
    throw new LocalError('ERR_BAD_INPUT', 'a node certificate needs a Node-ID');
  const names: { type: 'url' | 'email'; value: string }[] = fields.nodeIds.map((id) => ({
    type: 'url',
    value: formatNodeUri(id, fields.nodeIdLength, fields.overlay),
  }));
  names.push({ type: 'email', value: fields.userName });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    // RFC 6940 §11.3: the subject distinguished name MUST be empty.
    subject: '',
    issuer: issuer.name ?? '',
    notBefore: new Date(fields.notBefore),
    notAfter: new Date(fields.notAfter),
    publicKey: subjectKey instanceof Uint8Array ? Uint8Array.from(subjectKey) : subjectKey,
    signingKey: issuer.keys.crypto.privateKey,
    signingAlgorithm: issuer.keys.signingAlgorithm,
    extensions: [
      // RFC 5280 §4.2.1.6: with an empty subject the subjectAltName MUST be critical.
      new x509.SubjectAlternativeNameExtension(names, true),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return new Uint8Array(cert.rawData);
}
