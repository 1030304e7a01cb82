import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advertisedAddress } from '../../../../src/platform/node/addresses.js';
import { nodeConfigFrom } from '../../../../src/platform/node/node-config.js';
import { newSelfSignedOverlay, overlayHash } from '../../../../src/reload/config/index.js';
import { DEFAULT_CHORD_OPTIONS } from '../../../../src/reload/topology/chord/options.js';

describe('a peer’s node configuration', () => {
  const overlay = newSelfSignedOverlay({
    name: 'test.p2psip',
    bootstrapNodes: [{ family: 'ipv4', address: '192.0.2.1', port: 6084 }],
    now: Date.parse('2026-01-01T00:00:00Z'),
  });

  it('takes limits, Chord settings and bootstrap nodes from the overlay document', () => {
    const c = nodeConfigFrom(
      { ...overlay, chord: { ...overlay.chord, updateInterval: 3, pingInterval: 1 } },
      {
        listen: { host: '127.0.0.1', port: 7000 },
        extraBootstrap: [{ host: '127.0.0.2', port: 7001 }],
        softwareVersion: 'p2psip test',
      },
    );
    assert.equal(c.overlayName, 'test.p2psip');
    assert.equal(c.overlayHash, overlayHash('test.p2psip'));
    assert.equal(c.configurationSequence, overlay.sequence);
    assert.deepEqual(
      [c.maxMessageSize, c.initialTtl, c.reliabilityTimer],
      [overlay.maxMessageSize, 100, 3000],
    );
    assert.deepEqual(c.bootstrap, [
      { host: '192.0.2.1', port: 6084 },
      { host: '127.0.0.2', port: 7001 },
    ]);
    assert.deepEqual(c.chord, {
      fingerDensity: DEFAULT_CHORD_OPTIONS.fingerDensity,
      fingerProbesPerPeriod: DEFAULT_CHORD_OPTIONS.fingerProbesPerPeriod,
      reactiveDelay: DEFAULT_CHORD_OPTIONS.reactiveDelay,
      // A busy host is not a dead one: no one-shot connectivity checks, 5 Updates before a failure.
      updateTransmissions: 5,
      successors: 3,
      predecessors: 3,
      fingers: 16,
      updateInterval: 3000,
      fingerInterval: 1000,
      reactive: true,
    });
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 7000 });
  });
});

describe('the advertised address', () => {
  it('is the listen address when that is concrete', async () => {
    assert.deepEqual(await advertisedAddress({ host: '127.0.0.3', port: 9 }, []), {
      host: '127.0.0.3',
      port: 9,
    });
  });

  it('is our own bootstrap-node address when listening on a wildcard on its port', async () => {
    const bootstrap = [
      { host: '192.0.2.9', port: 6084 },
      { host: '127.0.0.1', port: 7777 },
    ];
    assert.deepEqual(await advertisedAddress({ host: '0.0.0.0', port: 7777 }, bootstrap), {
      host: '127.0.0.1',
      port: 7777,
    });
  });

  it('is the source address toward the first bootstrap node otherwise', async () => {
    assert.deepEqual(
      await advertisedAddress({ host: '0.0.0.0', port: 7777 }, [{ host: '127.0.0.1', port: 6084 }]),
      {
        host: '127.0.0.1',
        port: 7777,
      },
    );
  });
});
