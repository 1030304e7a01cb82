import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { nodeIdToHex } from '../../src/core/ids.js';
import { buildForm } from '../../src/enrollment/multipart.js';
import { fetchCurrentDocument } from '../../src/platform/node/enroll.js';
import { loadOrCreateIdentity } from '../../src/platform/node/identity-files.js';
import { certificateFromPem, parseCertificate } from '../../src/reload/security/certificate.js';
import { verifyConfigurationDocument } from '../../src/reload/security/config-signature.js';
import { checkNodeCertificate, trustSettingsFromConfig } from '../../src/reload/security/trust.js';
import { BIN, createCaOverlay, p2psip, type Run } from '../support/cli.js';

/**
 * `p2psip enrollment serve` as a real process on 127.0.0.1, driven by `p2psip enroll` and by raw HTTPS
 * and TLS clients that misbehave (wrong password, malformed CSR, a huge body, bytes trickled slowly).
 */
const NAME = 'enrol.example.org';
let cwd = '';
let dir = '';
let port = 0;
let server: ChildProcess | undefined;
let logPath = '';
let caPem = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

function waitFor<T>(what: string, check: () => T | undefined, ms = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const tick = (): void => {
      const v = check();
      if (v !== undefined) resolve(v);
      else if (Date.now() - start > ms) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

/**
 * The server's log records with this message. The server writes its log synchronously to a file before it
 * answers, so once a request has been answered its records are all there.
 */
function logged(msg: string): Record<string, unknown>[] {
  const text = readFileSync(logPath, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

/** `p2psip enroll` with this --config, user and password into cwd/OUT, plus more options. */
function enrolCli(config: string, user: string, password: string, out: string, ...more: string[]): Run {
  return p2psip(
    cwd,
    'enroll',
    '--config',
    config,
    '--user',
    user,
    '--password',
    password,
    '--out',
    join(cwd, out),
    ...more,
  );
}

before(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'p2psip-enrol-'));
  dir = join(cwd, 'ov');
  port = await freePort();
  const url = `https://127.0.0.1:${port}/enroll`;
  createCaOverlay(cwd, dir, NAME, url, '--bootstrap', '127.0.0.1:6084');
  for (const [user, pw] of [
    ['alice', 'alice-pw'],
    ['bob', 'bob-pw'],
  ]) {
    const r = p2psip(
      cwd,
      'enrollment',
      'add-user',
      '--overlay',
      dir,
      '--user',
      user as string,
      '--password',
      pw as string,
    );
    assert.equal(r.code, 0, r.stderr);
  }
  caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
  logPath = join(cwd, 'serve.log');
  const out = openSync(logPath, 'w');
  server = spawn(
    process.execPath,
    [BIN, 'enrollment', 'serve', '--overlay', dir, '--listen', `127.0.0.1:${port}`, '--request-timeout', '6'],
    { cwd, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  await waitFor('the server to listen', () => logged('enrolment service listening')[0]);
});

after(async () => {
  const pid = server?.pid;
  if (pid !== undefined && server?.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    process.kill(pid, 'SIGTERM');
    await exited;
  }
  await rm(cwd, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: Buffer;
}

function https(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, ca: caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

function rssKiB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 'NaN'));
}

/**
 * Resolves when the server closes its side of the connection: we see the end of its stream (a TLS client
 * does not always close its own side then) or the whole connection closing.
 */
function serverClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
    // 'end' comes only to a stream that is read.
    socket.resume();
  });
}

