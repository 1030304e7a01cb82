import { bytesEqual } from '../../core/bytes.js';
import { TypedEmitter } from '../../core/events.js';
import type { NodeId, TransactionId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Random } from '../../core/random.js';
import { TimerTable } from '../../core/timer-table.js';
import { type CodecContext, CodecError, encode } from '../../wire/index.js';
import { StreamLink } from '../link/stream-link.js';
import { ErrorCode, isRequestCode, RELOAD_VERSION } from '../messages/codes.js';
import type { Destination } from '../messages/common.js';
import { type MessageContents, messageContents } from '../messages/contents.js';
import {
  decodeForwarded,
  encodeForwarded,
  type ForwardingHeader,
  parseFragment,
  UNFRAGMENTED,
} from '../messages/header.js';
import { decodePayload } from '../messages/message.js';
import { type GenericCertificate, type SecurityBlock, securityBlock } from '../messages/security.js';
import { route } from '../routing/forwarder.js';
import { fragmentPayload, Reassembler } from '../routing/fragments.js';
import type { LinkId, RoutingEnv } from '../routing/types.js';
import type { Signer } from '../security/signer.js';
import { type Connection, type ConnectionPurpose, ConnectionTable, resolveDuplicate } from './connections.js';
import type { MessageSecurity, TopologyRouting } from './ports.js';
import { Requester } from './requester.js';
import { Responder } from './responder.js';
import {
  type LocalDelivery,
  type OriginateResult,
  peekCode,
  type RoutedMessage,
  type Sender,
} from './sender.js';
import { TransportStats } from './stats.js';
import type { NodeOutput, RequestHandler, RequestResult, RequestSpec } from './types.js';

const SENT: OriginateResult = { status: 'sent' };
/** How long a duplicate link stays open so that messages already sent on it arrive (ms). */
const DUPLICATE_LINK_GRACE = 2000;

/**
 * RFC 6940 §5's Message Transport and Forwarding & Link Management layers as one sans-I/O core:
 * TLS-link byte streams and `now` in; bytes to write, connections to open and close out. This file is
 * the forwarding core (links, routing, fragments, local delivery); requester.ts and responder.ts are
 * the two ends of a transaction.
 */
export interface MessageTransportOptions {
  readonly overlayHash: number;
  readonly configurationSequence: number;
  readonly nodeIdLength: number;
  readonly initialTtl: number;
  readonly maxMessageSize: number;
  readonly reliabilityTimer: number;
  /** Fragment messages larger than this on every link (RFC 6940 §6.7); undefined = never. */
  readonly fragmentSize?: number;
  readonly linkFailureGrace?: number;
  readonly minRto?: number;
}

export interface MessageTransportDeps {
  readonly localId: NodeId;
  readonly security: MessageSecurity;
  readonly random: Random;
  readonly log: Logger;
  readonly topology: TopologyRouting;
}

export interface TransportEvents {
  'link-up': { readonly link: LinkId; readonly peer: NodeId; readonly purpose: ConnectionPurpose };
  'link-down': { readonly link: LinkId; readonly peer: NodeId | undefined; readonly reason: string };
  'link-suspect': { readonly link: LinkId; readonly peer: NodeId | undefined; readonly suspect: boolean };
  [event: string]: unknown;
}

export class MessageTransport {
  readonly connections = new ConnectionTable();
  readonly events = new TypedEmitter<TransportEvents>();
  readonly stats = new TransportStats();
  readonly localId: NodeId;
  readonly responder: Responder;
  readonly #requester: Requester;
  readonly #opts: MessageTransportOptions;
  readonly #deps: MessageTransportDeps;
  readonly #ctx: CodecContext;
  readonly #env: RoutingEnv;
  readonly #reassembler: Reassembler;
  readonly #linkTimers = new TimerTable<LinkId>();
  /** Duplicate links to close once their grace is over (see resolveDuplicate). */
  readonly #duplicates = new TimerTable<LinkId>();
  #outputs: NodeOutput[] = [];
  #loopback: LocalDelivery[] = [];
  #pumping = false;
  #clock = 0;

