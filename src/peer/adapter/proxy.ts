import { second } from '../../core/clock.js';
import { SipWireError } from '../../core/errors.js';
import type { SipMessage } from '../../sip/message/message.js';
import { createRequest } from '../../sip/message/serializer.js';
import type { ClientTransactionHandle, ServerTransactionHandle } from '../../sip/transaction/types.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import { type Aor, aorOf } from './aor.js';
import type { AdapterContext } from './context.js';
import type { OverlayRoute } from './overlay-port.js';
import { type Branch, type ContextAction, ResponseContext } from './response-context.js';
import { RouteCache } from './route-cache.js';
import { addressOfUri, decrementMaxForwards, isOwnUri, nodeOfUri, ourVia, recordRoute } from './targets.js';

/** Methods that create dialogs and so get our Record-Route (RFC 3261 §16.6 step 4, RFC 6665, RFC 3515). */
const DIALOG_METHODS = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);
/** Stray 2xx retransmissions of INVITE are forwarded statelessly for this long (64·T1, RFC 3261 §13.3.1.4). */
const STRAY_MEMORY = 32 * second;
/** How long a lookup is reused for further calls to the AOR (AdapterOptions.routeCacheTtl). */
export const DEFAULT_ROUTE_CACHE_TTL = 10 * second;
/**
 * Final answers of a callee adapter that mean the registration we used is stale (nobody registered there
 * any more, or no answer at all): the cached lookup must not be used again.
 */
const STALE_ROUTE = new Set([404, 408, 410, 480]);

export type Authenticate = (
  st: ServerTransactionHandle,
  req: SipMessage,
  aor: Aor,
  proxy: boolean,
) => boolean;

/**
 * The stateful proxy of the adapter (RFC 3261 §16): requests to the phones registered here (forking in
 * parallel), else to the adapters the overlay names over AppAttach connections (RFC 7904 §4), with a
 * response context per server transaction, CANCEL, the end-to-end ACK for 2xx and stray 2xx forwarding.
 */
export class SipProxy {
  readonly #ctx: AdapterContext;
  readonly #auth: Authenticate;
  readonly #contexts = new Map<string, ResponseContext>();
  readonly #branchOf = new Map<string, { ctx: ResponseContext; branch: Branch; cached?: Aor }>();
  readonly #routes: RouteCache;
  /** INVITE Via branch → where its 2xx goes, for stray 2xx retransmissions. */
  readonly #upstream = new Map<string, TransportAddress>();

  constructor(ctx: AdapterContext, auth: Authenticate) {
    this.#ctx = ctx;
    this.#auth = auth;
    this.#routes = new RouteCache(ctx.opts.routeCacheTtl ?? DEFAULT_ROUTE_CACHE_TTL);
  }

  /** A transaction ended: forget its context or branch. */
  onTerminated(role: 'server' | 'client', id: string): void {
    if (role === 'server') this.#contexts.delete(id);
    else this.#branchOf.delete(id);
  }

  /** A `stray:<branch>` timer fired. */
  forgetUpstream(branch: string): void {
    this.#upstream.delete(branch);
  }

  /**
   * A request with no Route left: to phones registered here, or through the overlay (RFC 7904 §4).
   * `followedRoute`: its top Route named us (we removed it), as in a dialog we record-routed.
   */
  route(
    st: ServerTransactionHandle,
    req: SipMessage,
    source: TransportAddress,
    followedRoute: boolean,
  ): void {
    const ruri = req.requestUri();
    // An in-dialog request's Request-URI is a phone's contact: deliver it on that phone's flow.
    const byContact = this.#ctx.bindings.byContact(req.start.type === 'request' ? req.start.uri : '');
    if (byContact !== undefined) {
      this.#fork(st, req, [{ address: byContact.flow, requestUri: undefined }]);
      return;
    }
    const aor = aorOf(ruri);
    const local = aor === undefined ? [] : this.#ctx.bindings.get(aor);
    // A request with a To tag that took no Route of ours is not following a dialog we record-routed:
    // exempt from digest only while it stays on this adapter, or anyone could send through the overlay
    // or to any address by adding a tag (Kamailio's default configuration, too, relays in-dialog requests
    // only by their Route).
    const exempt = isInDialog(req) && (followedRoute || local.length > 0);
    if (!exempt && !this.#authenticated(st, req, source)) return;
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
      if (direct === undefined || !isInDialog(req)) throw new SipWireError(416, 'Unsupported URI Scheme');
      this.#fork(st, req, [{ address: direct, requestUri: undefined }]);
      return;
    }
    if (this.#ctx.fromOverlay(source)) {
      // The overlay sent it here but nobody is registered here any more (the registration is stale).
      throw new SipWireError(480, 'Temporarily Unavailable');
    }
    this.#lookupAndForward(st, req, aor);
  }

