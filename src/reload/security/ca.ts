import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { bytesEqual } from '../../core/bytes.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { type NodeId, nodeIdFromBytes } from '../../core/ids.js';
import { ipFamily } from '../../core/ip.js';
import { DEFAULT_KEY_ALGORITHM, type KeyAlgorithm } from './algorithms.js';
import { type CertificateInfo, parseCertificate } from './certificate.js';
import { identityFromParts, type NodeIdentity } from './identity.js';
import { generateKeyPair, type KeyPair, keyPairFromPrivateKey, spkiOf } from './keys.js';
import { buildNodeCertificate, isUserName, serialNumber } from './node-certificate.js';
import { x509 } from './x509.js';

/**
 * The seam for the CA mode of issue #5: an overlay CA that issues node certificates (RFC 6940 §11.3), and
 * the PKCS#10 request a node sends to the enrollment server. Small on purpose; the enrollment service
 * (Node-ID allocation, user accounts, HTTPS) is issue #5.
 */
export interface CertificateAuthority {
  readonly keys: KeyPair;
  readonly certificate: CertificateInfo;
  readonly name: x509.Name;
}

export interface CaOptions {
  readonly overlay: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Default ten years. */
  readonly validityMs?: number;
  readonly keyAlgorithm?: KeyAlgorithm;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

export async function createCertificateAuthority(o: CaOptions): Promise<CertificateAuthority> {
  const keys = await generateKeyPair(o.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM);
  const name = new x509.Name([{ CN: [`${o.overlay} RELOAD CA`] }]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys: keys.crypto,
    notBefore: new Date(o.now - 3600_000),
    notAfter: new Date(o.now + (o.validityMs ?? TEN_YEARS_MS)),
    signingAlgorithm: keys.signingAlgorithm,
    extensions: [
      // A root-cert that signs node certificates directly: no intermediates below it.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.crypto.publicKey),
    ],
  });
  return { keys, certificate: parseCertificate(new Uint8Array(cert.rawData)), name };
}

export async function loadCertificateAuthority(
  privateKey: KeyObject,
  certificateDer: Uint8Array,
): Promise<CertificateAuthority> {
  const certificate = parseCertificate(certificateDer);
  if (!certificate.isCa) throw new LocalError('ERR_BAD_CERT', 'the CA certificate lacks BasicConstraints cA');
  if (!bytesEqual(spkiOf(privateKey), certificate.spki)) {
    throw new LocalError('ERR_BAD_CERT', 'the CA certificate is not for this private key');
  }
  const name = new x509.X509Certificate(Uint8Array.from(certificateDer)).subjectName;
  return { keys: await keyPairFromPrivateKey(privateKey), certificate, name };
}

export interface IssueOptions {
  /** DER SubjectPublicKeyInfo of the node's key (from its CSR). */
  readonly subjectPublicKey: Uint8Array;
  /** Chosen by the enrollment server, cryptographically random (RFC 6940 §11.3). */
  readonly nodeIds: readonly NodeId[];
  readonly nodeIdLength: number;
  readonly overlay: string;
  readonly userName: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** A node certificate signed by the CA: empty subject, reload URIs and the user name in subjectAltName. */
export async function issueNodeCertificate(ca: CertificateAuthority, o: IssueOptions): Promise<Uint8Array> {
  return buildNodeCertificate(o, o.subjectPublicKey, { keys: ca.keys, name: ca.name });
}

/**
 * RFC 6940 §11.3: a Node-ID "MUST be cryptographically random [RFC4086]" and chosen by the enrollment
 * server, so node:crypto's generator, never the injected (possibly seeded) Random.
 */
export function randomNodeId(nodeIdLength: number): NodeId {
  return nodeIdFromBytes(new Uint8Array(randomBytes(nodeIdLength)));
}

export interface IssueIdentityOptions {
  readonly overlay: string;
  readonly nodeIdLength: number;
  readonly userName: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
  readonly validityMs: number;
  readonly keyAlgorithm?: KeyAlgorithm;
}

/**
 * A whole identity the CA makes for itself: a fresh key and a node certificate with a random Node-ID. The
 * overlay's configuration signer is one (RFC 6940 §11.1: configuration-signer names a Node-ID).
 */
export async function issueIdentity(
  ca: CertificateAuthority,
  o: IssueIdentityOptions,
): Promise<NodeIdentity> {
  const keys = await generateKeyPair(o.keyAlgorithm ?? DEFAULT_KEY_ALGORITHM);
  const der = await issueNodeCertificate(ca, {
    subjectPublicKey: spkiOf(keys.publicKey),
    nodeIds: [randomNodeId(o.nodeIdLength)],
    nodeIdLength: o.nodeIdLength,
    overlay: o.overlay,
    userName: o.userName,
    notBefore: o.now - 3600_000,
    notAfter: Math.min(o.now + o.validityMs, ca.certificate.notAfter),
  });
  return identityFromParts(keys.privateKey, der);
}

export interface ServerCertificateOptions {
  /** DNS names and IP literals the certificate must match (RFC 2818 §3.1). */
  readonly hosts: readonly string[];
  readonly now: number;
  readonly validityMs: number;
}

/**
 * The HTTPS certificate of the enrollment and configuration server, issued by the overlay CA: RFC 6940
 * §11.2/§11.3 want it to match the URL's host or the overlay name. An ECDSA P-256 key: it only serves TLS
 * handshakes, where it is the cheaper one, and every TLS stack verifies it.
 */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  o: ServerCertificateOptions,
): Promise<{ privateKey: KeyObject; certificate: Uint8Array }> {
  const keys = await generateKeyPair('ecdsa-p256');
  const names = o.hosts.map((h) =>
    ipFamily(h) === undefined ? { type: 'dns' as const, value: h } : { type: 'ip' as const, value: h },
  );
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: new x509.Name([{ CN: [o.hosts[0] ?? 'enrollment'] }]),
    issuer: ca.name,
    notBefore: new Date(o.now - 3600_000),
    notAfter: new Date(Math.min(o.now + o.validityMs, ca.certificate.notAfter)),
    publicKey: keys.crypto.publicKey,
    signingKey: ca.keys.crypto.privateKey,
    signingAlgorithm: ca.keys.signingAlgorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension(names),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  return { privateKey: keys.privateKey, certificate: new Uint8Array(cert.rawData) };
}

