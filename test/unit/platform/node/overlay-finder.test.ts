import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nullLogger } from '../../../../src/core/logger.js';
import type { Beacon } from '../../../../src/discovery/dns-sd.js';
import { serveConfiguration } from '../../../../src/platform/node/config-endpoint.js';
import { createOverlayDirectory } from '../../../../src/platform/node/overlay-authority.js';
import { findOverlay, type LanView } from '../../../../src/platform/node/overlay-finder.js';
import { overlayFingerprint } from '../../../../src/reload/config/fingerprint.js';

/**
 * How `p2psip start` gets its document (decision 0030): from a LAN peer when one offers it (checked against
 * the announced fingerprint), never by creating a second overlay while a seeker with a smaller tie-break
 * is (or was, a moment ago) about to create it.
 */
class FakeLan implements LanView {
  heard: Beacon[] = [];
  ours: Beacon[] = [];
  beacons(): Beacon[] {
    return this.heard;
  }
  advertise(b: Beacon | undefined): void {
    if (b !== undefined) this.ours.push(b);
  }
}

const SMALLEST_SEEKER: Beacon = {
  instance: 'p2psip-000000000000',
  overlay: 'local.p2psip',
  fingerprint: '',
  state: 'seeking',
  address: '127.0.0.1',
  port: 0,
  tiebreak: '0000000000000000',
};

let root = '';
let n = 0;
const fresh = (): string => join(root, `home-${n++}`, 'local.p2psip');
const options = (overlayDir: string, lan: FakeLan) => ({
  name: 'local.p2psip',
  overlayDir,
  create: false,
  mayCreate: true,
  lan,
  windowMs: 300,
  instance: 1,
  log: nullLogger,
});

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'p2psip-finder-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('finding the overlay of p2psip start', () => {
  it('creates a self-signed overlay when the LAN is silent, announcing itself as a seeker meanwhile', async () => {
    const lan = new FakeLan();
    const found = await findOverlay(options(fresh(), lan));
    assert.equal(found.origin, 'created');
    assert.equal(found.founder, true);
    assert.deepEqual(found.peers, []);
    assert.equal(lan.ours[0]?.state, 'seeking');
  });

  it('waits for a smaller seeker, even after its goodbye, and takes the document it then serves', async () => {
    // The other home's overlay, served as its running peer would.
    const theirs = join(root, 'theirs');
    const { config } = await createOverlayDirectory(theirs, {
      name: 'local.p2psip',
      bootstrapNodes: [],
      selfSigned: true,
      enrollmentServers: [],
      now: Date.now(),
    });
    const endpoint = await serveConfiguration(
      '127.0.0.1',
      await readFile(join(theirs, 'overlay.xml')),
      nullLogger,
    );
    try {
      const lan = new FakeLan();
      lan.heard = [SMALLEST_SEEKER];
      const dir = fresh();
      const finding = findOverlay(options(dir, lan));
      await new Promise((r) => setTimeout(r, 400));
      lan.heard = []; // its goodbye: it is creating the overlay
      await new Promise((r) => setTimeout(r, 1_000));
      await assert.rejects(
        stat(join(dir, 'overlay.xml')),
        'no second overlay while the smaller seeker creates',
      );
      lan.heard = [
        {
          instance: 'p2psip-0123456789ab',
          overlay: 'local.p2psip',
          fingerprint: overlayFingerprint(config),
          state: 'joined',
          address: '127.0.0.1',
          port: 6084,
          configPort: endpoint.port,
        },
      ];
      const found = await finding;
      assert.equal(found.origin, 'lan');
      assert.equal(found.founder, false);
      assert.equal(found.fingerprint, overlayFingerprint(config));
      assert.deepEqual(found.peers, [{ host: '127.0.0.1', port: 6084 }]);
    } finally {
      await endpoint.close();
    }
  });

  it('refuses a served document that is not of the announced fingerprint', async () => {
    const theirs = join(root, 'other');
    await createOverlayDirectory(theirs, {
      name: 'local.p2psip',
      bootstrapNodes: [],
      selfSigned: true,
      enrollmentServers: [],
      now: Date.now(),
    });
    const endpoint = await serveConfiguration(
      '127.0.0.1',
      await readFile(join(theirs, 'overlay.xml')),
      nullLogger,
    );
    try {
      const lan = new FakeLan();
      lan.heard = [
        {
          instance: 'p2psip-0123456789ab',
          overlay: 'local.p2psip',
          fingerprint: 'ab'.repeat(16),
          state: 'joined',
          address: '127.0.0.1',
          port: 6084,
          configPort: endpoint.port,
        },
      ];
      const found = await findOverlay(options(fresh(), lan));
      assert.equal(found.origin, 'created', 'the mismatching document was not taken');
      assert.notEqual(found.fingerprint, 'ab'.repeat(16));
    } finally {
      await endpoint.close();
    }
  });
});
