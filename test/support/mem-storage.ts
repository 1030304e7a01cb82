import assert from 'node:assert/strict';
import type { KindId, ResourceId } from '../../src/core/ids.js';
import type { ControlStorage } from '../../src/dashboard/storage-routes.js';
import type { HttpServerHandle } from '../../src/platform/node/http-server.js';
import { defaultKinds } from '../../src/reload/config/kinds.js';
import type { KindDefinition } from '../../src/reload/config/overlay-config.js';
import type { ReloadNode } from '../../src/reload/node.js';
import type {
  FetchResult,
  FindResult,
  KindSelector,
  StatResult,
  StoreResult,
  ValueInput,
} from '../../src/reload/storage/client.js';
import type { Holding } from '../../src/reload/storage/storage.js';
import { FakePeer, serveFakeControl } from './fake-control.js';
import { privateKind } from './storage-harness.js';
import { type Overlay, overlay, ringErrors, userOf } from './test-node.js';

/**
 * The control API's storage port (src/dashboard/storage-routes.ts) over one node of an in-memory overlay,
 * so the routes and the CLI are tested against real Store, Fetch, Stat and Find with access control,
 * limits and replication, without processes. Each call settles the network before it resolves.
 */
export class MemStorage implements ControlStorage {
  readonly nodeIdLength = 16;
  readonly #o: Overlay;
  readonly #node: ReloadNode;

  constructor(o: Overlay, node: ReloadNode) {
    this.#o = o;
    this.#node = node;
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
    return this.#call((now, cb) => this.#node.store(kind, resource, [value], lifetime, now, cb, opts));
  }

  fetch(resource: ResourceId, selector: KindSelector): Promise<FetchResult> {
    return this.#call((now, cb) => this.#node.fetchKinds(resource, [selector], now, cb));
  }

  stat(resource: ResourceId, selector: KindSelector): Promise<StatResult> {
    const { kind, ...rest } = selector;
    return this.#call((now, cb) => this.#node.stat(kind, resource, rest, now, cb));
  }

  find(resource: ResourceId, kinds: readonly KindId[]): Promise<FindResult> {
    return this.#call((now, cb) => this.#node.find(resource, kinds, now, cb));
  }

  held(): readonly Holding[] {
    return this.#node.storage.holdings();
  }

  async #call<T>(start: (now: number, cb: (r: T) => void) => void): Promise<T> {
    let out: T | undefined;
    start(this.#o.net.now, (r) => {
      out = r;
    });
    this.#o.net.settle();
    if (out === undefined) throw new Error('the overlay did not answer');
    return out;
  }
}

/** Starts every node of `o` one after the other and lets the ring settle. */
export function startOverlay(o: Overlay): void {
  o.nodes.forEach((n, i) => {
    o.net.advance(o.net.now + (i === 0 ? 0 : 500));
    n.start(o.net.now);
    o.net.settle();
  });
  o.net.advance(o.net.now + 60_000);
  assert.deepEqual(ringErrors(o.nodes), []);
}

/** Private kinds (USER-MATCH) beside the default ones; the last is known only to node 0 of serveStorage. */
export const DICTIONARY_KIND = privateKind(1, 'dictionary', 8, 256);
export const ARRAY_KIND = privateKind(2, 'array', 8, 256);
export const NODE0_ONLY_KIND = privateKind(3, 'single', 8, 256);

export interface ServedStorage {
  readonly o: Overlay;
  /** Node 0: the one the control API stores through. */
  readonly node: ReloadNode;
  readonly storage: MemStorage;
  readonly server: HttpServerHandle;
  /** `127.0.0.1:PORT` of the control API. */
  readonly control: string;
  /** Node 0's user name: where USER-MATCH kinds let it write. */
  readonly user: string;
}

/** A 3-node in-memory overlay with the default kinds and the test kinds, served by a control API. */
export async function serveStorage(): Promise<ServedStorage> {
  const kinds = [...defaultKinds(), DICTIONARY_KIND, ARRAY_KIND];
  const o = overlay(3, 11, {
    storage: { kinds },
    perNode: (i) => (i === 0 ? { storage: { kinds: [...kinds, NODE0_ONLY_KIND] } } : {}),
  });
  startOverlay(o);
  const node = o.nodes[0] as ReloadNode;
  const storage = new MemStorage(o, node);
  const peer = new FakePeer();
  peer.storage = storage;
  const server = await serveFakeControl(peer);
  return { o, node, storage, server, control: `127.0.0.1:${server.port}`, user: userOf(node.localId) };
}