function tlsSocket(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca: caPem }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('p2psip enroll against p2psip enrollment serve (RFC 6940 §11.3)', () => {
  it('enrols: exit 0, files written, the certificate chains to ca.crt, and the peer loads it', async () => {
    const out = join(cwd, 'alice');
    const r = enrolCli(`https://127.0.0.1:${port}/`, 'alice', 'alice-pw', 'alice', '--insecure-trust');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^enrolled in enrol\.example\.org as alice@enrol\.example\.org, Node-ID [0-9a-f]{32}: /,
    );
    assert.match(r.stderr, /trusting root-cert SHA-256 [0-9A-F:]{95} on first use/);
    assert.equal((await stat(join(out, 'node.key'))).mode & 0o777, 0o600);
    const doc = await readFile(join(out, 'overlay.xml'));
    assert.deepEqual(doc, await readFile(join(dir, 'overlay.xml')), 'the document byte for byte');
    const { config } = verifyConfigurationDocument(doc, { instanceName: NAME, now: Date.now() });
    const cert = parseCertificate(certificateFromPem(await readFile(join(out, 'node.crt'), 'utf8')));
    const result = checkNodeCertificate(cert, trustSettingsFromConfig(config), Date.now());
    assert.equal(result.kind, 'chain');
    assert.equal(cert.userName, `alice@${NAME}`);
    // What `p2psip peer --identity DIR` does first: the enrolled identity loads as it is.
    const loaded = await loadOrCreateIdentity(out, config);
    assert.equal(loaded.action, 'loaded');
    assert.equal(loaded.identity.nodeId, cert.nodeIds[0]);
  });

  it('gives a user the same Node-ID again for the same key, and other users and keys other ones', async () => {
    const enrol = (user: string, pw: string, out: string) => {
      const r = enrolCli(join(dir, 'overlay.xml'), user, pw, out);
      assert.equal(r.code, 0, r.stderr);
      return /Node-ID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    };
    const first = enrol('bob', 'bob-pw', 'bob1');
    const again = enrol('bob', 'bob-pw', 'bob1');
    const config = `https://127.0.0.1:${port}/.well-known/reload-config`;
    const viaCa = enrolCli(config, 'bob', 'bob-pw', 'bob2', '--ca', join(dir, 'ca.crt'));
    assert.equal(viaCa.code, 0, viaCa.stderr);
    const otherKey = /Node-ID ([0-9a-f]{32})/.exec(viaCa.stdout)?.[1];
    const alice = enrol('alice', 'alice-pw', 'alice2');
    assert.ok(first !== undefined);
    assert.equal(again, first);
    assert.notEqual(otherKey, first);
    assert.notEqual(alice, first);
  });

  it('refuses a wrong password: exit 1 with one line, the server logs it and issues nothing', async () => {
    const issuedBefore = logged('certificate issued').length;
    const out = join(cwd, 'mallory');
    const r = enrolCli(join(dir, 'overlay.xml'), 'alice', 'guess', 'mallory');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^p2psip enroll: enrolment server refused alice: wrong user name or password\n$/);
    await waitFor(
      'the refusal in the log',
      () => logged('enrolment refused: wrong user name or password')[0],
    );
    assert.equal(logged('enrolment refused: wrong user name or password').at(-1)?.user, 'alice');
    assert.equal(logged('certificate issued').length, issuedBefore);
    await assert.rejects(stat(join(out, 'node.crt')), { code: 'ENOENT' });
  });

  it('answers a malformed CSR with 400 bad_CSR and logs it', async () => {
    const form = buildForm(
      [
        { name: 'username', value: 'alice' },
        { name: 'password', value: 'alice-pw' },
        { name: 'csr', value: new Uint8Array(300).fill(0x30), contentType: 'application/pkcs10' },
      ],
      'integration-boundary',
    );
    const issuedBefore = logged('certificate issued').length;
    const r = await https(
      'POST',
      '/enroll',
      { 'Content-Type': form.contentType, Accept: 'application/pkix-cert' },
      form.body,
    );
    assert.equal(r.status, 400);
    assert.equal(r.body.toString(), 'bad_CSR\n');
    await waitFor('the bad CSR in the log', () => logged('enrolment refused: bad CSR')[0]);
    assert.equal(logged('certificate issued').length, issuedBefore);
  });

  it('refuses a huge body with 413 and closes the connection without holding it in memory', async () => {
    const declared = await https('POST', '/enroll', {
      'Content-Length': String(10 * 2 ** 30),
      'Content-Type': 'multipart/form-data; boundary=x',
    });
    assert.equal(declared.status, 413);
    const pid = server?.pid ?? 0;
    const before = await rssKiB(pid);
    const s = await tlsSocket();
    let answer = '';
    s.setEncoding('utf8').on('data', (c: string) => {
      answer += c;
    });
    const closed = new Promise((resolve) => s.once('close', resolve));
    s.on('error', () => undefined);
    s.write(
      `POST /enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = Buffer.concat([
      Buffer.from(`${(64 * 1024).toString(16)}\r\n`),
      Buffer.alloc(64 * 1024, 0x61),
      Buffer.from('\r\n'),
    ]);
    let sent = 0;
    // Offer 256 MiB; the server must stop reading long before.
    while (sent < 256 * 2 ** 20 && !s.destroyed && answer === '') {
      if (!s.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
      sent += chunk.length;
    }
    await closed;
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.ok(sent < 64 * 2 ** 20, `the server stopped the upload early (sent ${sent} bytes)`);
    const grown = (await rssKiB(pid)) - before;
    assert.ok(grown < 32 * 1024, `server memory grew by ${grown} KiB`);
  });

  it('times out a client that trickles its request and keeps serving others meanwhile', async () => {
    const slow = await tlsSocket();
    const closed = serverClosed(slow);
    slow.on('error', () => undefined);
    slow.write('POST /enroll HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const drip = setInterval(() => {
      if (!slow.destroyed) slow.write('X');
    }, 200);
    // Two more that say nothing at all: one after TLS, one before it (a bare TCP connection).
    const idle = await tlsSocket();
    const idleClosed = serverClosed(idle);
    idle.on('error', () => undefined);
    const bare = tcpConnect({ host: '127.0.0.1', port });
    const bareClosed = serverClosed(bare);
    bare.on('error', () => undefined);
    const served = await https('GET', '/.well-known/reload-config', {});
    assert.equal(served.status, 200);
    assert.equal(slow.destroyed, false, 'the slow client is still connected while another is served');
    await closed;
    await idleClosed;
    await bareClosed;
    clearInterval(drip);
    idle.destroy();
    const again = await https('GET', '/bootstrap', {});
    assert.equal(again.status, 200);
    assert.deepEqual(JSON.parse(again.body.toString()).nodes, [
      { address: '127.0.0.1', port: 6084, source: 'configuration' },
    ]);
  });

  it('serves the new document after p2psip overlay update, to peers that hold the old one', async () => {
    const old = verifyConfigurationDocument(await readFile(join(dir, 'overlay.xml')), {
      instanceName: NAME,
      now: Date.now(),
    }).config;
    const r = p2psip(cwd, 'overlay', 'update', '--overlay', dir);
    assert.equal(r.code, 0, r.stderr);
    const got = await https('GET', '/.well-known/reload-config', {});
    const v = verifyConfigurationDocument(got.body, { instanceName: NAME, now: Date.now() });
    assert.equal(v.config.sequence, 2);
    const signer = v.signer;
    assert.ok(signer !== undefined);
    assert.deepEqual(v.config.configurationSigners, [nodeIdToHex(signer.nodeId)]);
    // What a peer's driver does on an `outdated` event: fetch with the root-certs it holds, verify over
    // the document in force.
    const fetched = await fetchCurrentDocument(old);
    const next = verifyConfigurationDocument(fetched, { instanceName: NAME, now: Date.now(), previous: old });
    assert.equal(next.config.sequence, 2);
  });
});
