import { minute, second } from '../../../core/clock.js';
import { TypedEmitter } from '../../../core/events.js';
import {
  type NodeId,
  nodeIdToBytes,
  nodeIdToHex,
  type ResourceId,
  resourceIdToBigInt,
} from '../../../core/ids.js';
import { randomU64 } from '../../../core/random.js';
import { TimerTable } from '../../../core/timer-table.js';
import { decode, encode } from '../../../wire/index.js';
import { type ChordUpdate, chordLeaveData, chordRouteQueryAns, chordUpdate } from '../../messages/chord.js';
import { ErrorCode, MessageCode } from '../../messages/codes.js';
import type { Destination } from '../../messages/common.js';
import { joinAns, joinReq } from '../../messages/join.js';
import { leaveAns, leaveReq } from '../../messages/leave.js';
import { pingReq } from '../../messages/ping.js';
import { routeQueryReq } from '../../messages/route-query.js';
import { updateAns } from '../../messages/update.js';
import type { TopologyRouting } from '../../node/ports.js';
import type { IncomingRequest, RequestHandler } from '../../node/types.js';
import type { LinkId } from '../../routing/types.js';
import type { ChordHost } from './host.js';
import { add, fingerStart, inHalfOpen, partsPerBillion, RING_BITS } from './ring.js';
import { RoutingTable, type TableSizes } from './routing-table.js';

/**
 * The CHORD-RELOAD topology plug-in (RFC 6940 §10) as a sans-I/O machine: join through an admitting
 * peer, Updates (reactive and periodic), Leave, RouteQuery, finger maintenance and failure repair.
 */
export interface ChordOptions extends TableSizes {
  /** chord-update-interval (RFC 6940 §10.7.4.?, "about ten minutes" by default). */
  readonly updateInterval: number;
  /** How often empty fingers are probed (RFC 6940 §10.7.4.2 bounds it by chord-ping-interval). */
  readonly fingerInterval: number;
  /** chord-reactive: Update neighbours as soon as the Neighbor Table changes (RFC 6940 §10.7.4.?). */
  readonly reactive: boolean;
  /** Finger intervals probed per period. */
  readonly fingerProbesPerPeriod?: number;
}

export type ChordState = 'init' | 'joining' | 'joined' | 'leaving' | 'left';

export interface ChordEvents {
  state: { readonly state: ChordState };
  /** The Neighbor or Finger Table changed (for /status and the event stream). */
  'table-changed': { readonly neighborsChanged: boolean; readonly rangeChanged: boolean };
  /** As admitting peer, a node joined before us (storage hands it its range, RFC 6940 §10.6 step 6). */
  'peer-joined': { readonly peer: NodeId };
  /** A join attempt failed; the node decides when to retry from its bootstrap nodes. */
  'join-failed': { readonly reason: string };
  [event: string]: unknown;
}

type Timer = 'stabilize' | 'fingers';

/** How long a graceful leave waits for its Leave answers (RFC 6940 §10.8 needs no answer to proceed). */
export const LEAVE_TIMEOUT = 2 * second;

export class ChordTopology implements TopologyRouting {
  readonly table: RoutingTable;
  readonly events = new TypedEmitter<ChordEvents>();
  readonly #host: ChordHost;
  readonly #opts: ChordOptions;
  readonly #timers = new TimerTable<Timer>();
  /** Attaches in flight, so one candidate learned from several Updates is attached once. */
  readonly #attaching = new Set<NodeId>();
  #state: ChordState = 'init';
  #startedAt = 0;
  #now = 0;

  constructor(host: ChordHost, opts: ChordOptions) {
    this.#host = host;
    this.#opts = opts;
    this.table = new RoutingTable(host.localId, opts);
  }

  get state(): ChordState {
    return this.#state;
  }

  get localId(): NodeId {
    return this.#host.localId;
  }

