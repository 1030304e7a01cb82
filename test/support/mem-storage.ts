import assert from 'node:assert/strict';
import type { HttpServerHandle } from '../../src/platform/node/http-server.js';
import { PeerStorage } from '../../src/platform/node/peer-storage.js';
import { defaultKinds } from '../../src/reload/config/kinds.js';
import type { ReloadNode } from '../../src/reload/node.js';
import { FakePeer, serveFakeControl } from './fake-control.js';
import { privateKind } from './storage-harness.js';
import { type Overlay, overlay, ringErrors, startNodes, userOf } from './test-node.js';

/**
 * The control API's storage port (src/dashboard/storage-routes.ts, implemented by platform/node's
 * PeerStorage) over one node of an in-memory overlay, so the routes and the CLI are tested against real
 * Store, Fetch, Stat and Find with access control, limits and replication, without processes. Each call
 * settles the network before it returns, so the node has called back by then.
 */
export function memStorage(o: Overlay, node: ReloadNode): PeerStorage {
  return new PeerStorage(node, {
    run: (_what, input) => {
      const r = input(o.net.now);
      o.net.settle();
      return r;
    },
    now: () => o.net.now,
  });
}

/** Starts every node of `o` one after the other and lets the ring settle. */
export function startOverlay(o: Overlay): void {
  startNodes(o);
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
  readonly storage: PeerStorage;
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
  const storage = memStorage(o, node);
  const peer = new FakePeer();
  peer.storage = storage;
  const server = await serveFakeControl(peer);
  return { o, node, storage, server, control: `127.0.0.1:${server.port}`, user: userOf(node.localId) };
}
