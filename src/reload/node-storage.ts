import { type NodeId, type ResourceId, resourceIdToBigInt } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { chordResourceId } from './config/hashes.js';
import { defaultKinds } from './config/kinds.js';
import { CONFIG_DEFAULTS, type KindDefinition } from './config/overlay-config.js';
import type { RequestResult, RequestSpec } from './node/types.js';
import type { Signer } from './security/signer.js';
import type { Verifier } from './security/verifier.js';
import type { StorageBackend } from './storage/backend.js';
import { CertificatePublisher, type PublisherOptions } from './storage/certificate-publisher.js';
import { StorageClient } from './storage/client.js';
import type { ReplicationOptions } from './storage/replication.js';
import { Storage } from './storage/storage.js';
import type { Placement } from './storage/types.js';
import type { ChordTopology } from './topology/chord/chord.js';
import { inHalfOpen, sortClockwise } from './topology/chord/ring.js';

/**
 * Storage composed into a RELOAD node (node.ts calls this; DESIGN §2: storage and the topology never
 * import each other, and only the composition root joins them). CHORD-RELOAD answers storage's Placement
 * questions and its events drive replication and migration (RFC 6940 §10.4, §10.5, §10.7.1).
 */

/** Storage settings from the overlay configuration (RFC 6940 §11.1 kind-blocks, replica count). */
export interface NodeStorageConfig {
  /** The kinds this overlay stores; default: SIP-REGISTRATION, TURN-SERVICE and the certificate kinds. */
  readonly kinds?: readonly KindDefinition[];
  /** Copies kept on successors besides the responsible peer's (RFC 6940 §10.4: two). */
  readonly replicaCount?: number;
  readonly replication?: Partial<ReplicationOptions>;
  /**
   * Store our certificate under CERTIFICATE_BY_NODE and CERTIFICATE_BY_USER once joined, and keep it
   * there (RFC 6940 §8: every node does). Off by default so small test overlays count only their own data.
   */
  readonly publishCertificate?: boolean | PublisherOptions;
}

export interface NodeStorageParts {
  readonly chord: ChordTopology;
  readonly config: NodeStorageConfig | undefined;
  readonly nodeIdLength: number;
  readonly overlayName: string;
  readonly log: Logger;
  readonly signer: Signer;
  readonly verifier: Verifier;
  readonly backend: StorageBackend | undefined;
  now(): number;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
}

export interface NodeStorage {
  readonly storage: Storage;
  readonly client: StorageClient;
  /** Keeps our certificate in the overlay; undefined unless `publishCertificate` asked for it. */
  readonly certificates: CertificatePublisher | undefined;
}

/** The node's storage (the handlers' side), its client (the requesting side) and its certificates. */
export function composeStorage(p: NodeStorageParts): NodeStorage {
  const hash = (name: Uint8Array): ResourceId => chordResourceId(name);
  const storage = new Storage(
    {
      localId: p.chord.localId,
      nodeIdLength: p.nodeIdLength,
      overlayName: p.overlayName,
      log: p.log,
      placement: chordPlacement(p.chord, p.config?.replicaCount ?? CONFIG_DEFAULTS.replicaCount),
      verifier: p.verifier,
      hash,
      now: () => p.now(),
      request: (spec, cb) => p.request(spec, cb),
    },
    {
      kinds: p.config?.kinds ?? defaultKinds(),
      ...(p.backend === undefined ? {} : { backend: p.backend }),
      ...(p.config?.replication === undefined ? {} : { replication: p.config.replication }),
    },
  );
  const client = new StorageClient({
    signer: p.signer,
    verifier: p.verifier,
    kinds: storage.kinds,
    codecs: storage.codecs,
    overlayName: p.overlayName,
    nodeIdLength: p.nodeIdLength,
    hash,
    request: (spec, cb) => p.request(spec, cb),
  });
  // Chord's events drive migration: a joining peer gets its range at once (RFC 6940 §10.5: the admitting peer Stores the joining peer's data to it); other
  // table changes re-check the holders after the hold-down (§10.7.1).
  const r = storage.replication;
  p.chord.events.on('table-changed', () => r.onTableChanged(p.now()));
  p.chord.events.on('peer-joined', () => r.onPeerJoined(p.now()));
  const certificates = publisher(p, client, storage);
  p.chord.events.on('state', (e) => {
    if (e.state === 'joined') {
      r.onJoined(p.now());
      certificates?.start(p.now());
    } else if (e.state === 'leaving') certificates?.stop();
  });
  return { storage, client, certificates };
}

function publisher(
  p: NodeStorageParts,
  client: StorageClient,
  storage: Storage,
): CertificatePublisher | undefined {
  const o = p.config?.publishCertificate;
  if (o === undefined || o === false) return undefined;
  return new CertificatePublisher(
    {
      signer: p.signer,
      kinds: storage.kinds,
      nodeIdLength: p.nodeIdLength,
      log: p.log,
      now: () => p.now(),
      hash: (name) => chordResourceId(name),
      fetch: (resource, selectors, now, cb) => client.fetch(resource, selectors, now, cb),
      store: (resource, kinds, lifetime, now, cb) => client.store(resource, kinds, lifetime, now, cb),
    },
    o === true ? {} : o,
  );
}

/**
 * CHORD-RELOAD's answers to storage's Placement questions (RFC 6940 §10.4).
 *
 * The holders of a resource are the responsible peer — the first peer at or after its Resource-ID — and
 * the `replicaCount` peers after it on the ring. A peer sees the ring through its Neighbor Table: from its
 * farthest predecessor to its farthest successor, or the whole ring when the two lists meet (a small
 * overlay). A resource outside that window has no answer.
 */
export function chordPlacement(chord: ChordTopology, replicaCount: number): Placement {
  return {
    ready: () => chord.state === 'joined',
    isResponsible: (r) => chord.isResponsible(r),
    holders: (r) =>
      chord.state === 'joined' ? holders(chord, resourceIdToBigInt(r), replicaCount) : undefined,
  };
}

function holders(chord: ChordTopology, k: bigint, replicaCount: number): NodeId[] | undefined {
  const self = chord.localId;
  const { predecessors: preds, successors: succs, sizes } = chord.table;
  // The two lists meet only when they hold every member, and a table with fewer members than a
  // successor list knows the whole (tiny) ring; a list that is merely short after a failure is not that.
  const whole = chord.table.size < sizes.successors || preds.some((p) => succs.includes(p));
  if (whole) {
    const ring = sortClockwise(self, new Set([self, ...preds, ...succs]));
    const n = ring.length;
    const owner = ring.findIndex((w, i) => n === 1 || inHalfOpen(k, ring[(i + n - 1) % n] as NodeId, w));
    const count = Math.min(replicaCount + 1, n);
    return Array.from({ length: count }, (_, j) => ring[(owner + j) % n] as NodeId);
  }
  // Farthest predecessor first, clockwise to the farthest successor.
  const window = [...preds].reverse().concat(self, succs);
  for (let i = 1; i < window.length; i++) {
    if (inHalfOpen(k, window[i - 1] as NodeId, window[i] as NodeId))
      return window.slice(i, i + replicaCount + 1);
  }
  return undefined;
}
