import type { SipMessage } from '../../sip/message/message.js';

/** Counters of the adapter for /metrics: SIP requests and responses by method and code. */
export class AdapterStats {
  readonly requestsIn = new Map<string, number>();
  readonly requestsOut = new Map<string, number>();
  readonly responsesIn = new Map<string, number>();
  readonly responsesOut = new Map<string, number>();
  authFailures = 0;
  published = 0;
  /** REGISTERs answered without a Store: the overlay already held the route and its refresh was due later. */
  publishSkipped = 0;
  lookups = 0;
  /** Calls routed along a recent lookup of the same AOR instead of a new one. */
  cachedLookups = 0;

  static #bump(m: Map<string, number>, k: string): void {
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  received(m: SipMessage): void {
    if (m.isRequest) AdapterStats.#bump(this.requestsIn, m.method);
    else AdapterStats.#bump(this.responsesIn, String(m.status));
  }

  sent(m: SipMessage): void {
    if (m.isRequest) AdapterStats.#bump(this.requestsOut, m.method);
    else AdapterStats.#bump(this.responsesOut, String(m.status));
  }
}
