import { errorMessage, LocalError } from '../../core/errors.js';
import type { KindId, ResourceId } from '../../core/ids.js';
import { CodecError, decode, encode } from '../../wire/index.js';
import { ErrorCode, MessageCode } from '../messages/codes.js';
import { decodeGenerationCounterTooLow, decodeUnknownKinds } from '../messages/error.js';
import type { ArrayRange, FetchKindResponse, StoredDataSpecifier } from '../messages/fetch.js';
import { type FindKindData, findAns, findReq } from '../messages/find.js';
import type { GenericCertificate } from '../messages/security.js';
import type { StatKindResponse } from '../messages/stat.js';
import type { StoreKindResponse } from '../messages/store.js';
import { ARRAY_APPEND_INDEX, type StoredDataValue } from '../messages/stored-data.js';
import type { RequestResult, RequestSpec } from '../node/types.js';
import type { Signer } from '../security/signer.js';
import type { Verifier } from '../security/verifier.js';
import type { StorageCodecs } from './codecs.js';
import { StorageCounts, type StorageMethod } from './counts.js';
import { wholeKind } from './fetch-rules.js';
import {
  type CertificateLookup,
  certificateLookups,
  certificatesFound,
  checkKinds,
  type FetchedKind,
  fetchedKinds,
  recheck,
} from './fetched-values.js';
import type { KindTable } from './kinds.js';
import { certificateBucket, signValue } from './value-signing.js';

/**
 * The requesting side of storage (RFC 6940 §7.4): build and sign Stores, send Fetch, Stat and Find to the
 * resource, and check what comes back. Every fetched value is verified (§7.4.2.2: fetchers MUST verify
 * signatures) and checked against its kind's access policy; values that fail are dropped and counted.
 * The node's store/fetch/stat/find methods, the CLI and the SIP usage sit on this.
 */
export interface StorageClientHost {
  readonly signer: Signer;
  readonly verifier: Verifier;
  readonly kinds: KindTable;
  readonly codecs: StorageCodecs;
  readonly overlayName: string;
  readonly nodeIdLength: number;
  hash(name: Uint8Array): ResourceId;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
}

/** A value to store; the kind's data model says whether it needs an index (array) or a key (dictionary). */
export interface ValueInput {
  readonly value: Uint8Array;
  /** false stores a deletion marker (RFC 6940 §7.4.1.3: there is no Remove; default true). */
  readonly exists?: boolean;
  /** Array index; omitted appends (0xffffffff, §7.4.1.1). */
  readonly index?: number;
  /** Dictionary key. */
  readonly key?: Uint8Array;
}

export interface KindValues {
  readonly kind: KindId;
  readonly values: readonly ValueInput[];
  /** The generation counter last seen, to store only if nobody wrote since (0 or absent: don't check). */
  readonly generation?: bigint;
}

/** What to fetch or stat of one kind; absent indices/keys mean everything (§7.4.2.1). */
export interface KindSelector {
  readonly kind: KindId;
  readonly generation?: bigint;
  readonly indices?: readonly ArrayRange[];
  readonly keys?: readonly Uint8Array[];
}

export interface StorageFailure {
  readonly ok: false;
  /** An RFC 6940 error code (Error_Request_Timeout when nothing answered). */
  readonly errorCode: number;
  readonly reason: string;
  /** Error_Unknown_Kind: the kinds the peer does not know (the node should ConfigUpdate, §7.4.1.2). */
  readonly unknownKinds?: readonly KindId[];
  /** Error_Generation_Counter_Too_Low: the peer's current counters. */
  readonly generations?: readonly StoreKindResponse[];
}

export type StoreResult =
  | { readonly ok: true; readonly kinds: readonly StoreKindResponse[] }
  | StorageFailure;

export type { FetchedKind, FetchedValue } from './fetched-values.js';

export type FetchResult = { readonly ok: true; readonly kinds: readonly FetchedKind[] } | StorageFailure;

interface RawFetch {
  readonly ok: true;
  readonly kinds: readonly FetchKindResponse[];
  readonly certificates: readonly GenericCertificate[];
}
export type StatResult = { readonly ok: true; readonly kinds: readonly StatKindResponse[] } | StorageFailure;
export type FindResult = { readonly ok: true; readonly results: readonly FindKindData[] } | StorageFailure;

