import { type NodeId, nodeIdFromBigInt } from '../../src/core/ids.js';
import { nullLogger } from '../../src/core/logger.js';
import { SeededRandom } from '../../src/core/random.js';
import type { HostPort } from '../../src/reload/node/attach.js';
import { ReloadNode, type ReloadNodeConfig, type ReloadNodeDeps } from '../../src/reload/node.js';
import { DEFAULT_CHORD_OPTIONS } from '../../src/reload/topology/chord/chord.js';
import { MemNet } from './mem-net.js';
import { simIdentity } from './sim-security.js';

/** N ReloadNodes on an in-memory network, bootstrapping from the first one. */
export interface Overlay {
  readonly net: MemNet;
  readonly nodes: ReloadNode[];
  readonly addr: Map<ReloadNode, HostPort>;
}

/** The user name of a test node's certificate: `user-<first 8 hex digits of its Node-ID>@test.p2psip`. */
export function userOf(id: NodeId): string {
  return `user-${id.toString(16).padStart(32, '0').slice(0, 8)}@test.p2psip`;
}

/** What a test may change per node: dependencies (e.g. a configuration document), storage, message limit. */
export type NodeExtras = Partial<ReloadNodeDeps> & {
  storage?: ReloadNodeConfig['storage'];
  maxMessageSize?: number;
  mayStartAlone?: boolean;
};

export function makeNode(
  id: NodeId,
  listen: HostPort,
  bootstrap: HostPort[],
  seed: number,
  extra: NodeExtras = {},
): ReloadNode {
  const ident = simIdentity(id, userOf(id));
  const { storage, maxMessageSize, mayStartAlone, ...deps } = extra;
  return new ReloadNode(
    {
      overlayName: 'test.p2psip',
      overlayHash: 0x5eed,
      configurationSequence: 1,
      nodeIdLength: 16,
      initialTtl: 100,
      maxMessageSize: maxMessageSize ?? 5000,
      reliabilityTimer: 3000,
      listen,
      bootstrap,
      partitionCheckInterval: 60_000,
      chord: { ...DEFAULT_CHORD_OPTIONS, updateInterval: 30_000, fingerInterval: 10_000 },
      ...(storage === undefined ? {} : { storage }),
      ...(mayStartAlone === undefined ? {} : { mayStartAlone }),
    },
    {
      localId: id,
      security: ident.security,
      signer: ident.signer,
      verifier: ident.verifier,
      random: new SeededRandom(seed),
      log: nullLogger,
      ...deps,
    },
  );
}

/** Options every node of a test overlay gets: storage settings and a backend per node index. */
export interface OverlayOptions {
  readonly storage?: ReloadNodeConfig['storage'];
  readonly backend?: (i: number) => ReloadNodeDeps['storageBackend'];
  /** Anything else per node index (ConfigUpdate tests give each a configuration document). */
  readonly perNode?: (i: number) => NodeExtras;
}

export function nodeIds(n: number, seed = 1): NodeId[] {
  const rnd = new SeededRandom(seed);
  return Array.from({ length: n }, () =>
    nodeIdFromBigInt(
      ((BigInt(rnd.u32()) << 96n) |
        (BigInt(rnd.u32()) << 64n) |
        (BigInt(rnd.u32()) << 32n) |
        BigInt(rnd.u32())) &
        ((1n << 128n) - 1n),
    ),
  );
}

export function overlay(n: number, seed = 1, opts: OverlayOptions = {}): Overlay {
  const net = new MemNet();
  const boot: HostPort = { host: '10.0.0.1', port: 6084 };
  const nodes: ReloadNode[] = [];
  const addr = new Map<ReloadNode, HostPort>();
  nodeIds(n, seed).forEach((id, i) => {
    const listen = { host: `10.0.0.${i + 1}`, port: 6084 };
    const backend = opts.backend?.(i);
    const node = makeNode(id, listen, [boot], seed * 1000 + i, {
      ...(opts.storage === undefined ? {} : { storage: opts.storage }),
      ...(backend === undefined ? {} : { storageBackend: backend }),
      ...opts.perNode?.(i),
    });
    net.add(`${listen.host}:${listen.port}`, node);
    nodes.push(node);
    addr.set(node, listen);
  });
  return { net, nodes, addr };
}

/** Starts the nodes one after the other, `spacing` ms apart, each settled before the next starts. */
export function startNodes(o: Overlay, spacing = 500): void {
  o.nodes.forEach((n, i) => {
    o.net.advance(o.net.now + (i === 0 ? 0 : spacing));
    n.start(o.net.now);
    o.net.settle();
  });
}

/** Whether every live node's first successor and predecessor are its ring neighbours among `live`. */
export function ringErrors(live: readonly ReloadNode[]): string[] {
  const sorted = [...live].sort((a, b) => (a.localId < b.localId ? -1 : 1));
  const errors: string[] = [];
  sorted.forEach((node, i) => {
    const succ = sorted[(i + 1) % sorted.length] as ReloadNode;
    const pred = sorted[(i + sorted.length - 1) % sorted.length] as ReloadNode;
    const s = node.chord.table.successors[0];
    const p = node.chord.table.predecessors[0];
    if (node.chord.state !== 'joined') errors.push(`node ${i} is ${node.chord.state}`);
    if (s !== succ.localId)
      errors.push(`node ${i}: successor ${s?.toString(16)} ≠ ${succ.localId.toString(16)}`);
    if (p !== pred.localId)
      errors.push(`node ${i}: predecessor ${p?.toString(16)} ≠ ${pred.localId.toString(16)}`);
  });
  return errors;
}
