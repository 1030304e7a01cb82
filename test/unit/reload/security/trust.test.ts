import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type NodeId, nodeIdToHex } from '../../../../src/core/ids.js';
import { newSelfSignedOverlay } from '../../../../src/reload/config/new-overlay.js';
import { issueNodeCertificate } from '../../../../src/reload/security/ca.js';
import { type CertificateInfo, parseCertificate } from '../../../../src/reload/security/certificate.js';
import { generateKeyPair, spkiOf } from '../../../../src/reload/security/keys.js';
import {
  buildNodeCertificate,
  type NodeCertificateFields,
} from '../../../../src/reload/security/node-certificate.js';
import { checkNodeCertificate, trustSettingsFromConfig } from '../../../../src/reload/security/trust.js';
import { assertLocalError } from '../../../support/errors.js';
import { NOW, OVERLAY, selfSigned, selfSignedSettings, testCa } from './fixtures.js';

const DAY = 24 * 3600_000;

/** A certificate signed by its own key with whatever fields a test needs (e.g. a forged Node-ID). */
async function forged(
  fields: Partial<NodeCertificateFields>,
  nodeId: NodeId = 0x1234n as NodeId,
): Promise<CertificateInfo> {
  const keys = await generateKeyPair('ecdsa-p256');
  const der = await buildNodeCertificate(
    {
      overlay: OVERLAY,
      nodeIds: [nodeId],
      nodeIdLength: 16,
      userName: 'mallory@example.org',
      notBefore: NOW - DAY,
      notAfter: NOW + DAY,
      ...fields,
    },
    keys.crypto.publicKey,
    { keys },
  );
  return parseCertificate(der);
}

async function caIssued(
  nodeId: NodeId,
  overrides: Partial<NodeCertificateFields> = {},
): Promise<CertificateInfo> {
  const ca = await testCa();
  const keys = await generateKeyPair('ecdsa-p256');
  const der = await issueNodeCertificate(ca, {
    subjectPublicKey: spkiOf(keys.publicKey),
    nodeIds: [nodeId],
    nodeIdLength: 16,
    overlay: OVERLAY,
    userName: 'bob@example.org',
    notBefore: NOW - DAY,
    notAfter: NOW + DAY,
    ...overrides,
  });
  return parseCertificate(der);
}

describe('self-signed certificates (RFC 6940 §11.3.1)', () => {
  it('accepts a certificate whose Node-ID is the digest of its key', async () => {
    for (const alg of ['rsa-2048', 'ecdsa-p256'] as const) {
      const id = await selfSigned(alg);
      assert.deepEqual(checkNodeCertificate(id.certificate, selfSignedSettings(), NOW), {
        kind: 'self-signed',
      });
    }
  });

  it('refuses a Node-ID that does not match the key (Node-ID theft)', async () => {
    const cert = await forged({});
    assertLocalError(
      () => checkNodeCertificate(cert, selfSignedSettings(), NOW),
      'ERR_BAD_CERT',
      /does not match its key/,
    );
  });

  it('refuses it when the overlay uses the other digest', async () => {
    const id = await selfSigned('ecdsa-p256');
    assertLocalError(
      () => checkNodeCertificate(id.certificate, selfSignedSettings({ selfSignedDigest: 'sha1' }), NOW),
      'ERR_BAD_CERT',
      /does not match its key/,
    );
  });

  it('refuses it when the overlay does not permit self-signed certificates', async () => {
    const id = await selfSigned('ecdsa-p256');
    assertLocalError(
      () => checkNodeCertificate(id.certificate, selfSignedSettings({ selfSignedPermitted: false }), NOW),
      'ERR_BAD_CERT',
      /does not chain to a root-cert/,
    );
  });
});