const METHOD_OF: ReadonlyMap<number, StorageMethod> = new Map([
  [MessageCode.store_req, 'store'],
  [MessageCode.fetch_req, 'fetch'],
  [MessageCode.stat_req, 'stat'],
  [MessageCode.find_req, 'find'],
]);

export class StorageClient {
  /** Requests this node sent for its users (not replication), by method and result. */
  readonly requested = new StorageCounts();
  readonly #host: StorageClientHost;
  /** storage_time must grow even for two Stores in one millisecond (§7.4.1.1 Error_Data_Too_Old). */
  #lastStorageTime = 0n;

  constructor(host: StorageClientHost) {
    this.#host = host;
  }

  /** RFC 6940 §7.4.1: store values of one or more kinds (all or nothing), each signed by this node. */
  store(
    resource: ResourceId,
    kinds: readonly KindValues[],
    lifetime: number,
    now: number,
    callback: (r: StoreResult) => void,
    signer: Signer = this.#host.signer,
  ): void {
    const storageTime = this.#storageTime(now);
    const kindData = kinds.map((k) => ({
      kind: k.kind,
      generationCounter: k.generation ?? 0n,
      values: k.values.map((v) =>
        signValue(signer, resource, k.kind, storageTime, lifetime, this.#value(k.kind, v)),
      ),
    }));
    const { codecs } = this.#host;
    const body = encode(codecs.storeReq, { resource, replicaNumber: 0, kindData }, codecs.ctx);
    // RFC 6940 §7.4.1.1: for an original Store the request's signer must also satisfy the access policy.
    this.#send(
      resource,
      MessageCode.store_req,
      body,
      callback,
      (r) => ({ ok: true, kinds: decode(codecs.storeAns, r.body, codecs.ctx, 'StoreAns').kindResponses }),
      signer,
    );
  }

