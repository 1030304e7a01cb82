import { AUTHORIZATION, type AuthValue, PROXY_AUTHORIZATION } from '../message/headers.js';
import type { SipMessage } from '../message/message.js';
import { authHeaderNames } from '../message/response.js';
import { quote } from '../message/scan.js';
import { type DigestAlgorithm, digestResponse, parseAlgorithm, sameDigest } from './digest.js';
import type { NonceFactory } from './nonce.js';

/** Finds the stored HA1 of a user for a realm and hash (never a plain password). */
export type Ha1Lookup = (user: string, realm: string, algorithm: DigestAlgorithm) => string | undefined;

export type VerifyResult =
  | { readonly ok: true; readonly user: string }
  | {
      readonly ok: false;
      readonly reason:
        | 'no-credentials'
        | 'unsupported'
        | 'invalid-nonce'
        | 'wrong-uri'
        | 'unknown-user'
        | 'bad-response'
        | 'stale'
        | 'replay';
      /** Whether to challenge again with stale=true (RFC 7616 §3.3: right password, expired nonce). */
      readonly stale: boolean;
    };

export interface DigestServerOptions {
  readonly realm: string;
  readonly nonces: NonceFactory;
  /** Offered in this order; RFC 8760 §2.4: the preferred (SHA-256) first. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** As a proxy: Proxy-Authenticate / Proxy-Authorization and 407 (RFC 3261 §22.3). */
  readonly proxy?: boolean;
  readonly opaque?: string;
}

/**
 * Server side of SIP digest (RFC 3261 §22.1-22.4, RFC 7616): challenges and verification with nonce
 * expiry and replay protection (nonce-count must grow per nonce; a nonce used without qop is single use).
 */
export class DigestServer {
  readonly realm: string;
  readonly #nonces: NonceFactory;
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #proxy: boolean;
  readonly #opaque: string | undefined;
  /**
   * nonce → highest nonce-count seen (0 for a nonce used without qop) and when it was first used, in
   * first-use order. A nonce is used after it was issued, so one first used more than a nonce lifetime
   * ago is stale (and refused as such before this table is consulted): it can go.
   */
  readonly #seen = new Map<string, { count: number; firstUsed: number }>();

  constructor(opts: DigestServerOptions) {
    this.realm = opts.realm;
    this.#nonces = opts.nonces;
    this.#algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    this.#proxy = opts.proxy ?? false;
    this.#opaque = opts.opaque;
  }

  /** The status and the challenge headers (one per algorithm, RFC 8760 §2.4) for a 401/407. */
  challenge(now: number, stale = false): { status: 401 | 407; headers: Array<readonly [string, string]> } {
    const nonce = this.#nonces.issue(this.realm, now);
    const name = authHeaderNames(this.#proxy).challenge;
    const headers = this.#algorithms.map((a) => {
      let v = `Digest realm=${quote(this.realm)}, nonce=${quote(nonce)}, algorithm=${a}, qop="auth"`;
      if (this.#opaque !== undefined) v += `, opaque=${quote(this.#opaque)}`;
      if (stale) v += ', stale=true';
      return [name, v] as const;
    });
    return { status: this.#proxy ? 407 : 401, headers };
  }

  #credentials(request: SipMessage): AuthValue | undefined {
    const all = request.get(this.#proxy ? PROXY_AUTHORIZATION : AUTHORIZATION);
    // RFC 3261 §22.4: a request may carry credentials for several realms; use the one for ours.
    return all.find((c) => c.scheme.toLowerCase() === 'digest' && c.params.get('realm') === this.realm);
  }

  verify(request: SipMessage, lookup: Ha1Lookup, now: number): VerifyResult {
    this.#prune(now);
    const fail = (reason: Exclude<VerifyResult, { ok: true }>['reason'], stale = false): VerifyResult => ({
      ok: false,
      reason,
      stale,
    });
    const cred = this.#credentials(request);
    if (cred === undefined) return fail('no-credentials');
    const p = cred.params;
    const algorithm = parseAlgorithm(p.get('algorithm'));
    const [user, nonce, uri, response] = [p.get('username'), p.get('nonce'), p.get('uri'), p.get('response')];
    if (algorithm === undefined || !this.#algorithms.includes(algorithm)) return fail('unsupported');
    if (user === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return fail('no-credentials');
    }
    const freshness = this.#nonces.check(nonce, this.realm, now);
    if (freshness === 'invalid') return fail('invalid-nonce');
    // RFC 2617 §3.2.2.5: the digest-uri must name the Request-URI of this request.
    const start = request.start;
    if (start.type !== 'request' || uri !== start.uri) return fail('wrong-uri');
    const stored = lookup(user, this.realm, algorithm);
    if (stored === undefined) return fail('unknown-user');
    const qop = p.get('qop');
    if (qop !== undefined && qop !== 'auth') return fail('unsupported');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (qop === 'auth' && (nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc) || cnonce === undefined)) {
      return fail('no-credentials');
    }
    const expected = digestResponse({
      algorithm,
      ha1: stored,
      method: start.method,
      uri,
      nonce,
      ...(qop === 'auth' ? { qop: 'auth' as const, nc: nc ?? '', cnonce: cnonce ?? '' } : {}),
    });
    if (!sameDigest(expected, response)) return fail('bad-response');
    // RFC 7616 §3.3: valid credentials with an expired nonce get a fresh challenge with stale=true.
    if (freshness === 'stale') return fail('stale', true);
    const count = qop === 'auth' ? Number.parseInt(nc ?? '0', 16) : 0;
    const last = this.#seen.get(nonce);
    // RFC 7616 §3.4: nonce-count must increase per nonce; without qop a nonce is good for one request.
    if (last !== undefined && (qop !== 'auth' || count <= last.count)) return fail('replay');
    if (last === undefined) this.#seen.set(nonce, { count, firstUsed: now });
    else last.count = count;
    return { ok: true, user };
  }

  /** Nonces whose use is remembered (for replay detection). */
  get trackedNonces(): number {
    return this.#seen.size;
  }

  /**
   * Forgets the oldest entries while they are stale. Stopping at the first fresh one keeps this O(1) per
   * request (checking every entry on every request made each REGISTER cost O(users)); an entry left
   * behind a fresher one is dropped at most one lifetime later.
   */
  #prune(now: number): void {
    for (const [nonce, e] of this.#seen) {
      if (now - e.firstUsed <= this.#nonces.lifetimeMs) return;
      this.#seen.delete(nonce);
    }
  }
}