  uptimeSeconds(now: number): number {
    return Math.max(0, Math.floor((now - this.#startedAt) / 1000));
  }

  /** RFC 6940 §6.4.2.5 responsible_set: the share of the ring this peer owns, in parts per billion. */
  responsiblePpb(): number {
    if (this.#state !== 'joined') return 0;
    return partsPerBillion(this.table.predecessors[0] ?? this.localId, this.localId);
  }

  // ---- TopologyRouting ------------------------------------------------------------------------------

  isResponsible(resource: ResourceId): boolean {
    return this.#state === 'joined' && this.table.isResponsible(resourceIdToBigInt(resource));
  }

  coversNodeId(id: NodeId): boolean {
    return this.#state === 'joined' && id !== this.localId && this.table.isResponsible(id);
  }

  nextHopToward(target: bigint, usable: (id: NodeId) => boolean, exclude?: NodeId): NodeId | undefined {
    return this.table.nextHop(target, usable, exclude);
  }

  /** The handlers this plug-in answers (RFC 6940 §6.4.2: Join, Leave, Update, RouteQuery). */
  handlers(): ReadonlyArray<readonly [number, RequestHandler]> {
    return [
      [MessageCode.join_req, (r) => this.#onJoin(r)],
      [MessageCode.update_req, (r) => this.#onUpdate(r)],
      [MessageCode.leave_req, (r) => this.#onLeave(r)],
      [MessageCode.route_query_req, (r) => this.#onRouteQuery(r)],
    ];
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  /** RFC 6940 §10.5: the overlay's first peer owns the whole ring until others join. */
  startAlone(now: number): void {
    this.#now = now;
    this.#startedAt = now;
    this.#setState('joined');
    this.#armTimers(now);
  }

  /**
   * RFC 6940 §10.6: join through a bootstrap link. Attach to Resource-ID = own Node-ID + 1 (reaching the
   * admitting peer, the current owner of our id) asking for its routing state, then Join it.
   */
  join(via: LinkId, now: number): void {
    if (this.#state === 'joined' || this.#state === 'joining') return;
    this.#now = now;
    this.#startedAt = now;
    this.#setState('joining');
    const target = add(this.localId, 1n);
    const dest: Destination = { type: 'resource', id: nodeIdToBytes(target as NodeId) as ResourceId };
    this.#host.attach([dest], { sendUpdate: true, via }, (r) => {
      if (!r.ok) {
        this.#joinFailed(`Attach to the admitting peer failed: ${r.reason}`);
        return;
      }
      this.#adopt(r.peer);
      this.#host.request(
        {
          destination: [{ type: 'node', id: r.peer }],
          code: MessageCode.join_req,
          body: encode(joinReq, { joiningPeerId: this.localId, overlaySpecificData: new Uint8Array() }),
        },
        (ans) => {
          if (!ans.ok) {
            this.#joinFailed(`Join refused by ${this.#hex(r.peer)}: ${ans.reason}`);
            return;
          }
          this.#setState('joined');
          // RFC 6940 §10.6 step 9: now tell every neighbour where we stand.
          this.#updateNeighbors();
          this.#armTimers(this.#now);
        },
      );
    });
  }

  #joinFailed(reason: string): void {
    if (this.#state !== 'joining') return;
    this.#host.log.warn({ reason }, 'join failed');
    this.table.clear();
    this.#setState('init');
    this.events.emit('join-failed', { reason });
  }

  /**
   * A link to an already-joined overlay came up again (partition check, RFC 6940 §10.7.4.?): ask who owns
   * our id + 1 through it; if that is a better successor than ours, attach to it and merge.
   */
  probeThrough(via: LinkId, viaPeer: NodeId): void {
    if (this.#state !== 'joined') return;
    const dest: Destination = {
      type: 'resource',
      id: nodeIdToBytes(add(this.localId, 1n) as NodeId) as ResourceId,
    };
    this.#host.request(
      {
        destination: [dest],
        code: MessageCode.ping_req,
        body: encode(pingReq, { padding: new Uint8Array() }),
        via,
      },
      (r) => {
        // The owner lives in the other ring: our Attach must go through the link we probed over.
        const who = r.ok ? r.signer.nodeId : undefined;
        if (who !== undefined) this.#consider(who, viaPeer);
      },
    );
  }

  /** RFC 6940 §10.8: tell every neighbour we are leaving, then stop. `done` runs when all answered. */
  leave(done: () => void): void {
    if (this.#state !== 'joined') {
      this.#setState('left');
      done();
      return;
    }
    this.#setState('leaving');
    const preds = [...this.table.predecessors];
    const succs = [...this.table.successors];
    const targets = new Map<NodeId, Uint8Array>();
    // To a successor we are its predecessor (from_pred, our predecessors); to a predecessor we are its
    // successor (from_succ, our successors) (RFC 6940 §10.8, RFC 7363 §5).
    for (const s of succs) targets.set(s, encode(chordLeaveData, { type: 'from_pred', predecessors: preds }));
    for (const p of preds) targets.set(p, encode(chordLeaveData, { type: 'from_succ', successors: succs }));
    let left = targets.size;
    const finish = (): void => {
      this.#timers.clearAll();
      this.#setState('left');
      done();
    };
    if (left === 0) {
      finish();
      return;
    }
    for (const [peer, data] of targets) {
      this.#host.request(
        {
          destination: [{ type: 'node', id: peer }],
          code: MessageCode.leave_req,
          body: encode(leaveReq, { leavingPeerId: this.localId, overlaySpecificData: data }),
          maxTransmissions: 1,
          retransmitInterval: LEAVE_TIMEOUT,
        },
        () => {
          left--;
          if (left === 0) finish();
        },
      );
    }
  }

  /** Sends our whole routing state to a peer that asked for it (Attach or RouteQuery send_update). */
  sendFullUpdate(peer: NodeId): void {
    this.#sendUpdate(peer, 'full');
  }

  // ---- links ---------------------------------------------------------------------------------------

  /** A link went down: the peer leaves every table (RFC 6940 §10.7.4.?: repair from what remains). */
  onLinkDown(peer: NodeId, now: number): void {
    this.#now = now;
    this.#attaching.delete(peer);
    if (!this.table.has(peer)) return;
    this.#applyChange(this.table.remove(peer));
    if (this.#state === 'joined' && this.table.successors.length < this.#opts.successors)
      this.#refillSuccessors();
  }

  // ---- handlers ------------------------------------------------------------------------------------

  #onJoin(req: IncomingRequest): void {
    const { joiningPeerId } = decode(joinReq, req.body, undefined, 'JoinReq');
    // RFC 6940 §6.4.2.1: the joining id must be the signer's and arrive over a direct link bound to it.
    if (req.signer.nodeId !== joiningPeerId || req.previousHop !== joiningPeerId) {
      req.error(ErrorCode.Error_Forbidden, 'Join must come from the joining node over its own link');
      return;
    }
    if (this.#state !== 'joined') {
      req.error(ErrorCode.Error_Not_Found, 'not a member of the overlay yet');
      return;
    }
    req.answer(encode(joinAns, { overlaySpecificData: new Uint8Array() }));
    this.#adopt(joiningPeerId);
    this.events.emit('peer-joined', { peer: joiningPeerId });
    // RFC 6940 §10.6 steps 7–8: the joining node is now our predecessor; tell it and our neighbours.
    this.#updateNeighbors();
  }

  #onUpdate(req: IncomingRequest): void {
    const u = decode(chordUpdate, req.body, undefined, 'ChordUpdate');
    const sender = req.signer.nodeId;
    req.answer(encode(updateAns, new Uint8Array()));
    if (sender === this.localId) return;
    // An Update makes its sender a routing-table member (RFC 6940 §6.4.2.3: Attach alone does not).
    if (this.#host.isUsable(sender)) this.#adopt(sender);
    else this.#consider(sender);
    if (u.type === 'peer_ready') return;
    for (const id of [...u.predecessors, ...u.successors, ...(u.type === 'full' ? u.fingers : [])])
      this.#consider(id, sender);
  }

  #onLeave(req: IncomingRequest): void {
    const { leavingPeerId, overlaySpecificData } = decode(leaveReq, req.body, undefined, 'LeaveReq');
    if (req.signer.nodeId !== leavingPeerId) {
      req.error(ErrorCode.Error_Forbidden, 'Leave must be signed by the leaving node');
      return;
    }
    const data = decode(chordLeaveData, overlaySpecificData, undefined, 'ChordLeaveData');
    req.answer(encode(leaveAns, {}));
    // RFC 6940 §10.8: treat it as a neighbour failure, then consider the peers it handed over.
    this.#attaching.delete(leavingPeerId);
    this.#applyChange(this.table.remove(leavingPeerId));
    this.#host.closeLinkTo(leavingPeerId, 'peer left the overlay');
    for (const id of data.type === 'from_succ' ? data.successors : data.predecessors) this.#consider(id);
  }

  #onRouteQuery(req: IncomingRequest): void {
    const q = decode(routeQueryReq, req.body, undefined, 'RouteQueryReq');
    const d = q.destination;
    const target = d.type === 'node' ? d.id : d.type === 'resource' ? resourceIdToBigInt(d.id) : undefined;
    if (target === undefined) {
      req.error(ErrorCode.Error_Invalid_Message, 'RouteQuery needs a node or resource');
      return;
    }
    const mine = this.#state === 'joined' && this.table.isResponsible(target);
    const next = mine ? this.localId : this.table.nextHop(target, (id) => this.#host.isUsable(id));
    if (next === undefined) {
      req.error(ErrorCode.Error_Not_Found, 'no route');
      return;
    }
    req.answer(encode(chordRouteQueryAns, { nextPeer: next }));
    // RFC 6940 §10.7.? RouteQuery send_update: follow with a full Update to the requester.
    const requester = req.signer.nodeId;
    if (q.sendUpdate) this.#sendUpdate(requester, 'full');
  }

  // ---- table maintenance ---------------------------------------------------------------------------

  /** A peer proved to be an overlay member with a live link: put it in the routing table. */
  #adopt(peer: NodeId): void {
    this.#attaching.delete(peer);
    const change = this.table.add(peer);
    this.#applyChange(change);
    if (change.neighborsChanged && this.#state === 'joined' && !this.#opts.reactive)
      this.#sendUpdate(peer, 'neighbors');
  }

  /**
   * A peer named in an Update or Leave: attach to it when it would improve our tables. `via` is the peer
   * that named it: it holds a link to it, so the Attach goes through it (destination list [via, id],
   * RFC 6940 §6.3.2.2). Routed by our own table instead, an Attach to a peer inside our (stale) range
   * would be refused as "not in the overlay" (§6.1.2) and the new neighbour would never be reached.
   */
  #consider(id: NodeId, via?: NodeId): void {
    if (id === this.localId || this.table.has(id) || this.#attaching.has(id)) return;
    if (!this.table.wouldBeNeighbor(id) && !this.table.wouldBeFinger(id)) return;
    if (this.#host.isUsable(id)) {
      this.#adopt(id);
      return;
    }
    this.#attaching.add(id);
    const dest: Destination[] =
      via === undefined || via === id || via === this.localId
        ? [{ type: 'node', id }]
        : [
            { type: 'node', id: via },
            { type: 'node', id },
          ];
    this.#host.attach(dest, { sendUpdate: false }, (r) => {
      this.#attaching.delete(id);
      if (!r.ok || this.#state === 'leaving' || this.#state === 'left') return;
      this.#adopt(r.peer);
      // Let it know we are a peer it can route through (RFC 6940 §10.7: peer_ready / neighbors).
      if (this.#state === 'joined')
        this.#sendUpdate(r.peer, this.table.isNeighbor(r.peer) ? 'neighbors' : 'peer_ready');
    });
  }

  #applyChange(change: { neighborsChanged: boolean; rangeChanged: boolean }): void {
    if (!change.neighborsChanged && !change.rangeChanged) return;
    this.events.emit('table-changed', change);
    // RFC 6940 §10.7.4.?: with reactive recovery, a changed Neighbor Table is announced at once.
    if (change.neighborsChanged && this.#opts.reactive && this.#state === 'joined') this.#updateNeighbors();
  }

  #updateNeighbors(): void {
    const neighbors = new Set([...this.table.successors, ...this.table.predecessors]);
    for (const n of neighbors) this.#sendUpdate(n, 'neighbors');
  }

  #sendUpdate(peer: NodeId, type: ChordUpdate['type']): void {
    const uptime = this.uptimeSeconds(this.#now);
    const preds = [...this.table.predecessors];
    const succs = [...this.table.successors];
    const u: ChordUpdate =
      type === 'peer_ready'
        ? { uptime, type }
        : type === 'neighbors'
          ? { uptime, type, predecessors: preds, successors: succs }
          : { uptime, type, predecessors: preds, successors: succs, fingers: this.table.fingerList() };
    this.#host.request(
      {
        destination: [{ type: 'node', id: peer }],
        code: MessageCode.update_req,
        body: encode(chordUpdate, u),
      },
      (r) => {
        // A neighbour that no longer answers has failed (RFC 6940 §10.7.4.?).
        if (!r.ok && r.errorCode === ErrorCode.Error_Request_Timeout && this.table.has(peer)) {
          this.#host.closeLinkTo(peer, 'no answer to Update');
          this.onLinkDown(peer, this.#now);
        }
      },
    );
  }

  /** Ask the closest successor for its full routing state, to refill a short successor list. */
  #refillSuccessors(): void {
    const s = this.table.successors[0];
    if (s === undefined) return;
    this.#host.request(
      {
        destination: [{ type: 'node', id: s }],
        code: MessageCode.route_query_req,
        body: encode(routeQueryReq, {
          sendUpdate: true,
          destination: { type: 'node', id: s },
          overlaySpecificData: new Uint8Array(),
        }),
      },
      () => undefined,
    );
  }

  // ---- timers --------------------------------------------------------------------------------------

  #armTimers(now: number): void {
    const jitter = (ms: number): number => Math.round(ms * (0.5 + this.#host.random.float()));
    this.#timers.set('stabilize', now + jitter(this.#opts.updateInterval));
    this.#timers.set('fingers', now + Math.min(jitter(this.#opts.fingerInterval), 5 * second));
  }

  handleTimeout(now: number): void {
    this.#now = now;
    for (const t of this.#timers.expire(now)) {
      if (this.#state !== 'joined') continue;
      const jitter = 0.5 + this.#host.random.float();
      if (t === 'stabilize') {
        // RFC 6940 §10.7.4.1: periodic Updates to every neighbour double as liveness checks.
        this.#updateNeighbors();
        if (this.table.successors.length < this.#opts.successors) this.#refillSuccessors();
        this.#timers.set('stabilize', now + Math.round(this.#opts.updateInterval * jitter));
      } else {
        this.#probeFingers();
        this.#timers.set('fingers', now + Math.round(this.#opts.fingerInterval * jitter));
      }
    }
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  /**
   * RFC 6940 §10.7.4.2 (strategy 1): for empty finger entries, Ping a random id in the entry's interval;
   * the answering peer (the owner of that id) becomes a candidate.
   */
  #probeFingers(): void {
    const empty = this.table.emptyFingers();
    const want = this.#opts.fingerProbesPerPeriod ?? 2;
    for (let k = 0; k < want && empty.length > 0; k++) {
      const i = empty.splice(Math.floor(this.#host.random.float() * empty.length), 1)[0] as number;
      // A uniformly random id inside the interval [start, start + 2^(128−i)).
      const wide = (randomU64(this.#host.random) << 64n) | randomU64(this.#host.random);
      const id = add(fingerStart(this.localId, i), wide & ((1n << BigInt(RING_BITS - i)) - 1n));
      const dest: Destination = { type: 'resource', id: nodeIdToBytes(id as NodeId) as ResourceId };
      this.#host.request(
        {
          destination: [dest],
          code: MessageCode.ping_req,
          body: encode(pingReq, { padding: new Uint8Array() }),
          maxTransmissions: 2,
        },
        (r) => {
          const who = r.ok ? r.signer.nodeId : undefined;
          if (who !== undefined) this.#consider(who);
        },
      );
    }
  }

  #setState(s: ChordState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.events.emit('state', { state: s });
  }

  #hex(id: NodeId): string {
    return nodeIdToHex(id);
  }

  /** Whether `k` is in (pred, self] as seen now: for storage's replica decisions. */
  owns(k: bigint): boolean {
    const pred = this.table.predecessors[0];
    return pred === undefined || inHalfOpen(k, pred, this.localId);
  }
}

/** Defaults for a No-ICE LAN or data-centre overlay; configuration overrides them. */
export const DEFAULT_CHORD_OPTIONS: ChordOptions = {
  successors: 3,
  predecessors: 3,
  fingers: 16,
  updateInterval: 10 * minute,
  fingerInterval: minute,
  reactive: true,
};
