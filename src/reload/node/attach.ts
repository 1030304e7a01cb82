import { second } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import type { NodeId } from '../../core/ids.js';
import { ipFamily } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { type Random, randomU64 } from '../../core/random.js';
import { TimerTable } from '../../core/timer-table.js';
import { CodecError, decode, encode } from '../../wire/index.js';
import { type AttachReqAns, attachReqAns, type IceCandidate } from '../messages/attach.js';
import { ErrorCode, MessageCode, OverlayLinkType } from '../messages/codes.js';
import type { Destination, IpAddressPort } from '../messages/common.js';
import type { LinkId } from '../routing/types.js';
import type { AttachResult } from '../topology/chord/host.js';
import type { MessageTransport } from './message-transport.js';
import type { IncomingRequest } from './types.js';

/**
 * Attach for No-ICE overlays (RFC 6940 §6.5.1 with the TLS-TCP-FH-NO-ICE link type): the node that sends
 * the Attach offers a passive candidate (its listening address) and is the TLS server; the node that
 * answers connects to that candidate as TLS client and must find the requester's Node-ID in the
 * certificate. Attach only opens a link: it puts nobody in the routing table (RFC 6940 §6.5.1).
 */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface AttachServiceOptions {
  /** Where this node accepts TLS connections (its passive host candidate). */
  readonly listen: HostPort;
  /** How long to wait for the answerer's connection after its answer. */
  readonly linkTimeout?: number;
}

export interface AttachEvents {
  /** The requester asked (send_update) for our routing state once the link is up (RFC 6940 §6.5.1). */
  'send-update': { readonly peer: NodeId };
  /** A peer's signed Attach (request or answer) named where it accepts links: its passive candidate. */
  candidate: { readonly peer: NodeId; readonly address: HostPort };
  [event: string]: unknown;
}

type Callback = (r: AttachResult) => void;

/** RFC 5245 §4.1.2.1 priority of a host candidate: type preference 126, local preference 65535, component 1. */
const HOST_PRIORITY = (126 << 24) + (65535 << 8) + (256 - 1);

export function hostCandidate(listen: HostPort): IceCandidate {
  const addrPort: IpAddressPort =
    ipFamily(listen.host) === 6
      ? { family: 'ipv6', address: listen.host, port: listen.port }
      : { family: 'ipv4', address: listen.host, port: listen.port };
  return {
    addrPort,
    overlayLink: OverlayLinkType.TLS_TCP_FH_NO_ICE,
    foundation: '1',
    priority: HOST_PRIORITY >>> 0,
    type: 'host',
    extensions: [],
  };
}

export class AttachService {
  readonly events = new TypedEmitter<AttachEvents>();
  readonly #t: MessageTransport;
  readonly #opts: AttachServiceOptions;
  readonly #random: Random;
  readonly #log: Logger;
  /** Answered Attaches waiting for the answerer's TLS connection, by answerer. */
  readonly #awaiting = new Map<NodeId, Callback[]>();
  /** Our own Attaches still unanswered, by target Node-ID (for the glare rule). */
  readonly #outgoing = new Set<NodeId>();
  /** Requesters that asked for an Update once their link is up. */
  readonly #wantUpdate = new Set<NodeId>();
  readonly #timers = new TimerTable<NodeId>();

  constructor(transport: MessageTransport, opts: AttachServiceOptions, random: Random, log: Logger) {
    this.#t = transport;
    this.#opts = opts;
    this.#random = random;
    this.#log = log;
  }

