import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { bytesToBigInt } from '../../src/core/bytes.js';
import { type NodeId, nodeIdFromBytes, type TransactionId } from '../../src/core/ids.js';
import {
  type Destination,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  type FramedMessage,
  FrameSplitter,
  messageContents,
  RELOAD_VERSION,
  type ReloadMessage,
  UNFRAGMENTED,
} from '../../src/reload/messages/index.js';
import { certificateToPem } from '../../src/reload/security/certificate.js';
import { createSelfSignedIdentity, type NodeIdentity } from '../../src/reload/security/identity.js';
import { generateKeyPair, privateKeyToPem } from '../../src/reload/security/keys.js';
import { signMessage } from '../../src/reload/security/message-signing.js';
import { buildNodeCertificate } from '../../src/reload/security/node-certificate.js';
import { X509Signer } from '../../src/reload/security/signer.js';
import { encode } from '../../src/wire/index.js';
import type { HostPort } from './peer-process.js';

/**
 * A hand-driven RELOAD node for tests that attack a real peer: it speaks TLS with its own self-signed
 * identity (or a forged one, or none), frames what it is told (RFC 6940 §6.6.2), acks the peer's data
 * frames so the link stays healthy, and builds signed messages with any header field wrong on purpose.
 */
export interface TestIdentity {
  readonly nodeId: NodeId;
  readonly keyPem: string;
  readonly certPem: string;
  readonly signer: X509Signer;
}

export async function selfSignedIdentity(overlay: string): Promise<TestIdentity> {
  const identity = await createSelfSignedIdentity({
    overlay,
    digest: 'sha256',
    nodeIdLength: 16,
    now: Date.now(),
    keyAlgorithm: 'ecdsa-p256',
  });
  return fromIdentity(identity);
}

function fromIdentity(identity: NodeIdentity): TestIdentity {
  return {
    nodeId: identity.nodeId,
    keyPem: privateKeyToPem(identity.privateKey),
    certPem: certificateToPem(identity.certificate.der),
    signer: new X509Signer(identity, 16),
  };
}

/**
 * A self-signed certificate whose Node-ID is NOT the digest of its key (RFC 6940 §11.3.1 says a receiver
 * MUST check that they match): what an impostor claiming someone else's place on the ring would present.
 */
export async function forgedIdentity(overlay: string): Promise<Pick<TestIdentity, 'keyPem' | 'certPem'>> {
  const keys = await generateKeyPair('ecdsa-p256');
  const now = Date.now();
  const der = await buildNodeCertificate(
    {
      overlay,
      nodeIds: [nodeIdFromBytes(new Uint8Array(randomBytes(16)))],
      nodeIdLength: 16,
      userName: `impostor@${overlay}`,
      notBefore: now - 60_000,
      notAfter: now + 3_600_000,
    },
    keys.crypto.publicKey,
    { keys },
  );
  return { keyPem: privateKeyToPem(keys.privateKey), certPem: certificateToPem(der) };
}

export interface RequestOptions {
  readonly overlay: number;
  readonly configurationSequence: number;
  readonly destination: readonly Destination[];
  readonly code: number;
  readonly body: Uint8Array;
  readonly version?: number;
  readonly ttl?: number;
}

/** A signed request (RFC 6940 §6.3) with whatever header fields the test chose. */
export function buildRequest(
  signer: X509Signer,
  o: RequestOptions,
): { bytes: Uint8Array; txid: TransactionId } {
  const txid = bytesToBigInt(new Uint8Array(randomBytes(8))) as TransactionId;
  const contents = { code: o.code, body: o.body, extensions: [] };
  const security = signMessage(signer, {
    overlay: o.overlay,
    transactionId: txid,
    contents: encode(messageContents, contents),
  });
  const header = {
    overlay: o.overlay,
    configurationSequence: o.configurationSequence,
    version: o.version ?? RELOAD_VERSION,
    ttl: o.ttl ?? 100,
    fragment: UNFRAGMENTED,
    transactionId: txid,
    maxResponseLength: 0,
    viaList: [],
    destinationList: o.destination,
    options: [],
  };
  return { bytes: encodeMessage({ header, contents, security }), txid };
}

type Waiter = { match: (m: ReloadMessage) => boolean; resolve: (m: ReloadMessage) => void };

export class TestClient {
  readonly socket: Socket;
  /** Every frame the peer sent, in order. */
  readonly frames: FramedMessage[] = [];
  readonly messages: ReloadMessage[] = [];
  /** Resolves when the connection is closed, whoever closed it. */
  readonly closed: Promise<void>;
  readonly #splitter = new FrameSplitter(1 << 20);
  readonly #waiters: Waiter[] = [];
  #sequence = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => this.#onData(new Uint8Array(b)));
  }

  /** TLS to the peer, presenting `identity` (or no certificate at all). Resolves after the handshake. */
  static connectTls(to: HostPort, identity?: Pick<TestIdentity, 'keyPem' | 'certPem'>): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s: TLSSocket = tlsConnect({
        host: to.host,
        port: to.port,
        rejectUnauthorized: false,
        ...(identity === undefined ? {} : { key: identity.keyPem, cert: identity.certPem }),
      });
      s.once('secureConnect', () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  /** Plain TCP, for bytes that are not even TLS. */
  static connectTcp(to: HostPort): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: to.host, port: to.port }, () => resolve(new TestClient(s)));
      s.once('error', reject);
    });
  }

  #onData(bytes: Uint8Array): void {
    let frames: FramedMessage[];
    try {
      frames = this.#splitter.push(bytes);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      this.frames.push(f);
      if (f.type !== 'data') continue;
      this.socket.write(encodeFrame({ type: 'ack', ackSequence: f.sequence, received: 0 }));
      const m = decodeMessage(f.message);
      this.messages.push(m);
      const i = this.#waiters.findIndex((w) => w.match(m));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(m);
    }
  }

  /** Sends one RELOAD message in a data frame; returns the frame's sequence number. */
  send(message: Uint8Array): number {
    const sequence = this.#sequence++;
    this.socket.write(encodeFrame({ type: 'data', sequence, message }));
    return sequence;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The answer to transaction `txid` (already received or still to come). */
  answerTo(txid: TransactionId): Promise<ReloadMessage> {
    const match = (m: ReloadMessage): boolean => m.header.transactionId === txid;
    const seen = this.messages.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** Whether the peer acked data frame `sequence`. */
  acked(sequence: number): boolean {
    return this.frames.some((f) => f.type === 'ack' && f.ackSequence === sequence);
  }

  close(): void {
    this.socket.destroy();
  }
}
