import { type NodeId, nodeIdFromBigInt } from '../../src/core/ids.js';
import { nullLogger } from '../../src/core/logger.js';
import { SeededRandom } from '../../src/core/random.js';
import type { HostPort } from '../../src/reload/node/attach.js';
import { ReloadNode, type ReloadNodeDeps } from '../../src/reload/node.js';
import { DEFAULT_CHORD_OPTIONS } from '../../src/reload/topology/chord/chord.js';
import { fakeSecurity } from './fake-security.js';
import { MemNet } from './mem-net.js';

/** N ReloadNodes on an in-memory network, bootstrapping from the first one. */
export interface Overlay {
  readonly net: MemNet;
  readonly nodes: ReloadNode[];
  readonly addr: Map<ReloadNode, HostPort>;
}

/** Per-node additions: a configuration document (ConfigUpdate tests) and a larger message limit. */
export interface NodeOverrides {
  readonly configuration?: ReloadNodeDeps['configuration'];
  readonly maxMessageSize?: number;
}

export function makeNode(
  id: NodeId,
  listen: HostPort,
  bootstrap: HostPort[],
  seed: number,
  overrides: NodeOverrides = {},
): ReloadNode {
  return new ReloadNode(
    {
      overlayName: 'test.p2psip',
      overlayHash: 0x5eed,
      configurationSequence: 1,
      nodeIdLength: 16,
      initialTtl: 100,
      maxMessageSize: overrides.maxMessageSize ?? 5000,
      reliabilityTimer: 3000,
      listen,
      bootstrap,
      partitionCheckInterval: 60_000,
      chord: { ...DEFAULT_CHORD_OPTIONS, updateInterval: 30_000, fingerInterval: 10_000 },
    },
    {
      localId: id,
      security: fakeSecurity(id),
      random: new SeededRandom(seed),
      log: nullLogger,
      ...(overrides.configuration === undefined ? {} : { configuration: overrides.configuration }),
    },
  );
}

export function overlay(n: number, seed = 1, overrides: (i: number) => NodeOverrides = () => ({})): Overlay {
  const net = new MemNet();
  const rnd = new SeededRandom(seed);
  const boot: HostPort = { host: '10.0.0.1', port: 6084 };
  const nodes: ReloadNode[] = [];
  const addr = new Map<ReloadNode, HostPort>();
  for (let i = 0; i < n; i++) {
    const id = nodeIdFromBigInt(
      ((BigInt(rnd.u32()) << 96n) |
        (BigInt(rnd.u32()) << 64n) |
        (BigInt(rnd.u32()) << 32n) |
        BigInt(rnd.u32())) &
        ((1n << 128n) - 1n),
    );
    const listen = { host: `10.0.0.${i + 1}`, port: 6084 };
    const node = makeNode(id, listen, [boot], seed * 1000 + i, overrides(i));
    net.add(`${listen.host}:${listen.port}`, node);
    nodes.push(node);
    addr.set(node, listen);
  }
  return { net, nodes, addr };
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
