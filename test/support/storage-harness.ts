import { utf8 } from '../../src/core/bytes.js';
import { type KindId, kindId, type NodeId, type ResourceId, type TransactionId } from '../../src/core/ids.js';
import { nullLogger } from '../../src/core/logger.js';
import { chordResourceId } from '../../src/reload/config/hashes.js';
import type { KindDefinition } from '../../src/reload/config/overlay-config.js';
import { ErrorCode, RELOAD_VERSION } from '../../src/reload/messages/codes.js';
import type { Destination } from '../../src/reload/messages/common.js';
import { type ForwardingHeader, UNFRAGMENTED } from '../../src/reload/messages/header.js';
import type { GenericCertificate } from '../../src/reload/messages/security.js';
import type {
  IncomingRequest,
  RequestHandler,
  RequestResult,
  RequestSpec,
} from '../../src/reload/node/types.js';
import type { StorageBackend } from '../../src/reload/storage/backend.js';
import { type FetchResult, StorageClient, type StoreResult } from '../../src/reload/storage/client.js';
import type { ReplicationOptions } from '../../src/reload/storage/replication.js';
import { Storage } from '../../src/reload/storage/storage.js';
import { CodecError } from '../../src/wire/index.js';
import { type SimIdentity, simIdentity } from './sim-security.js';

/**
 * One storing peer and any number of clients wired straight to its handlers (no routing, no links): for
 * the data-model, rule and rejection tests of reload/storage. The peer's responsibility and holders are
 * set by the test; the requests the peer itself sends (replica Stores, healing Fetches) are captured in
 * `sent` for the test to answer.
 */
export const OVERLAY = 'test.p2psip';

export function identity(n: number, user = `u${n}@${OVERLAY}`): SimIdentity {
  return simIdentity(BigInt(n) as NodeId, user);
}

export function rid(name: string | Uint8Array): ResourceId {
  return chordResourceId(name);
}

export function text(s: string): Uint8Array {
  return utf8(s);
}

/** A private kind (RFC 6940 §14.6 private range) with the USER-MATCH policy, for tests. */
export function privateKind(
  n: number,
  dataModel: KindDefinition['dataModel'],
  maxCount: number,
  maxSize: number,
): KindDefinition {
  return { id: kindId(0xf000_0000 + n), dataModel, accessPolicy: 'USER-MATCH', maxCount, maxSize };
}

/** Alice: a user whose own Resource-ID (H(user name)) the USER-MATCH tests write to. */
export const alice = identity(1);
export const ALICE = rid(alice.signer.userName);

/** Stores one dictionary entry at ALICE as Alice, each call with a fresh client. */
export function putEntry(
  h: Harness,
  kind: KindId,
  key: string,
  value: string,
  lifetime: number,
): StoreResult {
  return sync<StoreResult>((cb) =>
    h
      .client(alice)
      .store(ALICE, [{ kind, values: [{ key: text(key), value: text(value) }] }], lifetime, h.now, cb),
  );
}

/** Every live entry of a kind at ALICE, as `key=value`. */
export function entries(h: Harness, kind: KindId): string[] {
  const r = sync<FetchResult>((cb) => h.client(alice).fetch(ALICE, [{ kind }], h.now, cb));
  if (!r.ok) throw new Error(r.reason);
  const dec = new TextDecoder();
  return (r.kinds[0]?.values ?? [])
    .filter((v) => v.value.exists)
    .map(
      (v) => `${v.value.model === 'dictionary' ? dec.decode(v.value.key) : ''}=${dec.decode(v.value.value)}`,
    );
}

export interface Sent {
  readonly spec: RequestSpec;
  readonly callback: (r: RequestResult) => void;
}

export class Harness {
  now = 1_700_000_000_000;
  responsible = true;
  holders: NodeId[] | undefined;
  readonly sent: Sent[] = [];
  readonly peer: SimIdentity;
  readonly storage: Storage;
  /** Rewrites the peer's answers before the client sees them (a lying peer). */
  tamper: ((body: Uint8Array) => Uint8Array) | undefined;
  readonly #handlers: Map<number, RequestHandler>;

