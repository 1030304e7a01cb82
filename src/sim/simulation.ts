import { second } from '../core/clock.js';
import { randomExponential } from '../core/random.js';
import { MessageCode } from '../reload/messages/codes.js';
import { bulkStart } from './bulk-start.js';
import { drawSession, type SessionDistribution } from './churn.js';
import type { LatencyModel } from './latency.js';
import { type SimEndpoint, type SimNodeConfig, SimOverlay } from './overlay.js';
import { type LookupSummary, round, summarize } from './stats.js';
import type { TrafficCounters } from './traffic.js';
import { Lookups } from './workload.js';

/**
 * One simulated overlay and the phases a scenario is made of: build the ring (nodes join one by one
 * through bootstrap, the way real peers do), measure lookups and maintenance traffic, fail a fraction of
 * the peers at once, run churn. scenario.ts strings them together for `p2psip sim`; the tests call the
 * phases directly so that one ring serves several measurements.
 */
export interface SimulationOptions {
  readonly nodes: number;
  readonly seed?: number;
  /** Joins per second while the ring is built (default max(20, N/100)). */
  readonly joinRate?: number;
  /** Time after the last join before the ring counts as built, ms. */
  readonly settle?: number;
  /** Stable bootstrap peers (never failed or churned; default one per 1000 peers, at most 8). */
  readonly bootstrapPeers?: number;
  /**
   * 'join' (default): every peer joins through bootstrap, as real peers do. 'bulk': every peer starts
   * at once with the routing table of a converged ring (bulk-start.ts; for large N, labelled as such).
   */
  readonly start?: 'join' | 'bulk';
  readonly latency?: LatencyModel;
  readonly loss?: number;
  readonly node?: Partial<SimNodeConfig>;
  /** Called as virtual time advances (phase name, virtual ms so far). */
  readonly onProgress?: (phase: string, now: number) => void;
}

/** A measurement: lookup outcomes and the traffic that was not lookups, per live node and second. */
export interface Measurement {
  readonly lookups: LookupSummary;
  /** Lookups whose originator departed before any answer came (not counted in `lookups`). */
  readonly abandoned: number;
  readonly maintenance: MaintenanceSummary;
}

export interface MaintenanceSummary {
  readonly bytesPerNodePerSec: number;
  readonly messagesPerNodePerSec: number;
  /** Per message type: messages and bytes per node per second. */
  readonly byMessage: Readonly<Record<string, { readonly messages: number; readonly bytes: number }>>;
}

/** Virtual time and simulated events spent in one phase (consecutive calls with one name add up). */
export interface PhaseCost {
  readonly phase: string;
  virtualMs: number;
  events: number;
}

export const SIM_TIMING = {
  settle: 60 * second,
  /** RFC 6940 §6.2.1: 5 transmissions × 3 s; a lookup still open after this has failed. */
  drain: 16 * second,
} as const;

export class Simulation {
  readonly overlay: SimOverlay;
  readonly lookups: Lookups;
  readonly #opts: SimulationOptions;
  #phase = 'build';
  #churn: SessionDistribution | undefined;
  #departure: 'kill' | 'crash' | 'leave' = 'kill';
  #departures = 0;
  readonly #phases: PhaseCost[] = [];