describe('checks every node certificate gets', () => {
  it('validity at now', async () => {
    const id = await selfSigned('ecdsa-p256');
    const s = selfSignedSettings();
    assertLocalError(
      () => checkNodeCertificate(id.certificate, s, NOW - 2 * 3600_000),
      'ERR_BAD_CERT',
      /not valid before/,
    );
    assertLocalError(
      () => checkNodeCertificate(id.certificate, s, NOW + 366 * DAY),
      'ERR_BAD_CERT',
      /expired at/,
    );
  });

  it('bad-node revokes (RFC 6940 §11.1)', async () => {
    const id = await selfSigned('ecdsa-p256');
    const s = selfSignedSettings({ badNodes: [nodeIdToHex(id.nodeId)] });
    assertLocalError(() => checkNodeCertificate(id.certificate, s, NOW), 'ERR_BAD_CERT', /bad-node/);
  });

  it("overlay name and Node-ID length must be this overlay's", async () => {
    const id = await selfSigned('ecdsa-p256');
    assertLocalError(
      () => checkNodeCertificate(id.certificate, selfSignedSettings({ overlay: 'other.example.org' }), NOW),
      'ERR_BAD_CERT',
      /is for overlay "overlay.example.org"/,
    );
    assertLocalError(
      () => checkNodeCertificate(id.certificate, selfSignedSettings({ nodeIdLength: 20 }), NOW),
      'ERR_BAD_CERT',
      /Node-ID is 16 bytes, the overlay uses 20/,
    );
  });
});

describe('certificates from the overlay CA (RFC 6940 §11.3, the seam for issue #5)', () => {
  it('accepts a certificate that chains to a root-cert, even with self-signed certificates forbidden', async () => {
    const ca = await testCa();
    const cert = await caIssued(0xabcdefn as NodeId);
    const result = checkNodeCertificate(
      cert,
      selfSignedSettings({ selfSignedPermitted: false, rootCerts: [ca.certificate] }),
      NOW,
    );
    assert.equal(result.kind, 'chain');
    assert.deepEqual(result.kind === 'chain' ? result.chain.map((c) => c.isCa) : [], [false, true]);
  });

  it('refuses a CA-issued certificate when its root is not configured', async () => {
    const cert = await caIssued(0xabcdefn as NodeId);
    assertLocalError(
      () => checkNodeCertificate(cert, selfSignedSettings({ selfSignedPermitted: false }), NOW),
      'ERR_BAD_CERT',
    );
    // Allowing self-signed certificates does not help: its Node-ID is not its key's digest.
    assertLocalError(
      () => checkNodeCertificate(cert, selfSignedSettings(), NOW),
      'ERR_BAD_CERT',
      /not signed by its own key/,
    );
  });

  it('refuses a chain through an issuer without BasicConstraints cA', async () => {
    const issuer = await selfSigned('ecdsa-p256');
    const s = selfSignedSettings({ selfSignedPermitted: false, rootCerts: [issuer.certificate] });
    assertLocalError(
      () => checkNodeCertificate(issuer.certificate, s, NOW),
      'ERR_BAD_CERT',
      /does not chain/,
    );
  });

  it('reads the root-certs of a configuration, and names a broken one', async () => {
    const ca = await testCa();
    const config = {
      ...newSelfSignedOverlay({ name: OVERLAY, bootstrapNodes: [], now: NOW }),
      rootCerts: [ca.certificate.der],
    };
    assert.equal(trustSettingsFromConfig(config).rootCerts[0]?.isCa, true);
    assertLocalError(
      () => trustSettingsFromConfig({ ...config, rootCerts: [ca.certificate.der, Uint8Array.of(1, 2)] }),
      'ERR_BAD_CONFIG',
      /<root-cert> 2 is not a certificate/,
    );
  });
});

describe('shape of a node certificate (RFC 6940 §11.3)', () => {
  it('needs a user name and no other identities', async () => {
    const keys = await generateKeyPair('ecdsa-p256');
    const der = await buildNodeCertificate(
      {
        overlay: OVERLAY,
        nodeIds: [1n as NodeId],
        nodeIdLength: 16,
        userName: 'x@example.org',
        notBefore: NOW - DAY,
        notAfter: NOW + DAY,
      },
      keys.crypto.publicKey,
      { keys },
    );
    const cert = parseCertificate(der);
    const noUser = { ...cert, userName: undefined };
    assertLocalError(
      () => checkNodeCertificate(noUser, selfSignedSettings(), NOW),
      'ERR_BAD_CERT',
      /no user name/,
    );
    const extra = { ...cert, otherNames: ['dns:example.org'] };
    assertLocalError(
      () => checkNodeCertificate(extra, selfSignedSettings(), NOW),
      'ERR_BAD_CERT',
      /other identities: dns:example.org/,
    );
    const none = { ...cert, nodes: [], nodeIds: [] };
    assertLocalError(
      () => checkNodeCertificate(none, selfSignedSettings(), NOW),
      'ERR_BAD_CERT',
      /no Node-ID/,
    );
  });
});
