import { errorMessage, SipWireError } from '../../core/errors.js';
import type { NodeId } from '../../core/ids.js';
import { randomU64 } from '../../core/random.js';
import { TimerTable } from '../../core/timer-table.js';
import { PROXY_REQUIRE } from '../../sip/message/headers.js';
import type { SipMessage } from '../../sip/message/message.js';
import { SipParseError } from '../../sip/message/parse-error.js';
import { buildResponse } from '../../sip/message/response.js';
import { MAGIC_COOKIE } from '../../sip/message/via.js';
import { TransactionManager } from '../../sip/transaction/manager.js';
import type { ServerTransactionHandle, TransactionOutput } from '../../sip/transaction/types.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import type { Aor } from './aor.js';
import { BindingStore } from './bindings.js';
import type { AdapterContext, AdapterDeps, AdapterOptions } from './context.js';
import { SipProxy } from './proxy.js';
import { Registrations } from './registration.js';
import { AdapterStats } from './stats.js';
import { decrementMaxForwards, isOwnUri } from './targets.js';

/**
 * The adapter peer (DESIGN §3): registrar and outbound proxy of unmodified SIP phones, with the overlay
 * as its location service. Sans-I/O: SIP datagrams and stream messages with their source in, `poll()`
 * gives what to send where; overlay work goes through AdapterOverlay callbacks.
 *
 * - REGISTER (RFC 3261 §10.3): digest, bindings kept here, the AOR published in the overlay as a
 *   SIP-REGISTRATION route to this node (RFC 7904 §3), 200 OK once stored.
 * - Other requests (RFC 3261 §16, stateful): to the phones registered here (forking in parallel), else
 *   to the adapters the overlay names, over AppAttach connections, with Record-Route so in-dialog
 *   requests come back through both adapters.
 */
export type { AdapterDeps, AdapterOptions } from './context.js';

export interface AdapterOutput {
  readonly kind: 'send';
  readonly destination: TransportAddress;
  readonly bytes: Uint8Array;
}

export class Adapter {
  readonly transactions = new TransactionManager();
  readonly bindings = new BindingStore();
  readonly stats = new AdapterStats();
  readonly registrationService: Registrations;
  readonly proxy: SipProxy;
  readonly #opts: AdapterOptions;
  readonly #deps: AdapterDeps;
  readonly #timers = new TimerTable<string>();
  #out: AdapterOutput[] = [];
  #now = 0;

  constructor(opts: AdapterOptions, deps: AdapterDeps) {
    this.#opts = opts;
    this.#deps = deps;
    const ctx: AdapterContext = {
      opts,
      deps,
      transactions: this.transactions,
      bindings: this.bindings,
      stats: this.stats,
      timers: this.#timers,
      now: () => this.#now,
      respond: (st, req, status, reason, headers) => this.#respond(st, req, status, reason, headers),
      drain: () => this.#drain(),
      branch: (req) => this.#branch(req),
      fromOverlay: (source) => this.#fromOverlay(source),
    };
    this.registrationService = new Registrations(ctx);
    this.proxy = new SipProxy(ctx, (st, req, aor, proxy) =>
      this.registrationService.authenticate(st, req, aor, proxy),
    );
  }

  get localId(): NodeId {
    return this.#opts.localId;
  }

  /** AORs with at least one binding here (the `registrations` of /status). */
  get registrations(): number {
    return this.bindings.aorCount;
  }

  // ---- driver interface ----------------------------------------------------------------------------

  receiveDatagram(bytes: Uint8Array, source: TransportAddress, now: number): void {
    this.#now = now;
    this.transactions.receiveDatagram(bytes, source, now);
    this.#drain();
  }

  receive(message: SipMessage, source: TransportAddress, now: number): void {
    this.#now = now;
    this.transactions.receive(message, source, now);
    this.#drain();
  }

