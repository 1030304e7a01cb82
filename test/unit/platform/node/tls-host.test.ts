import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { LocalError } from '../../../../src/core/errors.js';
import type { NodeId } from '../../../../src/core/ids.js';
import { nullLogger } from '../../../../src/core/logger.js';
import { checkPskKey, type LinkPsk, linkPskFor } from '../../../../src/platform/node/shared-secret.js';
import { type LinkEvents, TlsHost, type TlsLimits } from '../../../../src/platform/node/tls-host.js';
import { newSelfSignedOverlay } from '../../../../src/reload/config/new-overlay.js';
import type { LinkId } from '../../../../src/reload/routing/types.js';
import { certificateToPem, parseCertificate } from '../../../../src/reload/security/certificate.js';
import { createSelfSignedIdentity, type NodeIdentity } from '../../../../src/reload/security/identity.js';
import { privateKeyToPem } from '../../../../src/reload/security/keys.js';

/** TLS-TCP-FH-NO-ICE links between real sockets on 127.0.0.1, with a recording node on each side. */
class Recorder implements LinkEvents {
  readonly log: string[] = [];
  readonly bytes = new Map<LinkId, number>();
  nextLink = 100;
  refuse = false;
  #waiters: Array<{ match: (e: string) => boolean; resolve: () => void }> = [];
  #push(e: string): void {
    this.log.push(e);
    const ready = this.#waiters.filter((w) => w.match(e));
    this.#waiters = this.#waiters.filter((w) => !w.match(e));
    for (const w of ready) w.resolve();
  }
  /** Resolves once an event starting with `prefix` was recorded. */
  seen(prefix: string): Promise<void> {
    if (this.log.some((e) => e.startsWith(prefix))) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ match: (e) => e.startsWith(prefix), resolve }));
  }
  connected(link: LinkId, peerIds: readonly NodeId[]): void {
    this.#push(`connected ${link} ${peerIds.map((p) => p.toString(16)).join()}`);
  }
  accepted(peerIds: readonly NodeId[]): LinkId | undefined {
    this.#push(`accepted ${peerIds.map((p) => p.toString(16)).join()}`);
    return this.refuse ? undefined : (this.nextLink++ as LinkId);
  }
  data(link: LinkId, bytes: Uint8Array): void {
    const n = (this.bytes.get(link) ?? 0) + bytes.length;
    this.bytes.set(link, n);
    this.#push(`data ${link} ${n}`);
  }
  closed(link: LinkId, reason: string): void {
    this.#push(`closed ${link} ${reason}`);
  }
}

const tlsIdentity = (id: NodeIdentity) => ({
  keyPem: privateKeyToPem(id.privateKey),
  certPem: certificateToPem(id.certificate.der),
});