  constructor(
    kinds: readonly KindDefinition[],
    opts: { backend?: StorageBackend; replication?: Partial<ReplicationOptions>; peer?: SimIdentity } = {},
  ) {
    this.peer = opts.peer ?? identity(1000, `peer@${OVERLAY}`);
    this.holders = [this.peer.signer.nodeId];
    this.storage = new Storage(
      {
        localId: this.peer.signer.nodeId,
        nodeIdLength: 16,
        overlayName: OVERLAY,
        log: nullLogger,
        placement: {
          ready: () => true,
          isResponsible: () => this.responsible,
          holders: () => this.holders,
        },
        verifier: this.peer.verifier,
        hash: (name) => chordResourceId(name),
        now: () => this.now,
        request: (spec, callback) => this.sent.push({ spec, callback }),
      },
      {
        kinds,
        ...(opts.backend === undefined ? {} : { backend: opts.backend }),
        ...(opts.replication === undefined ? {} : { replication: opts.replication }),
      },
    );
    this.#handlers = new Map(this.storage.handlers());
  }

  /**
   * A client whose requests reach this peer's handlers, signed by `who`. `config` lends another storage's
   * kinds (to send kinds this peer does not know); `send` replaces delivery (to capture requests).
   */
  client(
    who: SimIdentity,
    opts: { config?: Storage; send?: (spec: RequestSpec, cb: (r: RequestResult) => void) => void } = {},
  ): StorageClient {
    const config = opts.config ?? this.storage;
    return new StorageClient({
      signer: who.signer,
      verifier: who.verifier,
      kinds: config.kinds,
      codecs: config.codecs,
      overlayName: OVERLAY,
      nodeIdLength: 16,
      hash: (name) => chordResourceId(name),
      request: opts.send ?? ((spec, cb) => this.deliver(spec, who, cb)),
    });
  }

  /** The request a client call would send, without sending it. */
  capture(who: SimIdentity, call: (c: StorageClient) => void): RequestSpec {
    let spec: RequestSpec | undefined;
    const send = (s: RequestSpec): void => {
      spec = s;
    };
    call(this.client(who, { send }));
    if (spec === undefined) throw new Error('nothing sent');
    return spec;
  }

  /** Hands a request to the peer's handler as if it arrived signed by `from`. */
  deliver(spec: RequestSpec, from: SimIdentity, callback: (r: RequestResult) => void): void {
    const handler = this.#handlers.get(spec.code);
    if (handler === undefined) throw new Error(`no handler for ${spec.code}`);
    const req = this.#incoming(spec, from, callback);
    try {
      handler(req);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      req.error(ErrorCode.Error_Invalid_Message, e.message);
    }
  }

  #incoming(spec: RequestSpec, from: SimIdentity, callback: (r: RequestResult) => void): IncomingRequest {
    const peerSigner = {
      nodeId: this.peer.signer.nodeId,
      userName: this.peer.signer.userName,
      certificate: new Uint8Array(0),
    };
    const header = testHeader(spec.destination);
    const own: readonly GenericCertificate[] = this.peer.signer.certificates;
    return {
      code: spec.code,
      body: spec.body,
      extensions: [],
      header,
      signer: { nodeId: from.signer.nodeId, userName: from.signer.userName, certificate: new Uint8Array(0) },
      certificates: [...from.signer.certificates, ...(spec.certificates ?? [])],
      transactionId: header.transactionId,
      link: undefined,
      previousHop: undefined,
      now: this.now,
      answer: (body, _extensions, certs = []) => {
        const out = this.tamper === undefined ? body : this.tamper(body);
        callback({
          ok: true,
          code: spec.code + 1,
          body: out,
          extensions: [],
          signer: peerSigner,
          certificates: [...own, ...certs],
          header,
          rtt: 5,
        });
      },
      error: (errorCode, info = '') => {
        const bytes = typeof info === 'string' ? utf8(info) : info;
        callback({
          ok: false,
          errorCode,
          info: bytes,
          reason: ErrorCode.describe(errorCode),
          signer: peerSigner,
        });
      },
    };
  }
}

/** A forwarding header for requests and answers that never touch a wire. */
export function testHeader(destinationList: readonly Destination[] = []): ForwardingHeader {
  return {
    overlay: 1,
    configurationSequence: 0,
    version: RELOAD_VERSION,
    ttl: 100,
    fragment: UNFRAGMENTED,
    transactionId: 1n as TransactionId,
    maxResponseLength: 0,
    viaList: [],
    destinationList,
    options: [],
  };
}

/** Runs a callback-style call and returns what it called back with (the harness answers synchronously). */
export function sync<T>(call: (cb: (r: T) => void) => void): T {
  let out: T | undefined;
  let called = false;
  call((r) => {
    out = r;
    called = true;
  });
  if (!called) throw new Error('no answer');
  return out as T;
}
