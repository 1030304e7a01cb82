import { errorMessage } from '../../core/errors.js';
import type { NodeId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { DrivableNode, NodeOutput } from '../../reload/node/types.js';
import type { LinkId } from '../../reload/routing/types.js';
import type { LinkEvents } from './tls-host.js';

/**
 * Drives a sans-I/O ReloadNode with real time (DESIGN §2): every input (a link event, a timer) goes in with
 * `now`, then the node's outputs are carried out and ONE timer is set to its next deadline. The node never
 * sees a socket or a timer; this file never decides anything about RELOAD.
 */
export interface DrivenNode extends DrivableNode {
  start(now: number): void;
  stop(now: number, done: () => void): void;
}

/** What carries out the node's link outputs (tls-host.ts, or a test double). */
export interface LinkHost {
  connect(link: LinkId, host: string, port: number, expected: NodeId | undefined): void;
  write(link: LinkId, bytes: Uint8Array): void;
  close(link: LinkId, reason: string): void;
}

/** The timer functions, injectable so tests can run the driver on a fake clock. */
export interface DriverTimers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
  /** Runs `callback` after the I/O that is already waiting (setImmediate). */
  afterIo(callback: () => void): void;
}

export interface DriverOptions {
  readonly log: Logger;
  /** Milliseconds since the epoch (RELOAD puts wall-clock time on the wire, RFC 6940 §6.3.3.1). */
  readonly clock?: () => number;
  readonly timers?: DriverTimers;
}

/** setTimeout's largest delay; a later deadline is re-armed when this one fires. */
const MAX_DELAY = 2 ** 31 - 1;

const REAL_TIMERS: DriverTimers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
  afterIo: (callback) => void setImmediate(callback),
};

export class NodeDriver implements LinkEvents {
  readonly #node: DrivenNode;
  readonly #host: LinkHost;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #timers: DriverTimers;
  #timer: unknown;
  #armedFor: number | undefined;
  #lastNow = 0;
  #depth = 0;
  #stopped = false;
  /** Exceptions the node threw: each is a bug, logged at error level and counted for /status and /metrics. */
  internalErrors = 0;

  constructor(node: DrivenNode, host: LinkHost, options: DriverOptions) {
    this.#node = node;
    this.#host = host;
    this.#log = options.log;
    this.#clock = options.clock ?? Date.now;
    this.#timers = options.timers ?? REAL_TIMERS;
  }

  /** Time never runs backwards for the node, even when the wall clock is stepped back. */
  now(): number {
    this.#lastNow = Math.max(this.#lastNow, this.#clock());
    return this.#lastNow;
  }

  /**
   * Runs one input into the node, then carries out its outputs and re-arms the timer. An exception from
   * the node is a bug: it is logged with its stack and counted, and the peer keeps serving.
   */
  run<T>(what: string, input: (now: number) => T): T | undefined {
    this.#depth++;
    let result: T | undefined;
    try {
      result = input(this.now());
    } catch (e) {
      this.#bug(what, e);
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) this.#pumpAndArm();
    return result;
  }

  start(): void {
    this.run('start', (now) => this.#node.start(now));
  }

  /** Leaves the overlay (RFC 6940 §10.8 via the node) and resolves once the node has closed its links. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#stopped = true;
        this.#disarm();
        resolve();
      };
      const asked = this.run('stop', (now) => {
        this.#node.stop(now, done);
        return true;
      });
      // A node that threw while stopping will never call back: stop driving it anyway.
      if (asked !== true) done();
    });
  }

  // ---- LinkEvents (from the TLS host) --------------------------------------------------------------

  connected(link: LinkId, peerIds: readonly NodeId[]): void {
    this.run('link up', (now) => this.#node.linkUp(link, peerIds, now));
  }

  /**
   * The host binds the new link id to its socket only when this returns, and the node may already have
   * written to that link (an Update, an Attach answer): its outputs are carried out just after.
   */
  accepted(peerIds: readonly NodeId[]): LinkId | undefined {
    this.#depth++;
    let link: LinkId | undefined;
    try {
      link = this.run('accept', (now) => this.#node.accept(peerIds, now));
    } finally {
      this.#depth--;
    }
    queueMicrotask(() => {
      if (this.#depth === 0) this.#pumpAndArm();
    });
    return link;
  }

  data(link: LinkId, bytes: Uint8Array): void {
    this.run('link data', (now) => this.#node.linkData(link, bytes, now));
  }

  closed(link: LinkId, reason: string): void {
    this.run('link closed', (now) => this.#node.linkClosed(link, reason, now));
  }

  // ---- outputs and the timer -----------------------------------------------------------------------

  #pumpAndArm(): void {
    for (;;) {
      let o: NodeOutput | undefined;
      try {
        o = this.#node.pollOutput();
      } catch (e) {
        this.#bug('poll output', e);
        break;
      }
      if (o === undefined) break;
      try {
        this.#apply(o);
      } catch (e) {
        this.#bug(`carrying out ${o.type}`, e);
      }
    }
    if (!this.#stopped) this.#arm();
  }

  #apply(o: NodeOutput): void {
    switch (o.type) {
      case 'transmit':
        this.#host.write(o.link, o.bytes);
        return;
      case 'connect':
        this.#host.connect(o.link, o.host, o.port, o.expected);
        return;
      case 'close':
        this.#host.close(o.link, o.reason);
        return;
    }
  }

  #arm(): void {
    let deadline: number | undefined;
    try {
      deadline = this.#node.nextDeadline();
    } catch (e) {
      this.#bug('next deadline', e);
    }
    if (deadline === this.#armedFor && this.#timer !== undefined) return;
    this.#disarm();
    if (deadline === undefined) return;
    const delay = Math.min(MAX_DELAY, Math.max(0, deadline - this.now()));
    this.#armedFor = deadline;
    const handle = this.#timers.set(() => {
      // Read what already arrived first: after a long burst of work an expired liveness timer must see
      // the acks waiting in the socket, or a healthy link would be judged suspect (RFC 6940 §6.6.3).
      this.#timers.afterIo(() => {
        if (this.#timer === handle) {
          this.#timer = undefined;
          this.#armedFor = undefined;
        }
        this.run('timeout', (now) => this.#node.handleTimeout(now));
      });
    }, delay);
    this.#timer = handle;
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timers.clear(this.#timer);
    this.#timer = undefined;
    this.#armedFor = undefined;
  }

  /** The deadline the one timer is set for (undefined: no timer), for tests and /status. */
  get armedFor(): number | undefined {
    return this.#armedFor;
  }

  #bug(what: string, e: unknown): void {
    this.internalErrors++;
    this.#log.error(
      { err: e instanceof Error ? e : new Error(errorMessage(e)), during: what },
      'internal error (a bug): the peer keeps running',
    );
  }
}
