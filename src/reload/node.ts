import { TypedEmitter } from '../core/events.js';
import { type NodeId, nodeIdToHex, type TransactionId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { type Random, randomU64 } from '../core/random.js';
import { TimerTable } from '../core/timer-table.js';
import { decode, encode } from '../wire/index.js';
import { ErrorCode, MessageCode } from './messages/codes.js';
import type { Destination } from './messages/common.js';
import { pingAns, pingReq } from './messages/ping.js';
import { probeAns, probeReq } from './messages/probe.js';
import { AttachService, type HostPort } from './node/attach.js';
import { Bootstrapper } from './node/bootstrap.js';
import { MessageTransport, type MessageTransportOptions } from './node/message-transport.js';
import type { MessageSecurity } from './node/ports.js';
import type { IncomingRequest, NodeOutput, RequestResult, RequestSpec } from './node/types.js';
import type { LinkId } from './routing/types.js';
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
  /** How often a joined node re-contacts bootstrap nodes to detect partitions (RFC 6940 §10.7.4.?). */
  readonly partitionCheckInterval?: number;
}

export interface ReloadNodeDeps {
  readonly localId: NodeId;
  readonly security: MessageSecurity;
  readonly random: Random;
  readonly log: Logger;
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
}

export interface ReloadNodeEvents {
  state: { readonly state: ChordState };
  'table-changed': { readonly neighborsChanged: boolean; readonly rangeChanged: boolean };
  [event: string]: unknown;
}

type NodeTimer = 'partition';

export class ReloadNode {
  readonly transport: MessageTransport;
  readonly chord: ChordTopology;
  readonly attach: AttachService;
  readonly bootstrap: Bootstrapper;
  readonly events = new TypedEmitter<ReloadNodeEvents>();
  readonly config: ReloadNodeConfig;
  readonly #deps: ReloadNodeDeps;
  readonly #timers = new TimerTable<NodeTimer>();
  /** Every part with deadlines besides the transport (see nextDeadline). */
  readonly #timed: ReadonlyArray<{ nextDeadline(): number | undefined }>;
  #now = 0;
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
    this.attach = new AttachService(this.transport, { listen: config.listen }, deps.random, deps.log);
    this.bootstrap = new Bootstrapper(
      this.transport,
      { peers: config.bootstrap, self: config.listen },
      deps.random,
      deps.log.child({ part: 'bootstrap' }),
    );
    this.chord = new ChordTopology(this.#chordHost(), config.chord);
    chordRef = this.chord;
    this.#timed = [this.attach, this.bootstrap, this.chord, this.#timers];
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
    t.handle(MessageCode.ping_req, (r) => this.#onPing(r));
    t.handle(MessageCode.probe_req, (r) => this.#onProbe(r));
    for (const [code, h] of this.chord.handlers()) t.handle(code, h);
    t.events.on('link-up', ({ link, peer }) => {
      this.attach.onLinkUp(peer);
      this.bootstrap.onLinkUp(link, peer);
    });
    t.events.on('link-down', ({ link, peer, reason }) => {
      this.bootstrap.onLinkDown(link, reason);
      if (peer !== undefined) this.chord.onLinkDown(peer, this.#now);
    });
    t.events.on('link-suspect', ({ peer, suspect }) => {
      if (suspect && peer !== undefined) this.chord.onLinkSuspect(peer, this.#now);
    });
    this.attach.events.on('send-update', ({ peer }) => this.chord.sendFullUpdate(peer));
    this.bootstrap.events.on('connected', ({ link, peer }) => this.#onBootstrapLink(link, peer));
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
    if (this.bootstrap.others.length === 0) {
      if (this.bootstrap.selfIsBootstrap) {
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

  #onBootstrapLink(link: LinkId, peer: NodeId): void {
    const state = this.chord.state;
    if (state === 'init') this.chord.join(link, this.#now);
    else if (state === 'joined') this.chord.probeThrough(link);
    void peer;
  }

  #onBootstrapExhausted(): void {
    if (this.chord.state !== 'init' || this.#stopping) return;
    if (this.bootstrap.selfIsBootstrap) {
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
    if (this.bootstrap.selfIsBootstrap && peers.every((p) => p > this.localId)) {
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
    for (const t of this.#timers.expire(now)) {
      if (t === 'partition' && this.chord.state === 'joined') {
        this.bootstrap.round(now);
        this.#armPartitionCheck(now);
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

  #onPing(req: IncomingRequest): void {
    decode(pingReq, req.body, this.transport.codecContext, 'PingReq');
    req.answer(
      encode(pingAns, { responseId: randomU64(this.#deps.random), time: BigInt(Math.floor(req.now)) }),
    );
  }

  /** RFC 6940 §6.4.2.5: answer the requested items we know, in the order asked. */
  #onProbe(req: IncomingRequest): void {
    const { requestedInfo } = decode(probeReq, req.body, this.transport.codecContext, 'ProbeReq');
    const info = [];
    for (const t of requestedInfo) {
      if (t === 1) info.push({ type: 'responsible_set' as const, value: this.chord.responsiblePpb() });
      else if (t === 2) info.push({ type: 'num_resources' as const, value: this.numResources() });
      else if (t === 3) info.push({ type: 'uptime' as const, value: this.chord.uptimeSeconds(req.now) });
    }
    if (requestedInfo.length > 0 && info.length === 0) {
      req.error(ErrorCode.Error_Invalid_Message, 'no known probe information type requested');
      return;
    }
    req.answer(encode(probeAns, { probeInfo: info }));
  }

  /** Distinct Resource-IDs stored here (storage overrides this when it is composed in). */
  numResources(): number {
    return 0;
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
    };
  }
}
