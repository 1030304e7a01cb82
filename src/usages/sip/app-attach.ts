import { second } from '../../core/clock.js';
import type { NodeId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { type Random, randomU64 } from '../../core/random.js';
import { TimerTable } from '../../core/timer-table.js';
import { type AppAttachReq, appAttachAns, appAttachReq } from '../../reload/messages/app-attach.js';
import { ApplicationId, ErrorCode, MessageCode, OverlayLinkType } from '../../reload/messages/codes.js';
import type { Destination } from '../../reload/messages/common.js';
import { type HostPort, hostCandidate } from '../../reload/node/attach.js';
import type { IncomingRequest, RequestResult, RequestSpec } from '../../reload/node/types.js';
import { decode, encode } from '../../wire/index.js';

/**
 * AppAttach for SIP (RFC 6940 §6.5.2, RFC 7904 §4): the SIP connection between two adapters. As with
 * Attach in a No-ICE overlay, the requester offers its passive candidate (its SIP application listener)
 * and acts as TLS server; the answerer connects to it as TLS client, and each side checks the other's
 * certificate carries the Node-ID it expects (RFC 7904 §4: the answerer's must be the last entry of the
 * destination list). A connection is reused for every later request between the two adapters while it
 * lives. Sans-I/O: the platform opens the TLS connections this asks for and reports them up and down.
 */
export interface AppAttachHost {
  readonly localId: NodeId;
  request(spec: RequestSpec, callback: (r: RequestResult) => void): void;
}

export interface AppAttachOptions {
  /** Where this node accepts SIP application connections. */
  readonly listen: HostPort;
  /** How long a requester waits for the answerer to connect. */
  readonly connectTimeout?: number;
}

/** Open a TLS connection as client to an answerer's requester (RFC 6940 §6.5.2: the answerer connects). */
export interface AppConnectOutput {
  readonly type: 'app-connect';
  /** The connection id the platform must report back with `connectionUp`/`connectionDown`. */
  readonly connection: string;
  readonly host: string;
  readonly port: number;
  /** The requester's Node-ID: its certificate must carry it. */
  readonly expected: NodeId;
}

export type AppConnectResult =
  | { readonly ok: true; readonly connection: string; readonly peer: NodeId }
  | { readonly ok: false; readonly reason: string };

type Callback = (r: AppConnectResult) => void;

export class SipAppAttach {
  readonly #host: AppAttachHost;
  readonly #opts: AppAttachOptions;
  readonly #random: Random;
  readonly #log: Logger;
  /** Live connections by peer (either direction). */
  readonly #byPeer = new Map<NodeId, string>();
  readonly #peerOf = new Map<string, NodeId>();
  /** Requesters waiting for an answerer's connection, by answerer. */
  readonly #waiting = new Map<NodeId, Callback[]>();
  readonly #timers = new TimerTable<NodeId>();
  #outputs: AppConnectOutput[] = [];
  #nextId = 1;
  #now = 0;

  constructor(host: AppAttachHost, opts: AppAttachOptions, random: Random, log: Logger) {
    this.#host = host;
    this.#opts = opts;
    this.#random = random;
    this.#log = log;
  }

  /** The live connection to a peer, if any. */
  connectionTo(peer: NodeId): string | undefined {
    return this.#byPeer.get(peer);
  }

  get connectionCount(): number {
    return this.#peerOf.size;
  }

  #body(role: 'passive' | 'active'): Uint8Array {
    const creds = (): string => randomU64(this.#random).toString(36);
    const body: AppAttachReq = {
      ufrag: creds(),
      password: creds() + creds(),
      application: ApplicationId.SIP,
      role,
      candidates: [hostCandidate(this.#opts.listen)],
    };
    return encode(appAttachReq, body);
  }

  /**
   * A SIP connection to the node at the end of `destination` (RFC 7904 §4): reused if one is up, else an
   * AppAttach routed along the destination list, then the answerer's connection.
   */
  open(destination: readonly Destination[], now: number, callback: Callback): void {
    this.#now = now;
    const last = destination[destination.length - 1];
    const target = last?.type === 'node' ? last.id : undefined;
    const existing = target === undefined ? undefined : this.#byPeer.get(target);
    if (target !== undefined && existing !== undefined) {
      callback({ ok: true, connection: existing, peer: target });
      return;
    }
    if (target !== undefined && this.#waiting.has(target)) {
      this.#waiting.get(target)?.push(callback);
      return;
    }
    if (target !== undefined) this.#waiting.set(target, [callback]);
    this.#host.request({ destination, code: MessageCode.app_attach_req, body: this.#body('passive') }, (r) =>
      this.#onAnswer(r, target, callback),
    );
  }

  #onAnswer(r: RequestResult, target: NodeId | undefined, callback: Callback): void {
    if (!r.ok) {
      this.#fail(target, callback, r.reason);
      return;
    }
    const peer = r.signer.nodeId;
    // RFC 7904 §4: the answer must come from the node at the end of the destination list.
    if (target !== undefined && peer !== target) {
      this.#fail(target, callback, 'AppAttach answered by another node than the destination');
      return;
    }
    decode(appAttachAns, r.body, undefined, 'AppAttachAns');
    const live = this.#byPeer.get(peer);
    if (live !== undefined) {
      this.#resolve(peer, { ok: true, connection: live, peer }, callback);
      return;
    }
    if (target === undefined) this.#waiting.set(peer, [callback]);
    this.#timers.set(peer, this.#now + (this.#opts.connectTimeout ?? 10 * second));
  }

  #fail(target: NodeId | undefined, callback: Callback, reason: string): void {
    if (target === undefined) {
      callback({ ok: false, reason });
      return;
    }
    const waiting = this.#waiting.get(target) ?? [callback];
    this.#waiting.delete(target);
    this.#timers.clear(target);
    for (const cb of waiting) cb({ ok: false, reason });
  }

  #resolve(peer: NodeId, result: AppConnectResult, fallback?: Callback): void {
    const waiting = this.#waiting.get(peer) ?? (fallback === undefined ? [] : [fallback]);
    this.#waiting.delete(peer);
    this.#timers.clear(peer);
    for (const cb of waiting) cb(result);
  }

  /** The app_attach_req handler (RFC 6940 §6.5.2.2). */
  onAppAttach(req: IncomingRequest): void {
    this.#now = req.now;
    const body = decode(appAttachReq, req.body, undefined, 'AppAttachReq');
    // RFC 6940 §6.5.2.2: an application we do not serve is answered with Error_Not_Found.
    if (body.application !== ApplicationId.SIP && body.application !== ApplicationId.SIPS) {
      req.error(ErrorCode.Error_Not_Found, `application ${body.application} is not served here`);
      return;
    }
    const requester = req.signer.nodeId;
    const c = body.candidates.find(
      (x) => x.overlayLink === OverlayLinkType.TLS_TCP_FH_NO_ICE && x.addrPort.family !== 'unknown',
    );
    if (c === undefined || c.addrPort.family === 'unknown') {
      req.error(ErrorCode.Error_Incompatible_with_Overlay, 'no TLS-TCP-FH-NO-ICE candidate');
      return;
    }
    // appAttachAns has the layout of appAttachReq (RFC 6940 §6.5.2.2).
    req.answer(this.#body('active'));
    if (this.#byPeer.has(requester)) return;
    const connection = `app:out${this.#nextId++}`;
    this.#log.debug({ peer: requester.toString(16), connection }, 'app-attach: connecting to requester');
    this.#outputs.push({
      type: 'app-connect',
      connection,
      host: c.addrPort.address,
      port: c.addrPort.port,
      expected: requester,
    });
  }

  /** The platform established a SIP application connection (accepted or our own) with `peer`. */
  connectionUp(connection: string, peer: NodeId): void {
    this.#peerOf.set(connection, peer);
    this.#byPeer.set(peer, connection);
    this.#resolve(peer, { ok: true, connection, peer });
  }

  connectionDown(connection: string): void {
    const peer = this.#peerOf.get(connection);
    this.#peerOf.delete(connection);
    if (peer !== undefined && this.#byPeer.get(peer) === connection) {
      this.#byPeer.delete(peer);
      for (const [c, p] of this.#peerOf) {
        if (p === peer) {
          this.#byPeer.set(peer, c);
          break;
        }
      }
    }
  }

  pollOutput(): AppConnectOutput | undefined {
    return this.#outputs.shift();
  }

  handleTimeout(now: number): void {
    this.#now = now;
    for (const peer of this.#timers.expire(now)) {
      this.#resolve(peer, { ok: false, reason: 'the callee adapter never connected' });
    }
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }
}
