import { second } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { LinkId } from '../reload/routing/types.js';
import { Endpoint, type LinkEnd, type SimHost, type TrafficObserver } from './endpoint.js';
import { EventQueue } from './event-queue.js';
import type { LatencyModel, Placement } from './latency.js';

export { Endpoint, type EndpointState, type SimHost, type TrafficObserver } from './endpoint.js';

/**
 * The virtual network: a clock, an agenda, and TLS-over-TCP links between simulated hosts. A host is any
 * sans-I/O node with the driver interface of reload/node (ReloadNode, MessageTransport, or a test stub):
 * the network carries out its `connect`/`transmit`/`close` outputs with latency, loss and partitions, and
 * wakes it at its `nextDeadline()`. Nothing here reads the wall clock or real timers, and every random
 * choice comes from one seeded generator, so a run is a function of its seed.
 *
 * Links model TLS over TCP: bytes arrive in order and whole (a loss costs a TCP retransmission delay, not
 * data); a connection takes 1.5 round trips before the server accepts and 2 before the client is up.
 * A killed host goes silent (packets to it vanish, no FIN), so its peers must find out through their own
 * liveness machinery; a crashed host resets its connections at once and refuses new ones.
 */
export interface NetworkOptions {
  readonly latency: LatencyModel;
  readonly random: Random;
  /** Probability that a TCP segment is lost; each loss delays it (and what follows) by a TCP RTO. */
  readonly loss?: number;
  /** TCP's minimum retransmission timeout (Linux: 200 ms). */
  readonly tcpMinRto?: number;
  /** How long a connect to a silent or unreachable host takes to fail. */
  readonly connectTimeout?: number;
}

export interface NetworkCounters {
  events: number;
  packetsSent: number;
  packetsDelivered: number;
  packetsDropped: number;
  bytesSent: number;
  connects: number;
  connectFailures: number;
}

type NetEvent<H extends SimHost, T> =
  | { readonly kind: 'wake'; readonly ep: Endpoint<H> }
  | {
      readonly kind: 'data';
      readonly to: Endpoint<H>;
      readonly from: Endpoint<H>;
      readonly link: LinkId;
      readonly chunks: readonly Uint8Array[];
      readonly token: T | undefined;
    }
  | {
      readonly kind: 'accept';
      readonly client: Endpoint<H>;
      readonly link: LinkId;
      readonly server: Endpoint<H>;
    }
  | { readonly kind: 'up'; readonly ep: Endpoint<H>; readonly link: LinkId; readonly peer: Endpoint<H> }
  | {
      readonly kind: 'closed';
      readonly ep: Endpoint<H>;
      readonly link: LinkId;
      readonly from: Endpoint<H>;
      readonly reason: string;
    }
  | { readonly kind: 'refused'; readonly ep: Endpoint<H>; readonly link: LinkId; readonly reason: string }
  | { readonly kind: 'action'; readonly run: () => void };

export class SimNetwork<H extends SimHost, T = unknown> {
  readonly #queue = new EventQueue<NetEvent<H, T>>();
  readonly #byAddress = new Map<string, Endpoint<H>>();
  readonly #endpoints: Endpoint<H>[] = [];
  readonly #opts: NetworkOptions;
  readonly #random: Random;
  #observer: TrafficObserver<H, T> | undefined;
  /** Transmits of the input being carried out, by link (see #afterInput). */
  readonly #batch = new Map<LinkId, Uint8Array[]>();
  #now = 0;
  readonly counters: NetworkCounters = {
    events: 0,
    packetsSent: 0,
    packetsDelivered: 0,
    packetsDropped: 0,
    bytesSent: 0,
    connects: 0,
    connectFailures: 0,
  };

  constructor(opts: NetworkOptions) {
    this.#opts = opts;
    this.#random = opts.random;
  }

  get now(): number {
    return this.#now;
  }

  get endpoints(): readonly Endpoint<H>[] {
    return this.#endpoints;
  }

  get pendingEvents(): number {
    return this.#queue.size;
  }

  observe(observer: TrafficObserver<H, T> | undefined): void {
    this.#observer = observer;
  }

