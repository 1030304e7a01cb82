import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeIdToHex } from '../../../src/core/ids.js';
import { parseOverlayConfig } from '../../../src/reload/config/parse.js';
import { certificateFromPem, parseCertificate } from '../../../src/reload/security/certificate.js';
import { verifyConfigurationDocument } from '../../../src/reload/security/config-signature.js';
import { assertUsageError as assertCommandUsageError, p2psip, type Run } from '../../support/cli.js';

function assertUsageError(r: Run, message: RegExp): void {
  assertCommandUsageError(r, 'overlay create', message);
}

let cwd = '';
before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'p2psip-cli-'));
});
after(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('p2psip overlay create --self-signed', () => {
  it('writes an overlay.xml that parses back with the given name, bootstrap nodes and secret', async () => {
    const r = p2psip(
      cwd,
      'overlay',
      'create',
      '--name',
      'chat.example.org',
      '--out',
      'ov1',
      '--self-signed',
      '--bootstrap',
      '127.0.0.1:6084',
      '--bootstrap',
      '[::1]:7000',
      '--bootstrap',
      '127.0.0.2',
      '--shared-secret',
      'open sesame',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(
      r.stdout,
      /^created .*ov1\/overlay\.xml: overlay chat\.example\.org, self-signed \(sha256\)/,
    );
    const { config, source } = parseOverlayConfig(
      await readFile(join(cwd, 'ov1', 'overlay.xml')),
      'chat.example.org',
    );
    assert.equal(config.selfSignedPermitted, true);
    assert.equal(config.topologyPlugin, 'CHORD-RELOAD');
    assert.equal(config.noIce, true);
    assert.equal(config.nodeIdLength, 16);
    assert.equal(config.sequence, 1);
    assert.equal(config.sharedSecret, 'open sesame');
    assert.deepEqual(config.bootstrapNodes, [
      { family: 'ipv4', address: '127.0.0.1', port: 6084 },
      { family: 'ipv6', address: '::1', port: 7000 },
      { family: 'ipv4', address: '127.0.0.2', port: 6084 },
    ]);
    assert.deepEqual(
      config.kinds.map((k) => k.name),
      ['SIP-REGISTRATION', 'TURN-SERVICE', 'CERTIFICATE_BY_NODE', 'CERTIFICATE_BY_USER'],
    );
    assert.ok((config.expiration ?? 0) > Date.now() + 10 * 365 * 86_400_000);
    assert.equal(source.signatures.length, 1);
    // The signer is self-signed: its Node-ID is the digest of its key, and the document names it.
    const signer = parseCertificate(
      certificateFromPem(await readFile(join(cwd, 'ov1', 'signer.crt'), 'utf8')),
    );
    const signerId = signer.nodeIds[0];
    assert.ok(signerId !== undefined);
    assert.deepEqual(config.configurationSigners, [nodeIdToHex(signerId)]);
    const v = verifyConfigurationDocument(await readFile(join(cwd, 'ov1', 'overlay.xml')), {
      instanceName: 'chat.example.org',
      now: Date.now(),
    });
    assert.equal(v.signer?.nodeId, signer.nodeIds[0]);
  });

  it('exits 2 for --enrollment-url with --self-signed or without https', () => {
    assertUsageError(
      p2psip(
        cwd,
        'overlay',
        'create',
        '--name',
        'a.example',
        '--out',
        'ca',
        '--self-signed',
        '--enrollment-url',
        'https://x',
      ),
      /--enrollment-url is for CA overlays/,
    );
    assertUsageError(
      p2psip(cwd, 'overlay', 'create', '--name', 'a.example', '--out', 'ca', '--enrollment-url', 'http://x/'),
      /want an https: URL/,
    );
  });

  it('exits 2 with one line for a bad name, a bad HOST:PORT, a bad secret or missing options', () => {
    const base = ['overlay', 'create', '--out', 'bad', '--self-signed'];
    assertUsageError(
      p2psip(cwd, ...base, '--name', 'under_score.example'),
      /"under_score\.example" is not a DNS name/,
    );
    assertUsageError(
      p2psip(cwd, ...base, '--name', 'a.example', '--bootstrap', 'boot.example:6084'),
      /--bootstrap "boot\.example:6084"/,
    );
    assertUsageError(
      p2psip(cwd, ...base, '--name', 'a.example', '--bootstrap', '10.0.0.1:70000'),
      /--bootstrap/,
    );
    assertUsageError(p2psip(cwd, ...base, '--name', 'a.example', '--bootstrap', '10.0.0.1:0'), /--bootstrap/);
    assertUsageError(p2psip(cwd, ...base, '--name', 'a.example', '--shared-secret', ' x'), /--shared-secret/);
    assertUsageError(
      p2psip(cwd, 'overlay', 'create', '--name', 'a.example', '--self-signed'),
      /--out is required/,
    );
    assertUsageError(p2psip(cwd, ...base, '--name', 'a.example', '--colour', 'red'), /colour/);
  });

  it('refuses a non-empty directory unless --force', async () => {
    const dir = join(cwd, 'busy');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const args = ['overlay', 'create', '--name', 'a.example', '--out', dir, '--self-signed'];
    assertUsageError(p2psip(cwd, ...args), /is not empty \(use --force/);
    const forced = p2psip(cwd, ...args, '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(
      parseOverlayConfig(await readFile(join(dir, 'overlay.xml'))).config.instanceName,
      'a.example',
    );
    assert.equal(await readFile(join(dir, 'notes.txt'), 'utf8'), 'keep me');
  });

  it('shows its usage with --help', () => {
    const r = p2psip(cwd, 'overlay', 'create', '--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: p2psip overlay create --name DOMAIN --out DIR \[--bootstrap/);
  });
});
