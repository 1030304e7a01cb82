import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getMetrics, getStatus, ringProblems } from '../support/control.js';
import {
  createOverlay,
  type HostPort,
  killAll,
  type PeerProcess,
  startPeer,
  startPeers,
  waitUntil,
} from '../support/peer-process.js';

/**
 * A shared-secret overlay (RFC 6940 §13.4, decision 0028) of real peers: links are TLS 1.2 RSA_PSK keyed
 * from the configuration's shared-secret, so the peers that hold it form a ring and a node with another
 * secret fails at the TLS handshake, on its side and on theirs.
 */
const SECRET = 'correct horse battery staple';

describe('a shared-secret overlay of real peers', { timeout: 240_000 }, () => {
  const T = { timeout: 90_000 };
  let dir = '';
  let peers: PeerProcess[] = [];
  let outsider: PeerProcess;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2psip-psk-'));
    peers = await startPeers(dir, {
      peers: 3,
      updateInterval: 3,
      pingInterval: 1,
      sharedSecret: SECRET,
      // The TLS host logs each link's protocol and cipher at debug level.
      extraArgs: () => ['--log-level', 'debug'],
    });
    // The same overlay name and bootstrap node, another secret.
    const [host, port] = (peers[0] as PeerProcess).listen.split(':');
    const bootstrap: HostPort = { host: host ?? '127.0.0.1', port: Number(port) };
    const wrong = await createOverlay(join(dir, 'wrong'), {
      bootstrap: [bootstrap],
      sharedSecret: 'incorrect horse',
    });
    outsider = await startPeer({
      overlayXml: wrong,
      identityDir: join(dir, 'outsider'),
      listen: { host: '127.0.0.1', port: 0 },
    });
  });

  after(async () => {
    await killAll();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('peers that know the secret form a ring over RSA_PSK links', T, async () => {
    await waitUntil(
      'a ring of three',
      async () => ringProblems(await Promise.all(peers.map((p) => getStatus(p.control)))),
      60_000,
    );
    for (const p of peers) {
      assert.ok(
        p.logs.some(
          (r) => r.msg === 'listening' && String(r.admission).startsWith('shared secret (TLS RSA_PSK)'),
        ),
      );
      const links = p.logs.filter((r) => r.msg === 'tls: link up');
      assert.ok(links.length >= 2, `${p.nodeId} has ${links.length} links`);
      for (const l of links) {
        assert.equal(l.protocol, 'TLSv1.2');
        assert.match(String(l.cipher), /^RSA-PSK-/);
      }
    }
  });

  it('a node with another secret fails at the TLS handshake and never joins', T, async () => {
    const handshakeFailed = (p: PeerProcess) =>
      p.logs.some((r) => r.msg === 'tls: connection refused' && r.reason === 'TLS handshake failed');
    await waitUntil(
      'handshakes refused on both sides',
      async () => [
        ...(handshakeFailed(outsider) ? [] : ['the outsider logged no failed handshake']),
        ...(handshakeFailed(peers[0] as PeerProcess)
          ? []
          : ['the bootstrap peer logged no failed handshake']),
      ],
      30_000,
    );
    const series = 'p2psip_tls_refused_total{reason="TLS handshake failed"}';
    assert.ok(((await getMetrics((peers[0] as PeerProcess).control)).get(series) ?? 0) >= 1);
    const mine = await getStatus(outsider.control);
    assert.equal(mine.state, 'joining');
    assert.equal(mine.links, 0);
    const statuses = await Promise.all(peers.map((p) => getStatus(p.control)));
    assert.deepEqual(ringProblems(statuses), []);
    for (const s of statuses) {
      assert.equal([...s.predecessors, ...s.successors, ...s.fingers].includes(outsider.nodeId), false);
      assert.equal(s.internalErrors, 0);
    }
  });
});