  /** Registers a host at `address` ("host:port", the form `connect` outputs name). */
  add(address: string, host: H, placement?: Placement): Endpoint<H> {
    if (this.#byAddress.has(address)) throw new RangeError(`address ${address} is taken`);
    const ep = new Endpoint(
      this.#endpoints.length,
      address,
      host,
      placement ?? this.#opts.latency.place(this.#random),
    );
    this.#endpoints.push(ep);
    this.#byAddress.set(address, ep);
    return ep;
  }

  at(address: string): Endpoint<H> | undefined {
    return this.#byAddress.get(address);
  }

  /** Schedules `run` at virtual time `time` (never in the past). */
  schedule(time: number, run: () => void): void {
    this.#queue.push(Math.max(time, this.#now), { kind: 'action', run });
  }

  /** Calls into a host from outside the network (start it, send a request), then carries out its outputs. */
  input(ep: Endpoint<H>, fn: (host: H, now: number) => void): void {
    if (ep.state !== 'up') return;
    fn(ep.host, this.#now);
    this.#afterInput(ep);
  }

  /** Silent failure: the host stops; packets to it vanish and nobody is told. */
  kill(ep: Endpoint<H>): void {
    ep.state = 'dead';
    ep.pending.clear();
  }

  /** Crash with reset: every connection of the host is reset at once; new connections are refused. */
  crash(ep: Endpoint<H>): void {
    if (ep.state === 'up') {
      for (const [, end] of ep.links) this.#sendClose(ep, end, 'connection reset', this.#now);
    }
    ep.state = 'crashed';
    ep.links.clear();
    ep.pending.clear();
  }

  /** Splits the network: each listed group can reach only itself; unlisted endpoints form one more group. */
  partition(groups: readonly (readonly Endpoint<H>[])[]): void {
    this.heal();
    groups.forEach((g, i) => {
      for (const ep of g) ep.group = i + 1;
    });
  }

  heal(): void {
    for (const ep of this.#endpoints) ep.group = 0;
  }

  /** Runs every event due up to `until` (inclusive) and leaves the clock there. */
  run(until: number): void {
    for (;;) {
      const t = this.#queue.peekTime();
      if (t === undefined || t > until) break;
      const ev = this.#queue.pop() as NetEvent<H, T>;
      this.#now = t;
      this.counters.events++;
      this.#dispatch(ev);
    }
    if (until > this.#now) this.#now = until;
  }

  // ---- events --------------------------------------------------------------------------------------

  #dispatch(ev: NetEvent<H, T>): void {
    switch (ev.kind) {
      case 'wake':
        this.#wake(ev.ep);
        return;
      case 'data':
        this.#deliver(ev.to, ev.from, ev.link, ev.chunks, ev.token);
        return;
      case 'accept':
        this.#accept(ev.client, ev.link, ev.server);
        return;
      case 'up':
        this.#up(ev.ep, ev.link, ev.peer);
        return;
      case 'closed':
        this.#closed(ev.ep, ev.link, ev.from, ev.reason);
        return;
      case 'refused':
        this.#refused(ev.ep, ev.link, ev.reason);
        return;
      case 'action':
        ev.run();
        return;
    }
  }

  #wake(ep: Endpoint<H>): void {
    if (ep.state !== 'up' || ep.wakeAt > this.#now) return;
    ep.wakeAt = Number.POSITIVE_INFINITY;
    const d = ep.host.nextDeadline();
    if (d !== undefined && d <= this.#now) ep.host.handleTimeout(this.#now);
    this.#afterInput(ep);
  }

  #deliver(
    to: Endpoint<H>,
    from: Endpoint<H>,
    link: LinkId,
    chunks: readonly Uint8Array[],
    token: T | undefined,
  ): void {
    if (to.state !== 'up' || to.group !== from.group || !to.links.has(link)) {
      this.counters.packetsDropped++;
      return;
    }
    this.counters.packetsDelivered++;
    if (token !== undefined) this.#observer?.delivered(to, token);
    for (const bytes of chunks) {
      if (!to.links.has(link) || to.state !== 'up') break;
      to.host.linkData(link, bytes, this.#now);
    }
    this.#afterInput(to);
  }

  #accept(client: Endpoint<H>, link: LinkId, server: Endpoint<H>): void {
    const startedAt = client.pending.get(link);
    if (client.state !== 'up' || startedAt === undefined) return;
    const ow = this.#opts.latency.base(client.placement, server.placement);
    if (server.state === 'crashed') {
      this.#fail(client, link, this.#now + ow, 'connection refused');
      return;
    }
    if (server.state === 'dead' || server.group !== client.group) {
      const timeout = this.#opts.connectTimeout ?? 10 * second;
      this.#fail(client, link, startedAt + timeout, 'connection timed out');
      return;
    }
    const back = server.host.accept([client.host.localId], this.#now);
    if (back === undefined) {
      this.#afterInput(server);
      this.#fail(client, link, this.#now + ow, 'TLS handshake rejected');
      return;
    }
    // Both ends exist from now on; the client's 'up' is queued before anything the server sends.
    server.links.set(back, { peer: client, peerLink: link, lastArrival: this.#now });
    client.links.set(link, { peer: server, peerLink: back, lastArrival: this.#now });
    this.#queue.push(this.#now + ow, { kind: 'up', ep: client, link, peer: server });
    this.#afterInput(server);
  }

  #up(ep: Endpoint<H>, link: LinkId, peer: Endpoint<H>): void {
    if (ep.state !== 'up' || !ep.pending.delete(link) || !ep.links.has(link)) return;
    ep.host.linkUp(link, [peer.host.localId], this.#now);
    this.#afterInput(ep);
  }

  #closed(ep: Endpoint<H>, link: LinkId, from: Endpoint<H>, reason: string): void {
    if (ep.state !== 'up' || ep.group !== from.group) return;
    const end = ep.links.get(link);
    if (end === undefined || end.peer !== from) return;
    ep.links.delete(link);
    ep.host.linkClosed(link, reason, this.#now);
    this.#afterInput(ep);
  }

  #refused(ep: Endpoint<H>, link: LinkId, reason: string): void {
    if (ep.state !== 'up' || !ep.pending.delete(link)) return;
    this.counters.connectFailures++;
    ep.links.delete(link);
    ep.host.linkClosed(link, reason, this.#now);
    this.#afterInput(ep);
  }

  #fail(ep: Endpoint<H>, link: LinkId, at: number, reason: string): void {
    this.#queue.push(Math.max(at, this.#now), { kind: 'refused', ep, link, reason });
  }

  // ---- outputs -------------------------------------------------------------------------------------

  /** Carries out everything the host asked for, then makes sure it wakes at its next deadline. */
  #afterInput(ep: Endpoint<H>): void {
    const host = ep.host;
    // Everything one input writes to a link goes out as one segment (as TCP would coalesce it): an ack
    // and the answer that follows it arrive together, in order, as one delivery.
    const batch = this.#batch;
    for (let o = host.pollOutput(); o !== undefined; o = host.pollOutput()) {
      if (ep.state !== 'up') continue;
      if (o.type === 'transmit') {
        const list = batch.get(o.link);
        if (list === undefined) batch.set(o.link, [o.bytes]);
        else list.push(o.bytes);
        continue;
      }
      this.#flushBatch(ep, o.link);
      if (o.type === 'connect') this.#connect(ep, o.link, `${o.host}:${o.port}`);
      else this.#close(ep, o.link, o.reason);
    }
    for (const [link, chunks] of batch) this.#transmit(ep, link, chunks);
    batch.clear();
    if (ep.state !== 'up') return;
    const d = host.nextDeadline();
    if (d !== undefined && d < ep.wakeAt) {
      ep.wakeAt = d;
      this.#queue.push(Math.max(d, this.#now), { kind: 'wake', ep });
    }
  }

  #flushBatch(ep: Endpoint<H>, link: LinkId): void {
    const parts = this.#batch.get(link);
    if (parts === undefined) return;
    this.#batch.delete(link);
    this.#transmit(ep, link, parts);
  }

  #transmit(from: Endpoint<H>, link: LinkId, chunks: readonly Uint8Array[]): void {
    const end = from.links.get(link);
    if (end === undefined) {
      this.counters.packetsDropped++;
      return;
    }
    const to = end.peer;
    let arrival = this.#now + this.#opts.latency.oneWay(from.placement, to.placement, this.#random);
    const loss = this.#opts.loss ?? 0;
    if (loss > 0) {
      // A lost segment is sent again by TCP after its RTO, which doubles on each further loss.
      let rto = Math.max(
        this.#opts.tcpMinRto ?? 200,
        4 * this.#opts.latency.base(from.placement, to.placement),
      );
      while (this.#random.float() < loss) {
        arrival += rto;
        rto *= 2;
      }
    }
    if (arrival < end.lastArrival) arrival = end.lastArrival;
    end.lastArrival = arrival;
    this.counters.packetsSent++;
    for (const c of chunks) this.counters.bytesSent += c.length;
    const token = this.#observer?.sent(from, to, chunks);
    this.#queue.push(arrival, { kind: 'data', to, from, link: end.peerLink, chunks, token });
  }

  #connect(from: Endpoint<H>, link: LinkId, address: string): void {
    this.counters.connects++;
    from.pending.set(link, this.#now);
    const server = this.#byAddress.get(address);
    if (server === undefined) {
      this.#fail(from, link, this.#now + 2 * from.placement.access, 'no such host');
      return;
    }
    // SYN, SYN-ACK, then ACK with the ClientHello: the server has a TLS 1.3 session after 1.5 round trips.
    const ow = this.#opts.latency.base(from.placement, server.placement);
    this.#queue.push(this.#now + 3 * ow, { kind: 'accept', client: from, link, server });
  }

  #close(from: Endpoint<H>, link: LinkId, reason: string): void {
    from.pending.delete(link);
    const end = from.links.get(link);
    if (end === undefined) return;
    from.links.delete(link);
    this.#sendClose(from, end, `closed by peer: ${reason}`, this.#now);
  }

  #sendClose(from: Endpoint<H>, end: LinkEnd<H>, reason: string, now: number): void {
    const ow = this.#opts.latency.base(from.placement, end.peer.placement);
    const at = Math.max(now + ow, end.lastArrival);
    this.#queue.push(at, { kind: 'closed', ep: end.peer, link: end.peerLink, from, reason });
  }
}
