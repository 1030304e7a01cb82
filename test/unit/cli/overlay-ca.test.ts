import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bytesEqual } from '../../../src/core/bytes.js';
import { nodeIdToHex } from '../../../src/core/ids.js';
import { parseOverlayConfig } from '../../../src/reload/config/parse.js';
import { certificateFromPem, parseCertificate } from '../../../src/reload/security/certificate.js';
import { verifyConfigurationDocument } from '../../../src/reload/security/config-signature.js';
import { checkNodeCertificate, trustSettingsFromConfig } from '../../../src/reload/security/trust.js';
import { assertUsageError, createCaOverlay, p2psip } from '../../support/cli.js';

/** `p2psip overlay create` in CA mode and `p2psip overlay update`, run as a user runs them. */
let cwd = '';
let dir = '';
const NAME = 'ca.example.org';

before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'p2psip-ca-'));
  dir = join(cwd, 'ov');
  const r = createCaOverlay(
    cwd,
    dir,
    NAME,
    'https://127.0.0.1:7443/enroll',
    '--bootstrap',
    '127.0.0.1:6084',
    '--shared-secret',
    'open sesame',
  );
  assert.match(
    r.stdout,
    /^created .*overlay\.xml: overlay ca\.example\.org, CA, enrolment at https:\/\/127\.0\.0\.1:7443\/enroll/,
  );
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const pem = async (file: string) => certificateFromPem(await readFile(join(dir, file), 'utf8'));

describe('p2psip overlay create (CA mode)', () => {
  it('keeps the CA and signer keys private (0600) and the rest readable', async () => {
    for (const [file, mode] of [
      ['ca.key', 0o600],
      ['signer.key', 0o600],
      ['ca.crt', 0o644],
      ['signer.crt', 0o644],
      ['overlay.xml', 0o644],
    ] as const) {
      assert.equal((await stat(join(dir, file))).mode & 0o777, mode, file);
    }
  });

  it('writes a signed document: CA root-cert, enrollment-server, no self-signed, the CA-issued signer', async () => {
    const doc = await readFile(join(dir, 'overlay.xml'));
    const v = verifyConfigurationDocument(doc, { instanceName: NAME, now: Date.now() });
    const c = v.config;
    const ca = await pem('ca.crt');
    assert.equal(c.rootCerts.length, 1);
    assert.ok(bytesEqual(c.rootCerts[0] ?? new Uint8Array(), ca));
    assert.equal(parseCertificate(ca).isCa, true);
    assert.deepEqual(c.enrollmentServers, ['https://127.0.0.1:7443/enroll']);
    assert.equal(c.selfSignedPermitted, false);
    assert.equal(c.sequence, 1);
    assert.equal(c.sharedSecret, 'open sesame');
    assert.deepEqual(c.bootstrapNodes, [{ family: 'ipv4', address: '127.0.0.1', port: 6084 }]);
    const signer = parseCertificate(await pem('signer.crt'));
    const signerId = signer.nodeIds[0];
    assert.ok(signerId !== undefined);
    assert.deepEqual(c.configurationSigners, [nodeIdToHex(signerId)]);
    assert.equal(v.signer?.nodeId, signerId);
    assert.equal(checkNodeCertificate(signer, trustSettingsFromConfig(c), Date.now()).kind, 'chain');
  });
});

describe('p2psip overlay update', () => {
  it('signs an edited document again with the next sequence, which peers accept over the old one', async () => {
    const path = join(dir, 'overlay.xml');
    const before = await readFile(path);
    const old = verifyConfigurationDocument(before, { instanceName: NAME, now: Date.now() }).config;
    const edited = before
      .toString('utf8')
      .replace('<initial-ttl>100</initial-ttl>', '<initial-ttl>64</initial-ttl>');
    await writeFile(path, edited);
    const r = p2psip(cwd, 'overlay', 'update', '--overlay', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^updated .*overlay\.xml: overlay ca\.example\.org, sequence 1 → 2, signed\n$/);
    const v = verifyConfigurationDocument(await readFile(path), {
      instanceName: NAME,
      now: Date.now(),
      previous: old,
    });
    assert.equal(v.config.sequence, 2);
    assert.equal(v.config.initialTtl, 64);
  });

  it('refuses a document that does not parse, with exit 2 and one line', async () => {
    const path = join(dir, 'overlay.xml');
    const good = await readFile(path);
    await writeFile(path, Buffer.concat([good, Buffer.from('<broken')]));
    assertUsageError(
      p2psip(cwd, 'overlay', 'update', '--overlay', dir),
      'overlay update',
      /not well-formed XML/,
    );
    await writeFile(path, good);
  });

  it('refuses to sign a document that no longer lists its signer', async () => {
    const path = join(dir, 'overlay.xml');
    const good = await readFile(path);
    const signer = parseOverlayConfig(good).config.configurationSigners[0] ?? '';
    await writeFile(
      path,
      good.toString('utf8').replace(`<configuration-signer>${signer}</configuration-signer>`, ''),
    );
    assertUsageError(
      p2psip(cwd, 'overlay', 'update', '--overlay', dir),
      'overlay update',
      /no longer lists our signer/,
    );
    await writeFile(path, good);
  });
});
