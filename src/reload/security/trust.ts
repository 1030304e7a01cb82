import { errorMessage, LocalError } from '../../core/errors.js';
import { nodeIdToHex } from '../../core/ids.js';
import type { OverlayConfig, SelfSignedDigest } from '../config/overlay-config.js';
import { type CertificateInfo, parseCertificate } from './certificate.js';
import { selfSignedNodeIds } from './node-certificate.js';

/**
 * Is a node certificate acceptable in this overlay? RFC 6940 §11.3 (what a node certificate holds and
 * that it chains to a root-cert), §11.3.1 (self-signed: the Node-IDs must match the key), §11.1 (bad-node
 * revokes), and validity at `now`.
 */
export interface TrustSettings {
  readonly overlay: string;
  readonly nodeIdLength: number;
  readonly selfSignedPermitted: boolean;
  readonly selfSignedDigest: SelfSignedDigest;
  readonly rootCerts: readonly CertificateInfo[];
  /** Lower-case hex Node-IDs whose certificates MUST NOT be considered valid (RFC 6940 §11.1 bad-node). */
  readonly badNodes: readonly string[];
}

export type TrustResult =
  | { readonly kind: 'self-signed' }
  /** From the node certificate up to (and including) the root-cert it chains to. */
  | { readonly kind: 'chain'; readonly chain: readonly CertificateInfo[] };

/** Longest chain we follow: node ← intermediates ← root. */
export const MAX_CHAIN_DEPTH = 4;

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_CERT', message);
}

export function trustSettingsFromConfig(config: OverlayConfig): TrustSettings {
  const rootCerts = config.rootCerts.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (e) {
      throw new LocalError(
        'ERR_BAD_CONFIG',
        `<root-cert> ${i + 1} is not a certificate: ${errorMessage(e)}`,
        {
          cause: e,
        },
      );
    }
  });
  return {
    overlay: config.instanceName,
    nodeIdLength: config.nodeIdLength,
    selfSignedPermitted: config.selfSignedPermitted,
    selfSignedDigest: config.selfSignedDigest,
    rootCerts,
    badNodes: config.badNodes,
  };
}

export function checkValidity(cert: CertificateInfo, now: number, what = 'certificate'): void {
  if (now < cert.notBefore)
    throw bad(`${what} is not valid before ${new Date(cert.notBefore).toISOString()}`);
  if (now > cert.notAfter) throw bad(`${what} expired at ${new Date(cert.notAfter).toISOString()}`);
}

/** RFC 6940 §11.3: Node-IDs as reload URIs for this overlay, one user name, no other identities. */
export function checkNodeCertificateShape(cert: CertificateInfo, s: TrustSettings): void {
  if (cert.nodes.length === 0) throw bad('certificate carries no Node-ID');
  for (const n of cert.nodes) {
    if (n.nodeIdLength !== s.nodeIdLength) {
      throw bad(`certificate Node-ID is ${n.nodeIdLength} bytes, the overlay uses ${s.nodeIdLength}`);
    }
    if (n.overlay.toLowerCase() !== s.overlay.toLowerCase()) {
      throw bad(`certificate is for overlay ${JSON.stringify(n.overlay)}, not ${JSON.stringify(s.overlay)}`);
    }
  }
  if (cert.userName === undefined) throw bad('certificate carries no user name (rfc822Name)');
  if (cert.otherNames.length > 0)
    throw bad(`certificate carries other identities: ${cert.otherNames.join(', ')}`);
}

export function checkNotRevoked(cert: CertificateInfo, s: TrustSettings): void {
  for (const id of cert.nodeIds) {
    const hex = nodeIdToHex(id, s.nodeIdLength);
    if (s.badNodes.includes(hex)) throw bad(`Node-ID ${hex} is listed as a bad-node`);
  }
}

/** RFC 6940 §11.3.1: "When accepting a self-signed certificate, nodes MUST check that the Node-ID and public keys match." */
export function checkSelfSigned(cert: CertificateInfo, s: TrustSettings): void {
  if (!cert.node.verify(cert.publicKey)) throw bad('certificate is not signed by its own key');
  const expected = selfSignedNodeIds(cert.spki, s.selfSignedDigest, s.nodeIdLength, cert.nodeIds.length);
  expected.forEach((id, i) => {
    if (cert.nodeIds[i] !== id) {
      throw bad(
        `self-signed Node-ID ${nodeIdToHex(cert.nodeIds[i] ?? id, s.nodeIdLength)} does not match its key`,
      );
    }
  });
}

function issuedBy(child: CertificateInfo, parent: CertificateInfo): boolean {
  return parent.isCa && child.node.checkIssued(parent.node) && child.node.verify(parent.publicKey);
}

/**
 * RFC 6940 §11.3: the certificate must chain to one of the root-certs, with BasicConstraints checked on
 * every issuer. Intermediates come from the message's certificate bucket.
 */
export function findChain(
  cert: CertificateInfo,
  s: TrustSettings,
  now: number,
  intermediates: readonly CertificateInfo[] = [],
): CertificateInfo[] | undefined {
  const path: CertificateInfo[] = [cert];
  let current = cert;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const root = s.rootCerts.find((r) => r !== current && issuedBy(current, r));
    if (root !== undefined) {
      checkValidity(root, now, 'root certificate');
      return [...path, root];
    }
    const next = intermediates.find((c) => !path.includes(c) && issuedBy(current, c));
    if (next === undefined) return undefined;
    checkValidity(next, now, 'intermediate certificate');
    path.push(next);
    current = next;
  }
  return undefined;
}

/**
 * The whole check for a certificate that speaks for a node (message signer, TLS peer, data signer).
 * Throws ERR_BAD_CERT with the reason.
 */
export function checkNodeCertificate(
  cert: CertificateInfo,
  s: TrustSettings,
  now: number,
  intermediates: readonly CertificateInfo[] = [],
): TrustResult {
  checkValidity(cert, now);
  checkNodeCertificateShape(cert, s);
  checkNotRevoked(cert, s);
  if (s.rootCerts.length > 0) {
    const chain = findChain(cert, s, now, intermediates);
    if (chain !== undefined) return { kind: 'chain', chain };
  }
  if (!s.selfSignedPermitted) throw bad('certificate does not chain to a root-cert of the overlay');
  checkSelfSigned(cert, s);
  return { kind: 'self-signed' };
}
