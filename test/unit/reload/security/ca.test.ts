import assert from 'node:assert/strict';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { toHex } from '../../../../src/core/bytes.js';
import { nodeIdFromBigInt, nodeIdToHex } from '../../../../src/core/ids.js';
import {
  createCertificateRequest,
  issueNodeCertificate,
  loadCertificateAuthority,
  parseCertificateRequest,
} from '../../../../src/reload/security/ca.js';
import { parseCertificate } from '../../../../src/reload/security/certificate.js';
import { generateKeyPair, spkiOf } from '../../../../src/reload/security/keys.js';
import { checkNodeCertificate } from '../../../../src/reload/security/trust.js';
import { assertLocalError, rejectsLocalError } from '../../../support/errors.js';
import { NOW, OVERLAY, selfSigned, selfSignedSettings, testCa } from './fixtures.js';

describe('CA mode seam (RFC 6940 §11.3, issue #5)', () => {
  it('a CSR carries the key and the user name, and a tampered one is refused', async () => {
    const keys = await generateKeyPair('rsa-2048');
    const csr = await createCertificateRequest(keys, 'bob@example.org');
    const req = await parseCertificateRequest(csr);
    assert.equal(req.userName, 'bob@example.org');
    assert.equal(toHex(req.subjectPublicKey), toHex(spkiOf(keys.publicKey)));
    const tampered = csr.slice();
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 0xff;
    await rejectsLocalError(parseCertificateRequest(tampered), 'ERR_BAD_INPUT', /bad certificate request/);
    await rejectsLocalError(parseCertificateRequest(Uint8Array.of(1, 2, 3)), 'ERR_BAD_INPUT');
    await rejectsLocalError(createCertificateRequest(keys, 'bob'), 'ERR_BAD_INPUT');
  });

  it('issues a node certificate for a given Node-ID and user that chains to the CA', async () => {
    const ca = await testCa();
    const keys = await generateKeyPair('ecdsa-p256');
    const nodeId = nodeIdFromBigInt(0x0123456789abcdef0123456789abcdefn);
    const der = await issueNodeCertificate(ca, {
      subjectPublicKey: (
        await parseCertificateRequest(await createCertificateRequest(keys, 'bob@example.org'))
      ).subjectPublicKey,
      nodeIds: [nodeId],
      nodeIdLength: 16,
      overlay: OVERLAY,
      userName: 'bob@example.org',
      notBefore: NOW,
      notAfter: NOW + 86_400_000,
    });
    const node = new X509Certificate(der);
    assert.equal(
      node.subjectAltName,
      `URI:reload://0110${nodeIdToHex(nodeId)}@${OVERLAY}/, email:bob@example.org`,
    );
    assert.ok(node.checkIssued(new X509Certificate(ca.certificate.der)));
    assert.ok(
      node.verify(createPublicKey({ key: Buffer.from(ca.certificate.spki), format: 'der', type: 'spki' })),
    );
    const info = parseCertificate(der);
    const result = checkNodeCertificate(
      info,
      selfSignedSettings({ selfSignedPermitted: false, rootCerts: [ca.certificate] }),
      NOW,
    );
    assert.equal(result.kind, 'chain');
  });

  it('loads a CA from its key and certificate, checking they belong together', async () => {
    const ca = await testCa();
    const again = await loadCertificateAuthority(ca.keys.privateKey, ca.certificate.der);
    assert.equal(again.name.toString(), `CN=${OVERLAY} RELOAD CA`);
    const other = await selfSigned('ecdsa-p256');
    await rejectsLocalError(
      loadCertificateAuthority(other.privateKey, ca.certificate.der),
      'ERR_BAD_CERT',
      /not for this private key/,
    );
    await rejectsLocalError(
      loadCertificateAuthority(other.privateKey, other.certificate.der),
      'ERR_BAD_CERT',
      /lacks BasicConstraints/,
    );
    assertLocalError(() => parseCertificate(new Uint8Array(3)), 'ERR_BAD_CERT');
  });
});
