import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeIdToHex } from '../../../src/core/ids.js';
import {
  CERT_FILE,
  KEY_FILE,
  loadOrCreateIdentity,
  readOverlayConfig,
  writeOverlayConfig,
} from '../../../src/platform/node/identity-files.js';
import { newSelfSignedOverlay } from '../../../src/reload/config/new-overlay.js';
import type { OverlayConfig } from '../../../src/reload/config/overlay-config.js';
import { writeOverlayConfig as renderConfig } from '../../../src/reload/config/write.js';
import { rejectsLocalError } from '../../support/errors.js';

const NOW = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const config = newSelfSignedOverlay({ name: 'example.org', bootstrapNodes: [], now: NOW });

let root = '';
let n = 0;
const fresh = (): string => join(root, `id-${n++}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'p2psip-identity-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('overlay.xml files', () => {
  it('writes and reads back a configuration', async () => {
    const dir = fresh();
    const path = await writeOverlayConfig(dir, renderConfig(config));
    assert.equal(path, join(dir, 'overlay.xml'));
    assert.deepEqual((await readOverlayConfig(path)).config, config);
  });

  it('names the file in errors', async () => {
    await rejectsLocalError(
      readOverlayConfig(join(root, 'missing.xml')),
      'ERR_NOT_FOUND',
      /missing\.xml does not exist/,
    );
    const bad = join(root, 'bad.xml');
    await writeFile(bad, '<overlay/>');
    await rejectsLocalError(readOverlayConfig(bad), 'ERR_BAD_CONFIG', /bad\.xml: .*root element/);
  });
});

describe('loadOrCreateIdentity (RFC 6940 §11.3.1)', () => {
  it('creates node.key (PKCS#8, mode 0600) and node.crt in a self-signed overlay, then loads the same identity', async () => {
    const dir = fresh();
    const made = await loadOrCreateIdentity(dir, config, { now: NOW, keyAlgorithm: 'ecdsa-p256' });
    assert.equal(made.action, 'created');
    const keyPem = await readFile(join(dir, KEY_FILE), 'utf8');
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal((await stat(join(dir, KEY_FILE))).mode & 0o777, 0o600);
    const cert = new X509Certificate(await readFile(join(dir, CERT_FILE)));
    assert.ok(cert.checkPrivateKey(createPrivateKey(keyPem)));
    assert.match(
      cert.subjectAltName ?? '',
      new RegExp(`reload://0110${nodeIdToHex(made.identity.nodeId)}@example.org/`),
    );

    const loaded = await loadOrCreateIdentity(dir, config, { now: NOW + DAY });
    assert.equal(loaded.action, 'loaded');
    assert.equal(loaded.identity.nodeId, made.identity.nodeId);
  });

  it('renews a self-signed certificate close to expiry with the same key and Node-ID', async () => {
    const dir = fresh();
    const made = await loadOrCreateIdentity(dir, config, { now: NOW, keyAlgorithm: 'ecdsa-p256' });
    const later = NOW + 340 * DAY;
    const renewed = await loadOrCreateIdentity(dir, config, { now: later });
    assert.equal(renewed.action, 'renewed');
    assert.equal(renewed.identity.nodeId, made.identity.nodeId);
    assert.equal(renewed.identity.userName, made.identity.userName);
    assert.equal(
      new Date(new X509Certificate(await readFile(join(dir, CERT_FILE))).validTo).getTime(),
      later + 365 * DAY,
    );
  });

  it('refuses to invent credentials when the overlay does not permit self-signed certificates', async () => {
    const caOverlay: OverlayConfig = { ...config, selfSignedPermitted: false };
    await rejectsLocalError(
      loadOrCreateIdentity(fresh(), caOverlay, { now: NOW }),
      'ERR_NOT_FOUND',
      /p2psip enroll/,
    );
  });

  it('refuses half an identity, a key that does not match, and a Node-ID the key does not give', async () => {
    const dir = fresh();
    await loadOrCreateIdentity(dir, config, { now: NOW, keyAlgorithm: 'ecdsa-p256' });
    const other = fresh();
    await loadOrCreateIdentity(other, config, { now: NOW, keyAlgorithm: 'ecdsa-p256' });

    await writeFile(join(other, KEY_FILE), await readFile(join(dir, KEY_FILE)));
    await rejectsLocalError(
      loadOrCreateIdentity(other, config, { now: NOW }),
      'ERR_BAD_CERT',
      /node\.crt: the certificate is not for this private key/,
    );

    await rejectsLocalError(
      loadOrCreateIdentity(dir, { ...config, selfSignedDigest: 'sha1' }, { now: NOW }),
      'ERR_BAD_CERT',
      /does not match its key/,
    );

    await unlink(join(dir, CERT_FILE));
    await rejectsLocalError(
      loadOrCreateIdentity(dir, config, { now: NOW }),
      'ERR_BAD_INPUT',
      /has node\.key but no node\.crt/,
    );
  });

  it('refuses a certificate for another overlay', async () => {
    const dir = fresh();
    await loadOrCreateIdentity(dir, config, { now: NOW, keyAlgorithm: 'ecdsa-p256' });
    const other = newSelfSignedOverlay({ name: 'other.example.org', bootstrapNodes: [], now: NOW });
    await rejectsLocalError(
      loadOrCreateIdentity(dir, other, { now: NOW }),
      'ERR_BAD_CERT',
      /is for overlay "example.org"/,
    );
  });
});