  #body(role: 'passive' | 'active', sendUpdate: boolean): Uint8Array {
    const creds = (): string => randomU64(this.#random).toString(36);
    const b: AttachReqAns = {
      ufrag: creds(),
      password: creds() + creds(),
      role,
      candidates: [hostCandidate(this.#opts.listen)],
      sendUpdate,
    };
    return encode(attachReqAns, b, this.#t.codecContext);
  }

  /** Sends an Attach and calls back once a link to the answering node is up. */
  attach(
    destination: readonly Destination[],
    opts: { sendUpdate: boolean; via?: LinkId },
    callback: Callback,
    now: number,
  ): void {
    const last = destination[destination.length - 1];
    const target = last?.type === 'node' ? last.id : undefined;
    if (target !== undefined) this.#outgoing.add(target);
    this.#t.request(
      {
        destination,
        code: MessageCode.attach_req,
        body: this.#body('passive', opts.sendUpdate),
        ...(opts.via === undefined ? {} : { via: opts.via }),
      },
      now,
      (r) => {
        if (target !== undefined) this.#outgoing.delete(target);
        // Error_In_Progress: the other side won the glare and is connecting to us itself.
        const peer = r.ok
          ? r.signer.nodeId
          : r.errorCode === ErrorCode.Error_In_Progress
            ? target
            : undefined;
        if (peer === undefined) {
          callback({ ok: false, reason: r.ok ? 'answer without a Node-ID' : r.reason });
          return;
        }
        if (r.ok) this.#learnFromAnswer(peer, r.body);
        if (this.#t.connections.isUsable(peer)) {
          callback({ ok: true, peer });
          return;
        }
        const list = this.#awaiting.get(peer) ?? [];
        list.push(callback);
        this.#awaiting.set(peer, list);
        if (!this.#timers.has(peer)) this.#timers.set(peer, now + (this.#opts.linkTimeout ?? 10 * second));
      },
    );
  }

  /** The attach_req handler. */
  onAttach(req: IncomingRequest): void {
    const body = decode(attachReqAns, req.body, this.#t.codecContext, 'AttachReqAns');
    const requester = req.signer.nodeId;
    if (requester === this.#t.localId) {
      req.error(ErrorCode.Error_Forbidden, 'Attach from ourselves or without a Node-ID');
      return;
    }
    // RFC 6940 §6.5.1.2 glare: while our own Attach to the requester is unanswered, the larger Node-ID
    // answers Error_In_Progress and waits for its own exchange; the smaller one answers normally.
    if (this.#outgoing.has(requester) && this.#t.localId > requester) {
      req.error(ErrorCode.Error_In_Progress, 'Attach in progress from the other side');
      return;
    }
    const candidate = body.candidates.find(
      (c) => c.overlayLink === OverlayLinkType.TLS_TCP_FH_NO_ICE && c.addrPort.family !== 'unknown',
    );
    if (candidate === undefined || candidate.addrPort.family === 'unknown') {
      // RFC 6940 §6.5.1: a No-ICE overlay needs a TLS-TCP-FH-NO-ICE candidate; nothing to connect to.
      req.error(ErrorCode.Error_Incompatible_with_Overlay, 'no TLS-TCP-FH-NO-ICE candidate');
      return;
    }
    req.answer(this.#body('active', false));
    this.events.emit('candidate', {
      peer: requester,
      address: { host: candidate.addrPort.address, port: candidate.addrPort.port },
    });
    if (body.sendUpdate) this.#wantUpdate.add(requester);
    if (this.#t.connections.isUsable(requester)) {
      this.#linkReady(requester);
      return;
    }
    const { address, port } = candidate.addrPort;
    this.#log.debug({ peer: requester.toString(16), address, port }, 'attach: connecting to requester');
    this.#t.connect(address, port, requester, 'attach', req.now);
  }

  /** The answerer's own candidate (an answer we cannot read still opens the link: it is only lost). */
  #learnFromAnswer(peer: NodeId, body: Uint8Array): void {
    let answer: AttachReqAns;
    try {
      answer = decode(attachReqAns, body, this.#t.codecContext, 'AttachReqAns');
    } catch (e) {
      if (e instanceof CodecError) return;
      throw e;
    }
    const c = answer.candidates.find((x) => x.overlayLink === OverlayLinkType.TLS_TCP_FH_NO_ICE);
    if (c === undefined || c.addrPort.family === 'unknown') return;
    this.events.emit('candidate', { peer, address: { host: c.addrPort.address, port: c.addrPort.port } });
  }

  /** A link to `peer` came up: complete waiting Attaches and send a requested Update. */
  onLinkUp(peer: NodeId): void {
    this.#linkReady(peer);
  }

  #linkReady(peer: NodeId): void {
    const waiting = this.#awaiting.get(peer);
    if (waiting !== undefined) {
      this.#awaiting.delete(peer);
      this.#timers.clear(peer);
      for (const cb of waiting) cb({ ok: true, peer });
    }
    if (this.#wantUpdate.delete(peer)) this.events.emit('send-update', { peer });
  }

  handleTimeout(now: number): void {
    for (const peer of this.#timers.expire(now)) {
      const waiting = this.#awaiting.get(peer);
      this.#awaiting.delete(peer);
      if (waiting === undefined) continue;
      const ok = this.#t.connections.isUsable(peer);
      for (const cb of waiting)
        cb(ok ? { ok: true, peer } : { ok: false, reason: 'the answerer never connected' });
    }
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }
}