describe('TlsHost', () => {
  let a: NodeIdentity;
  let b: NodeIdentity;
  let dir = '';
  const hosts: TlsHost[] = [];
  before(async () => {
    const make = () =>
      createSelfSignedIdentity({
        overlay: 'test.p2psip',
        digest: 'sha256',
        nodeIdLength: 16,
        now: Date.now(),
        keyAlgorithm: 'ecdsa-p256',
      });
    [a, b] = await Promise.all([make(), make()]);
    dir = await mkdtemp(join(tmpdir(), 'p2psip-tls-'));
  });
  after(async () => {
    await Promise.all(hosts.map((h) => h.shutdown()));
    await rm(dir, { recursive: true, force: true });
  });

  function host(
    identity: NodeIdentity,
    events: Recorder,
    o: {
      limits?: Partial<TlsLimits>;
      keylogPath?: string;
      refuse?: (der: Uint8Array) => boolean;
      psk?: LinkPsk;
    } = {},
  ): TlsHost {
    const h = new TlsHost({
      identity: tlsIdentity(identity),
      authenticate: (der) => {
        if (o.refuse?.(der) === true) throw new LocalError('ERR_BAD_CERT', 'refused by the test');
        return parseCertificate(der).nodeIds;
      },
      log: nullLogger,
      ...(o.limits === undefined ? {} : { limits: o.limits }),
      ...(o.keylogPath === undefined ? {} : { keylogPath: o.keylogPath }),
      ...(o.psk === undefined ? {} : { psk: o.psk }),
    });
    h.setHandler(events);
    hosts.push(h);
    return h;
  }

  it('opens a mutually authenticated link and carries bytes both ways', async () => {
    const ea = new Recorder();
    const eb = new Recorder();
    const ha = host(a, ea);
    const hb = host(b, eb);
    const { port } = await ha.listen('127.0.0.1', 0);
    hb.connect(1 as LinkId, '127.0.0.1', port);
    await eb.seen('connected 1');
    await ea.seen('accepted');
    assert.deepEqual(eb.log, [`connected 1 ${a.nodeId.toString(16)}`]);
    assert.deepEqual(ea.log, [`accepted ${b.nodeId.toString(16)}`]);
    hb.write(1 as LinkId, new Uint8Array(1000));
    await ea.seen('data 100 1000');
    ha.write(100 as LinkId, new Uint8Array(10));
    await eb.seen('data 1 10');
  });

  it('closes a connection whose certificate our check refuses, before the node hears of it', async () => {
    const ea = new Recorder();
    const eb = new Recorder();
    const ha = host(a, ea, { refuse: () => true });
    const { port } = await ha.listen('127.0.0.1', 0);
    host(b, eb).connect(2 as LinkId, '127.0.0.1', port);
    await eb.seen('closed 2');
    assert.deepEqual(ea.log, []);
    assert.equal(ha.refused.get('bad certificate'), 1);
  });

  it('checks live links again on recheck() and closes those whose certificate is now refused', async () => {
    const ea = new Recorder();
    const eb = new Recorder();
    let refuseNow = false;
    const ha = host(a, ea, { refuse: () => refuseNow });
    const hb = host(b, eb);
    const { port } = await ha.listen('127.0.0.1', 0);
    hb.connect(6 as LinkId, '127.0.0.1', port);
    await eb.seen('connected 6');
    await ea.seen('accepted');
    assert.equal(ha.recheck(), 0, 'a certificate still accepted keeps its link');
    refuseNow = true;
    assert.equal(ha.recheck(), 1);
    await ea.seen('closed 100 certificate no longer accepted: refused by the test');
    await eb.seen('closed 6');
    assert.equal(ha.refused.get('certificate no longer accepted'), 1);
  });

  it('closes a link the node refuses to accept, and one the node closes without telling it again', async () => {
    const ea = new Recorder();
    const eb = new Recorder();
    ea.refuse = true;
    const ha = host(a, ea);
    const hb = host(b, eb);
    const { port } = await ha.listen('127.0.0.1', 0);
    hb.connect(3 as LinkId, '127.0.0.1', port);
    await eb.seen('closed 3');
    ea.refuse = false;
    hb.connect(4 as LinkId, '127.0.0.1', port);
    await ea.seen('accepted');
    await eb.seen('connected 4');
    hb.close(4 as LinkId, 'done');
    await ea.seen('closed');
    assert.equal(
      eb.log.some((e) => e.startsWith('closed 4')),
      false,
    );
  });

  it('forgets an outgoing link the node closes before TLS is done', async () => {
    const eb = new Recorder();
    const ha = host(a, new Recorder());
    const hb = host(b, eb);
    const { port } = await ha.listen('127.0.0.1', 0);
    hb.connect(5 as LinkId, '127.0.0.1', port);
    hb.close(5 as LinkId, 'gave up');
    await waitFor(() => hb.connectionCount === 0);
    assert.deepEqual(eb.log, []);
  });

  it('closes a socket that never finishes the TLS handshake', async () => {
    const ha = host(a, new Recorder(), { limits: { handshakeTimeout: 200 } });
    const { port } = await ha.listen('127.0.0.1', 0);
    const raw = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => raw.once('close', () => resolve()));
    assert.equal(ha.refused.get('TLS handshake failed'), 1);
  });

  it('refuses connections beyond the limit, incoming and outgoing', async () => {
    const ea = new Recorder();
    const ha = host(a, ea, { limits: { maxConnections: 1 } });
    const { port } = await ha.listen('127.0.0.1', 0);
    const first = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => first.once('connect', () => resolve()));
    await waitFor(() => ha.connectionCount === 1);
    const second = tcpConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => second.once('close', () => resolve()));
    assert.equal(ha.refused.get('connection limit'), 1);
    ha.connect(9 as LinkId, '127.0.0.1', port);
    await ea.seen('closed 9 connection limit reached');
    first.destroy();
  });

  it('closes the link of a peer that stops reading instead of buffering without bound', async () => {
    const ea = new Recorder();
    const ha = host(a, ea, { limits: { maxWriteBuffer: 256 * 1024 } });
    const { port } = await ha.listen('127.0.0.1', 0);
    const { keyPem, certPem } = tlsIdentity(b);
    const lazy = tlsConnect({
      host: '127.0.0.1',
      port,
      rejectUnauthorized: false,
      key: keyPem,
      cert: certPem,
    });
    lazy.on('error', () => undefined);
    await new Promise<void>((resolve) => lazy.once('secureConnect', () => resolve()));
    lazy.pause();
    await ea.seen('accepted');
    const chunk = new Uint8Array(512 * 1024);
    for (let i = 0; i < 200 && !ea.log.some((e) => e.startsWith('closed')); i++) {
      ha.write(100 as LinkId, chunk);
      await new Promise((r) => setImmediate(r));
    }
    await ea.seen('closed 100 write buffer above');
    lazy.destroy();
  });

  it('appends NSS key-log lines for both ends of a link', async () => {
    const path = join(dir, 'keys.log');
    const ea = new Recorder();
    const eb = new Recorder();
    const ha = host(a, ea, { keylogPath: path });
    const hb = host(b, eb, { keylogPath: path });
    const { port } = await ha.listen('127.0.0.1', 0);
    hb.connect(1 as LinkId, '127.0.0.1', port);
    await eb.seen('connected 1');
    await ea.seen('accepted');
    await Promise.all([ha.shutdown(), hb.shutdown()]);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    assert.ok(lines.length >= 2);
    for (const l of lines) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/);
    assert.ok(lines.some((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 ')));
  });
});