  constructor(opts: MessageTransportOptions, deps: MessageTransportDeps) {
    this.#opts = opts;
    this.#deps = deps;
    this.localId = deps.localId;
    this.#ctx = { nodeIdLength: opts.nodeIdLength };
    this.#reassembler = new Reassembler({ maxMessageSize: opts.maxMessageSize });
    const { topology } = deps;
    const conns = this.connections;
    this.#env = {
      localId: deps.localId,
      nodeIdLength: opts.nodeIdLength,
      overlay: opts.overlayHash,
      initialTtl: opts.initialTtl,
      isResponsible: (r) => topology.isResponsible(r),
      coversNodeId: (id) => topology.coversNodeId(id),
      // A suspect link (no ack within one RTO, RFC 6940 §6.6.3) is avoided, not abandoned: when it is the
      // only way, it still carries the message (TCP delivers it once the peer catches up) instead of the
      // request failing at once, which is what a busy peer's slow acks would otherwise cause.
      linkTo: (id) => (conns.isUp(id) ? conns.linkTo(id) : undefined),
      nextHopToward: (t, exclude) =>
        topology.nextHopToward(t, (id) => conns.isUsable(id), exclude) ??
        topology.nextHopToward(t, (id) => conns.isUp(id), exclude),
    };
    const sender = this.#sender();
    this.#requester = new Requester(sender, deps.random, opts.reliabilityTimer);
    this.responder = new Responder(sender, opts.configurationSequence);
  }

  get codecContext(): CodecContext {
    return this.#ctx;
  }

  get configurationSequence(): number {
    return this.responder.configurationSequence;
  }

  setConfigurationSequence(n: number): void {
    this.responder.configurationSequence = n;
  }

  get pendingRequests(): number {
    return this.#requester.pendingCount;
  }

  /** Registers the handler for one request code (one handler per message code). */
  handle(code: number, handler: RequestHandler): void {
    this.responder.handle(code, handler);
  }

  /** Sends a request; `callback` gets exactly one answer, error or timeout. */
  request(spec: RequestSpec, now: number, callback: (r: RequestResult) => void): TransactionId {
    this.#clock = now;
    const id = this.#requester.request(spec, now, callback);
    this.#pump(now);
    return id;
  }

  // ---- driver inputs -------------------------------------------------------------------------------

  /** Asks the driver to open a TLS connection (as client) and returns its link id. */
  connect(
    host: string,
    port: number,
    expected: NodeId | undefined,
    purpose: ConnectionPurpose,
    now: number,
  ): LinkId {
    const id = this.connections.allocate();
    this.connections.add(this.#connection(id, purpose, expected, now));
    this.#outputs.push({ type: 'connect', link: id, host, port, expected });
    return id;
  }

  /**
   * The driver finished TLS on an outgoing connection; `peerIds` are the Node-IDs of the authenticated
   * certificate. Returns false (and asks to close) when it is not the node we expected (RFC 6940 §6.5.1:
   * each side checks that the certificate matches the Node-ID it expected).
   */
  linkUp(link: LinkId, peerIds: readonly NodeId[], now: number): boolean {
    this.#clock = now;
    const c = this.connections.get(link);
    if (c === undefined || c.state !== 'connecting') return false;
    if (c.expected !== undefined && !peerIds.includes(c.expected)) {
      this.#close(c, 'certificate does not carry the expected Node-ID');
      return false;
    }
    const peer = c.expected ?? peerIds[0];
    if (peer === undefined || peer === this.localId) {
      this.#close(c, peer === undefined ? 'certificate carries no Node-ID' : 'connected to ourselves');
      return false;
    }
    this.#bringUp(c, peer, now);
    return true;
  }

  /** The driver accepted an incoming TLS connection from a peer with these Node-IDs. */
  accept(peerIds: readonly NodeId[], now: number): LinkId | undefined {
    this.#clock = now;
    const peer = peerIds[0];
    if (peer === undefined || peer === this.localId) return undefined;
    const c = this.#connection(this.connections.allocate(), 'accepted', undefined, now);
    this.connections.add(c);
    this.#bringUp(c, peer, now);
    return c.id;
  }

  /** Bytes read from a link's TLS stream. */
  linkData(link: LinkId, bytes: Uint8Array, now: number): void {
    this.#clock = now;
    const c = this.connections.get(link);
    if (c?.link === undefined) return;
    this.stats.bytesIn += bytes.length;
    c.lastHeardAt = now;
    c.link.receive(bytes, now);
    this.#flushLink(c, now);
    this.#pump(now);
  }

  /** The driver's connection closed or could not be opened. */
  linkClosed(link: LinkId, reason: string, now: number): void {
    this.#clock = now;
    const c = this.connections.get(link);
    if (c !== undefined) this.#drop(c, reason);
  }

  /** Closes a link on the node's own initiative. */
  closeLink(link: LinkId, reason: string): void {
    const c = this.connections.get(link);
    if (c !== undefined) this.#close(c, reason);
  }

  handleTimeout(now: number): void {
    this.#clock = now;
    for (const id of this.#linkTimers.expire(now)) {
      const c = this.connections.get(id);
      if (c?.link === undefined) continue;
      c.link.handleTimeout(now);
      this.#flushLink(c, now);
    }
    for (const id of this.#duplicates.expire(now)) {
      const c = this.connections.get(id);
      if (c !== undefined) this.#close(c, 'duplicate link to the same peer');
    }
    this.#requester.handleTimeout(now);
    this.#reassembler.handleTimeout(now);
    this.responder.handleTimeout(now);
    this.#pump(now);
  }

  nextDeadline(): number | undefined {
    return earliest(
      earliest(this.#linkTimers.nextDeadline(), this.#duplicates.nextDeadline()),
      earliest(
        this.#requester.nextDeadline(),
        earliest(this.#reassembler.nextDeadline(), this.responder.nextDeadline()),
      ),
    );
  }

  pollOutput(): NodeOutput | undefined {
    return this.#outputs.shift();
  }

  /** Fails every pending request and closes every link (the node is leaving). */
  shutdown(reason: string): void {
    this.#requester.abortAll(reason);
    for (const c of [...this.connections.all()]) this.#close(c, reason);
  }

  // ---- sending -------------------------------------------------------------------------------------

  #sender(): Sender {
    return {
      localId: this.localId,
      ctx: this.#ctx,
      stats: this.stats,
      nodeIdLength: this.#opts.nodeIdLength,
      clock: () => this.#clock,
      signedPayload: (txid, contents, certs, signer) => this.#signedPayload(txid, contents, certs, signer),
      newHeader: (txid, destination) => this.#newHeader(txid, destination),
      originate: (header, payload, code, via, now) => this.#originate(header, payload, code, via, now),
    };
  }

  #newHeader(transactionId: TransactionId, destination: readonly Destination[]): ForwardingHeader {
    return {
      overlay: this.#opts.overlayHash,
      configurationSequence: this.responder.configurationSequence,
      version: RELOAD_VERSION,
      ttl: this.#opts.initialTtl,
      fragment: UNFRAGMENTED,
      transactionId,
      maxResponseLength: 0,
      viaList: [],
      destinationList: destination,
      options: [],
    };
  }

  #signedPayload(
    transactionId: TransactionId,
    contents: MessageContents,
    extra: readonly GenericCertificate[] = [],
    signer?: Signer,
  ): Uint8Array {
    const contentsBytes = encode(messageContents, contents, this.#ctx);
    const signed = this.#deps.security.sign(this.#opts.overlayHash, transactionId, contentsBytes, signer);
    // RFC 6940 §6.3.4: the bucket is outside the signature input, so certificates that verify StoredData
    // inside the message can join it after signing.
    const security = extra.length === 0 ? signed : withCertificates(signed, extra);
    const securityBytes = encode(securityBlock, security, this.#ctx);
    const payload = new Uint8Array(contentsBytes.length + securityBytes.length);
    payload.set(contentsBytes);
    payload.set(securityBytes, contentsBytes.length);
    return payload;
  }

  #originate(
    header: ForwardingHeader,
    payload: Uint8Array,
    code: number,
    via: LinkId | undefined,
    now: number,
  ): OriginateResult {
    if (header.destinationList.length === 0) {
      // An answer to a request this node sent to itself.
      this.#loopback.push({ header, payload, link: undefined, previousHop: undefined });
      return SENT;
    }
    if (via !== undefined) {
      const c = this.connections.get(via);
      if (c?.link === undefined || c.state !== 'up')
        return { status: 'later', reason: 'the forced first hop is down' };
      this.#transmit(c, header, payload, code, now);
      return SENT;
    }
    const own: RoutedMessage = { header, payload, code, previousHop: undefined };
    const d = route(this.#env, own);
    switch (d.action) {
      case 'forward': {
        const c = this.connections.get(d.link);
        if (c === undefined) return { status: 'later', reason: 'the next hop went away' };
        this.#transmit(c, d.header, payload, code, now, own);
        return SENT;
      }
      case 'deliver':
        this.#loopback.push({ header: d.header, payload, link: undefined, previousHop: undefined });
        return SENT;
      case 'error':
        if (d.definitive === true) return { status: 'refused', errorCode: d.code, reason: d.reason };
        return { status: 'later', reason: d.reason };
      case 'drop':
        // Nowhere to send it yet: a request's retransmission timer tries again, then it times out.
        this.#deps.log.debug({ reason: d.reason, code }, 'cannot route own message');
        return { status: 'later', reason: d.reason };
    }
  }

  #transmit(
    c: Connection,
    header: ForwardingHeader,
    payload: Uint8Array,
    code: number | undefined,
    now: number,
    routed?: RoutedMessage,
  ): void {
    const link = c.link;
    if (link === undefined) return;
    const bytes = encodeForwarded(header, payload, this.#ctx);
    const frag = this.#opts.fragmentSize;
    const pieces =
      frag !== undefined && bytes.length > frag
        ? fragmentPayload(header, payload, frag - (bytes.length - payload.length)).map(([h, p]) =>
            encodeForwarded(h, p, this.#ctx),
          )
        : [bytes];
    for (const piece of pieces) {
      // RFC 6940 §6.6.?: nothing above max-message-size goes on a link.
      if (piece.length > this.#opts.maxMessageSize) {
        this.stats.drop('message too large to send');
        return;
      }
      link.send(piece, now, routed);
    }
    if (code !== undefined) this.stats.countOut(code);
    this.#flushLink(c, now);
  }

  // ---- receiving -----------------------------------------------------------------------------------

  #flushLink(c: Connection, now: number): void {
    const link = c.link;
    if (link === undefined) return;
    for (let out = link.pollTransmit(); out !== undefined; out = link.pollTransmit()) {
      this.stats.bytesOut += out.length;
      this.#outputs.push({ type: 'transmit', link: c.id, bytes: out });
    }
    for (let e = link.pollEvent(); e !== undefined; e = link.pollEvent()) {
      if (e.type === 'message') this.#onMessage(c, e.bytes, now);
      else if (e.type === 'suspect' || e.type === 'recovered') {
        this.events.emit('link-suspect', { link: c.id, peer: c.peer, suspect: e.type === 'suspect' });
        if (e.type === 'suspect') this.#reroute(c, link.takeUnacked(), now);
      } else if (e.type === 'failed') {
        this.#close(c, e.reason);
        return;
      }
    }
    const d = link.nextDeadline();
    if (d === undefined) this.#linkTimers.clear(c.id);
    else if (this.#linkTimers.get(c.id) !== d) this.#linkTimers.set(c.id, d);
  }

  /**
   * A link turned suspect (one RTO without an ack, RFC 6940 §6.6.4): the messages this node routed over it
   * and that are still unacked are routed again, now that routing avoids the link — a hop-by-hop
   * retransmission (RFC 6940 §6.2.1 leaves those to the link layer), so a dead finger costs its RTO
   * rather than the originator's 3 s end-to-end timer. Messages that name the link's peer in their
   * destination list (answers on their via path, checks of that peer) have no other way and are left
   * alone. A peer that was only slow gets a second copy, which duplicate detection absorbs.
   */
  #reroute(c: Connection, unacked: readonly RoutedMessage[], now: number): void {
    let last: RoutedMessage | undefined;
    for (const u of unacked) {
      // The fragments of one message share their entry, in order: the whole message is routed once.
      if (u === last) continue;
      last = u;
      if (c.peer === undefined || names(u.header.destinationList, c.peer)) continue;
      const d = route(this.#env, u);
      if (d.action !== 'forward' || d.link === c.id) continue;
      const next = this.connections.get(d.link);
      if (next === undefined) continue;
      this.stats.rerouted++;
      this.#transmit(next, d.header, u.payload, undefined, now, u);
    }
  }

  #onMessage(c: Connection, bytes: Uint8Array, now: number): void {
    let header: ForwardingHeader;
    let payload: Uint8Array;
    try {
      ({ header, payload } = decodeForwarded(bytes, this.#ctx));
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.stats.drop('malformed forwarding header');
      return;
    }
    const code = parseFragment(header.fragment).offset === 0 ? peekCode(payload) : undefined;
    this.stats.countIn(code);
    const incoming: RoutedMessage = { header, payload, code, previousHop: c.peer };
    const d = route(this.#env, incoming);
    switch (d.action) {
      case 'forward': {
        const next = this.connections.get(d.link);
        if (next === undefined) return;
        this.stats.forwarded++;
        this.#transmit(next, d.header, payload, undefined, now, incoming);
        return;
      }
      case 'error':
        this.responder.sendError(header, c.peer, d.code, d.reason, now);
        return;
      case 'drop':
        this.stats.drop(d.reason);
        return;
      case 'deliver': {
        const r = this.#reassembler.add(d.header, payload, now);
        if (r.status === 'complete') {
          this.#loopback.push({ header: r.header, payload: r.payload, link: c.id, previousHop: c.peer });
        } else if (r.status === 'dropped') {
          this.stats.drop(r.reason);
        }
        return;
      }
    }
  }

  /** Processes deliveries to this node one at a time, so handlers that send requests never re-enter. */
  #pump(now: number): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let d = this.#loopback.shift(); d !== undefined; d = this.#loopback.shift())
        this.#deliverLocal(d, now);
    } finally {
      this.#pumping = false;
    }
  }

  #deliverLocal(d: LocalDelivery, now: number): void {
    let decoded: ReturnType<typeof decodePayload>;
    try {
      decoded = decodePayload(d.payload, this.#ctx);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      this.stats.drop('malformed message contents');
      const code = peekCode(d.payload);
      if (code !== undefined && isRequestCode(code)) {
        this.responder.sendError(d.header, d.previousHop, ErrorCode.Error_Invalid_Message, e.message, now);
      }
      return;
    }
    const { contents, contentsBytes, security } = decoded;
    // RFC 6940 §7.1: the final destination verifies the signature; a message that fails is dropped silently.
    const signer = this.#deps.security.verify(
      this.#opts.overlayHash,
      d.header.transactionId,
      contentsBytes,
      security,
      now,
    );
    if ('rejected' in signer) {
      this.stats.drop(`bad signature: ${signer.rejected}`);
      return;
    }
    const certs = security.certificates;
    if (isRequestCode(contents.code)) this.responder.onRequest(d, contents, signer, now, certs);
    else this.#requester.onAnswer(d, contents, signer, now, certs);
  }

  // ---- links ---------------------------------------------------------------------------------------

  #connection(id: LinkId, purpose: ConnectionPurpose, expected: NodeId | undefined, now: number): Connection {
    return {
      id,
      purpose,
      expected,
      state: 'connecting',
      peer: undefined,
      link: undefined,
      openedAt: now,
      upAt: undefined,
      lastHeardAt: now,
    };
  }

  #bringUp(c: Connection, peer: NodeId, now: number): void {
    const link = new StreamLink({
      maxMessageSize: this.#opts.maxMessageSize,
      ...(this.#opts.linkFailureGrace === undefined ? {} : { failureGrace: this.#opts.linkFailureGrace }),
      ...(this.#opts.minRto === undefined ? {} : { minRto: this.#opts.minRto }),
    });
    // Only a peer that already has a link up can have a duplicate: skip the scan of every link otherwise
    // (a node of a large overlay brings up hundreds of links, and each scan is O(links)).
    const linked = this.connections.linkTo(peer) !== undefined;
    this.connections.up(c.id, peer, link, now);
    const dup = linked ? resolveDuplicate(this.connections, peer, this.localId) : undefined;
    if (dup !== undefined) {
      this.connections.prefer(peer, dup.keep.id);
      for (const d of dup.close) {
        if (this.#duplicates.get(d.id) === undefined) this.#duplicates.set(d.id, now + DUPLICATE_LINK_GRACE);
      }
    }
    this.events.emit('link-up', { link: c.id, peer, purpose: c.purpose });
  }

  #close(c: Connection, reason: string): void {
    if (c.state === 'closed') return;
    this.#outputs.push({ type: 'close', link: c.id, reason });
    this.#drop(c, reason);
  }

  #drop(c: Connection, reason: string): void {
    const peer = c.peer;
    this.connections.remove(c.id);
    this.#linkTimers.clear(c.id);
    this.#duplicates.clear(c.id);
    this.events.emit('link-down', { link: c.id, peer, reason });
  }
}

/** The block with `extra` certificates appended to its bucket, skipping those already in it. */
function withCertificates(block: SecurityBlock, extra: readonly GenericCertificate[]): SecurityBlock {
  const certificates = [...block.certificates];
  for (const c of extra) {
    if (!certificates.some((h) => h.type === c.type && bytesEqual(h.certificate, c.certificate)))
      certificates.push(c);
  }
  return { certificates, signature: block.signature };
}

function names(list: readonly Destination[], id: NodeId): boolean {
  for (const d of list) if (d.type === 'node' && d.id === id) return true;
  return false;
}

/** The earlier of two optional deadlines (the driver asks after every input, so no arrays). */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined || a <= b ? a : b;
}
