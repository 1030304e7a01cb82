import type { KeyAlgorithm } from '../../../../src/reload/security/algorithms.js';
import { type CertificateAuthority, createCertificateAuthority } from '../../../../src/reload/security/ca.js';
import { createSelfSignedIdentity, type NodeIdentity } from '../../../../src/reload/security/identity.js';
import { generateKeyPair } from '../../../../src/reload/security/keys.js';
import type { TrustSettings } from '../../../../src/reload/security/trust.js';
import { x509 } from '../../../../src/reload/security/x509.js';

/** Fixed test time: 2025-01-01T00:00:00Z. */
export const NOW = Date.UTC(2025, 0, 1);
export const OVERLAY = 'overlay.example.org';

/** Key generation is slow (RSA especially): each identity is made once per test file. */
const identities = new Map<string, Promise<NodeIdentity>>();

/** A self-signed identity in OVERLAY (SHA-256, 16-byte Node-IDs); `tag` tells apart several of one kind. */
export function selfSigned(keyAlgorithm: KeyAlgorithm, tag = '', nodeIdCount = 1): Promise<NodeIdentity> {
  const key = `${keyAlgorithm}/${tag}/${nodeIdCount}`;
  let p = identities.get(key);
  if (p === undefined) {
    p = createSelfSignedIdentity({
      overlay: OVERLAY,
      digest: 'sha256',
      nodeIdLength: 16,
      now: NOW,
      keyAlgorithm,
      nodeIdCount,
    });
    identities.set(key, p);
  }
  return p;
}

let ca: Promise<CertificateAuthority> | undefined;
export function testCa(): Promise<CertificateAuthority> {
  ca ??= createCertificateAuthority({ overlay: OVERLAY, now: NOW, keyAlgorithm: 'ecdsa-p256' });
  return ca;
}

export function selfSignedSettings(overrides: Partial<TrustSettings> = {}): TrustSettings {
  return {
    overlay: OVERLAY,
    nodeIdLength: 16,
    selfSignedPermitted: true,
    selfSignedDigest: 'sha256',
    rootCerts: [],
    badNodes: [],
    ...overrides,
  };
}

/** A self-signed ECDSA certificate with an empty subject, valid around NOW, carrying these subjectAltNames. */
export async function certificateWithNames(names: x509.JsonGeneralName[]): Promise<x509.X509Certificate> {
  const keys = await generateKeyPair('ecdsa-p256');
  return x509.X509CertificateGenerator.createSelfSigned({
    name: '',
    keys: keys.crypto,
    signingAlgorithm: keys.signingAlgorithm,
    notBefore: new Date(NOW - 1000),
    notAfter: new Date(NOW + 1000),
    extensions: [new x509.SubjectAlternativeNameExtension(names, true)],
  });
}
