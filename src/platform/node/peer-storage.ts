import { isLocalError } from '../../core/errors.js';
import type { KindId, ResourceId } from '../../core/ids.js';
import type { KindDefinition } from '../../reload/config/overlay-config.js';
import type { ReloadNode } from '../../reload/node.js';
import type {
  FetchResult,
  FindResult,
  KindSelector,
  StatResult,
  StoreResult,
  ValueInput,
} from '../../reload/storage/client.js';
import type { ReplicationSnapshot } from '../../reload/storage/replication-stats.js';
import type { Holding } from '../../reload/storage/storage.js';

/** What runs an input into the node and carries out its outputs: the NodeDriver (or a test network). */
export interface NodeRunner {
  run<T>(what: string, input: (now: number) => T): T | undefined;
  now(): number;
}

/**
 * The node's storage (RFC 6940 §7.4) as promises, for the control API: each call goes into the sans-I/O
 * node through the driver, with the driver's clock, and resolves when the node calls back. Values are
 * signed by the peer's own identity.
 */
export class PeerStorage {
  readonly #node: ReloadNode;
  readonly #driver: NodeRunner;

  constructor(node: ReloadNode, driver: NodeRunner) {
    this.#node = node;
    this.#driver = driver;
  }

  get nodeIdLength(): number {
    return this.#node.config.nodeIdLength;
  }

  kinds(): readonly KindDefinition[] {
    return [...this.#node.storage.kinds.all()];
  }

  store(
    kind: KindId,
    resource: ResourceId,
    value: ValueInput,
    lifetime: number,
    generation?: bigint,
  ): Promise<StoreResult> {
    const opts = generation === undefined ? {} : { generation };
    return this.#call('store', (now, cb) =>
      this.#node.store(kind, resource, [value], lifetime, now, cb, opts),
    );
  }

  fetch(resource: ResourceId, selector: KindSelector): Promise<FetchResult> {
    return this.#call('fetch', (now, cb) => this.#node.fetchKinds(resource, [selector], now, cb));
  }

  stat(resource: ResourceId, selector: KindSelector): Promise<StatResult> {
    const { kind, ...rest } = selector;
    return this.#call('stat', (now, cb) => this.#node.stat(kind, resource, rest, now, cb));
  }

  find(resource: ResourceId, kinds: readonly KindId[]): Promise<FindResult> {
    return this.#call('find', (now, cb) => this.#node.find(resource, kinds, now, cb));
  }

  held(): readonly Holding[] {
    return this.#node.storage.holdings();
  }

  // ---- for /metrics (src/dashboard/storage-metrics.ts) --------------------------------------------

  storedResources(): number {
    return this.#node.storage.resourceCount;
  }

  storedValues(): number {
    return this.#node.storage.valueCount;
  }

  answered(): Iterable<readonly [string, string, number]> {
    return this.#node.storage.answered.entries();
  }

  requested(): Iterable<readonly [string, string, number]> {
    return this.#node.storageRequests.entries();
  }

  replication(): ReplicationSnapshot {
    return this.#node.storage.replication.stats.snapshot(this.#driver.now());
  }

  /**
   * Runs one storage call in the node. A call the client refuses before sending (a kind it does not know,
   * a dictionary value without a key) rejects with that LocalError; any other exception is a bug, which
   * the driver logs and counts, and rejects with a plain Error (the control API answers 500).
   */
  #call<T>(what: string, start: (now: number, cb: (r: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      let refused: unknown;
      const sent = this.#driver.run(what, (now) => {
        try {
          start(now, resolve);
        } catch (e) {
          if (!isLocalError(e, 'ERR_BAD_USAGE')) throw e;
          refused = e;
        }
        return true;
      });
      if (refused !== undefined) reject(refused);
      else if (sent !== true) reject(new Error(`${what}: internal error (see the peer log)`));
    });
  }
}
