import type { Aor } from './aor.js';
import type { OverlayRoute } from './overlay-port.js';

/**
 * Overlay lookups of AORs with adapters to call, remembered for a short time so a burst of calls to one
 * AOR costs one Fetch (RFC 7904 §4 leaves how often to look up to the implementation; a SIP-REGISTRATION
 * value lives much longer than the cache). An entry is forgotten early when a call along it finds the
 * registration stale: no AppAttach connection, or the callee adapter answering that nobody is there.
 */
export class RouteCache {
  readonly #entries = new Map<Aor, { readonly routes: readonly OverlayRoute[]; readonly until: number }>();
  readonly #ttl: number;
  readonly #capacity: number;

  /** `ttl` in ms (0 disables the cache); at most `capacity` AORs, the oldest dropped first. */
  constructor(ttl: number, capacity = 4096) {
    this.#ttl = ttl;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(aor: Aor, now: number): readonly OverlayRoute[] | undefined {
    const e = this.#entries.get(aor);
    if (e === undefined) return undefined;
    if (e.until > now) return e.routes;
    this.#entries.delete(aor);
    return undefined;
  }

  set(aor: Aor, routes: readonly OverlayRoute[], now: number): void {
    if (this.#ttl <= 0 || routes.length === 0) return;
    this.#entries.delete(aor);
    if (this.#entries.size >= this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(aor, { routes, until: now + this.#ttl });
  }

  forget(aor: Aor): void {
    this.#entries.delete(aor);
  }
}
