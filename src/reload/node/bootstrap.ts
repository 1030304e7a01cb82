import { second } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import type { NodeId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import { TimerTable } from '../../core/timer-table.js';
import type { LinkId } from '../routing/types.js';
import type { HostPort } from './attach.js';
import type { MessageTransport } from './message-transport.js';

/**
 * Bootstrap connections (RFC 6940 §11.4): the first links of a node go straight to bootstrap nodes'
 * addresses over TLS, with no Attach. Rounds of attempts to every known bootstrap address, retried with
 * exponential backoff and jitter; every attempt and its outcome is logged.
 */
export interface BootstrapOptions {
  /** Every address to try, in order of preference (cached peers first, then configured ones). */
  readonly peers: readonly HostPort[];
  /** Our own listening address, so we never dial ourselves. */
  readonly self: HostPort;
  readonly initialBackoff?: number;
  readonly maxBackoff?: number;
}

export interface BootstrapEvents {
  connected: { readonly link: LinkId; readonly peer: NodeId; readonly address: HostPort };
  /** A whole round failed: nothing answered. */
  exhausted: { readonly attempts: number };
  [event: string]: unknown;
}

export class Bootstrapper {
  readonly events = new TypedEmitter<BootstrapEvents>();
  readonly #t: MessageTransport;
  readonly #opts: BootstrapOptions;
  readonly #random: Random;
  readonly #log: Logger;
  readonly #timers = new TimerTable<'round'>();
  readonly #inFlight = new Map<LinkId, HostPort>();
  /** The link each bootstrap address gave us, so a later round does not dial an address we still hold. */
  readonly #linkOf = new Map<string, LinkId>();
  #roundFailures = 0;
  #roundSize = 0;
  #backoff: number;
  #peers: HostPort[];

  constructor(transport: MessageTransport, opts: BootstrapOptions, random: Random, log: Logger) {
    this.#t = transport;
    this.#opts = opts;
    this.#random = random;
    this.#log = log;
    this.#backoff = opts.initialBackoff ?? 1 * second;
    this.#peers = dedupe(opts.peers.filter((p) => !(p.host === opts.self.host && p.port === opts.self.port)));
  }

  /** Whether our own address is one of the bootstrap nodes (RFC 6940 §10.5: we may be the first peer). */
  get selfIsBootstrap(): boolean {
    return this.#opts.peers.some((p) => p.host === this.#opts.self.host && p.port === this.#opts.self.port);
  }

  get others(): readonly HostPort[] {
    return this.#peers;
  }

  /**
   * Adds addresses learned later (cached peers, a bootstrap server, LAN discovery); returns those that
   * were new. They join the next round, or the current one through `dial`.
   */
  addPeers(peers: readonly HostPort[]): HostPort[] {
    const known = new Set(this.#peers.map(key));
    const fresh = dedupe(
      peers.filter(
        (p) => !known.has(key(p)) && !(p.host === this.#opts.self.host && p.port === this.#opts.self.port),
      ),
    );
    this.#peers = [...this.#peers, ...fresh];
    return fresh;
  }

  /**
   * Dials addresses added while the node is still looking for the overlay: into the round in flight, or
   * as a new round at once when the node is only waiting for its next retry.
   */
  dial(peers: readonly HostPort[], now: number): void {
    if (this.#inFlight.size === 0) {
      this.round(now);
      return;
    }
    this.#roundSize += peers.length;
    for (const p of peers) this.#connect(p, now);
  }

  #connect(p: HostPort, now: number): void {
    this.#log.info({ bootstrap: `${p.host}:${p.port}` }, 'bootstrap: connecting');
    const link = this.#t.connect(p.host, p.port, undefined, 'bootstrap', now);
    this.#inFlight.set(link, p);
  }

  /**
   * Starts a round now: one connection attempt to every bootstrap address. A partition check
   * (`skipLinked`) learns nothing from an address still linked and leaves it alone; a join retry reuses
   * such a link (`connected` again), since the link is fine and only the join through it failed.
   */
  round(now: number, skipLinked = false): void {
    this.#timers.clear('round');
    if (this.#peers.length === 0) {
      this.events.emit('exhausted', { attempts: 0 });
      return;
    }
    this.#roundFailures = 0;
    const linked: [HostPort, LinkId, NodeId][] = [];
    const todo = this.#peers.filter((p) => {
      const link = this.#linkOf.get(key(p));
      const c = link === undefined ? undefined : this.#t.connections.get(link);
      if (link === undefined || c?.state !== 'up' || c.peer === undefined) return true;
      linked.push([p, link, c.peer]);
      return false;
    });
    this.#roundSize = todo.length;
    for (const p of todo) this.#connect(p, now);
    if (skipLinked) return;
    for (const [address, link, peer] of linked) this.events.emit('connected', { link, peer, address });
  }

  /** Schedules the next round after the current backoff (doubled each time, with ±50 % jitter). */
  retryLater(now: number): number {
    const delay = Math.round(this.#backoff * (0.5 + this.#random.float()));
    this.#backoff = Math.min(this.#backoff * 2, this.#opts.maxBackoff ?? 30 * second);
    this.#timers.set('round', now + delay);
    this.#log.info({ retryInMs: Math.round(delay) }, 'bootstrap: no bootstrap node reachable yet, retrying');
    return delay;
  }

  resetBackoff(): void {
    this.#backoff = this.#opts.initialBackoff ?? 1 * second;
  }

  onLinkUp(link: LinkId, peer: NodeId): void {
    const address = this.#inFlight.get(link);
    if (address === undefined) return;
    this.#inFlight.delete(link);
    this.#linkOf.set(key(address), link);
    this.#log.info(
      { bootstrap: `${address.host}:${address.port}`, peer: peer.toString(16) },
      'bootstrap: connected',
    );
    this.events.emit('connected', { link, peer, address });
  }

  onLinkDown(link: LinkId, reason: string): void {
    const address = this.#inFlight.get(link);
    if (address === undefined) return;
    this.#inFlight.delete(link);
    this.#roundFailures++;
    this.#log.info({ bootstrap: `${address.host}:${address.port}`, reason }, 'bootstrap: attempt failed');
    if (this.#inFlight.size === 0 && this.#roundFailures === this.#roundSize) {
      this.events.emit('exhausted', { attempts: this.#roundFailures });
    }
  }

  handleTimeout(now: number): void {
    if (this.#timers.expire(now).length > 0) this.round(now);
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }
}

function key(p: HostPort): string {
  return `${p.host}|${p.port}`;
}

function dedupe(list: readonly HostPort[]): HostPort[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = `${p.host}|${p.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
