import { second } from '../../core/clock.js';
import { errorMessage, SipWireError } from '../../core/errors.js';
import type { NodeId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { type Random, randomU64 } from '../../core/random.js';
import { TimerTable } from '../../core/timer-table.js';
import { NonceFactory } from '../../sip/auth/nonce.js';
import { DigestServer } from '../../sip/auth/server.js';
import { PROXY_REQUIRE } from '../../sip/message/headers.js';
import type { SipMessage } from '../../sip/message/message.js';
import { buildResponse } from '../../sip/message/response.js';
import { createRequest } from '../../sip/message/serializer.js';
import { MAGIC_COOKIE } from '../../sip/message/via.js';
import { TransactionManager } from '../../sip/transaction/manager.js';
import type {
  ClientTransactionHandle,
  ServerTransactionHandle,
  TransactionOutput,
} from '../../sip/transaction/types.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import { type Aor, aorDomain, aorOf } from './aor.js';
import { BindingStore } from './bindings.js';
import type { AdapterOverlay, OverlayRoute } from './overlay-port.js';
import {
  applyRegister,
  contactHeaders,
  DEFAULT_REGISTRAR_OPTIONS,
  type RegistrarOptions,
  registerAor,
} from './registrar.js';
import { type Branch, type ContextAction, ResponseContext } from './response-context.js';
import { AdapterStats } from './stats.js';
import {
  addressOfUri,
  decrementMaxForwards,
  isOwnUri,
  nodeOfUri,
  ourVia,
  recordRoute,
  type SelfAddresses,
} from './targets.js';
import { matchesUsername, type UserDirectory } from './users.js';

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
export interface AdapterOptions extends SelfAddresses {
  readonly registrar?: RegistrarOptions;
  /** Secret for unforgeable digest nonces (≥ 16 bytes, from a cryptographic source). */
  readonly nonceSecret: Uint8Array;
  /** How long before its overlay lifetime runs out a registration is stored again. */
  readonly refreshMargin?: number;
}

export interface AdapterDeps {
  readonly users: UserDirectory;
  readonly overlay: AdapterOverlay;
  readonly random: Random;
  readonly log: Logger;
}

export interface AdapterOutput {
  readonly kind: 'send';
  readonly destination: TransportAddress;
  readonly bytes: Uint8Array;
}

/** Methods that create dialogs and so get our Record-Route (RFC 3261 §16.6 step 4, RFC 6665, RFC 3515). */
const DIALOG_METHODS = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);
/** Extra lifetime of an overlay registration past its last binding, so refreshes never leave a gap. */
const PUBLISH_GRACE = 30;
/** Stray 2xx retransmissions of INVITE are forwarded statelessly for this long (64·T1, RFC 3261 §13.3.1.4). */
const STRAY_MEMORY = 32 * second;

export class Adapter {
  readonly transactions = new TransactionManager();
  readonly bindings = new BindingStore();
  readonly stats = new AdapterStats();
  readonly #opts: AdapterOptions;
  readonly #deps: AdapterDeps;
  readonly #nonces: NonceFactory;
  readonly #digest = new Map<string, { registrar: DigestServer; proxy: DigestServer }>();
  readonly #contexts = new Map<string, ResponseContext>();
  readonly #branchOf = new Map<string, { ctx: ResponseContext; branch: Branch }>();
  /** INVITE Via branch → where its 2xx goes, for stray 2xx retransmissions. */
  readonly #upstream = new Map<string, TransportAddress>();
  readonly #timers = new TimerTable<string>();
  /** AOR → overlay lifetime end (ms) of our published registration. */
  readonly #published = new Map<Aor, number>();
  #out: AdapterOutput[] = [];
  #now = 0;

  constructor(opts: AdapterOptions, deps: AdapterDeps) {
    this.#opts = opts;
    this.#deps = deps;
    this.#nonces = new NonceFactory({ secret: opts.nonceSecret, random: deps.random });
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
    for (const aor of this.bindings.takeEmptied()) this.#withdraw(aor);
    for (const key of this.#timers.expire(now)) {
      if (key.startsWith('refresh:')) this.#publish(key.slice(8) as Aor, () => undefined);
      else if (key.startsWith('stray:')) this.#upstream.delete(key.slice(6));
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
        this.#forwardAck(o.request, o.source);
        return;
      case 'response':
        this.stats.received(o.response);
        this.#onResponse(o.transaction, o.response, o.timeout === true);
        return;
      case 'stray-response':
        this.#forwardStray(o.response);
        return;
      case 'ack-timeout':
        return;
      case 'terminated':
        if (o.transaction.role === 'server') this.#contexts.delete(o.transaction.id);
        else this.#branchOf.delete(o.transaction.id);
        return;
    }
  }