async function waitFor(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 10));
}

describe('TlsHost with a shared secret (RFC 6940 §13.4, RFC 4279 RSA_PSK)', () => {
  let a: NodeIdentity;
  let b: NodeIdentity;
  const hosts: TlsHost[] = [];
  const overlay = (secret?: string) =>
    newSelfSignedOverlay({
      name: 'psk.p2psip',
      bootstrapNodes: [],
      now: Date.now(),
      ...(secret === undefined ? {} : { sharedSecret: secret }),
    });
  const right = linkPskFor(overlay('right horse battery staple'));
  const wrong = linkPskFor(overlay('wrong horse battery staple'));
  before(async () => {
    // RSA_PSK authenticates the server with an RSA certificate.
    const make = () =>
      createSelfSignedIdentity({
        overlay: 'psk.p2psip',
        digest: 'sha256',
        nodeIdLength: 16,
        now: Date.now(),
        keyAlgorithm: 'rsa-2048',
      });
    [a, b] = await Promise.all([make(), make()]);
  });
  after(async () => {
    await Promise.all(hosts.map((h) => h.shutdown()));
  });
  function host(identity: NodeIdentity, events: Recorder, psk: LinkPsk | undefined): TlsHost {
    const h = new TlsHost({
      identity: tlsIdentity(identity),
      authenticate: (der) => parseCertificate(der).nodeIds,
      log: nullLogger,
      ...(psk === undefined ? {} : { psk }),
    });
    h.setHandler(events);
    hosts.push(h);
    return h;
  }

  it('derives one key per secret and overlay, and none without a secret', () => {
    assert.ok(right !== undefined && wrong !== undefined);
    assert.equal(right.key.length, 32);
    assert.equal(right.identity, 'psk.p2psip');
    assert.deepEqual(linkPskFor(overlay('right horse battery staple'))?.key, right.key);
    assert.notDeepEqual(wrong.key, right.key);
    assert.equal(linkPskFor(overlay()), undefined);
  });

  it('needs RSA node keys: every peer is the RSA_PSK server of some link', () => {
    checkPskKey('rsa', 'psk.p2psip');
    assert.throws(() => checkPskKey('ec', 'psk.p2psip'), /need an RSA node key, not ec/);
  });

  it('links two nodes that know the secret, each still seeing the Node-ID of the other', async () => {
    const ea = new Recorder();
    const eb = new Recorder();
    const ha = host(a, ea, right);
    const { port } = await ha.listen('127.0.0.1', 0);
    host(b, eb, right).connect(1 as LinkId, '127.0.0.1', port);
    await eb.seen('connected 1');
    await ea.seen('accepted');
    assert.deepEqual(eb.log, [`connected 1 ${a.nodeId.toString(16)}`]);
    assert.deepEqual(ea.log, [`accepted ${b.nodeId.toString(16)}`]);
  });

  for (const [what, psk] of [
    ['a wrong secret', wrong],
    ['no secret', undefined],
  ] as const) {
    it(`fails the TLS handshake of a node with ${what}: neither node hears of a link`, async () => {
      const ea = new Recorder();
      const eb = new Recorder();
      const ha = host(a, ea, right);
      const { port } = await ha.listen('127.0.0.1', 0);
      const hb = host(b, eb, psk);
      hb.connect(2 as LinkId, '127.0.0.1', port);
      await eb.seen('closed 2');
      await waitFor(() => ha.refused.get('TLS handshake failed') === 1);
      assert.deepEqual(ea.log, []);
      assert.equal(eb.log.length, 1);
      assert.equal(hb.refused.get('TLS handshake failed'), 1);
    });
  }
});
