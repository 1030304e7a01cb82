import { second } from '../../../core/clock.js';
import type { NodeId, ResourceId } from '../../../core/ids.js';
import { nodeIdToBytes } from '../../../core/ids.js';
import { TimerTable } from '../../../core/timer-table.js';
import { encode } from '../../../wire/index.js';
import { type ChordUpdate, chordUpdate } from '../../messages/chord.js';
import { ErrorCode, MessageCode } from '../../messages/codes.js';
import type { Destination } from '../../messages/common.js';
import { pingReq } from '../../messages/ping.js';
import { routeQueryReq } from '../../messages/route-query.js';
import type { RequestResult } from '../../node/types.js';
import { FingerProber } from './fingers.js';
import type { ChordHost } from './host.js';
import { LivenessTracker } from './liveness.js';
import type { ChordOptions } from './options.js';
import { inOpen } from './ring.js';
import type { RoutingTable, TableChange } from './routing-table.js';

/**
 * Keeps the CHORD-RELOAD routing table filled and true (RFC 6940 §10.7): who becomes a member, the
 * Updates that tell neighbours about changes, the periodic rounds, finger probing and failure
 * detection. chord.ts owns the protocol state machine and the request handlers and calls in here.
 */
export interface KeeperContext {
  readonly host: ChordHost;
  readonly table: RoutingTable;
  readonly opts: ChordOptions;
  joined(): boolean;
  now(): number;
  uptimeSeconds(): number;
  tableChanged(change: TableChange): void;
}

type Timer = 'stabilize' | 'fingers' | 'liveness' | 'announce';

/** RFC 6940 §6.2.1: a request is transmitted at most 5 times. */
const MAX_TRANSMISSIONS = 5;

/** A found-empty finger slot is probed again after this many finger rounds. */
const EMPTY_SLOT_ROUNDS = 10;

export class TableKeeper {
  readonly #c: KeeperContext;
  readonly #timers = new TimerTable<Timer>();
  /** Attaches in flight, so one candidate learned from several Updates is attached once. */
  readonly #attaching = new Set<NodeId>();
  /** The neighbour lists last sent to each peer (Updates that would repeat them are skipped). */
  readonly #lastSent = new Map<NodeId, string>();
  readonly #fingers: FingerProber;
  readonly #liveness: LivenessTracker | undefined;

