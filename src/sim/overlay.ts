import { type NodeId, nodeIdFromBigInt } from '../core/ids.js';
import { nullLogger } from '../core/logger.js';
import { SeededRandom } from '../core/random.js';
import type { HostPort } from '../reload/node/attach.js';
import { ReloadNode, type ReloadNodeConfig } from '../reload/node.js';
import { DEFAULT_CHORD_OPTIONS } from '../reload/topology/chord/chord.js';
import { type LatencyModel, regionLatency } from './latency.js';
import { type Endpoint, SimNetwork } from './network.js';
import { LiveRing } from './oracle.js';
import { simulatedSecurity } from './security.js';
import { type HopToken, TrafficMonitor } from './traffic.js';
import { simKinds } from './value-kind.js';

/**
 * A simulated RELOAD overlay: real ReloadNodes (the same cores a peer runs) on the virtual network, plus
 * the bookkeeping only a simulator can have: who is alive, who has joined, and the oracle ring.
 */
export type SimEndpoint = Endpoint<ReloadNode>;

/** Everything of a node's configuration the simulation may change; the rest is fixed below. */
export type SimNodeConfig = Omit<ReloadNodeConfig, 'listen' | 'bootstrap'>;

export const SIM_PORT = 6084;

/**
 * A No-ICE overlay with RFC 6940 §11.1 defaults and the tuned CHORD-RELOAD defaults; the storage kinds
 * are the defaults plus the storage workload's private kind.
 */
export const SIM_NODE_CONFIG: SimNodeConfig = {
  overlayName: 'sim.p2psip.invalid',
  overlayHash: 0x5131_0001,
  configurationSequence: 1,
  nodeIdLength: 16,
  initialTtl: 100,
  maxMessageSize: 5000,
  reliabilityTimer: 3000,
  chord: DEFAULT_CHORD_OPTIONS,
  storage: { kinds: simKinds() },
};

export interface OverlayOptions {
  readonly seed: number;
  readonly latency?: LatencyModel;
  /** TCP segment loss rate (costs delay, not data). */
  readonly loss?: number;
  /** How many stable bootstrap peers the overlay has (they never fail or churn). */
  readonly bootstrapPeers?: number;
  readonly node?: Partial<SimNodeConfig>;
}

export class SimOverlay {
  readonly net: SimNetwork<ReloadNode, HopToken>;
  readonly monitor: TrafficMonitor<ReloadNode>;
  readonly ring = new LiveRing();
  /** The scenario's own generator (ids, choices); nodes and the network have forks of it. */
  readonly random: SeededRandom;
  readonly config: SimNodeConfig;
  readonly bootstrap: SimEndpoint[] = [];
  readonly #byId = new Map<NodeId, SimEndpoint>();
  readonly #joined: SimEndpoint[] = [];
  readonly #joinedAt = new Map<SimEndpoint, number>();
  readonly #bootstrapCount: number;
  #alive = 0;
  #nodeMs = 0;
  #since = 0;

  constructor(opts: OverlayOptions) {
    this.random = new SeededRandom(opts.seed);
    this.config = { ...SIM_NODE_CONFIG, ...opts.node };
    this.net = new SimNetwork<ReloadNode, HopToken>({
      latency: opts.latency ?? regionLatency(),
      random: this.random.fork(),
      ...(opts.loss === undefined ? {} : { loss: opts.loss }),
    });
    this.monitor = new TrafficMonitor(this.config.initialTtl);
    this.net.observe(this.monitor);
    this.#bootstrapCount = Math.max(1, opts.bootstrapPeers ?? 1);
  }

  get now(): number {
    return this.net.now;
  }

  /** Live peers in the joined state (the ones lookups start from). */
  get joined(): readonly SimEndpoint[] {
    return this.#joined;
  }

  /** How many of the first nodes created are bootstrap peers. */
  get bootstrapCount(): number {
    return this.#bootstrapCount;
  }

  get aliveCount(): number {
    return this.#alive;
  }

  endpointOf(id: NodeId): SimEndpoint | undefined {
    return this.#byId.get(id);
  }

