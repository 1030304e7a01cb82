import { TypedEmitter } from '../core/events.js';
import { type KindId, type NodeId, nodeIdToHex, type ResourceId, type TransactionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Random } from '../core/random.js';
import { TimerTable } from '../core/timer-table.js';
import { encode } from '../wire/index.js';
import { chordResourceId } from './config/hashes.js';
import { MessageCode } from './messages/codes.js';
import type { Destination } from './messages/common.js';
import { pingReq } from './messages/ping.js';
import { AttachService, type HostPort } from './node/attach.js';
import { Bootstrapper } from './node/bootstrap.js';
import { ConfigUpdates, type InstalledConfiguration } from './node/config-update.js';
import { Diagnostics, type TraceResult } from './node/diagnostics.js';
import { MessageTransport, type MessageTransportOptions } from './node/message-transport.js';
import { PeerAddresses } from './node/peer-addresses.js';
import { answerPing, answerProbe } from './node/ping-probe.js';
import type { MessageSecurity } from './node/ports.js';
import type { NodeOutput, RequestResult, RequestSpec } from './node/types.js';
import { composeStorage, type NodeStorageConfig } from './node-storage.js';
import type { LinkId } from './routing/types.js';
import type { Signer } from './security/signer.js';
import type { Verifier } from './security/verifier.js';
import type { StorageBackend } from './storage/backend.js';
import type { CertificatePublisher } from './storage/certificate-publisher.js';
import type {
  FetchResult,
  FindResult,
  KindSelector,
  KindValues,
  StatResult,
  StorageClient,
  StoreResult,
  ValueInput,
} from './storage/client.js';
import type { StorageCounts } from './storage/counts.js';
import type { Storage } from './storage/storage.js';
import { type ChordOptions, type ChordState, ChordTopology } from './topology/chord/chord.js';
import type { ChordHost } from './topology/chord/host.js';

/**
 * The composition root of a RELOAD peer (DESIGN §2): the message transport, the Attach service,
 * bootstrap, and the CHORD-RELOAD topology, joined here and nowhere else. Sans-I/O like its parts: the
 * driver (platform/node or the simulator) feeds links and time and carries out `pollOutput()`.
 */
export interface ReloadNodeConfig extends MessageTransportOptions {
  readonly overlayName: string;
  readonly chord: ChordOptions;
  /** Our passive candidate: where we accept TLS links. */
  readonly listen: HostPort;
  readonly bootstrap: readonly HostPort[];
  /**
   * This node may start the overlay as its first peer (RFC 6940 §10.5) when no bootstrap node answers,
   * even though its own address is not one of them: it created the overlay (`p2psip start`). Every other
   * node keeps looking, so a lost node never founds a second overlay with the same name.
   */
  readonly mayStartAlone?: boolean;
  /** How often a joined node re-contacts bootstrap nodes to detect partitions (RFC 6940 §10.7.4.?). */
  readonly partitionCheckInterval?: number;
  /** Reported as the RFC 7851 SOFTWARE_VERSION diagnostic. */
  readonly softwareVersion?: string;
  readonly storage?: NodeStorageConfig;
}

export type { NodeStorageConfig } from './node-storage.js';

export interface StoreOptions {
  /** The generation counter last seen: store only if nobody wrote since (RFC 6940 §7.4.1.1). */
  readonly generation?: bigint;
  /**
   * Sign the values and the Store with this identity of the node instead of its own (an adapter's
   * per-user certificate, so SIP-REGISTRATION's USER-NODE-MATCH holds, RFC 7904 §3).
   */
  readonly signer?: Signer;
}

/** A resource by name (hashed with the overlay's hash, RFC 6940 §10.2) or by Resource-ID. */
export type ResourceRef = string | ResourceId;