  constructor(opts: SimulationOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 2) throw new RangeError('nodes must be an integer ≥ 2');
    this.#opts = opts;
    this.overlay = new SimOverlay({
      seed: opts.seed ?? 1,
      ...(opts.latency === undefined ? {} : { latency: opts.latency }),
      ...(opts.loss === undefined ? {} : { loss: opts.loss }),
      ...(opts.node === undefined ? {} : { node: opts.node }),
      bootstrapPeers: opts.bootstrapPeers ?? Math.min(8, Math.max(1, Math.floor(opts.nodes / 1000))),
    });
    this.lookups = new Lookups(this.overlay);
  }

  get now(): number {
    return this.overlay.now;
  }

  get departures(): number {
    return this.#departures;
  }

  /** Where the virtual time and the events went, phase by phase, in order. */
  get phases(): readonly PhaseCost[] {
    return this.#phases;
  }

  /** Virtual time the build phase takes (for progress reports). */
  get buildTime(): number {
    if (this.#opts.start === 'bulk') return this.#opts.settle ?? SIM_TIMING.settle;
    const rate = this.#opts.joinRate ?? Math.max(20, this.#opts.nodes / 100);
    return (this.#opts.nodes / rate) * second + (this.#opts.settle ?? SIM_TIMING.settle);
  }

  /** Advances virtual time in one-second steps, reporting progress. */
  advance(until: number, phase = this.#phase): void {
    this.#phase = phase;
    const net = this.overlay.net;
    let cost = this.#phases[this.#phases.length - 1];
    if (cost?.phase !== phase) {
      cost = { phase, virtualMs: 0, events: 0 };
      this.#phases.push(cost);
    }
    const t0 = net.now;
    const e0 = net.counters.events;
    while (net.now < until) {
      net.run(Math.min(until, net.now + second));
      this.#opts.onProgress?.(phase, net.now);
    }
    cost.virtualMs += net.now - t0;
    cost.events += net.counters.events - e0;
  }

  /**
   * Bootstrap peers first, a second apart; then the rest join as a Poisson process. With `start: 'bulk'`
   * every peer starts at once from the oracle's routing state instead (bulk-start.ts).
   */
  build(): void {
    const o = this.overlay;
    const n = this.#opts.nodes;
    const k = Math.min(n, Math.max(1, o.bootstrapCount));
    if (this.#opts.start === 'bulk') {
      bulkStart(o, n);
      this.advance(o.now + (this.#opts.settle ?? SIM_TIMING.settle), 'build');
      return;
    }
    const rate = this.#opts.joinRate ?? Math.max(20, n / 100);
    let t = o.now;
    for (let i = 0; i < n; i++) {
      o.net.schedule(t, () => o.start(o.createNode()));
      t += i < k ? second : randomExponential(o.random, second / rate);
    }
    this.advance(t + (this.#opts.settle ?? SIM_TIMING.settle), 'build');
  }

  /** Issues `count` lookups spread over `window` ms, then waits until every one is answered or has failed. */
  measure(window: number, count: number, phase = 'measure'): Measurement {
    const o = this.overlay;
    o.monitor.reset();
    o.takeNodeTime();
    const start = o.now;
    // Exactly `count` lookups, one at a random moment in each of `count` equal slices of the window.
    for (let i = 0; i < count; i++) {
      o.net.schedule(start + (window * (i + o.random.float())) / count, () => this.lookups.issue());
    }
    this.advance(start + window, phase);
    const traffic = o.monitor.reset();
    const nodeMs = o.takeNodeTime();
    this.advance(o.now + SIM_TIMING.drain, phase);
    const outcomes = this.lookups.take();
    return {
      lookups: summarize(outcomes),
      abandoned: count - outcomes.length,
      maintenance: maintenanceOf(traffic, nodeMs),
    };
  }

  /** Kills a fraction of the joined peers at once, silently (bootstrap peers excepted); returns how many. */
  fail(fraction: number): number {
    const o = this.overlay;
    const boot = new Set(o.bootstrap);
    const candidates = o.joined.filter((ep) => !boot.has(ep));
    const n = Math.min(candidates.length, Math.round(fraction * o.joined.length));
    // A partial Fisher–Yates shuffle picks the victims.
    for (let i = 0; i < n; i++) {
      const j = i + (o.random.u32() % (candidates.length - i));
      const a = candidates[i] as SimEndpoint;
      candidates[i] = candidates[j] as SimEndpoint;
      candidates[j] = a;
    }
    for (const ep of candidates.slice(0, n)) o.kill(ep);
    return n;
  }

  /**
   * Starts churn: every peer (bootstrap peers excepted) departs after a session drawn from `d`, and a
   * fresh peer joins in its place at once, so the population stays the same.
   */
  startChurn(d: SessionDistribution, departure: 'kill' | 'crash' | 'leave' = 'kill'): void {
    this.#churn = d;
    this.#departure = departure;
    const boot = new Set(this.overlay.bootstrap);
    for (const ep of this.overlay.net.endpoints) if (ep.state === 'up' && !boot.has(ep)) this.#session(ep);
  }

  stopChurn(): void {
    this.#churn = undefined;
  }

  #session(ep: SimEndpoint): void {
    const o = this.overlay;
    const d = this.#churn;
    if (d === undefined) return;
    o.net.schedule(o.now + drawSession(d, o.random), () => {
      if (this.#churn === undefined || ep.state !== 'up') return;
      this.#departures++;
      if (this.#departure === 'crash') o.crash(ep);
      else if (this.#departure === 'leave') o.leave(ep);
      else o.kill(ep);
      const fresh = o.createNode();
      o.start(fresh);
      this.#session(fresh);
    });
  }

  /** Joined peers whose first successor is not the next live joined peer on the oracle ring. */
  wrongSuccessors(): number {
    const o = this.overlay;
    const ids = o.ring.ids;
    let wrong = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const ep = id === undefined ? undefined : o.endpointOf(id);
      if (ep?.host.chord.table.successors[0] !== ids[(i + 1) % ids.length]) wrong++;
    }
    return wrong;
  }
}

export function maintenanceOf(t: TrafficCounters, nodeMs: number): MaintenanceSummary {
  const nodeSec = Math.max(1e-9, nodeMs / second);
  const byMessage: Record<string, { messages: number; bytes: number }> = {};
  const codes = [...t.byCode.keys()].sort((a, b) => a - b);
  for (const code of codes) {
    const v = t.byCode.get(code) as { messages: number; bytes: number };
    const name = MessageCode.nameOf(code) ?? (code === 0 ? 'fragment' : `0x${code.toString(16)}`);
    byMessage[name] = { messages: round(v.messages / nodeSec, 4), bytes: round(v.bytes / nodeSec, 2) };
  }
  return {
    bytesPerNodePerSec: round((t.bytes - t.workloadBytes) / nodeSec, 1),
    messagesPerNodePerSec: round((t.dataFrames - t.workloadFrames) / nodeSec, 3),
    byMessage,
  };
}
