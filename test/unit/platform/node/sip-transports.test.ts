import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { createServer as createTcpServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ConnectionOptions, createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import { nullLogger } from '../../../../src/core/logger.js';
import { SipTransports, UDP_RECEIVE_BUFFER } from '../../../../src/platform/node/sip-transports.js';
import type { TlsIdentity } from '../../../../src/platform/node/tls-host.js';
import { certificateToPem } from '../../../../src/reload/security/certificate.js';
import { createSelfSignedIdentity } from '../../../../src/reload/security/identity.js';
import { generateKeyPair, privateKeyToPem } from '../../../../src/reload/security/keys.js';
import { x509 } from '../../../../src/reload/security/x509.js';
import type { SipMessage } from '../../../../src/sip/message/message.js';
import { parseDatagram } from '../../../../src/sip/message/parser.js';
import type { TransportAddress } from '../../../../src/sip/transport/address.js';
import { freeSipPort } from '../../../support/sip-interop.js';

/**
 * The phone-facing SIP transports on real sockets on 127.0.0.1 (RFC 3261 §18): UDP, TCP and TLS on the
 * next port, answers back over the connection a request came on, RFC 5626 §4.4.1 keep-alive pongs, new
 * connections when a destination has none, and RFC 5923 aliases only for trusted client certificates.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

function request(transport: string, sentBy: string, tag: string, viaParams = ''): Uint8Array {
  return enc.encode(
    [
      `OPTIONS sip:127.0.0.1 SIP/2.0`,
      `Via: SIP/2.0/${transport} ${sentBy};branch=z9hG4bK${tag}${viaParams}`,
      'Max-Forwards: 70',
      `From: <sip:a@p2p.test>;tag=${tag}`,
      'To: <sip:127.0.0.1>',
      `Call-ID: ${tag}@p2p.test`,
      `CSeq: 1 OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}

/** What the transports delivered, awaitable. */
class Inbox {
  readonly items: Array<{ message: SipMessage; source: TransportAddress }> = [];
  #waiters: Array<() => void> = [];
  push(message: SipMessage, source: TransportAddress): void {
    this.items.push({ message, source });
    for (const w of this.#waiters.splice(0)) w();
  }
  async next(callId: string): Promise<{ message: SipMessage; source: TransportAddress }> {
    for (;;) {
      const hit = this.items.find((i) => i.message.callId() === callId);
      if (hit !== undefined) return hit;
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }
}

/** Resolves with everything a socket receives once it contains `needle`. */
function receives(s: Socket, needle: string): Promise<string> {
  let text = '';
  return new Promise((resolve) =>
    s.on('data', (b: Buffer) => {
      text += dec.decode(b);
      if (text.includes(needle)) resolve(text);
    }),
  );
}

/** A self-signed client certificate naming 127.0.0.1 (an IP SAN), as a proxy's would. */
async function clientCertificate(): Promise<TlsIdentity> {
  const keys = await generateKeyPair('ecdsa-p256');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=proxy.p2p.test',
    keys: keys.crypto,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 3600_000),
    signingAlgorithm: keys.signingAlgorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return { keyPem: privateKeyToPem(keys.privateKey), certPem: cert.toString('pem') };
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    }),
  );
}