export interface ReloadNodeDeps {
  readonly localId: NodeId;
  readonly security: MessageSecurity;
  readonly random: Random;
  readonly log: Logger;
  /** Signs the values this node stores (RFC 6940 §7.1); the key and certificate of `security`. */
  readonly signer: Signer;
  /** Verifies stored values, here and in what Fetch brings back (RFC 6940 §7.1, §7.4.2.2). */
  readonly verifier: Verifier;
  /** Where stored values persist across restarts (none: memory only). */
  readonly storageBackend?: StorageBackend;
  /** The signed configuration in force: with it the node takes and spreads ConfigUpdates (RFC 6940 §6.5.4). */
  readonly configuration?: InstalledConfiguration;
}

export interface NodeStatus {
  readonly nodeId: string;
  readonly overlay: string;
  readonly state: 'joining' | 'joined' | 'leaving';
  readonly listen: string;
  readonly predecessors: string[];
  readonly successors: string[];
  readonly fingers: string[];
  readonly links: number;
  readonly routingTableSize: number;
  readonly pendingRequests: number;
  readonly storedResources: number;
  readonly storedValues: number;
}

export interface ReloadNodeEvents {
  state: { readonly state: ChordState };
  'table-changed': { readonly neighborsChanged: boolean; readonly rangeChanged: boolean };
  [event: string]: unknown;
}

/** `partition`: the next partition check; `probe:<link>`: close a link opened only for a partition probe. */
type NodeTimer = 'partition' | `probe:${number}`;
/** How long a partition probe's bootstrap link stays open before it is closed (unless it became useful). */
const PROBE_LINK_GRACE = 15_000;

export class ReloadNode {
  readonly transport: MessageTransport;
  readonly chord: ChordTopology;
  readonly attach: AttachService;
  readonly bootstrap: Bootstrapper;
  readonly diagnostics: Diagnostics;
  /** Where linked peers accept links (for a cache of peers kept across restarts). */
  readonly peerAddresses = new PeerAddresses();
  readonly storage: Storage;
  readonly #storageClient: StorageClient;
  /** Keeps our certificate in the overlay (RFC 6940 §8), when the storage configuration asks for it. */
  readonly certificates: CertificatePublisher | undefined;
  /** ConfigUpdate handling; undefined when the node was given no configuration document. */
  readonly configUpdates: ConfigUpdates | undefined;
  readonly events = new TypedEmitter<ReloadNodeEvents>();
  readonly config: ReloadNodeConfig;
  readonly #deps: ReloadNodeDeps;
  readonly #timers = new TimerTable<NodeTimer>();
  /** Every part with deadlines besides the transport (see nextDeadline). */
  readonly #timed: ReadonlyArray<{ nextDeadline(): number | undefined }>;
  #now = 0;
  #started = false;
  #stopping = false;