  /** Creates a node at a fresh address with a random Node-ID; `start` makes it join. */
  createNode(): SimEndpoint {
    const i = this.net.endpoints.length;
    const host = `10.${(i >>> 16) & 0xff}.${(i >>> 8) & 0xff}.${i & 0xff}`;
    const listen: HostPort = { host, port: SIM_PORT };
    const isBootstrap = this.bootstrap.length < this.#bootstrapCount;
    const boot = isBootstrap && i === 0 ? [listen] : this.#bootstrapList(listen, isBootstrap);
    const id = this.#freshId();
    const { security, signer, verifier } = simulatedSecurity(id, this.config.nodeIdLength);
    const node = new ReloadNode(
      { ...this.config, listen, bootstrap: boot },
      {
        localId: id,
        security,
        signer,
        verifier,
        random: this.random.fork(),
        log: nullLogger,
      },
    );
    const ep = this.net.add(`${host}:${SIM_PORT}`, node);
    this.#byId.set(id, ep);
    if (isBootstrap) this.bootstrap.push(ep);
    node.events.on('state', ({ state }) => this.#onState(ep, state === 'joined'));
    return ep;
  }

  /** Bootstrap peers use every other bootstrap peer; others two random ones (spreading the load). */
  #bootstrapList(self: HostPort, isBootstrap: boolean): HostPort[] {
    const addr = (ep: SimEndpoint): HostPort => ep.host.config.listen;
    if (isBootstrap) return [...this.bootstrap.map(addr), self];
    const n = this.bootstrap.length;
    if (n <= 2) return this.bootstrap.map(addr);
    const a = this.random.u32() % n;
    const b = (a + 1 + (this.random.u32() % (n - 1))) % n;
    return [a, b].map((k) => addr(this.bootstrap[k] as SimEndpoint));
  }

  #freshId(): NodeId {
    for (;;) {
      const r = this.random;
      const v =
        (BigInt(r.u32()) << 96n) | (BigInt(r.u32()) << 64n) | (BigInt(r.u32()) << 32n) | BigInt(r.u32());
      if (!this.#byId.has(v as NodeId)) return nodeIdFromBigInt(v);
    }
  }

  /** Starts a created node: by default it joins through bootstrap; `how` starts it otherwise (bulk-start.ts). */
  start(ep: SimEndpoint, how: (node: ReloadNode, now: number) => void = (n, now) => n.start(now)): void {
    this.#accumulate();
    this.#alive++;
    this.net.input(ep, how);
  }

  /** Silent failure (no FIN): the peers must notice on their own. */
  kill(ep: SimEndpoint): void {
    if (ep.state !== 'up') return;
    this.#gone(ep);
    this.net.kill(ep);
  }

  /** Crash with reset: the peers' links close at once. */
  crash(ep: SimEndpoint): void {
    if (ep.state !== 'up') return;
    this.#gone(ep);
    this.net.crash(ep);
  }

  /** Graceful leave (RFC 6940 §10.8), then the process exits. */
  leave(ep: SimEndpoint): void {
    if (ep.state !== 'up') return;
    this.#gone(ep);
    this.net.input(ep, (n, now) => n.stop(now, () => undefined));
    // The process exits once its Leaves are out; what is still queued is flushed by the FINs.
    this.net.schedule(this.now + 3000, () => this.net.crash(ep));
  }

  #gone(ep: SimEndpoint): void {
    this.#accumulate();
    this.#alive--;
    this.#onState(ep, false);
  }

  #onState(ep: SimEndpoint, joined: boolean): void {
    const id = ep.host.localId;
    if (joined && ep.state === 'up' && !this.#joinedAt.has(ep)) {
      this.#joinedAt.set(ep, this.#joined.length);
      this.#joined.push(ep);
      this.ring.add(id);
      return;
    }
    if (joined) return;
    const i = this.#joinedAt.get(ep);
    if (i === undefined) return;
    // Swap-remove keeps picking a random joined peer O(1).
    const last = this.#joined.pop() as SimEndpoint;
    if (last !== ep) {
      this.#joined[i] = last;
      this.#joinedAt.set(last, i);
    }
    this.#joinedAt.delete(ep);
    this.ring.remove(id);
  }

  /** A uniformly random live, joined peer. */
  pickJoined(): SimEndpoint | undefined {
    const n = this.#joined.length;
    return n === 0 ? undefined : this.#joined[this.random.u32() % n];
  }

  /** Node-milliseconds of live nodes since the last call (the denominator of per-node rates). */
  takeNodeTime(): number {
    this.#accumulate();
    const v = this.#nodeMs;
    this.#nodeMs = 0;
    return v;
  }

  #accumulate(): void {
    this.#nodeMs += this.#alive * (this.now - this.#since);
    this.#since = this.now;
  }

  runUntil(t: number): void {
    this.net.run(t);
  }
}