  handleTimeout(now: number): void {
    this.#now = now;
    this.transactions.handleTimeout(now);
    this.bindings.handleTimeout(now);
    for (const aor of this.bindings.takeEmptied()) this.registrationService.withdraw(aor);
    for (const key of this.#timers.expire(now)) {
      if (key.startsWith('refresh:')) this.registrationService.publish(key.slice(8) as Aor, () => undefined);
      else if (key.startsWith('stray:')) this.proxy.forgetUpstream(key.slice(6));
    }
    this.#drain();
  }

  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const d of [
      this.transactions.nextDeadline(),
      this.bindings.nextDeadline(),
      this.#timers.nextDeadline(),
    ]) {
      if (d !== undefined && (min === undefined || d < min)) min = d;
    }
    return min;
  }

  poll(): AdapterOutput | undefined {
    return this.#out.shift();
  }

  /** Drains the transaction layer; called after every input and every overlay callback. */
  #drain(): void {
    for (let o = this.transactions.poll(); o !== undefined; o = this.transactions.poll())
      this.#onTransaction(o);
  }

  #onTransaction(o: TransactionOutput): void {
    switch (o.kind) {
      case 'send':
        this.stats.sent(o.message);
        this.#out.push({ kind: 'send', destination: o.destination, bytes: o.bytes });
        return;
      case 'request':
        this.stats.received(o.request);
        this.#guard(o.transaction, o.request, () =>
          this.#onRequest(o.transaction, o.request, o.source, o.cancels),
        );
        return;
      case 'ack':
        this.#dropMalformed(() => this.proxy.forwardAck(o.request, o.source));
        return;
      case 'response':
        this.stats.received(o.response);
        this.#dropMalformed(() => this.proxy.onResponse(o.transaction, o.response, o.timeout === true));
        return;
      case 'stray-response':
        this.#dropMalformed(() => this.proxy.forwardStray(o.response));
        return;
      case 'ack-timeout':
        return;
      case 'terminated':
        this.proxy.onTerminated(o.transaction.role, o.transaction.id);
        return;
    }
  }

  /**
   * Runs request handling; a SipWireError becomes the final response, a header that does not parse a 400,
   * anything else a 500 (logged).
   */
  #guard(st: ServerTransactionHandle, request: SipMessage, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof SipWireError) {
        this.#respond(st, request, e.status, e.reason, e.headers);
        return;
      }
      // Header fields are parsed when first read: one the proxy needed did not parse (RFC 3261 §16.3: 400).
      if (e instanceof SipParseError) {
        this.#respond(st, request, 400, `Bad Request (${e.message.replace(/[^ -~]/g, '?').slice(0, 60)})`);
        return;
      }
      this.#deps.log.error({ err: errorMessage(e), method: request.method }, 'adapter: request failed');
      this.#respond(st, request, 500, 'Server Internal Error');
    }
  }

  /**
   * An ACK or a response whose header field does not parse where the proxy reads it is dropped: neither is
   * ever answered (RFC 3261 §17), and the sender's retransmissions or our transaction timers recover.
   */
  #dropMalformed(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
      this.#deps.log.debug({ error: e.message }, 'adapter: malformed ACK or response dropped');
    }
  }

  #respond(
    st: ServerTransactionHandle,
    request: SipMessage,
    status: number,
    reason?: string,
    headers: ReadonlyArray<readonly [string, string]> = [],
  ): void {
    const toTag = randomU64(this.#deps.random).toString(36);
    const response = buildResponse(request, status, {
      ...(reason === undefined ? {} : { reason }),
      toTag,
      headers,
    });
    this.transactions.respond(st, response, this.#now);
    this.#drain();
  }

  // ---- requests ------------------------------------------------------------------------------------

  #fromOverlay(source: TransportAddress): boolean {
    return source.connection?.startsWith('app:') === true;
  }

  #onRequest(
    st: ServerTransactionHandle,
    req: SipMessage,
    source: TransportAddress,
    cancels?: ServerTransactionHandle,
  ): void {
    if (req.method === 'CANCEL') {
      this.proxy.onCancel(st, req, cancels);
      return;
    }
    // RFC 3261 §16.3 step 3: Max-Forwards 0 cannot be forwarded (an OPTIONS to us is still answered).
    const forUs = this.#isForUs(req);
    if (!forUs && !decrementMaxForwards(req)) throw new SipWireError(483, 'Too Many Hops');
    // RFC 3261 §16.3 step 4: a request carrying our own branch hash has looped.
    if (this.#loops(req)) throw new SipWireError(482, 'Loop Detected');
    const unsupported = req.get(PROXY_REQUIRE);
    if (unsupported.length > 0)
      throw new SipWireError(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
    // RFC 3261 §16.4: a top Route naming us is removed before routing.
    const routes = req.routes();
    const top = routes[0];
    const ours = top !== undefined && isOwnUri(this.#opts, top.uri);
    if (ours) req.removeFirstValue('route');
    const next = req.routes()[0];
    if (next !== undefined) {
      this.proxy.forwardAlong(st, req, source, next.uri);
      return;
    }
    if (forUs) {
      this.#onRequestForUs(st, req, source);
      return;
    }
    this.proxy.route(st, req, source, ours);
  }

  /** A request to this adapter itself: REGISTER, or an OPTIONS keepalive ping. */
  #isForUs(req: SipMessage): boolean {
    const start = req.start;
    if (start.type !== 'request') return false;
    if (req.method === 'REGISTER') return true;
    const uri = req.requestUri();
    return uri.kind === 'sip' && (uri.user === undefined || uri.user === '') && isOwnUri(this.#opts, uri);
  }

  #onRequestForUs(st: ServerTransactionHandle, req: SipMessage, source: TransportAddress): void {
    if (req.method === 'REGISTER') {
      if (this.#fromOverlay(source))
        throw new SipWireError(403, 'Forbidden (register with your own adapter)');
      this.registrationService.register(st, req, source);
      return;
    }
    if (req.method === 'OPTIONS') {
      this.#respond(st, req, 200, 'OK', [
        [
          'Allow',
          'INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, SUBSCRIBE, NOTIFY, REFER, INFO, UPDATE, REGISTER',
        ],
      ]);
      return;
    }
    throw new SipWireError(405, 'Method Not Allowed', [['Allow', 'REGISTER, OPTIONS']]);
  }

  /** Our branch prefix: the magic cookie, this adapter's Node-ID (short) and the request's loop hash. */
  #branchPrefix(req: SipMessage): string {
    return `${MAGIC_COOKIE}-p2p-${this.localId.toString(36).slice(0, 10)}-${this.#loopHash(req)}-`;
  }

  #loops(req: SipMessage): boolean {
    const prefix = this.#branchPrefix(req);
    return req.vias().some((v) => v.branch?.startsWith(prefix) === true);
  }

  /** RFC 3261 §16.6 step 8: a branch that encodes the request so a looped copy is recognised. */
  #loopHash(req: SipMessage): string {
    const start = req.start;
    const key = `${start.type === 'request' ? start.uri : ''}|${req.callId() ?? ''}|${req.cseq().seq ?? ''}|${req.from()?.uriText ?? ''}`;
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(36);
  }

  #branch(req: SipMessage): string {
    return `${this.#branchPrefix(req)}${randomU64(this.#deps.random).toString(36)}`;
  }

  /** Who a phone registered here is, for status and `lookup`. */
  aorsHere(): Aor[] {
    return [...this.bindings.aors()];
  }
}