  constructor(config: ReloadNodeConfig, deps: ReloadNodeDeps) {
    this.config = config;
    this.#deps = deps;
    let chordRef: ChordTopology | undefined;
    const topology = {
      isResponsible: (r: Parameters<ChordTopology['isResponsible']>[0]) =>
        chordRef?.isResponsible(r) ?? false,
      coversNodeId: (id: NodeId) => chordRef?.coversNodeId(id) ?? false,
      nextHopToward: (t: bigint, usable: (id: NodeId) => boolean, exclude?: NodeId) =>
        chordRef?.nextHopToward(t, usable, exclude),
    };
    this.transport = new MessageTransport(config, { ...deps, topology });
    this.configUpdates =
      deps.configuration === undefined
        ? undefined
        : new ConfigUpdates(this.transport, deps.configuration, deps.log.child({ part: 'config' }));
    this.attach = new AttachService(this.transport, { listen: config.listen }, deps.random, deps.log);
    this.bootstrap = new Bootstrapper(
      this.transport,
      { peers: config.bootstrap, self: config.listen },
      deps.random,
      deps.log.child({ part: 'bootstrap' }),
    );
    this.chord = new ChordTopology(this.#chordHost(), config.chord);
    chordRef = this.chord;
    this.diagnostics = new Diagnostics({
      localId: deps.localId,
      softwareVersion: config.softwareVersion ?? 'p2psip',
      isResponsible: (k) => this.chord.state === 'joined' && this.chord.table.isResponsible(k),
      nextHop: (k) => this.chord.table.nextHop(k, (id) => this.transport.connections.isUsable(id)),
      routingTableSize: () => this.chord.table.size,
      uptimeSeconds: (now) => this.chord.uptimeSeconds(now),
      request: (spec, cb) => this.transport.request(spec, this.#now, cb),
      now: () => this.#now,
    });
    ({
      storage: this.storage,
      client: this.#storageClient,
      certificates: this.certificates,
    } = this.#composeStorage());
    // Asked after every input (nextDeadline): a fixed list, no array per call.
    this.#timed = [
      this.attach,
      this.bootstrap,
      this.chord,
      this.storage,
      ...(this.certificates === undefined ? [] : [this.certificates]),
      this.#timers,
    ];
    this.#wire();
  }

  get localId(): NodeId {
    return this.#deps.localId;
  }

  #chordHost(): ChordHost {
    return {
      localId: this.#deps.localId,
      log: this.#deps.log.child({ part: 'chord' }),
      random: this.#deps.random,
      request: (spec, cb) => this.transport.request(spec, this.#now, cb),
      attach: (dest, opts, cb) => this.attach.attach(dest, opts, cb, this.#now),
      isUsable: (id) => this.transport.connections.isUsable(id),
      lastHeard: (id) => this.transport.connections.lastHeard(id),
      closeLinkTo: (id, reason) => {
        const link = this.transport.connections.linkTo(id);
        if (link !== undefined) this.transport.closeLink(link, reason);
      },
    };
  }

  #wire(): void {
    const t = this.transport;
    t.handle(MessageCode.attach_req, (r) => this.attach.onAttach(r));
    t.handle(MessageCode.ping_req, (r) => answerPing(r, t.codecContext, this.diagnostics, this.#deps.random));
    t.handle(MessageCode.probe_req, (r) =>
      answerProbe(r, t.codecContext, {
        responsiblePpb: () => this.chord.responsiblePpb(),
        numResources: () => this.numResources(),
        uptimeSeconds: (now) => this.chord.uptimeSeconds(now),
      }),
    );
    t.handle(MessageCode.path_track_req, (r) => this.diagnostics.onPathTrack(r));
    for (const [code, h] of this.chord.handlers()) t.handle(code, h);
    t.events.on('link-up', ({ link, peer }) => {
      this.attach.onLinkUp(peer);
      this.bootstrap.onLinkUp(link, peer);
    });
    t.events.on('link-down', ({ link, peer, reason }) => {
      this.bootstrap.onLinkDown(link, reason);
      // A closed duplicate leaves the peer reachable over its other link: it stays in the tables.
      if (peer !== undefined && this.transport.connections.linkTo(peer) === undefined)
        this.chord.onLinkDown(peer, this.#now);
    });
    t.events.on('link-suspect', ({ peer, suspect }) => {
      if (suspect && peer !== undefined) this.chord.onLinkSuspect(peer, this.#now);
    });
    this.attach.events.on('send-update', ({ peer }) => this.chord.sendFullUpdate(peer));
    this.attach.events.on('candidate', ({ peer, address }) => this.#learnAddress(peer, address));
    this.bootstrap.events.on('connected', ({ link, peer, address }) => {
      this.#learnAddress(peer, address);
      this.#onBootstrapLink(link, peer);
    });
    this.bootstrap.events.on('exhausted', () => this.#onBootstrapExhausted());
    this.chord.events.on('join-failed', () => this.#onJoinFailed());
    this.chord.events.on('state', (e) => {
      if (e.state === 'joined') this.bootstrap.resetBackoff();
      this.events.emit('state', e);
    });
    this.chord.events.on('table-changed', (e) => this.events.emit('table-changed', e));
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  /**
   * Starts the node: contact the bootstrap nodes; a node whose own address is a bootstrap node and that
   * reaches no other one starts the overlay alone (RFC 6940 §10.5); every other node keeps retrying.
   */
  start(now: number): void {
    this.#now = now;
    this.#started = true;
    this.storage.restore(now);
    if (this.bootstrap.others.length === 0) {
      if (this.#mayStartAlone) {
        this.#deps.log.info('no other bootstrap node: starting the overlay as its first peer');
        this.chord.startAlone(now);
        this.#armPartitionCheck(now);
      } else {
        this.#deps.log.warn(
          'no bootstrap node configured and we are not one: waiting for bootstrap addresses',
        );
      }
      return;
    }
    this.bootstrap.round(now);
  }

  /** Whether this node may found the overlay when nobody answers (RFC 6940 §10.5). */
  get #mayStartAlone(): boolean {
    return this.bootstrap.selfIsBootstrap || this.config.mayStartAlone === true;
  }

  /**
   * Bootstrap addresses learned after start (RFC 6940 §11.4 leaves how to the node: cached peers, a
   * bootstrap server, LAN discovery). A node still looking for the overlay dials them at once; a joined
   * one uses them for its partition checks.
   */
  addBootstrapPeers(peers: readonly HostPort[], now: number): void {
    this.#now = now;
    const fresh = this.bootstrap.addPeers(peers);
    if (fresh.length === 0 || !this.#started || this.#stopping) return;
    const state = this.chord.state;
    if (state === 'init') this.bootstrap.dial(fresh, now);
    else if (state === 'joined' && !this.#timers.has('partition')) this.#armPartitionCheck(now);
  }

  /** Linked peers whose listening address we know. */
  linkedPeerAddresses(): { readonly nodeId: NodeId; readonly address: HostPort }[] {
    const out: { nodeId: NodeId; address: HostPort }[] = [];
    for (const peer of this.transport.connections.peers()) {
      const address = this.peerAddresses.get(peer);
      if (address !== undefined && this.transport.connections.isUsable(peer))
        out.push({ nodeId: peer, address });
    }
    return out;
  }

  #learnAddress(peer: NodeId, address: HostPort): void {
    const self = this.config.listen;
    if (peer === this.localId || (address.host === self.host && address.port === self.port)) return;
    this.peerAddresses.learn(peer, address);
  }

  #onBootstrapLink(link: LinkId, peer: NodeId): void {
    const state = this.chord.state;
    if (state === 'init') this.chord.join(link, this.#now);
    else if (state === 'joined') {
      this.chord.probeThrough(link, peer);
      this.#timers.set(`probe:${link}`, this.#now + PROBE_LINK_GRACE);
    }
  }

  /** A link opened to probe for a partition that did not become a routing-table member is closed. */
  #closeProbeLink(link: LinkId): void {
    const peer = this.transport.connections.get(link)?.peer;
    if (peer !== undefined && !this.chord.table.has(peer)) {
      this.transport.closeLink(link, 'partition probe done');
    }
  }

  #onBootstrapExhausted(): void {
    if (this.chord.state !== 'init' || this.#stopping) return;
    if (this.#mayStartAlone) {
      this.#deps.log.info('no other bootstrap node answered: starting the overlay as its first peer');
      this.chord.startAlone(this.#now);
      this.#armPartitionCheck(this.#now);
      return;
    }
    this.bootstrap.retryLater(this.#now);
  }

  /**
   * Two bootstrap nodes that started together can each find only the other, not yet joined. The one with
   * the smaller Node-ID then starts the overlay; the others retry and join it.
   */
  #onJoinFailed(): void {
    if (this.#stopping) return;
    const peers = this.transport.connections.peers();
    if (this.#mayStartAlone && peers.every((p) => p > this.localId)) {
      this.#deps.log.info(
        'bootstrap peers are not joined and we have the smallest Node-ID: starting the overlay',
      );
      this.chord.startAlone(this.#now);
      this.#armPartitionCheck(this.#now);
      return;
    }
    this.bootstrap.retryLater(this.#now);
  }

  #armPartitionCheck(now: number): void {
    const every = this.config.partitionCheckInterval;
    if (every !== undefined && this.bootstrap.others.length > 0) this.#timers.set('partition', now + every);
  }

  /** Leaves gracefully (RFC 6940 §10.8): Leave to every neighbour, then close everything. */
  stop(now: number, done: () => void): void {
    this.#now = now;
    this.#stopping = true;
    this.chord.leave(() => {
      this.transport.shutdown('node stopped');
      done();
    });
  }

  // ---- driver interface ----------------------------------------------------------------------------

  pollOutput(): NodeOutput | undefined {
    return this.transport.pollOutput();
  }

  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean {
    this.#now = now;
    return this.transport.linkUp(link, peerIds, now);
  }

  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined {
    this.#now = now;
    return this.transport.accept(peerIds, now);
  }

  linkData(link: LinkId, bytes: Uint8Array, now: number): void {
    this.#now = now;
    this.transport.linkData(link, bytes, now);
  }

  linkClosed(link: LinkId, reason: string, now: number): void {
    this.#now = now;
    this.transport.linkClosed(link, reason, now);
  }

  handleTimeout(now: number): void {
    this.#now = now;
    this.transport.handleTimeout(now);
    this.attach.handleTimeout(now);
    this.bootstrap.handleTimeout(now);
    this.chord.handleTimeout(now);
    this.storage.handleTimeout(now);
    this.certificates?.handleTimeout(now);
    for (const t of this.#timers.expire(now)) {
      if (t === 'partition' && this.chord.state === 'joined') {
        this.bootstrap.round(now, true);
        this.#armPartitionCheck(now);
      } else if (t.startsWith('probe:')) {
        this.#closeProbeLink(Number(t.slice(6)) as LinkId);
      }
    }
  }

  nextDeadline(): number | undefined {
    // Asked after every input: a plain loop over the parts, no array per call.
    let min = this.transport.nextDeadline();
    for (const part of this.#timed) {
      const d = part.nextDeadline();
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    return min;
  }

  // ---- services ------------------------------------------------------------------------------------

  /** Sends a request; returns its transaction id (the simulator follows it on the wire). */
  request(spec: RequestSpec, now: number, callback: (r: RequestResult) => void): TransactionId {
    this.#now = now;
    return this.transport.request(spec, now, callback);
  }

  /** Ping a node or the peer responsible for a resource (RFC 6940 §6.4.2.4). */
  ping(destination: Destination, now: number, callback: (r: RequestResult) => void): TransactionId {
    return this.request(
      {
        destination: [destination],
        code: MessageCode.ping_req,
        body: encode(pingReq, { padding: new Uint8Array() }),
      },
      now,
      callback,
    );
  }

  /** Traces the overlay path to a node or resource with RFC 7851 PathTrack. */
  trace(destination: Destination, now: number, callback: (r: TraceResult) => void): void {
    this.#now = now;
    this.diagnostics.trace(destination, callback);
  }

  /** Distinct Resource-IDs stored here (Probe num_resources, RFC 6940 §6.4.2.5). */
  numResources(): number {
    return this.storage.resourceCount;
  }

  status(): NodeStatus {
    const hex = (id: NodeId): string => nodeIdToHex(id, this.config.nodeIdLength);
    const s = this.chord.state;
    return {
      nodeId: hex(this.localId),
      overlay: this.config.overlayName,
      state: s === 'joined' ? 'joined' : s === 'leaving' || s === 'left' ? 'leaving' : 'joining',
      listen: `${this.config.listen.host}:${this.config.listen.port}`,
      predecessors: this.chord.table.predecessors.map(hex),
      successors: this.chord.table.successors.map(hex),
      fingers: this.chord.table.fingerList().map(hex),
      links: this.transport.connections.upCount,
      routingTableSize: this.chord.table.size,
      pendingRequests: this.transport.pendingRequests,
      storedResources: this.storage.resourceCount,
      storedValues: this.storage.valueCount,
    };
  }

  // ---- storage (RFC 6940 §7, §10.4) ----------------------------------------------------------------

  #composeStorage(): ReturnType<typeof composeStorage> {
    const parts = composeStorage({
      chord: this.chord,
      config: this.config.storage,
      nodeIdLength: this.config.nodeIdLength,
      overlayName: this.config.overlayName,
      log: this.#deps.log.child({ part: 'storage' }),
      signer: this.#deps.signer,
      verifier: this.#deps.verifier,
      backend: this.#deps.storageBackend,
      now: () => this.#now,
      request: (spec, cb) => this.transport.request(spec, this.#now, cb),
    });
    for (const [code, h] of parts.storage.handlers()) this.transport.handle(code, h);
    return parts;
  }

  /** Storage requests this node sent for its users (not replication), by method and result. */
  get storageRequests(): StorageCounts {
    return this.#storageClient.requested;
  }

  /** The Resource-ID of a Resource Name: SHA-1, first 128 bits (CHORD-RELOAD, RFC 6940 §10.2). */
  resourceIdOf(name: string | Uint8Array): ResourceId {
    return chordResourceId(name);
  }

  #resource(r: ResourceRef): ResourceId {
    return typeof r === 'string' ? chordResourceId(r) : r;
  }

  /**
   * Stores values of one kind at a resource (RFC 6940 §7.4.1), signed by this node, for `lifetime`
   * seconds. A value with `exists: false` deletes. `generation` (from an earlier answer) makes the store
   * conditional.
   */
  store(
    kind: KindId,
    resource: ResourceRef,
    values: readonly ValueInput[],
    lifetime: number,
    now: number,
    callback: (r: StoreResult) => void,
    opts: StoreOptions = {},
  ): void {
    const { generation, signer } = opts;
    const k: KindValues = generation === undefined ? { kind, values } : { kind, values, generation };
    this.storeKinds(resource, [k], lifetime, now, callback, signer);
  }

  /** Stores values of several kinds at once: all are stored or none (RFC 6940 §7.4.1.1). */
  storeKinds(
    resource: ResourceRef,
    kinds: readonly KindValues[],
    lifetime: number,
    now: number,
    callback: (r: StoreResult) => void,
    signer?: Signer,
  ): void {
    this.#now = now;
    this.#storageClient.store(this.#resource(resource), kinds, lifetime, now, callback, signer);
  }

  /** Fetches (RFC 6940 §7.4.2) one kind; values that do not verify are dropped and counted. */
  fetch(
    kind: KindId,
    resource: ResourceRef,
    selector: Omit<KindSelector, 'kind'>,
    now: number,
    callback: (r: FetchResult) => void,
  ): void {
    this.fetchKinds(resource, [{ ...selector, kind }], now, callback);
  }

  fetchKinds(
    resource: ResourceRef,
    selectors: readonly KindSelector[],
    now: number,
    callback: (r: FetchResult) => void,
  ): void {
    this.#now = now;
    this.#storageClient.fetch(this.#resource(resource), selectors, now, callback);
  }

  /** Metadata of what a Fetch of one kind would return (RFC 6940 §7.4.3): sizes, times, hashes. */
  stat(
    kind: KindId,
    resource: ResourceRef,
    selector: Omit<KindSelector, 'kind'>,
    now: number,
    callback: (r: StatResult) => void,
  ): void {
    this.#now = now;
    this.#storageClient.stat(this.#resource(resource), [{ ...selector, kind }], callback);
  }

  /** Per kind, the closest stored Resource-ID at the peer responsible for `resource` (RFC 6940 §7.4.4). */
  find(
    resource: ResourceRef,
    kinds: readonly KindId[],
    now: number,
    callback: (r: FindResult) => void,
  ): void {
    this.#now = now;
    this.#storageClient.find(this.#resource(resource), kinds, callback);
  }
}
