import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Aor } from '../../../../src/peer/adapter/aor.js';
import { userCertificateDer } from '../../../../src/platform/node/sip-users-file.js';
import { certificateToPem } from '../../../../src/reload/security/certificate.js';
import { assertLocalError } from '../../../support/errors.js';
import { selfSigned } from '../../reload/security/fixtures.js';

const stored = (certificate: string) => ({
  aor: 'alice@p2p.test' as Aor,
  realm: 'p2p.test',
  ha1: { MD5: '', 'SHA-256': '' },
  certificate,
});

describe('sip-users.json certificates', () => {
  it('gives back the DER of a stored PEM certificate, with LF or CRLF line ends', async () => {
    const der = (await selfSigned('ecdsa-p256')).certificate.der;
    const pem = certificateToPem(der);
    assert.deepEqual(userCertificateDer(stored(pem)), der);
    assert.deepEqual(userCertificateDer(stored(pem.replace(/\n/g, '\r\n'))), der);
  });

  it('refuses text that is no PEM certificate with ERR_BAD_CERT', () => {
    assertLocalError(() => userCertificateDer(stored('not a certificate')), 'ERR_BAD_CERT');
    assertLocalError(
      () => userCertificateDer(stored('-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n')),
      'ERR_BAD_CERT',
    );
  });
});
