import { utf8 } from '../../src/core/bytes.js';
import { nodeIdToHex } from '../../src/core/ids.js';
import { type NewCaOverlayOptions, newCaOverlay } from '../../src/reload/config/new-overlay.js';
import type { OverlayConfig } from '../../src/reload/config/overlay-config.js';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  issueIdentity,
} from '../../src/reload/security/ca.js';
import { signedOverlayDocument } from '../../src/reload/security/config-signature.js';
import type { NodeIdentity } from '../../src/reload/security/identity.js';
import { X509Signer } from '../../src/reload/security/signer.js';

/**
 * A CA overlay for tests: an ECDSA CA (fast to make), a configuration signer it issued, and helpers that
 * write documents signed by it. Times are fixed so certificates are valid at NOW.
 */
export const SIGNED_NOW = Date.UTC(2025, 0, 1);
export const SIGNED_OVERLAY = 'signed.example.org';

export interface SignedOverlay {
  readonly ca: CertificateAuthority;
  readonly signer: NodeIdentity;
  readonly signerHex: string;
  /** The first document: sequence 1, this CA as root-cert, the signer as configuration-signer. */
  readonly config: OverlayConfig;
  /** A document for `config` signed by `by` (default the configuration signer). */
  sign(config: OverlayConfig, by?: NodeIdentity): Uint8Array;
  /** Another identity issued by the same CA (not listed as a signer unless a test lists it). */
  issue(userName: string): Promise<NodeIdentity>;
}

export async function signedOverlay(
  name = SIGNED_OVERLAY,
  extra: Partial<NewCaOverlayOptions> = {},
): Promise<SignedOverlay> {
  const ca = await createCertificateAuthority({ overlay: name, now: SIGNED_NOW, keyAlgorithm: 'ecdsa-p256' });
  const issue = (userName: string): Promise<NodeIdentity> =>
    issueIdentity(ca, {
      overlay: name,
      nodeIdLength: 16,
      userName,
      now: SIGNED_NOW,
      validityMs: 10 * 365 * 86_400_000,
      keyAlgorithm: 'ecdsa-p256',
    });
  const signer = await issue(`configuration-signer@${name}`);
  const signerHex = nodeIdToHex(signer.nodeId);
  const config = newCaOverlay({
    name,
    bootstrapNodes: [],
    now: SIGNED_NOW,
    rootCert: ca.certificate.der,
    enrollmentServers: [`https://${name}/enroll`],
    configurationSigners: [signerHex],
    ...extra,
  });
  return {
    ca,
    signer,
    signerHex,
    config,
    sign: (c, by = signer) => utf8(signedOverlayDocument(c, new X509Signer(by, c.nodeIdLength))),
    issue,
  };
}