describe('SipTransports (RFC 3261 §18, RFC 5626 §4.4.1, RFC 5923)', { timeout: 30_000 }, () => {
  let transports: SipTransports;
  let client: TlsIdentity;
  const inbox = new Inbox();
  const udpPort = (): number => transports.listeners[0]?.port ?? 0;
  const tlsPort = (): number => transports.listeners[2]?.port ?? 0;
  const sockets: Socket[] = [];
  const servers: Server[] = [];

  before(async () => {
    const node = await createSelfSignedIdentity({
      overlay: 'p2p.test',
      digest: 'sha256',
      nodeIdLength: 16,
      now: Date.now(),
      keyAlgorithm: 'ecdsa-p256',
    });
    client = await clientCertificate();
    transports = await SipTransports.open(
      {
        host: '127.0.0.1',
        port: await freeSipPort(),
        identity: {
          keyPem: privateKeyToPem(node.privateKey),
          certPem: certificateToPem(node.certificate.der),
        },
        clientCa: [client.certPem],
        log: nullLogger,
      },
      {
        datagram: (bytes, source) => inbox.push(parseDatagram(bytes), source),
        message: (message, source) => inbox.push(message, source),
      },
    );
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await transports.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  const tls = (o: Partial<ConnectionOptions> = {}): Promise<Socket> =>
    new Promise((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: tlsPort(), rejectUnauthorized: false, ...o }, () =>
        resolve(s),
      );
      sockets.push(s);
    });

  it('listens on UDP and TCP on one port and TLS on the next', () => {
    const [udp, tcp, tlsL] = transports.listeners;
    assert.deepEqual([udp?.transport, tcp?.transport, tlsL?.transport], ['udp', 'tcp', 'tls']);
    assert.equal(tcp?.port, udp?.port);
    assert.equal(tlsL?.port, (udp?.port ?? 0) + 1);
  });

  it('asks the kernel for a large UDP receive buffer, so a burst outlasts a busy event loop', async () => {
    // Linux grants min(asked, net.core.rmem_max) and reports twice that (socket(7), SO_RCVBUF).
    const max = Number((await readFile('/proc/sys/net/core/rmem_max', 'utf8')).trim());
    assert.equal(transports.udpReceiveBuffer, 2 * Math.min(UDP_RECEIVE_BUFFER, max));
  });

  it('passes a datagram up with its real source, which answers reach', async () => {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const answer = new Promise<string>((r) => s.once('message', (b: Buffer) => r(dec.decode(b))));
    // The Via names another port: the source port is what rport (RFC 3581) and the answer use.
    s.send(request('UDP', '127.0.0.1:9', 'udp1', ';rport'), udpPort(), '127.0.0.1');
    const got = await inbox.next('udp1@p2p.test');
    assert.deepEqual(got.source, { transport: 'udp', host: '127.0.0.1', port: s.address().port });
    transports.send(got.source, enc.encode('SIP/2.0 200 OK\r\nCall-ID: udp1\r\n\r\n'));
    assert.match(await answer, /^SIP\/2\.0 200 OK/);
    s.close();
  });

  it('answers over the TCP connection a request came on, and a CRLF ping with a pong', async () => {
    const s = tcpConnect({ host: '127.0.0.1', port: udpPort() });
    sockets.push(s);
    const got = receives(s, 'SIP/2.0 200 OK');
    s.write(request('TCP', '127.0.0.1:9', 'tcp1'));
    const m = await inbox.next('tcp1@p2p.test');
    assert.equal(m.source.transport, 'tcp');
    assert.match(m.source.connection ?? '', /^sip:/);
    transports.send(m.source, enc.encode('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await got;
    const pong = new Promise<Buffer>((r) => s.once('data', r));
    s.write('\r\n\r\n');
    assert.deepEqual([...(await pong)], [13, 10]);
  });

  it('carries TLS on the next port, answers on that connection', async () => {
    const s = await tls();
    const got = receives(s, 'SIP/2.0 200 OK');
    s.write(request('TLS', '127.0.0.1:9', 'tls1'));
    const m = await inbox.next('tls1@p2p.test');
    assert.equal(m.source.transport, 'tls');
    transports.send(m.source, enc.encode('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await got;
  });

  it('opens a TCP connection to a destination it has no connection with', async () => {
    const accepted = new Promise<string>((resolve) => {
      const server = createTcpServer((c) => c.on('data', (b: Buffer) => resolve(dec.decode(b))));
      servers.push(server);
      void listening(server).then((port) =>
        transports.send({ transport: 'tcp', host: '127.0.0.1', port }, enc.encode('BYE sip:x SIP/2.0\r\n')),
      );
    });
    assert.match(await accepted, /^BYE /);
  });

  it('sends to an RFC 5923 alias over the connection whose trusted certificate names its host', async () => {
    const s = await tls({ key: client.keyPem, cert: client.certPem });
    const aliasPort = 45_061;
    s.write(request('TLS', `127.0.0.1:${aliasPort}`, 'alias1', ';alias'));
    await inbox.next('alias1@p2p.test');
    const got = receives(s, 'INVITE sip:bob');
    transports.send(
      { transport: 'tls', host: '127.0.0.1', port: aliasPort },
      enc.encode('INVITE sip:bob@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n'),
    );
    assert.match(await got, /^INVITE sip:bob/);
  });

  it('ignores alias from a client without a trusted certificate and dials the address instead', async () => {
    const dialled = new Promise<void>((resolve) => {
      const server = createTlsServer({ key: client.keyPem, cert: client.certPem }, (c) => {
        c.on('data', () => resolve());
      });
      servers.push(server);
      void listening(server).then(async (port) => {
        const s = await tls();
        s.write(request('TLS', `127.0.0.1:${port}`, 'alias2', ';alias'));
        await inbox.next('alias2@p2p.test');
        transports.send(
          { transport: 'tls', host: '127.0.0.1', port },
          enc.encode('INVITE sip:carol@127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n'),
        );
      });
    });
    await dialled;
    assert.equal(transports.stats.dropped.get('alias without a trusted certificate for its host'), 1);
  });
});
