import { bytesEqual, utf8 } from '../../core/bytes.js';
import { type KindId, nodeIdToBytes, type ResourceId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { TimerTable } from '../../core/timer-table.js';
import { ARRAY_APPEND_INDEX } from '../messages/stored-data.js';
import type { Signer } from '../security/signer.js';
import type { FetchResult, KindSelector, KindValues, StoreResult } from './client.js';
import { CERTIFICATE_BY_NODE, CERTIFICATE_BY_USER, type FetchedValue } from './fetched-values.js';
import type { KindTable } from './kinds.js';

/**
 * RFC 6940 §8: every node stores its certificate in the overlay, under CERTIFICATE_BY_NODE at H(Node-ID)
 * and CERTIFICATE_BY_USER at H(user name), so that anyone can verify what it signed without ever having
 * linked to it (fetched-values.ts looks there). The publisher stores both when the node joins, and again
 * before the stored copies expire.
 */
export interface PublisherHost {
  readonly signer: Signer;
  readonly kinds: KindTable;
  readonly nodeIdLength: number;
  readonly log: Logger;
  now(): number;
  hash(name: Uint8Array): ResourceId;
  fetch(
    resource: ResourceId,
    selectors: readonly KindSelector[],
    now: number,
    cb: (r: FetchResult) => void,
  ): void;
  store(
    resource: ResourceId,
    kinds: readonly KindValues[],
    lifetime: number,
    now: number,
    cb: (r: StoreResult) => void,
  ): void;
}

export interface PublisherOptions {
  /** Seconds the stored certificates live (default one day); they are stored again after 3/4 of it. */
  readonly lifetime?: number;
  /** After a failure, how long to wait before trying again (ms; default 30 s). */
  readonly retry?: number;
}

const DAY_SECONDS = 24 * 3600;

export class CertificatePublisher {
  readonly #host: PublisherHost;
  readonly #lifetime: number;
  readonly #retry: number;
  readonly #timers = new TimerTable<'publish'>();
  #inFlight = false;
  /** How many times both certificates were stored; for tests and logs. */
  published = 0;

  constructor(host: PublisherHost, options: PublisherOptions = {}) {
    this.#host = host;
    this.#lifetime = options.lifetime ?? DAY_SECONDS;
    this.#retry = options.retry ?? 30_000;
  }

  /** The node joined (again): store the certificates now. */
  start(now: number): void {
    this.#timers.clear('publish');
    this.#publish(now);
  }

  stop(): void {
    this.#timers.clear('publish');
  }

  handleTimeout(now: number): void {
    for (const _ of this.#timers.expire(now)) this.#publish(now);
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  #targets(): Array<{ kind: KindId; resource: ResourceId }> {
    const { signer, hash, nodeIdLength } = this.#host;
    const targets = [
      // RFC 6940 §8: "Resource Name: The Node-ID of the peer" and "Resource Name: The user name".
      { kind: CERTIFICATE_BY_NODE, resource: hash(nodeIdToBytes(signer.nodeId, nodeIdLength)) },
      { kind: CERTIFICATE_BY_USER, resource: hash(utf8(signer.userName)) },
    ];
    return targets.filter((t) => this.#host.kinds.get(t.kind) !== undefined);
  }

  #publish(now: number): void {
    const cert = this.#host.signer.certificates[0]?.certificate;
    const targets = this.#targets();
    if (cert === undefined || targets.length === 0 || this.#inFlight) return;
    this.#inFlight = true;
    let left = targets.length;
    const failures: string[] = [];
    for (const t of targets) {
      this.#publishOne(t.kind, t.resource, cert, now, (failure) => {
        if (failure !== undefined) failures.push(`kind ${t.kind}: ${failure}`);
        left--;
        if (left === 0) this.#done(failures);
      });
    }
  }

  #done(failures: readonly string[]): void {
    this.#inFlight = false;
    const now = this.#host.now();
    if (failures.length > 0) {
      this.#host.log.debug({ failures }, 'storing our certificate failed: trying again');
      this.#timers.set('publish', now + this.#retry);
      return;
    }
    this.published++;
    this.#host.log.debug({ lifetime: this.#lifetime }, 'our certificate is stored in the overlay');
    this.#timers.set('publish', now + Math.floor((this.#lifetime * 1000 * 3) / 4));
  }

  /** Fetches the array first: our certificate keeps its index, an older one of ours is replaced. */
  #publishOne(
    kind: KindId,
    resource: ResourceId,
    cert: Uint8Array,
    now: number,
    done: (failure: string | undefined) => void,
  ): void {
    this.#host.fetch(resource, [{ kind }], now, (r) => {
      if (!r.ok) {
        done(r.reason);
        return;
      }
      const index = indexFor(r.kinds[0]?.values ?? [], cert, this.#host.signer);
      this.#host.store(
        resource,
        [{ kind, values: [{ value: cert, index }] }],
        this.#lifetime,
        this.#host.now(),
        (s) => done(s.ok ? undefined : s.reason),
      );
    });
  }
}

/**
 * Where our certificate goes in the kind's array (both kinds are arrays, RFC 6940 §8, so several devices of
 * one user and renewed certificates fit): the index it already has, else the index of an earlier
 * certificate of ours, else the end.
 */
export function indexFor(values: readonly FetchedValue[], cert: Uint8Array, signer: Signer): number {
  const entries = values.flatMap((v) =>
    v.value.model === 'array' && v.value.exists ? [{ ...v, value: v.value }] : [],
  );
  const same = entries.find((v) => bytesEqual(v.value.value, cert));
  if (same !== undefined) return same.value.index;
  const ours = entries.find((v) => v.signer?.nodeId === signer.nodeId);
  return ours === undefined ? ARRAY_APPEND_INDEX : ours.value.index;
}
