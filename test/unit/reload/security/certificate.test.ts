import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { concatBytes, toHex } from '../../../../src/core/bytes.js';
import { nodeIdFromHex, nodeIdToHex } from '../../../../src/core/ids.js';
import { parseOverlayConfig } from '../../../../src/reload/config/parse.js';
import {
  certificateFromPem,
  certificateToPem,
  parseCertificate,
} from '../../../../src/reload/security/certificate.js';
import { formatNodeUri, parseNodeUri } from '../../../../src/reload/security/reload-uri.js';
import { checkNodeCertificate } from '../../../../src/reload/security/trust.js';
import { assertLocalError } from '../../../support/errors.js';
import { readVectorFile } from '../../../support/vectors.js';
import { certificateWithNames, NOW, OVERLAY, selfSigned, selfSignedSettings, testCa } from './fixtures.js';

describe('reload URI of a Node-ID (RFC 6940 §14.15, §11.3)', () => {
  const id = nodeIdFromHex('22'.repeat(16));

  it('is reload:// + hex of a one-entry node destination list + @overlay/', () => {
    assert.equal(formatNodeUri(id, 16, OVERLAY), `reload://0110${'22'.repeat(16)}@${OVERLAY}/`);
    assert.equal(
      formatNodeUri(nodeIdFromHex('33'.repeat(20)), 20, OVERLAY),
      `reload://0114${'33'.repeat(20)}@${OVERLAY}/`,
    );
  });

  it('parses back, in either case of hex', () => {
    assert.deepEqual(parseNodeUri(`reload://0110${'AB'.repeat(16)}@${OVERLAY}/`), {
      nodeId: nodeIdFromHex('ab'.repeat(16)),
      nodeIdLength: 16,
      overlay: OVERLAY,
    });
  });

  it('is not a Node-ID when it names a resource, a stored value or a bad length', () => {
    for (const uri of [
      `reload://0211${'10'}${'aa'.repeat(16)}@${OVERLAY}/`,
      `reload://0110${'22'.repeat(16)}@${OVERLAY}/0001`,
      `reload://010f${'22'.repeat(15)}@${OVERLAY}/`,
      `reload://0110${'22'.repeat(15)}@${OVERLAY}/`,
      `reload://0110${'22'.repeat(16)}@/`,
      `https://0110${'22'.repeat(16)}@${OVERLAY}/`,
    ]) {
      assert.equal(parseNodeUri(uri), undefined, uri);
    }
  });
});

describe('certificate inspection', () => {
  it('reads Node-IDs, user name, validity, key and hash of a node certificate', async () => {
    const id = await selfSigned('rsa-2048');
    const info = parseCertificate(id.certificate.der);
    assert.deepEqual(info.nodeIds, [id.nodeId]);
    assert.equal(info.userName, `${nodeIdToHex(id.nodeId)}@${OVERLAY}`);
    assert.deepEqual(info.otherNames, []);
    assert.equal(info.notBefore, NOW - 3600_000);
    assert.equal(info.notAfter, NOW + 365 * 24 * 3600_000);
    const spki = createPublicKey(id.privateKey).export({ type: 'spki', format: 'der' });
    assert.equal(toHex(info.spki), spki.toString('hex'));
    assert.equal(toHex(info.sha256), createHash('sha256').update(id.certificate.der).digest('hex'));
    assert.equal(info.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(info.subjectEmpty, true);
    assert.equal(info.isCa, false);
  });

  it('reads a CA certificate: cA set, no Node-IDs', async () => {
    const ca = await testCa();
    assert.equal(ca.certificate.isCa, true);
    assert.deepEqual(ca.certificate.nodeIds, []);
    assert.equal(ca.certificate.subjectEmpty, false);
  });

  it('reads the root certificate of the RFC example configuration', () => {
    const config = parseOverlayConfig(readVectorFile('rfc6940-config.xml'), 'overlay.example.org').config;
    const root = parseCertificate(config.rootCerts[0] ?? new Uint8Array());
    assert.equal(root.isCa, true);
    assert.equal(root.notAfter, Date.UTC(2013, 6, 15, 12, 21, 52));
    assertLocalError(() => parseCertificate(config.rootCerts[1] ?? new Uint8Array()), 'ERR_BAD_CERT');
  });

  it('notices subjectAltName identities RFC 6940 §11.3 forbids, and the trust check refuses them', async () => {
    const cert = await certificateWithNames([
      { type: 'url', value: formatNodeUri(nodeIdFromHex('44'.repeat(16)), 16, OVERLAY) },
      { type: 'email', value: 'one@example.org' },
      { type: 'email', value: 'two@example.org' },
      { type: 'dns', value: 'peer.example.org' },
      { type: 'url', value: 'https://example.org/' },
    ]);
    const info = parseCertificate(new Uint8Array(cert.rawData));
    assert.equal(info.userName, 'one@example.org');
    assert.deepEqual(info.otherNames, [
      'dns:peer.example.org',
      'url:https://example.org/',
      'email:two@example.org',
    ]);
    assertLocalError(
      () => checkNodeCertificate(info, selfSignedSettings(), NOW),
      'ERR_BAD_CERT',
      /other identities/,
    );
  });

  it('round-trips through PEM', async () => {
    const id = await selfSigned('ecdsa-p256');
    const pem = certificateToPem(id.certificate.der);
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/);
    assert.deepEqual(certificateFromPem(pem), id.certificate.der);
    assertLocalError(
      () => certificateFromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      'ERR_BAD_CERT',
    );
  });

  it('refuses empty, truncated, padded and random bytes with ERR_BAD_CERT', async () => {
    const der = (await selfSigned('ecdsa-p256')).certificate.der;
    for (const bad of [
      new Uint8Array(0),
      der.subarray(0, der.length - 1),
      concatBytes(der, Uint8Array.of(0)),
      Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00),
      new Uint8Array(70_000),
    ]) {
      assertLocalError(() => parseCertificate(bad), 'ERR_BAD_CERT');
    }
  });
});