/** RFC 6940 §11.3: the PKCS#10 request a node posts; the user name goes in a subjectAltName rfc822Name. */
export async function createCertificateRequest(keys: KeyPair, userName: string): Promise<Uint8Array> {
  if (!isUserName(userName))
    throw new LocalError('ERR_BAD_INPUT', `not a usable user name: ${JSON.stringify(userName)}`);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: '',
    keys: keys.crypto,
    signingAlgorithm: keys.signingAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'email', value: userName }])],
  });
  return new Uint8Array(csr.rawData);
}

/** RFC 5280 §4.2.1.6 id-ce-subjectAltName. */
const SUBJECT_ALT_NAME_OID = '2.5.29.17';

export interface CertificateRequestInfo {
  readonly subjectPublicKey: Uint8Array;
  readonly userName: string | undefined;
}

/** Reads and checks a PKCS#10 request; anything wrong is ERR_BAD_INPUT (the enrollment server's bad_CSR). */
export async function parseCertificateRequest(der: Uint8Array): Promise<CertificateRequestInfo> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(Uint8Array.from(der));
    if (!(await csr.verify())) throw new Error('its signature does not verify');
  } catch (e) {
    throw new LocalError('ERR_BAD_INPUT', `bad certificate request: ${errorMessage(e)}`, { cause: e });
  }
  const subjectPublicKey = new Uint8Array(csr.publicKey.rawData);
  checkSigningKey(subjectPublicKey);
  const ext = csr.getExtension(SUBJECT_ALT_NAME_OID);
  const san = ext === null ? undefined : new x509.SubjectAlternativeNameExtension(ext.rawData);
  const email = san?.names.items.find((n) => n.type === 'email')?.value;
  return { subjectPublicKey, userName: email };
}

/**
 * A node signs every message with its certificate's key (RFC 6940 §6.3.4), so the CA certifies only keys
 * RELOAD signatures can use: RSA of at least 2048 bits (the mandatory algorithm) or ECDSA P-256.
 */
function checkSigningKey(spki: Uint8Array): void {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new LocalError(
      'ERR_BAD_INPUT',
      `bad certificate request: its key is unreadable: ${errorMessage(e)}`,
    );
  }
  const d = key.asymmetricKeyDetails;
  const rsa = key.asymmetricKeyType === 'rsa' && (d?.modulusLength ?? 0) >= 2048;
  const p256 =
    key.asymmetricKeyType === 'ec' && (d?.namedCurve === 'prime256v1' || d?.namedCurve === 'P-256');
  if (!rsa && !p256) {
    throw new LocalError(
      'ERR_BAD_INPUT',
      'bad certificate request: the key must be RSA (2048 bits or more) or EC P-256',
    );
  }
}
