import type { KindId, NodeId, ResourceId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { decode, encode } from '../../wire/index.js';
import type { KindDefinition } from '../config/overlay-config.js';
import { ErrorCode, MessageCode } from '../messages/codes.js';
import { unknownKindError } from '../messages/error.js';
import { findAns, findReq } from '../messages/find.js';
import { storeAns } from '../messages/store.js';
import type { VerifiedSigner } from '../node/ports.js';
import type { IncomingRequest, RequestHandler, RequestResult, RequestSpec } from '../node/types.js';
import type { Verifier } from '../security/verifier.js';
import type { StorageBackend } from './backend.js';
import { type StorageCodecs, storageCodecs } from './codecs.js';
import { counted, StorageCounts, type StorageMethod } from './counts.js';
import { type Selected, selectValues } from './fetch-rules.js';
import { closestResource } from './find.js';
import { KindTable } from './kinds.js';
import { adoptNewer } from './merge.js';
import { DEFAULT_REPLICATION, type ReplicationOptions, Replicator } from './replication.js';
import { ResourceStore } from './resource-store.js';
import { planStore, type StoreEnv } from './store-rules.js';
import type { Placement, SignerInfo } from './types.js';
import { certificateBucket } from './value-signing.js';
import { metaDataOf, type StoredValue } from './values.js';

/**
 * A peer's storage (RFC 6940 §7): the Store, Fetch, Stat and Find handlers over the values this peer
 * holds, with replication and migration (§10.4) and expiry. Sans-I/O like the rest of the node: requests
 * and `now` come in, requests to other peers and deadlines go out.
 */
export interface StorageHost {
  readonly localId: NodeId;
  readonly nodeIdLength: number;
  /** The overlay name: the domain a SIP domain restriction with enable="false" allows (RFC 7904 §3.4). */
  readonly overlayName: string;
  readonly log: Logger;
  readonly placement: Placement;
  /** Checks StoredData signatures (RFC 6940 §7.1). */
  readonly verifier: Verifier;
  /** The overlay's hash from Resource Name to Resource-ID (CHORD-RELOAD: SHA-1, first 128 bits). */
  hash(name: Uint8Array): ResourceId;
  now(): number;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
}

export interface StorageOptions {
  /** The configuration's kinds (RFC 6940 §11.1 kind-blocks). */
  readonly kinds: readonly KindDefinition[];
  readonly backend?: StorageBackend;
  readonly replication?: Partial<ReplicationOptions>;
}

/** What a peer holds of one resource (the control API's GET /stored). */
export interface Holding {
  readonly resource: ResourceId;
  readonly responsible: boolean;
  readonly kinds: ReadonlyArray<{
    readonly kind: KindId;
    readonly generation: bigint;
    readonly values: number;
  }>;
}

/** Storage's view of a message signer; the first Node-ID of the certificate speaks (RFC 6940 §6.3.4). */
export function signerInfo(s: VerifiedSigner): SignerInfo | undefined {
  return { nodeId: s.nodeId, userName: s.userName, certificate: s.certificate };
}

export class Storage {
  readonly kinds: KindTable;
  readonly replication: Replicator;
  readonly codecs: StorageCodecs;
  /** Requests this peer answered, by method (replica Stores apart) and result. */
  readonly answered = new StorageCounts();
  readonly #host: StorageHost;
  readonly #store: ResourceStore;
  readonly #env: StoreEnv;

  constructor(host: StorageHost, opts: StorageOptions) {
    this.#host = host;
    this.kinds = new KindTable(opts.kinds);
    this.codecs = storageCodecs(this.kinds, host.nodeIdLength);
    this.#store = new ResourceStore(opts.backend);
    this.#env = {
      kinds: this.kinds,
      store: this.#store,
      verifier: host.verifier,
      overlayName: host.overlayName,
      nodeIdLength: host.nodeIdLength,
      hash: (name) => host.hash(name),
    };
    this.replication = new Replicator(
      {
        localId: host.localId,
        placement: host.placement,
        log: host.log,
        now: () => host.now(),
        request: (spec, cb) => host.request(spec, cb),
        encodeStore: (req) => encode(this.codecs.storeReq, req, this.codecs.ctx),
        adoptNewer: (resource, peer, done) => adoptNewer(this.#mergeDeps(), resource, peer, done),
      },
      this.#store,
      { ...DEFAULT_REPLICATION, ...opts.replication },
    );
  }

  /** Distinct Resource-IDs held (Probe's num_resources, RFC 6940 §6.4.2.5; /status storedResources). */
  get resourceCount(): number {
    return this.#store.resourceCount;
  }

  /** Values held, deletion tombstones included (/status storedValues). */
  get valueCount(): number {
    return this.#store.valueCount;
  }

  /** The values this peer holds for (resource, kind), tombstones included. */
  held(resource: ResourceId, kind: KindId): StoredValue[] {
    return [...(this.#store.kind(resource, kind)?.values.values() ?? [])];
  }

  /** Per resource held, whether this peer is responsible for it and what it holds of each kind. */
  holdings(): Holding[] {
    return [...this.#store.resources()].map((e) => ({
      resource: e.id,
      responsible: this.#host.placement.isResponsible(e.id),
      kinds: [...e.kinds.values()].map((k) => ({
        kind: k.kind,
        generation: k.generation,
        values: k.values.size,
      })),
    }));
  }

  /** The generation counter held for (resource, kind); 0 when nothing is held. */
  generation(resource: ResourceId, kind: KindId): bigint {
    return this.#store.kind(resource, kind)?.generation ?? 0n;
  }

  /** Loads what the backend kept (a restart); expired and damaged rows are dropped. Returns the count skipped. */
  restore(now: number): number {
    return this.#store.load(now, (kind, model) => this.kinds.get(kind)?.dataModel === model);
  }

  handlers(): ReadonlyArray<readonly [number, RequestHandler]> {
    return [
      [MessageCode.store_req, counted(this.answered, 'store', (r, tag) => this.#onStore(r, tag))],
      [MessageCode.fetch_req, counted(this.answered, 'fetch', (r) => this.#onFetch(r, 'fetch'))],
      [MessageCode.stat_req, counted(this.answered, 'stat', (r) => this.#onFetch(r, 'stat'))],
      [MessageCode.find_req, counted(this.answered, 'find', (r) => this.#onFind(r))],
    ];
  }

  handleTimeout(now: number): void {
    this.#store.expire(now);
    this.replication.handleTimeout(now);
  }

  nextDeadline(): number | undefined {
    const a = this.#store.nextDeadline();
    const b = this.replication.nextDeadline();
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  // ---- handlers ------------------------------------------------------------------------------------

  /** RFC 6940 §7.4.1: check everything, then store all kinds or none, answer, then replicate. */
  #onStore(req: IncomingRequest, tag: { method: StorageMethod }): void {
    const now = req.now;
    this.#store.expire(now);
    const sr = decode(this.codecs.storeReq, req.body, this.codecs.ctx, 'StoreReq');
    const original = sr.replicaNumber === 0;
    if (!original) tag.method = 'replica_store';
    const requestSigner = signerInfo(req.signer);
    // RFC 6940 §7.4.1.1: an original store goes to the responsible peer; a replica store must come from
    // a plausible holder to a peer that expects to hold the resource.
    if (original && !this.#host.placement.isResponsible(sr.resource)) {
      req.error(ErrorCode.Error_Not_Found, 'this peer is not responsible for the resource');
      return;
    }
    const role = original ? 'original' : this.#copyRole(sr.resource, requestSigner?.nodeId);
    if (role === undefined) {
      req.error(
        ErrorCode.Error_Forbidden,
        'this peer does not expect a copy of the resource from the sender',
      );
      return;
    }
    const plan = planStore(this.#env, {
      req: sr,
      role,
      requestSigner,
      certificates: req.certificates,
      now,
    });
    if (!plan.ok) {
      req.error(plan.error.errorCode, plan.error.errorInfo);
      return;
    }
    this.#store.write(sr.resource, plan.writes);
    const replicas = original ? this.replication.replicaPeers(sr.resource) : [];
    const kindResponses = sr.kindData.map((k) => ({
      kind: k.kind,
      generationCounter: this.generation(sr.resource, k.kind),
      replicas,
    }));
    req.answer(encode(storeAns, { kindResponses }, this.codecs.ctx));
    if (original) this.replication.replicate(sr.resource, plan.writes, now);
  }

  /**
   * Replica stores (RFC 6940 §10.4, §7.4.1.1): a peer takes a copy when both it and the sender are among
   * the resource's holders as its own tables show them (the sender is "plausibly responsible"). The
   * responsible peer also takes copies from peers it does not see as holders (a hand-off routed to it by
   * a peer that lost track of the range), but only as a merge: older values are ignored and counters
   * never go back, so a stray copy can add nothing that its signers did not write.
   */
  #copyRole(resource: ResourceId, sender: NodeId | undefined): 'replica' | 'merge' | undefined {
    const { placement, localId } = this.#host;
    const holders = placement.holders(resource);
    if (sender !== undefined && holders?.includes(localId) && holders.includes(sender)) return 'replica';
    return placement.isResponsible(resource) ? 'merge' : undefined;
  }

  /** RFC 6940 §7.4.2 Fetch and §7.4.3 Stat: one answer per specifier, values or their metadata. */
  #onFetch(req: IncomingRequest, what: 'fetch' | 'stat'): void {
    const now = req.now;
    this.#store.expire(now);
    const fr = decode(
      this.codecs.fetchReq,
      req.body,
      this.codecs.ctx,
      what === 'fetch' ? 'FetchReq' : 'StatReq',
    );
    // RFC 6940 §7.4.2.1: unknown kinds SHOULD be rejected, listing them like a Store (§7.4.1.2).
    const unknown = fr.specifiers.filter(
      (s) => s.model === 'unknown' || this.kinds.get(s.kind) === undefined,
    );
    if (unknown.length > 0) {
      const e = unknownKindError(unknown.map((s) => s.kind));
      req.error(e.errorCode, e.errorInfo);
      return;
    }
    const answers: { kind: KindId; generation: bigint; selected: Selected[] }[] = [];
    for (const spec of fr.specifiers) {
      const def = this.kinds.get(spec.kind);
      if (def === undefined) continue;
      const entry = this.#store.kind(fr.resource, spec.kind);
      const selected = selectValues(entry, spec, def, now);
      if ('errorCode' in selected) {
        req.error(selected.errorCode, selected.errorInfo);
        return;
      }
      answers.push({ kind: spec.kind, generation: entry?.generation ?? 0n, selected });
    }
    if (what === 'stat') {
      const kindResponses = answers.map((a) => ({
        kind: a.kind,
        generation: a.generation,
        values: a.selected.map((s) => metaDataOf(s.data)),
      }));
      req.answer(encode(this.codecs.statAns, { kindResponses }, this.codecs.ctx));
      return;
    }
    const kindResponses = answers.map((a) => ({
      kind: a.kind,
      generation: a.generation,
      values: a.selected.map((s) => s.data),
    }));
    // RFC 6940 §6.3.4: the bucket carries the certificates that verify the values.
    const certs = certificateBucket(answers.flatMap((a) => a.selected.flatMap((s) => s.certificate ?? [])));
    req.answer(encode(this.codecs.fetchAns, { kindResponses }, this.codecs.ctx), [], certs);
  }

  /** RFC 6940 §7.4.4: per kind, the closest Resource-ID this (responsible) peer stores. */
  #onFind(req: IncomingRequest): void {
    const now = req.now;
    this.#store.expire(now);
    const fr = decode(findReq, req.body, this.codecs.ctx, 'FindReq');
    if (new Set(fr.kinds).size !== fr.kinds.length) {
      req.error(ErrorCode.Error_Invalid_Message, 'a kind appears twice in the FindReq');
      return;
    }
    const unknown = fr.kinds.filter((k) => this.kinds.get(k) === undefined);
    if (unknown.length > 0) {
      const e = unknownKindError(unknown);
      req.error(e.errorCode, e.errorInfo);
      return;
    }
    if (!this.#host.placement.isResponsible(fr.resource)) {
      req.error(ErrorCode.Error_Not_Found, 'this peer is not responsible for the resource');
      return;
    }
    const owned = [...this.#store.resources()].filter((e) => this.#host.placement.isResponsible(e.id));
    const results = fr.kinds.map((kind) => ({
      kind,
      closest: closestResource(owned, kind, fr.resource, now),
    }));
    req.answer(encode(findAns, { results }, this.codecs.ctx));
  }

  #mergeDeps(): Parameters<typeof adoptNewer>[0] {
    return {
      env: this.#env,
      store: this.#store,
      codecs: this.codecs,
      now: () => this.#host.now(),
      request: (spec, cb) => this.#host.request(spec, cb),
    };
  }
}
