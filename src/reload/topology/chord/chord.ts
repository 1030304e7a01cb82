import { TypedEmitter } from '../../../core/events.js';
import {
  type NodeId,
  nodeIdToBytes,
  nodeIdToHex,
  type ResourceId,
  resourceIdToBigInt,
} from '../../../core/ids.js';
import { decode, encode } from '../../../wire/index.js';
import { chordLeaveData, chordRouteQueryAns, chordUpdate } from '../../messages/chord.js';
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
import { TableKeeper } from './keeper.js';
import { type ChordOptions, DEFAULT_CHORD_OPTIONS, LEAVE_TIMEOUT } from './options.js';
import { add, inHalfOpen, partsPerBillion } from './ring.js';
import { RoutingTable } from './routing-table.js';

export { type ChordOptions, DEFAULT_CHORD_OPTIONS, LEAVE_TIMEOUT };

/**
 * The CHORD-RELOAD topology plug-in (RFC 6940 §10) as a sans-I/O machine: join through an admitting
 * peer, Leave, RouteQuery and the Update handler here; table maintenance (Updates, finger probes,
 * failure detection and repair) in keeper.ts.
 */
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

export class ChordTopology implements TopologyRouting {
  readonly table: RoutingTable;
  readonly events = new TypedEmitter<ChordEvents>();
  readonly #host: ChordHost;
  readonly #keeper: TableKeeper;
  #state: ChordState = 'init';
  #startedAt = 0;
  #now = 0;

  constructor(host: ChordHost, opts: ChordOptions) {
    this.#host = host;
    this.table = new RoutingTable(host.localId, opts);
    this.#keeper = new TableKeeper({
      host,
      table: this.table,
      opts,
      joined: () => this.#state === 'joined',
      now: () => this.#now,
      uptimeSeconds: () => this.uptimeSeconds(this.#now),
      tableChanged: (change) => this.events.emit('table-changed', change),
    });
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
    this.#keeper.arm(now);
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
      this.#keeper.adopt(r.peer);
      this.#host.request(
        {
          destination: [{ type: 'node', id: r.peer }],
          code: MessageCode.join_req,
          body: encode(joinReq, { joiningPeerId: this.localId, overlaySpecificData: new Uint8Array() }),
        },
        (ans) => {
          if (!ans.ok) {
            this.#joinFailed(`Join refused by ${nodeIdToHex(r.peer)}: ${ans.reason}`);
            return;
          }
          this.#setState('joined');
          // RFC 6940 §10.6 step 9: now tell every neighbour where we stand.
          this.#keeper.updateNeighbors(false);
          this.#keeper.arm(this.#now);
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
   * A link to an already-joined overlay came up again (partition check, RFC 6940 §10.7.4.4): ask who owns
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
        if (who !== undefined) this.#keeper.consider(who, viaPeer);
      },
    );
  }

  /** RFC 6940 §10.9: tell every neighbour we are leaving, then stop. `done` runs when all answered. */
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
    // successor (from_succ, our successors) (RFC 6940 §10.9, RFC 7363 §5).
    for (const s of succs) targets.set(s, encode(chordLeaveData, { type: 'from_pred', predecessors: preds }));
    for (const p of preds) targets.set(p, encode(chordLeaveData, { type: 'from_succ', successors: succs }));
    let left = targets.size;
    const finish = (): void => {
      this.#keeper.clear();
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
    this.#keeper.sendUpdate(peer, 'full');
  }

  // ---- links ---------------------------------------------------------------------------------------

  /** A link went down: the peer leaves every table (RFC 6940 §10.7.1: repair from what remains). */
  onLinkDown(peer: NodeId, now: number): void {
    this.#now = now;
    this.#keeper.remove(peer);
  }

  /** A link's frames went unacknowledged past its RTO: check whether the peer is still there. */
  onLinkSuspect(peer: NodeId, now: number): void {
    this.#now = now;
    if (this.#state === 'joined') this.#keeper.suspect(peer);
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
    this.#now = req.now;
    req.answer(encode(joinAns, { overlaySpecificData: new Uint8Array() }));
    this.#keeper.adopt(joiningPeerId);
    this.events.emit('peer-joined', { peer: joiningPeerId });
    // RFC 6940 §10.6 steps 7–8: the joining node is now our predecessor; tell it and our neighbours.
    this.#keeper.announce();
  }

  #onUpdate(req: IncomingRequest): void {
    const u = decode(chordUpdate, req.body, undefined, 'ChordUpdate');
    const sender = req.signer.nodeId;
    req.answer(encode(updateAns, new Uint8Array()));
    if (sender === undefined || sender === this.localId) return;
    this.#now = req.now;
    this.#keeper.onUpdate(sender, u);
  }

  #onLeave(req: IncomingRequest): void {
    const { leavingPeerId, overlaySpecificData } = decode(leaveReq, req.body, undefined, 'LeaveReq');
    if (req.signer.nodeId !== leavingPeerId) {
      req.error(ErrorCode.Error_Forbidden, 'Leave must be signed by the leaving node');
      return;
    }
    const data = decode(chordLeaveData, overlaySpecificData, undefined, 'ChordLeaveData');
    this.#now = req.now;
    req.answer(encode(leaveAns, {}));
    // RFC 6940 §10.9: treat it as a neighbour failure, then consider the peers it handed over.
    this.#keeper.remove(leavingPeerId);
    this.#host.closeLinkTo(leavingPeerId, 'peer left the overlay');
    for (const id of data.type === 'from_succ' ? data.successors : data.predecessors)
      this.#keeper.consider(id);
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
    // RFC 6940 §10.8 RouteQuery send_update: follow with a full Update to the requester.
    const requester = req.signer.nodeId;
    if (q.sendUpdate) this.#keeper.sendUpdate(requester, 'full');
  }

  // ---- timers --------------------------------------------------------------------------------------

  handleTimeout(now: number): void {
    this.#now = now;
    this.#keeper.handleTimeout(now);
  }

  nextDeadline(): number | undefined {
    return this.#keeper.nextDeadline();
  }

  #setState(s: ChordState): void {
    if (this.#state === s) return;
    this.#state = s;
    this.events.emit('state', { state: s });
  }

  /** Whether `k` is in (pred, self] as seen now: for storage's replica decisions. */
  owns(k: bigint): boolean {
    const pred = this.table.predecessors[0];
    return pred === undefined || inHalfOpen(k, pred, this.localId);
  }
}