  /** Runs request handling; a SipWireError becomes the final response, anything else a 500 (logged). */
  #guard(st: ServerTransactionHandle, request: SipMessage, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof SipWireError) {
        this.#respond(st, request, e.status, e.reason, e.headers);
        return;
      }
      this.#deps.log.error({ err: errorMessage(e), method: request.method }, 'adapter: request failed');
      this.#respond(st, request, 500, 'Server Internal Error');
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
      this.#onCancel(st, req, cancels);
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
    if (top !== undefined && isOwnUri(this.#opts, top.uri)) req.removeFirstValue('route');
    const next = req.routes()[0];
    if (next !== undefined) {
      this.#forwardAlong(st, req, next.uri);
      return;
    }
    if (forUs) {
      this.#onRequestForUs(st, req, source);
      return;
    }
    this.#route(st, req, source);
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
      this.#register(st, req, source);
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

  // ---- REGISTER ------------------------------------------------------------------------------------

  #digestFor(realm: string): { registrar: DigestServer; proxy: DigestServer } {
    let d = this.#digest.get(realm);
    if (d === undefined) {
      d = {
        registrar: new DigestServer({ realm, nonces: this.#nonces }),
        proxy: new DigestServer({ realm, nonces: this.#nonces, proxy: true }),
      };
      this.#digest.set(realm, d);
    }
    return d;
  }

  /** Digest authentication (RFC 3261 §22): returns true when the request may proceed; else it was challenged. */
  #authenticate(st: ServerTransactionHandle, req: SipMessage, aor: Aor, proxy: boolean): boolean {
    const user = this.#deps.users.byAor(aor);
    if (user === undefined)
      throw new SipWireError(
        proxy ? 403 : 404,
        proxy ? 'Forbidden (not a user of this adapter)' : 'Not Found (not a user of this adapter)',
      );
    const server = this.#digestFor(user.realm)[proxy ? 'proxy' : 'registrar'];
    const result = server.verify(
      req,
      (username, realm, algorithm) =>
        matchesUsername(user, username) && realm === user.realm ? user.ha1[algorithm] : undefined,
      this.#now,
    );
    if (result.ok) return true;
    this.stats.authFailures++;
    const challenge = server.challenge(this.#now, result.stale);
    this.#respond(st, req, challenge.status, undefined, challenge.headers);
    return false;
  }

  #register(st: ServerTransactionHandle, req: SipMessage, source: TransportAddress): void {
    const aor = registerAor(req);
    if (!this.#authenticate(st, req, aor, false)) return;
    const outcome = applyRegister(
      this.bindings,
      req,
      aor,
      source,
      this.#now,
      this.#opts.registrar ?? DEFAULT_REGISTRAR_OPTIONS,
    );
    const reply = (): void =>
      this.#respond(st, req, 200, 'OK', contactHeaders(this.bindings.get(aor), this.#now));
    if (!outcome.changed) {
      reply();
      return;
    }
    if (outcome.bindings.length === 0) {
      this.#withdraw(aor);
      reply();
      return;
    }
    // DESIGN §3: the 200 OK follows the overlay Store, so a phone told "registered" is reachable.
    this.#publish(aor, (ok) => {
      if (ok) reply();
      else this.#respond(st, req, 503, 'Service Unavailable (overlay store failed)', [['Retry-After', '5']]);
    });
  }

  #publish(aor: Aor, done: (ok: boolean) => void): void {
    const latest = this.bindings.latestExpiry(aor);
    if (latest === undefined) {
      done(true);
      return;
    }
    const lifetime = Math.ceil((latest - this.#now) / second) + PUBLISH_GRACE;
    this.#deps.overlay.publish(aor, lifetime, (r) => {
      if (r.ok) {
        const until = this.#now + lifetime * second;
        this.#published.set(aor, until);
        // Store again before the overlay forgets it (the phone may refresh less often than we need).
        const margin = this.#opts.refreshMargin ?? 60 * second;
        this.#timers.set(`refresh:${aor}`, Math.max(this.#now + second, until - margin));
        this.stats.published++;
      } else {
        this.#deps.log.warn({ aor, reason: r.reason }, 'adapter: publishing the registration failed');
      }
      done(r.ok);
      this.#drain();
    });
  }

  #withdraw(aor: Aor): void {
    this.#timers.clear(`refresh:${aor}`);
    if (!this.#published.delete(aor)) return;
    this.#deps.overlay.withdraw(aor, (r) => {
      if (!r.ok)
        this.#deps.log.warn({ aor, reason: r.reason }, 'adapter: withdrawing the registration failed');
      this.#drain();
    });
  }

  // ---- routing -------------------------------------------------------------------------------------

  /** A request with no Route left: to phones registered here, or through the overlay (RFC 7904 §4). */
  #route(st: ServerTransactionHandle, req: SipMessage, source: TransportAddress): void {
    const ruri = req.requestUri();
    // An in-dialog request's Request-URI is a phone's contact: deliver it on that phone's flow.
    const byContact = this.bindings.byContact(req.start.type === 'request' ? req.start.uri : '');
    if (byContact !== undefined) {
      this.#fork(st, req, [{ address: byContact.flow, requestUri: undefined }]);
      return;
    }
    const aor = aorOf(ruri);
    const local = aor === undefined ? [] : this.bindings.get(aor);
    const inDialog = req.to()?.params.some(([n]) => n.toLowerCase() === 'tag') === true;
    if (!this.#fromOverlay(source) && !inDialog && req.method !== 'ACK') {
      // RFC 3261 §22.3: out-of-dialog requests from our phones are authenticated (407) as the From user.
      const from = req.from();
      const fromAor = from === undefined ? undefined : aorOf(from.uri);
      if (fromAor === undefined)
        throw new SipWireError(403, 'Forbidden (From is not a SIP address of record)');
      if (!this.#authenticate(st, req, fromAor, true)) return;
    }
    if (local.length > 0) {
      this.#fork(
        st,
        req,
        local.map((b) => ({ address: b.flow, requestUri: b.uri })),
      );
      return;
    }
    if (aor === undefined) {
      const direct = addressOfUri(ruri);
      if (direct === undefined || !inDialog) throw new SipWireError(416, 'Unsupported URI Scheme');
      this.#fork(st, req, [{ address: direct, requestUri: undefined }]);
      return;
    }
    if (this.#fromOverlay(source)) {
      // The overlay sent it here but nobody is registered here any more (the registration is stale).
      throw new SipWireError(480, 'Temporarily Unavailable');
    }
    this.#lookupAndForward(st, req, aor);
  }

  #lookupAndForward(st: ServerTransactionHandle, req: SipMessage, aor: Aor): void {
    const ctx = this.#context(st, req);
    const pending = ctx.addBranch('connecting');
    this.#deps.overlay.lookup(aor, (r) => {
      this.stats.lookups++;
      const routes = r.ok ? r.routes.filter((route) => route.node !== this.localId) : [];
      if (!r.ok) {
        this.#apply(ctx, ctx.onBranchFailed(pending, 503));
      } else if (r.routes.length === 0) {
        // RFC 7904 §4: no registration at all.
        this.#apply(ctx, ctx.onBranchFailed(pending, 404));
      } else if (routes.length === 0) {
        // Registered only here, but no binding is left: registered yet unreachable.
        this.#apply(ctx, ctx.onBranchFailed(pending, 480));
      } else {
        // One branch per adapter the overlay names; the lookup's own placeholder ends without a status.
        const branches = routes.map(() => ctx.addBranch('connecting'));
        pending.state = 'done';
        routes.forEach((route, i) => {
          this.#connectAndForward(ctx, branches[i] as Branch, route);
        });
      }
      this.#drain();
    });
  }

  #connectAndForward(ctx: ResponseContext, branch: Branch, route: OverlayRoute): void {
    this.#deps.overlay.connect(route, (c) => {
      if (branch.state === 'done') return;
      if (!c.ok) {
        this.#deps.log.info(
          { node: route.node.toString(16), reason: c.reason },
          'adapter: no connection to the callee adapter',
        );
        // RFC 7904 §4 / issue #6: registered but unreachable is 480.
        this.#apply(ctx, ctx.onBranchFailed(branch, 480));
      } else {
        this.#sendBranch(ctx, branch, c.address, undefined);
      }
      this.#drain();
    });
  }

  /** A Route that is not ours: an adapter across the overlay, or a plain SIP hop. */
  #forwardAlong(
    st: ServerTransactionHandle,
    req: SipMessage,
    next: NonNullable<ReturnType<SipMessage['routes']>[number]>['uri'],
  ): void {
    const node = nodeOfUri(next);
    if (node !== undefined && node !== this.localId) {
      const ctx = this.#context(st, req);
      this.#connectAndForward(ctx, ctx.addBranch('connecting'), {
        node,
        destinationList: [{ type: 'node', id: node }],
        contactPrefs: '',
      });
      return;
    }
    const address = addressOfUri(next);
    if (address === undefined) throw new SipWireError(416, 'Unsupported URI Scheme');
    this.#fork(st, req, [{ address, requestUri: undefined }]);
  }

  #context(st: ServerTransactionHandle, req: SipMessage): ResponseContext {
    let ctx = this.#contexts.get(st.id);
    if (ctx === undefined) {
      ctx = new ResponseContext(st, req);
      this.#contexts.set(st.id, ctx);
    }
    return ctx;
  }

  #fork(
    st: ServerTransactionHandle,
    req: SipMessage,
    targets: ReadonlyArray<{ address: TransportAddress; requestUri: string | undefined }>,
  ): void {
    const ctx = this.#context(st, req);
    // Add every branch first, so the first final answer cannot complete the context early.
    const branches = targets.map(() => ctx.addBranch('connecting'));
    targets.forEach((t, i) => {
      this.#sendBranch(ctx, branches[i] as Branch, t.address, t.requestUri);
    });
  }

  /** RFC 3261 §16.6: copy, retarget, Record-Route, Via, and send on a new client transaction. */
  #sendBranch(
    ctx: ResponseContext,
    branch: Branch,
    address: TransportAddress,
    requestUri: string | undefined,
  ): void {
    if (ctx.cancelled) {
      this.#apply(ctx, ctx.onBranchFailed(branch, 487));
      return;
    }
    const req = ctx.request.clone();
    if (requestUri !== undefined) req.setRequestUri(requestUri);
    const inDialog = req.to()?.params.some(([n]) => n.toLowerCase() === 'tag') === true;
    if (DIALOG_METHODS.has(req.method) && !inDialog) {
      req.prependHeader(
        'Record-Route',
        recordRoute(
          this.#opts,
          address.connection?.startsWith('app:') ? ctx.server.source.transport : address.transport,
        ),
      );
    }
    const branchId = this.#branch(ctx.request);
    req.prependHeader('Via', ourVia(this.#opts, address, branchId));
    if (ctx.request.method === 'INVITE') this.#rememberUpstream(branchId, ctx);
    branch.state = 'calling';
    const ct = this.transactions.sendRequest(req, address, this.#now);
    branch.transaction = ct;
    this.#branchOf.set(ct.id, { ctx, branch });
  }

  #rememberUpstream(branchId: string, ctx: ResponseContext): void {
    this.#upstream.set(branchId, ctx.server.source);
    this.#timers.set(`stray:${branchId}`, this.#now + STRAY_MEMORY);
  }

  // ---- responses, CANCEL, ACK ----------------------------------------------------------------------

  #onResponse(ct: ClientTransactionHandle, response: SipMessage, timeout: boolean): void {
    const owner = this.#branchOf.get(ct.id);
    if (owner === undefined) return;
    if (ct.request.method === 'CANCEL') return;
    const { ctx, branch } = owner;
    if (timeout) {
      // RFC 3261 §16.8: a branch that timed out counts as a 408 that nobody sent.
      this.#apply(ctx, ctx.onBranchFailed(branch, 408));
      return;
    }
    this.#apply(ctx, ctx.onResponse(branch, response));
  }

  #apply(ctx: ResponseContext, actions: readonly ContextAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'forward': {
          // RFC 3261 §16.7 step 3: remove our Via before sending the response upstream.
          const up = a.response.clone();
          up.removeFirstValue('via');
          this.transactions.respond(ctx.server, up, this.#now);
          break;
        }
        case 'cancel':
          this.#sendCancel(a.branch);
          break;
        case 'final':
          if (a.response !== undefined) {
            const up = a.response.clone();
            up.removeFirstValue('via');
            this.transactions.respond(ctx.server, up, this.#now);
          } else {
            this.#respond(ctx.server, ctx.request, a.status);
          }
          break;
      }
    }
    this.#drain();
  }

  /** RFC 3261 §9.1: a CANCEL copies Request-URI, Call-ID, To, From, CSeq number and the branch's Via. */
  #sendCancel(branch: Branch): void {
    const ct = branch.transaction;
    if (ct === undefined) return;
    const inv = ct.request;
    const headers: Array<readonly [string, string]> = [];
    const topVia = inv.values('via')[0];
    if (topVia !== undefined) headers.push(['Via', topVia]);
    const names: ReadonlyArray<readonly [string, string]> = [
      ['route', 'Route'],
      ['from', 'From'],
      ['to', 'To'],
      ['call-id', 'Call-ID'],
    ];
    for (const [key, name] of names) for (const v of inv.values(key)) headers.push([name, v]);
    headers.push(['CSeq', `${inv.cseq().seq ?? 1} CANCEL`], ['Max-Forwards', '70']);
    const cancel = createRequest('CANCEL', inv.start.type === 'request' ? inv.start.uri : '', headers);
    const cct = this.transactions.sendRequest(cancel, ct.destination, this.#now);
    const owner = this.#branchOf.get(ct.id);
    if (owner !== undefined) this.#branchOf.set(cct.id, owner);
  }

  #onCancel(
    st: ServerTransactionHandle,
    req: SipMessage,
    cancels: ServerTransactionHandle | undefined,
  ): void {
    // RFC 3261 §16.10: a CANCEL matching no transaction we hold gets 481; otherwise 200, then cancel.
    const ctx = cancels === undefined ? undefined : this.#contexts.get(cancels.id);
    if (ctx === undefined) throw new SipWireError(481, 'Call/Transaction Does Not Exist');
    this.#respond(st, req, 200, 'OK');
    this.#apply(ctx, ctx.cancel());
  }

  /** ACK for a 2xx travels end to end along the Route set, statelessly (RFC 3261 §16.6, §13.2.2.4). */
  #forwardAck(ack: SipMessage, source: TransportAddress): void {
    this.stats.received(ack);
    if (!decrementMaxForwards(ack)) return;
    const top = ack.routes()[0];
    if (top !== undefined && isOwnUri(this.#opts, top.uri)) ack.removeFirstValue('route');
    const next = ack.routes()[0];
    const send = (address: TransportAddress): void => {
      ack.prependHeader('Via', ourVia(this.#opts, address, this.#branch(ack)));
      this.transactions.sendStateless(ack, address);
      this.#drain();
    };
    const node = next === undefined ? undefined : nodeOfUri(next.uri);
    if (node !== undefined && node !== this.localId) {
      this.#deps.overlay.connect(
        { node, destinationList: [{ type: 'node', id: node }], contactPrefs: '' },
        (c) => {
          if (c.ok) send(c.address);
        },
      );
      return;
    }
    const byContact =
      next === undefined
        ? this.bindings.byContact(ack.start.type === 'request' ? ack.start.uri : '')
        : undefined;
    const address = byContact?.flow ?? addressOfUri(next?.uri ?? ack.requestUri());
    if (
      address !== undefined &&
      !(
        address.host === source.host &&
        address.port === source.port &&
        address.transport === source.transport
      )
    )
      send(address);
  }

  /** A 2xx retransmission after its transaction ended: forward it statelessly upstream (RFC 3261 §16.7). */
  #forwardStray(response: SipMessage): void {
    const ours = response.topVia()?.branch;
    const up = ours === undefined ? undefined : this.#upstream.get(ours);
    if (up === undefined) return;
    const copy = response.clone();
    copy.removeFirstValue('via');
    this.transactions.sendStateless(copy, up);
    this.#drain();
  }

  /** Who a phone registered here is, for status and `lookup`. */
  aorsHere(): Aor[] {
    return [...this.bindings.aors()];
  }

  /** The domain of an AOR, used as its digest realm. */
  static realmOf(aor: Aor): string {
    return aorDomain(aor);
  }
}
