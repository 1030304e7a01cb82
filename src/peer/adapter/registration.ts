import { second } from '../../core/clock.js';
import { SipWireError } from '../../core/errors.js';
import { NonceFactory } from '../../sip/auth/nonce.js';
import { DigestServer } from '../../sip/auth/server.js';
import type { SipMessage } from '../../sip/message/message.js';
import type { ServerTransactionHandle } from '../../sip/transaction/types.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import type { Aor } from './aor.js';
import type { AdapterContext } from './context.js';
import { applyRegister, contactHeaders, DEFAULT_REGISTRAR_OPTIONS, registerAor } from './registrar.js';
import { matchesUsername } from './users.js';

/** Extra lifetime of an overlay registration past its last binding, so refreshes never leave a gap. */
const PUBLISH_GRACE = 30;

/**
 * Registrations (RFC 3261 §10.3 with digest, §22): bindings kept by this adapter and published in the
 * overlay as a SIP-REGISTRATION route to it (RFC 7904 §3), refreshed before the overlay forgets them and
 * withdrawn when the last binding goes.
 */
export class Registrations {
  readonly #ctx: AdapterContext;
  readonly #nonces: NonceFactory;
  readonly #digest = new Map<string, { registrar: DigestServer; proxy: DigestServer }>();
  /** AOR → overlay lifetime end (ms) of our published registration. */
  readonly #published = new Map<Aor, number>();
  /** AOR → callbacks waiting for the Store in flight: concurrent REGISTERs of one AOR share it. */
  readonly #storing = new Map<Aor, Array<(ok: boolean) => void>>();

  constructor(ctx: AdapterContext) {
    this.#ctx = ctx;
    this.#nonces = new NonceFactory({ secret: ctx.opts.nonceSecret, random: ctx.deps.random });
  }

  get publishedCount(): number {
    return this.#published.size;
  }

  #digestFor(realm: string): { registrar: DigestServer; proxy: DigestServer } {
    let d = this.#digest.get(realm);
    if (d === undefined) {
      const algorithms = this.#ctx.opts.digestAlgorithms;
      const common = { realm, nonces: this.#nonces, ...(algorithms === undefined ? {} : { algorithms }) };
      d = {
        registrar: new DigestServer(common),
        proxy: new DigestServer({ ...common, proxy: true }),
      };
      this.#digest.set(realm, d);
    }
    return d;
  }

  /** Digest authentication (RFC 3261 §22): returns true when the request may proceed; else it was challenged. */
  authenticate(st: ServerTransactionHandle, req: SipMessage, aor: Aor, proxy: boolean): boolean {
    const user = this.#ctx.deps.users.byAor(aor);
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
      this.#ctx.now(),
    );
    if (result.ok) return true;
    this.#ctx.stats.authFailures++;
    const challenge = server.challenge(this.#ctx.now(), result.stale);
    this.#ctx.respond(st, req, challenge.status, undefined, challenge.headers);
    return false;
  }

  register(st: ServerTransactionHandle, req: SipMessage, source: TransportAddress): void {
    const aor = registerAor(req);
    if (!this.authenticate(st, req, aor, false)) return;
    const outcome = applyRegister(
      this.#ctx.bindings,
      req,
      aor,
      source,
      this.#ctx.now(),
      this.#ctx.opts.registrar ?? DEFAULT_REGISTRAR_OPTIONS,
    );
    const reply = (): void =>
      this.#ctx.respond(st, req, 200, 'OK', contactHeaders(this.#ctx.bindings.get(aor), this.#ctx.now()));
    if (!outcome.changed) {
      reply();
      return;
    }
    if (outcome.bindings.length === 0) {
      this.withdraw(aor);
      reply();
      return;
    }
    if (this.#covered(aor)) {
      this.#ctx.stats.publishSkipped++;
      reply();
      return;
    }
    // DESIGN §3: the 200 OK follows the overlay Store, so a phone told "registered" is reachable.
    this.publish(aor, (ok) => {
      if (ok) reply();
      else
        this.#ctx.respond(st, req, 503, 'Service Unavailable (overlay store failed)', [['Retry-After', '5']]);
    });
  }

  /**
   * Whether the overlay already holds our registration of `aor` and its refresh is still ahead. The
   * value (RFC 7904 §3: a route to this node) is the same whichever bindings the AOR has; only its
   * lifetime follows them, and the refresh timer stores it again from the latest binding expiry before
   * the overlay forgets it. So a REGISTER that adds or renews a binding needs no Store of its own.
   */
  #covered(aor: Aor): boolean {
    const until = this.#published.get(aor);
    return until !== undefined && until > this.#ctx.now() && this.#ctx.timers.has(`refresh:${aor}`);
  }

  publish(aor: Aor, done: (ok: boolean) => void): void {
    const waiting = this.#storing.get(aor);
    if (waiting !== undefined) {
      // The Store in flight carries the same value; the refresh timer it sets covers later expiries.
      waiting.push(done);
      return;
    }
    const latest = this.#ctx.bindings.latestExpiry(aor);
    if (latest === undefined) {
      done(true);
      return;
    }
    const waiters = [done];
    this.#storing.set(aor, waiters);
    const lifetime = Math.ceil((latest - this.#ctx.now()) / second) + PUBLISH_GRACE;
    this.#ctx.deps.overlay.publish(aor, lifetime, (r) => {
      this.#storing.delete(aor);
      if (r.ok) {
        const until = this.#ctx.now() + lifetime * second;
        this.#published.set(aor, until);
        // Store again before the overlay forgets it (the phone may refresh less often than we need).
        const margin = this.#ctx.opts.refreshMargin ?? 60 * second;
        this.#ctx.timers.set(`refresh:${aor}`, Math.max(this.#ctx.now() + second, until - margin));
        this.#ctx.stats.published++;
        // The last binding went while the Store was in flight (its withdrawal found nothing published yet).
        if (this.#ctx.bindings.latestExpiry(aor) === undefined) this.withdraw(aor);
      } else {
        this.#ctx.deps.log.warn({ aor, reason: r.reason }, 'adapter: publishing the registration failed');
      }
      for (const w of waiters) w(r.ok);
      this.#ctx.drain();
    });
  }

  withdraw(aor: Aor): void {
    this.#ctx.timers.clear(`refresh:${aor}`);
    if (!this.#published.delete(aor)) return;
    this.#ctx.deps.overlay.withdraw(aor, (r) => {
      if (!r.ok)
        this.#ctx.deps.log.warn({ aor, reason: r.reason }, 'adapter: withdrawing the registration failed');
      this.#ctx.drain();
    });
  }

  // ---- routing -------------------------------------------------------------------------------------
}
