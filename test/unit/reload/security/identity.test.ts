import assert from 'node:assert/strict';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { nodeIdToHex } from '../../../../src/core/ids.js';
import {
  createSelfSignedIdentity,
  identityFromParts,
  renewSelfSignedIdentity,
} from '../../../../src/reload/security/identity.js';
import { assertLocalError, rejectsLocalError } from '../../../support/errors.js';
import { NOW, OVERLAY, selfSigned } from './fixtures.js';

/** The Node-ID RFC 6940 §11.3.1 prescribes, computed here with node:crypto alone. */
function expectedNodeId(spki: Buffer, digest: 'sha1' | 'sha256', length: number, index?: number): string {
  const h = createHash(digest);
  if (index !== undefined) {
    const i = Buffer.alloc(4);
    i.writeUInt32BE(index);
    h.update(i);
  }
  return h.update(spki).digest().subarray(0, length).toString('hex');
}

for (const keyAlgorithm of ['rsa-2048', 'ecdsa-p256'] as const) {
  describe(`self-signed identity (${keyAlgorithm}, RFC 6940 §11.3.1)`, () => {
    it('derives the Node-ID from the SHA-256 of the SubjectPublicKeyInfo', async () => {
      const id = await selfSigned(keyAlgorithm);
      const spki = createPublicKey(id.privateKey).export({ type: 'spki', format: 'der' });
      assert.equal(nodeIdToHex(id.nodeId), expectedNodeId(spki, 'sha256', 16));
    });

    it('makes a certificate node:crypto reads: reload URI and user name in subjectAltName, empty subject', async () => {
      const id = await selfSigned(keyAlgorithm);
      const cert = new X509Certificate(id.certificate.der);
      const hex = nodeIdToHex(id.nodeId);
      assert.equal(cert.subjectAltName, `URI:reload://0110${hex}@${OVERLAY}/, email:${hex}@${OVERLAY}`);
      assert.equal(cert.subject ?? '', '');
      assert.equal(cert.ca, false);
      assert.ok(cert.verify(cert.publicKey), 'self-signed: verifies with its own key');
      assert.ok(cert.checkPrivateKey(id.privateKey));
      assert.equal(new Date(cert.validFrom).getTime(), NOW - 3600_000);
      assert.equal(new Date(cert.validTo).getTime(), NOW + 365 * 24 * 3600_000);
      const expectedType = keyAlgorithm === 'rsa-2048' ? 'rsa' : 'ec';
      assert.equal(cert.publicKey.asymmetricKeyType, expectedType);
      if (keyAlgorithm === 'rsa-2048') assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
      else assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    });

    it('keeps the Node-ID when the certificate is renewed with the same key', async () => {
      const id = await selfSigned(keyAlgorithm);
      const later = NOW + 400 * 24 * 3600_000;
      const renewed = await renewSelfSignedIdentity(id.privateKey, {
        overlay: OVERLAY,
        digest: 'sha256',
        nodeIdLength: 16,
        now: later,
        userName: id.userName,
      });
      assert.equal(renewed.nodeId, id.nodeId);
      assert.equal(renewed.userName, id.userName);
      assert.equal(renewed.certificate.notAfter, later + 365 * 24 * 3600_000);
    });
  });
}

describe('self-signed identity options', () => {
  it('uses SHA-1 and 20-byte Node-IDs when the overlay says so', async () => {
    const id = await createSelfSignedIdentity({
      overlay: OVERLAY,
      digest: 'sha1',
      nodeIdLength: 20,
      now: NOW,
      keyAlgorithm: 'ecdsa-p256',
      userName: 'alice@example.org',
    });
    const spki = createPublicKey(id.privateKey).export({ type: 'spki', format: 'der' });
    assert.equal(nodeIdToHex(id.nodeId, 20), expectedNodeId(spki, 'sha1', 20));
    assert.equal(id.userName, 'alice@example.org');
    assert.match(
      new X509Certificate(id.certificate.der).subjectAltName ?? '',
      /^URI:reload:\/\/0114[0-9a-f]{40}@/,
    );
  });

  it('prefixes the 1-based index for several Node-IDs', async () => {
    const id = await selfSigned('ecdsa-p256', 'multi', 3);
    const spki = createPublicKey(id.privateKey).export({ type: 'spki', format: 'der' });
    assert.deepEqual(
      id.certificate.nodeIds.map((n) => nodeIdToHex(n)),
      [1, 2, 3].map((i) => expectedNodeId(spki, 'sha256', 16, i)),
    );
  });

  it('refuses a user name that is not user@domain', async () => {
    const base = {
      overlay: OVERLAY,
      digest: 'sha256',
      nodeIdLength: 16,
      now: NOW,
      keyAlgorithm: 'ecdsa-p256',
    } as const;
    await rejectsLocalError(
      createSelfSignedIdentity({ ...base, userName: 'no at sign' }),
      'ERR_BAD_INPUT',
      /user name/,
    );
    await rejectsLocalError(createSelfSignedIdentity({ ...base, userName: 'a@b\u0000c' }), 'ERR_BAD_INPUT');
  });

  it('refuses a certificate that belongs to another key', async () => {
    const a = await selfSigned('ecdsa-p256');
    const b = await selfSigned('ecdsa-p256', 'other');
    assertLocalError(
      () => identityFromParts(a.privateKey, b.certificate.der),
      'ERR_BAD_CERT',
      /not for this private key/,
    );
    assert.equal(identityFromParts(a.privateKey, a.certificate.der).nodeId, a.nodeId);
  });
});