  /**
   * RFC 6940 §7.4.2: fetch and verify. Values signed by a node whose certificate the answer lacks are
   * verified again with the certificates stored in the overlay (RFC 6940 §8), looked up once per answer.
   */
  fetch(
    resource: ResourceId,
    selectors: readonly KindSelector[],
    now: number,
    cb: (r: FetchResult) => void,
  ): void {
    this.#fetchRaw(resource, selectors, (r) => {
      if (!r.ok) {
        cb(r);
        return;
      }
      const checked = checkKinds(this.#host, resource, r.kinds, r.certificates, now);
      const lookups = certificateLookups(this.#host, resource, checked);
      if (lookups.length === 0) {
        cb({ ok: true, kinds: fetchedKinds(checked) });
        return;
      }
      this.#lookUpCertificates(lookups, now, (found) => {
        const again = recheck(this.#host, resource, checked, [...r.certificates, ...found], now);
        cb({ ok: true, kinds: fetchedKinds(again) });
      });
    });
  }

  #fetchRaw(
    resource: ResourceId,
    selectors: readonly KindSelector[],
    cb: (r: RawFetch | StorageFailure) => void,
  ): void {
    const { codecs } = this.#host;
    const specifiers = selectors.map((s) => this.#specifier(s));
    const body = encode(codecs.fetchReq, { resource, specifiers }, codecs.ctx);
    this.#send(resource, MessageCode.fetch_req, body, cb, (r) => ({
      ok: true,
      kinds: decode(codecs.fetchAns, r.body, codecs.ctx, 'FetchAns').kindResponses,
      certificates: r.certificates,
    }));
  }

  /** Fetches the certificate kinds named by `lookups`; `done` gets every certificate that verified. */
  #lookUpCertificates(
    lookups: readonly CertificateLookup[],
    now: number,
    done: (found: GenericCertificate[]) => void,
  ): void {
    let left = lookups.length;
    const found: Uint8Array[] = [];
    for (const l of lookups) {
      this.#fetchRaw(l.resource, [{ kind: l.kind }], (r) => {
        if (r.ok)
          found.push(...certificatesFound(checkKinds(this.#host, l.resource, r.kinds, r.certificates, now)));
        left--;
        if (left === 0) done(certificateBucket(found));
      });
    }
  }

  /** RFC 6940 §7.4.3: metadata of what a fetch would return. */
  stat(resource: ResourceId, selectors: readonly KindSelector[], cb: (r: StatResult) => void): void {
    const { codecs } = this.#host;
    const specifiers = selectors.map((s) => this.#specifier(s));
    const body = encode(codecs.statReq, { resource, specifiers }, codecs.ctx);
    this.#send(resource, MessageCode.stat_req, body, cb, (r) => ({
      ok: true,
      kinds: decode(codecs.statAns, r.body, codecs.ctx, 'StatAns').kindResponses,
    }));
  }

  /** RFC 6940 §7.4.4: the closest stored Resource-ID per kind at the peer responsible for `resource`. */
  find(resource: ResourceId, kinds: readonly KindId[], cb: (r: FindResult) => void): void {
    const { codecs } = this.#host;
    const body = encode(findReq, { resource, kinds: [...kinds] }, codecs.ctx);
    this.#send(resource, MessageCode.find_req, body, cb, (r) => ({
      ok: true,
      results: decode(findAns, r.body, codecs.ctx, 'FindAns').results,
    }));
  }

  #storageTime(now: number): bigint {
    const t = BigInt(Math.floor(now));
    this.#lastStorageTime = t > this.#lastStorageTime ? t : this.#lastStorageTime + 1n;
    return this.#lastStorageTime;
  }

  #model(kind: KindId): NonNullable<ReturnType<KindTable['modelOf']>> {
    const model = this.#host.kinds.modelOf(kind);
    if (model === undefined)
      throw new LocalError('ERR_BAD_USAGE', `kind ${kind} is not in the overlay configuration`);
    return model;
  }

  #value(kind: KindId, v: ValueInput): StoredDataValue {
    const exists = v.exists ?? true;
    const value = exists ? v.value : new Uint8Array(0);
    switch (this.#model(kind)) {
      case 'single':
        return { model: 'single', exists, value };
      case 'array':
        return { model: 'array', index: v.index ?? ARRAY_APPEND_INDEX, exists, value };
      case 'dictionary':
        if (v.key === undefined)
          throw new LocalError('ERR_BAD_USAGE', `kind ${kind} is a dictionary: a key is needed`);
        return { model: 'dictionary', key: v.key, exists, value };
    }
  }

  #specifier(s: KindSelector): StoredDataSpecifier {
    const whole = wholeKind(s.kind, this.#model(s.kind), s.generation ?? 0n);
    if (whole.model === 'array' && s.indices !== undefined) return { ...whole, indices: [...s.indices] };
    if (whole.model === 'dictionary' && s.keys !== undefined) return { ...whole, keys: [...s.keys] };
    return whole;
  }

  #count(code: number, r: { ok: true } | StorageFailure): void {
    const method = METHOD_OF.get(code);
    if (method !== undefined) this.requested.add(method, r.ok ? 'ok' : ErrorCode.describe(r.errorCode));
  }

  #send<T extends { ok: true }>(
    resource: ResourceId,
    code: number,
    body: Uint8Array,
    callback: (r: T | StorageFailure) => void,
    parse: (r: RequestResult & { ok: true }) => T,
    signer?: Signer,
  ): void {
    const destination = [{ type: 'resource' as const, id: resource }];
    this.#host.request({ destination, code, body, ...(signer === undefined ? {} : { signer }) }, (r) => {
      if (!r.ok) {
        const f = failure(r);
        this.#count(code, f);
        callback(f);
        return;
      }
      let result: T | StorageFailure;
      try {
        result = parse(r);
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
        result = {
          ok: false,
          errorCode: ErrorCode.Error_Invalid_Message,
          reason: `malformed answer: ${errorMessage(e)}`,
        };
      }
      this.#count(code, result);
      callback(result);
    });
  }
}

function failure(r: RequestResult & { ok: false }): StorageFailure {
  const base = { ok: false as const, errorCode: r.errorCode, reason: r.reason };
  try {
    if (r.errorCode === ErrorCode.Error_Unknown_Kind)
      return { ...base, unknownKinds: decodeUnknownKinds(r.info) };
    if (r.errorCode === ErrorCode.Error_Generation_Counter_Too_Low)
      return { ...base, generations: decodeGenerationCounterTooLow(r.info).kindResponses };
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
  }
  return base;
}
