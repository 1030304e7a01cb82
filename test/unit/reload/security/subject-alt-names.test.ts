import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeIdFromHex } from '../../../../src/core/ids.js';
import { parseCertificate } from '../../../../src/reload/security/certificate.js';
import { formatNodeUri } from '../../../../src/reload/security/reload-uri.js';
import { parseAltNames } from '../../../../src/reload/security/subject-alt-names.js';
import { x509 } from '../../../../src/reload/security/x509.js';
import { assertLocalError } from '../../../support/errors.js';
import { certificateWithNames, NOW, OVERLAY } from './fixtures.js';

describe('subjectAltName entries from node:crypto’s text (RFC 5280 §4.2.1.6)', () => {
  it('splits plain entries at ", " and reads quoted ones as JSON strings', () => {
    assert.deepEqual(parseAltNames('URI:reload://0110ab@o/, email:alice@p2p.test, DNS:peer.example'), [
      { type: 'url', value: 'reload://0110ab@o/' },
      { type: 'email', value: 'alice@p2p.test' },
      { type: 'dns', value: 'peer.example' },
    ]);
    assert.deepEqual(parseAltNames('URI:"https://a/, email:mallory@x", email:alice@p2p.test'), [
      { type: 'url', value: 'https://a/, email:mallory@x' },
      { type: 'email', value: 'alice@p2p.test' },
    ]);
    assert.deepEqual(parseAltNames(undefined), []);
  });

  it('refuses text it cannot split unambiguously', () => {
    assertLocalError(() => parseAltNames('URI:"https://a/'), 'ERR_BAD_CERT');
    assertLocalError(() => parseAltNames('URI:"a"x, email:b'), 'ERR_BAD_CERT');
    assertLocalError(() => parseAltNames('no type here'), 'ERR_BAD_CERT');
  });

  it('reads the same identities from a certificate as an ASN.1 decoder, however its names are spelled', async () => {
    const nodeUri = formatNodeUri(nodeIdFromHex('55'.repeat(16)), 16, OVERLAY);
    const names: x509.JsonGeneralName[] = [
      { type: 'url', value: 'https://a/, email:mallory@evil.example' },
      { type: 'email', value: 'alice"@p2p.test' },
      { type: 'url', value: nodeUri },
      { type: 'email', value: 'second@p2p.test' },
      { type: 'dns', value: 'x\\y.example' },
    ];
    const cert = await certificateWithNames(names);
    const info = parseCertificate(new Uint8Array(cert.rawData));
    const decoded = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
    assert.deepEqual(
      decoded.map((n) => ({ type: n.type, value: n.value })),
      names,
      'the decoder agrees with what was written',
    );
    assert.equal(info.userName, 'alice"@p2p.test');
    assert.deepEqual(
      info.nodes.map((n) => n.nodeId),
      [nodeIdFromHex('55'.repeat(16))],
    );
    assert.deepEqual(info.otherNames, [
      'url:https://a/, email:mallory@evil.example',
      'dns:x\\y.example',
      'email:second@p2p.test',
    ]);
    assert.equal(info.notBefore, Math.floor((NOW - 1000) / 1000) * 1000);
    assert.equal(info.subjectEmpty, true);
    assert.deepEqual(info.spki, new Uint8Array(cert.publicKey.rawData));
  });
});