  #lookupAndForward(st: ServerTransactionHandle, req: SipMessage, aor: Aor): void {
    const ctx = this.#context(st, req);
    const cached = this.#routes.get(aor, this.#ctx.now());
    if (cached !== undefined) {
      this.#ctx.stats.cachedLookups++;
      this.#forwardToRoutes(ctx, cached, aor);
      return;
    }
    const pending = ctx.addBranch('connecting');
    this.#ctx.deps.overlay.lookup(aor, (r) => {
      this.#ctx.stats.lookups++;
      const routes = r.ok ? r.routes.filter((route) => route.node !== this.#ctx.opts.localId) : [];
      if (!r.ok) {
        this.#apply(ctx, ctx.onBranchFailed(pending, 503));
      } else if (r.routes.length === 0) {
        // RFC 7904 §4: no registration at all.
        this.#apply(ctx, ctx.onBranchFailed(pending, 404));
      } else if (routes.length === 0) {
        // Registered only here, but no binding is left: registered yet unreachable.
        this.#apply(ctx, ctx.onBranchFailed(pending, 480));
      } else {
        this.#routes.set(aor, routes, this.#ctx.now());
        // The lookup's own placeholder ends without a status once the real branches exist.
        this.#forwardToRoutes(ctx, routes, aor, pending);
      }
      this.#ctx.drain();
    });
  }

  /** One branch per adapter the overlay names (RFC 7904 §4), all added before any is sent. */
  #forwardToRoutes(
    ctx: ResponseContext,
    routes: readonly OverlayRoute[],
    aor: Aor,
    placeholder?: Branch,
  ): void {
    const branches = routes.map(() => ctx.addBranch('connecting'));
    if (placeholder !== undefined) placeholder.state = 'done';
    routes.forEach((route, i) => {
      this.#connectAndForward(ctx, branches[i] as Branch, route, aor);
    });
  }

  #connectAndForward(ctx: ResponseContext, branch: Branch, route: OverlayRoute, aor?: Aor): void {
    this.#ctx.deps.overlay.connect(route, (c) => {
      if (branch.state === 'done') return;
      if (!c.ok) {
        if (aor !== undefined) this.#routes.forget(aor);
        this.#ctx.deps.log.info(
          { node: route.node.toString(16), reason: c.reason },
          'adapter: no connection to the callee adapter',
        );
        // RFC 7904 §4 / issue #6: registered but unreachable is 480.
        this.#apply(ctx, ctx.onBranchFailed(branch, 480));
      } else {
        this.#sendBranch(ctx, branch, c.address, undefined, aor);
      }
      this.#ctx.drain();
    });
  }

  /** A Route that is not ours: an adapter across the overlay, or a plain SIP hop. */
  forwardAlong(
    st: ServerTransactionHandle,
    req: SipMessage,
    source: TransportAddress,
    next: NonNullable<ReturnType<SipMessage['routes']>[number]>['uri'],
  ): void {
    // A dialog's requests follow the Route set we record-routed (they carry a To tag); a new request
    // with a preloaded Route from one of our phones is a call like any other, and authenticated so.
    if (!isInDialog(req) && !this.#authenticated(st, req, source)) return;
    const node = nodeOfUri(next);
    if (node !== undefined && node !== this.#ctx.opts.localId) {
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

  /**
   * RFC 3261 §22.3: requests from our phones are authenticated (407) as the From user; those from the
   * overlay were authenticated by the caller's adapter. False when a challenge went out instead.
   */
  #authenticated(st: ServerTransactionHandle, req: SipMessage, source: TransportAddress): boolean {
    if (this.#ctx.fromOverlay(source) || req.method === 'ACK') return true;
    const from = req.from();
    const fromAor = from === undefined ? undefined : aorOf(from.uri);
    if (fromAor === undefined) throw new SipWireError(403, 'Forbidden (From is not a SIP address of record)');
    return this.#auth(st, req, fromAor, true);
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
    cached?: Aor,
  ): void {
    if (ctx.cancelled) {
      this.#apply(ctx, ctx.onBranchFailed(branch, 487));
      return;
    }
    const req = ctx.request.clone();
    if (requestUri !== undefined) req.setRequestUri(requestUri);
    if (DIALOG_METHODS.has(req.method) && !isInDialog(req)) {
      req.prependHeader(
        'Record-Route',
        recordRoute(
          this.#ctx.opts,
          address.connection?.startsWith('app:') ? ctx.server.source.transport : address.transport,
        ),
      );
    }
    const branchId = this.#ctx.branch(ctx.request);
    req.prependHeader('Via', ourVia(this.#ctx.opts, address, branchId));
    if (ctx.request.method === 'INVITE') this.#rememberUpstream(branchId, ctx);
    branch.state = 'calling';
    const ct = this.#ctx.transactions.sendRequest(req, address, this.#ctx.now());
    branch.transaction = ct;
    this.#branchOf.set(ct.id, cached === undefined ? { ctx, branch } : { ctx, branch, cached });
  }

  #rememberUpstream(branchId: string, ctx: ResponseContext): void {
    this.#upstream.set(branchId, ctx.server.source);
    this.#ctx.timers.set(`stray:${branchId}`, this.#ctx.now() + STRAY_MEMORY);
  }

  onResponse(ct: ClientTransactionHandle, response: SipMessage, timeout: boolean): void {
    const owner = this.#branchOf.get(ct.id);
    if (owner === undefined) return;
    if (ct.request.method === 'CANCEL') return;
    const { ctx, branch } = owner;
    if (owner.cached !== undefined && (timeout || STALE_ROUTE.has(response.status))) {
      this.#routes.forget(owner.cached);
    }
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
          this.#ctx.transactions.respond(ctx.server, up, this.#ctx.now());
          break;
        }
        case 'cancel':
          this.#sendCancel(a.branch);
          break;
        case 'final':
          if (a.response !== undefined) {
            const up = a.response.clone();
            up.removeFirstValue('via');
            this.#ctx.transactions.respond(ctx.server, up, this.#ctx.now());
          } else {
            this.#ctx.respond(ctx.server, ctx.request, a.status);
          }
          break;
      }
    }
    this.#ctx.drain();
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
    const cct = this.#ctx.transactions.sendRequest(cancel, ct.destination, this.#ctx.now());
    const owner = this.#branchOf.get(ct.id);
    if (owner !== undefined) this.#branchOf.set(cct.id, owner);
  }

  onCancel(st: ServerTransactionHandle, req: SipMessage, cancels: ServerTransactionHandle | undefined): void {
    // RFC 3261 §16.10: a CANCEL matching no transaction we hold gets 481; otherwise 200, then cancel.
    const ctx = cancels === undefined ? undefined : this.#contexts.get(cancels.id);
    if (ctx === undefined) throw new SipWireError(481, 'Call/Transaction Does Not Exist');
    this.#ctx.respond(st, req, 200, 'OK');
    this.#apply(ctx, ctx.cancel());
  }

  /** ACK for a 2xx travels end to end along the Route set, statelessly (RFC 3261 §16.6, §13.2.2.4). */
  forwardAck(ack: SipMessage, source: TransportAddress): void {
    this.#ctx.stats.received(ack);
    if (!decrementMaxForwards(ack)) return;
    const top = ack.routes()[0];
    if (top !== undefined && isOwnUri(this.#ctx.opts, top.uri)) ack.removeFirstValue('route');
    const next = ack.routes()[0];
    const send = (address: TransportAddress): void => {
      ack.prependHeader('Via', ourVia(this.#ctx.opts, address, this.#ctx.branch(ack)));
      this.#ctx.transactions.sendStateless(ack, address);
      this.#ctx.drain();
    };
    const node = next === undefined ? undefined : nodeOfUri(next.uri);
    if (node !== undefined && node !== this.#ctx.opts.localId) {
      this.#ctx.deps.overlay.connect(
        { node, destinationList: [{ type: 'node', id: node }], contactPrefs: '' },
        (c) => {
          if (c.ok) send(c.address);
        },
      );
      return;
    }
    const byContact =
      next === undefined
        ? this.#ctx.bindings.byContact(ack.start.type === 'request' ? ack.start.uri : '')
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
  forwardStray(response: SipMessage): void {
    const ours = response.topVia()?.branch;
    const up = ours === undefined ? undefined : this.#upstream.get(ours);
    if (up === undefined) return;
    const copy = response.clone();
    copy.removeFirstValue('via');
    this.#ctx.transactions.sendStateless(copy, up);
    this.#ctx.drain();
  }
}

function isInDialog(req: SipMessage): boolean {
  return req.to()?.params.some(([n]) => n.toLowerCase() === 'tag') === true;
}