  constructor(c: KeeperContext) {
    this.#c = c;
    this.#fingers = new FingerProber(c.table, {
      perRound: c.opts.fingerProbesPerPeriod ?? 4,
      emptyBackoff: EMPTY_SLOT_ROUNDS * c.opts.fingerInterval,
    });
    const k = c.opts.keepaliveInterval;
    this.#liveness =
      k === undefined ? undefined : new LivenessTracker(k, c.opts.fingerKeepaliveInterval ?? k);
  }

  // ---- membership ----------------------------------------------------------------------------------

  /** A peer proved to be an overlay member with a live link: put it in the routing table. */
  adopt(peer: NodeId): void {
    this.#attaching.delete(peer);
    const change = this.#c.table.add(peer);
    this.#apply(change);
    if (change.neighborsChanged && this.#c.joined() && !this.#c.opts.reactive)
      this.sendUpdate(peer, 'neighbors');
  }

  /**
   * A peer named in an Update or Leave: attach to it when it would improve our tables. `via` is the
   * peer that named it, which has a link to it: the Attach is source-routed through it (RFC 6940
   * §10.7.3), since a new neighbour may sit inside our own range, where routing cannot reach it.
   */
  consider(id: NodeId, via?: NodeId): void {
    const { table, host } = this.#c;
    if (id === host.localId || table.has(id) || this.#attaching.has(id)) return;
    if (this.#liveness?.isBuried(id, this.#c.now())) return;
    if (!table.wouldBeNeighbor(id) && !table.wouldBeFinger(id)) return;
    if (host.isUsable(id)) {
      this.adopt(id);
      return;
    }
    this.#attaching.add(id);
    const dest: Destination[] =
      via === undefined || via === id || !host.isUsable(via)
        ? [{ type: 'node', id }]
        : [
            { type: 'node', id: via },
            { type: 'node', id },
          ];
    host.attach(dest, { sendUpdate: false }, (r) => {
      this.#attaching.delete(id);
      // A candidate we could not reach (most often a peer that died and is still listed in the Updates of
      // peers that have not noticed yet) is left alone for a while, like a peer we saw fail: every further
      // stale Update naming it would otherwise cost another Attach and its Error_Not_Found.
      if (!r.ok) this.#liveness?.bury(id, this.#c.now());
      if (!r.ok || !this.#c.joined()) return;
      this.adopt(r.peer);
      // Let it know we are a peer it can route through (RFC 6940 §10.7: peer_ready / neighbors).
      if (table.isNeighbor(r.peer)) this.#sendNeighbors(r.peer, false);
      else this.sendUpdate(r.peer, 'peer_ready');
    });
  }

  /** A peer left every table (link down, Leave, failure): repair from what remains (RFC 6940 §10.7.1). */
  remove(peer: NodeId): void {
    const { table, opts } = this.#c;
    this.#attaching.delete(peer);
    this.#lastSent.delete(peer);
    this.#liveness?.end(peer);
    if (!table.has(peer)) return;
    const wasFinger = table.isFinger(peer) ? table.slotOf(peer) : undefined;
    this.#apply(table.remove(peer));
    if (wasFinger !== undefined && !table.fingerEntries.has(wasFinger)) {
      // RFC 6940 §10.7.2: with reactive recovery, start the search for a replacement finger.
      this.#fingers.lost(wasFinger);
      this.#soon('fingers', second);
    }
    if (this.#c.joined() && table.successors.length < opts.successors) this.#refillSuccessors();
  }

  /** The peer did not answer: it has failed (RFC 6940 §10.7.1). */
  failed(peer: NodeId, reason: string): void {
    this.#liveness?.bury(peer, this.#c.now());
    this.#c.host.closeLinkTo(peer, reason);
    this.remove(peer);
  }

  /** Its link went suspect (a frame unacknowledged past the RTO): check the peer at once. */
  suspect(peer: NodeId): void {
    if (this.#liveness !== undefined && this.#c.table.has(peer)) this.#check(peer);
  }

  #apply(change: TableChange): void {
    if (!change.neighborsChanged && !change.rangeChanged) return;
    this.#c.tableChanged(change);
    // RFC 6940 §10.7.4: with reactive recovery, a changed Neighbor Table is announced at once.
    if (change.neighborsChanged && this.#c.opts.reactive && this.#c.joined()) this.announce();
  }

  // ---- Updates -------------------------------------------------------------------------------------

  /** An Update arrived (and was answered): learn from it (RFC 6940 §10.7.3). */
  onUpdate(sender: NodeId, u: ChordUpdate): void {
    // An Update makes its sender a routing-table member (RFC 6940 §6.4.2.3: Attach alone does not).
    if (this.#c.host.isUsable(sender)) this.adopt(sender);
    else this.consider(sender);
    if (u.type === 'peer_ready') return;
    for (const id of u.predecessors) this.consider(id, sender);
    for (const id of u.successors) this.consider(id, sender);
    if (u.type === 'full') for (const id of u.fingers) this.consider(id, sender);
    // RFC 6940 §10.7.3: an Update must let the sender find closer neighbours. When its lists miss peers we
    // know belong in them (concurrent joins, failures it has not seen), tell it ours (Chord's notify).
    if (this.#c.joined() && this.#sendersViewIsStale(sender, u.predecessors, u.successors))
      this.#sendNeighbors(sender, false);
  }

  /** Whether a peer that listed these neighbours is missing one we know (ourselves included). */
  #sendersViewIsStale(sender: NodeId, preds: readonly NodeId[], succs: readonly NodeId[]): boolean {
    const { table, opts, host } = this.#c;
    const lastS = succs[succs.length - 1];
    const lastP = preds[preds.length - 1];
    const shortS = succs.length < opts.successors;
    const shortP = preds.length < opts.predecessors;
    for (const m of [host.localId, ...table.successors, ...table.predecessors]) {
      if (m === sender) continue;
      if (!succs.includes(m) && (shortS || (lastS !== undefined && inOpen(m, sender, lastS)))) return true;
      if (!preds.includes(m) && (shortP || (lastP !== undefined && inOpen(m, lastP, sender)))) return true;
    }
    return false;
  }

  /** Reactive recovery: tell the neighbours, now or after the coalescing delay. */
  announce(): void {
    const delay = this.#c.opts.reactiveDelay ?? 0;
    if (delay <= 0) this.updateNeighbors(false);
    else if (!this.#timers.has('announce')) this.#timers.set('announce', this.#c.now() + delay);
  }

  /** An Update to every neighbour; unless `force`, only to those not yet told the current lists. */
  updateNeighbors(force: boolean): void {
    const { table } = this.#c;
    for (const n of new Set([...table.successors, ...table.predecessors])) this.#sendNeighbors(n, force);
  }

  #sendNeighbors(peer: NodeId, force: boolean, checkDone?: () => void): void {
    const { table } = this.#c;
    const key = `${table.predecessors.join()}|${table.successors.join()}`;
    if (!force && this.#lastSent.get(peer) === key) return;
    this.#lastSent.set(peer, key);
    this.sendUpdate(peer, 'neighbors', checkDone);
  }

  /**
   * Sends an Update; a peer that does not answer has failed. With `checkDone` it is a connectivity check:
   * one transmission with the liveness timeout, and `checkDone` runs when it is over.
   */
  sendUpdate(peer: NodeId, type: ChordUpdate['type'], checkDone?: () => void): void {
    const { table } = this.#c;
    const uptime = this.#c.uptimeSeconds();
    const predecessors = [...table.predecessors];
    const successors = [...table.successors];
    const u: ChordUpdate =
      type === 'peer_ready'
        ? { uptime, type }
        : type === 'neighbors'
          ? { uptime, type, predecessors, successors }
          : { uptime, type, predecessors, successors, fingers: table.fingerList() };
    this.#c.host.request(
      {
        destination: [{ type: 'node', id: peer }],
        code: MessageCode.update_req,
        body: encode(chordUpdate, u),
        // Links are reliable (TCP): an Update that goes unanswered went to a peer that is gone.
        ...(checkDone === undefined
          ? { maxTransmissions: this.#c.opts.updateTransmissions ?? MAX_TRANSMISSIONS }
          : this.#checkTiming()),
      },
      (r) => {
        checkDone?.();
        // A neighbour that no longer answers has failed (RFC 6940 §10.7.1).
        if (this.#noAnswer(r) && this.#c.table.has(peer)) this.failed(peer, 'no answer to Update');
      },
    );
  }

  /**
   * Only silence proves a failure: an error such as Error_Not_Found comes from some peer on the way whose
   * view of the ring may simply be older than ours (a peer that has just joined).
   */
  #noAnswer(r: RequestResult): boolean {
    return !r.ok && r.errorCode === ErrorCode.Error_Request_Timeout;
  }

  /** Ask the closest successor for its full routing state, to refill a short successor list. */
  #refillSuccessors(): void {
    const s = this.#c.table.successors[0];
    if (s === undefined) return;
    this.#c.host.request(
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

  // ---- connectivity checks -------------------------------------------------------------------------

  #checkTiming(): { maxTransmissions: number; retransmitInterval: number } {
    return { maxTransmissions: 1, retransmitInterval: this.#c.opts.livenessTimeout ?? 3 * second };
  }

  /** RFC 6940 §10.7.1 connectivity check: an Update to a neighbour, a Ping to anyone else. */
  #check(peer: NodeId): void {
    const l = this.#liveness;
    if (l === undefined || l.isChecking(peer)) return;
    l.begin(peer);
    const done = (): void => l.end(peer);
    if (this.#c.table.isNeighbor(peer)) {
      this.#sendNeighbors(peer, true, done);
      return;
    }
    this.#c.host.request(
      {
        destination: [{ type: 'node', id: peer }],
        code: MessageCode.ping_req,
        body: encode(pingReq, { padding: new Uint8Array() }),
        ...this.#checkTiming(),
      },
      (r) => {
        done();
        if (this.#noAnswer(r) && this.#c.table.has(peer))
          this.failed(peer, 'no answer to a connectivity check');
      },
    );
  }

  #sweep(now: number): void {
    const l = this.#liveness;
    if (l === undefined) return;
    const { check, evict } = l.sweep(this.#c.table, (id) => this.#c.host.lastHeard(id), now);
    for (const p of check) this.#check(p);
    for (const p of evict) {
      this.#c.host.closeLinkTo(p, 'idle: in no table on either side');
      this.remove(p);
    }
  }

  // ---- finger probes -------------------------------------------------------------------------------

  /** RFC 6940 §10.7.4.2: Ping into empty finger slots; the owners that answer are candidates. */
  #probeFingers(now: number): void {
    for (const { slot, target } of this.#fingers.pick(now, this.#c.host.random)) {
      const id = nodeIdToBytes(target as NodeId) as ResourceId;
      this.#c.host.request(
        {
          destination: [{ type: 'resource', id }],
          code: MessageCode.ping_req,
          body: encode(pingReq, { padding: new Uint8Array() }),
          maxTransmissions: 2,
        },
        (r) => {
          const who = r.ok ? r.signer.nodeId : undefined;
          if (who === undefined) return;
          this.#fingers.answered(slot, who, this.#c.now());
          this.consider(who);
        },
      );
    }
  }

  // ---- timers --------------------------------------------------------------------------------------

  #jitter(ms: number): number {
    return Math.round(ms * (0.5 + this.#c.host.random.float()));
  }

  arm(now: number): void {
    const o = this.#c.opts;
    this.#timers.set('stabilize', now + this.#jitter(o.updateInterval));
    this.#timers.set('fingers', now + Math.min(this.#jitter(o.fingerInterval), 5 * second));
    if (o.keepaliveInterval !== undefined)
      this.#timers.set('liveness', now + this.#jitter(o.keepaliveInterval / 4));
  }

  #soon(t: Timer, ms: number): void {
    const at = this.#c.now() + ms;
    const cur = this.#timers.get(t);
    if (cur !== undefined && cur > at) this.#timers.set(t, at);
  }

  clear(): void {
    this.#timers.clearAll();
  }

  handleTimeout(now: number): void {
    const o = this.#c.opts;
    for (const t of this.#timers.expire(now)) {
      if (!this.#c.joined()) continue;
      if (t === 'stabilize') {
        // RFC 6940 §10.7.4.1: periodic Updates to every neighbour double as liveness checks.
        this.updateNeighbors(true);
        if (this.#c.table.successors.length < o.successors) this.#refillSuccessors();
        this.#timers.set('stabilize', now + this.#jitter(o.updateInterval));
      } else if (t === 'fingers') {
        this.#probeFingers(now);
        this.#timers.set('fingers', now + this.#jitter(o.fingerInterval));
      } else if (t === 'liveness') {
        this.#sweep(now);
        if (o.keepaliveInterval !== undefined)
          this.#timers.set('liveness', now + this.#jitter(o.keepaliveInterval / 4));
      } else {
        this.updateNeighbors(false);
      }
    }
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }
}
