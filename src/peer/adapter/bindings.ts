import { TimerTable } from '../../core/timer-table.js';
import type { NameAddr } from '../../sip/message/name-addr.js';
import { formatUri } from '../../sip/message/uri.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import type { Aor } from './aor.js';

/**
 * The contacts registered with this adapter (RFC 3261 §10.3), kept locally: the overlay only learns that
 * this adapter is where an AOR can be reached (RFC 7904 §3), and this table says which UAs behind it.
 */
export interface Binding {
  readonly aor: Aor;
  readonly contact: NameAddr;
  /** The contact URI as registered, the key of the binding. */
  readonly uri: string;
  readonly expiresAt: number;
  readonly callId: string;
  readonly cseq: number;
  /** Where the REGISTER came from: requests go back over this flow (NAT and TCP friendly, RFC 5626 style). */
  readonly flow: TransportAddress;
  readonly q: number | undefined;
}

export class BindingStore {
  readonly #byAor = new Map<Aor, Map<string, Binding>>();
  readonly #timers = new TimerTable<string>();
  /** AORs whose last binding expired in handleTimeout, for the adapter to withdraw from the overlay. */
  #emptied: Aor[] = [];

  get(aor: Aor): Binding[] {
    return [...(this.#byAor.get(aor)?.values() ?? [])];
  }

  get aorCount(): number {
    return this.#byAor.size;
  }

  get bindingCount(): number {
    let n = 0;
    for (const m of this.#byAor.values()) n += m.size;
    return n;
  }

  aors(): IterableIterator<Aor> {
    return this.#byAor.keys();
  }

  find(aor: Aor, uri: string): Binding | undefined {
    return this.#byAor.get(aor)?.get(uri);
  }

  /** The binding whose contact URI this is (an in-dialog request's Request-URI, for instance). */
  byContact(uri: string): Binding | undefined {
    for (const m of this.#byAor.values()) {
      const b = m.get(uri);
      if (b !== undefined) return b;
    }
    return undefined;
  }

  put(b: Binding): void {
    let m = this.#byAor.get(b.aor);
    if (m === undefined) {
      m = new Map();
      this.#byAor.set(b.aor, m);
    }
    m.set(b.uri, b);
    this.#timers.set(`${b.aor}\n${b.uri}`, b.expiresAt);
  }

  remove(aor: Aor, uri: string): void {
    const m = this.#byAor.get(aor);
    if (m === undefined) return;
    m.delete(uri);
    this.#timers.clear(`${aor}\n${uri}`);
    if (m.size === 0) this.#byAor.delete(aor);
  }

  removeAll(aor: Aor): void {
    for (const b of this.get(aor)) this.remove(aor, b.uri);
  }

  handleTimeout(now: number): void {
    for (const key of this.#timers.expire(now)) {
      const i = key.indexOf('\n');
      const aor = key.slice(0, i) as Aor;
      this.remove(aor, key.slice(i + 1));
      if (!this.#byAor.has(aor)) this.#emptied.push(aor);
    }
  }

  /** AORs left without any binding by expiry since the last call. */
  takeEmptied(): Aor[] {
    const out = this.#emptied;
    this.#emptied = [];
    return out;
  }

  nextDeadline(): number | undefined {
    return this.#timers.nextDeadline();
  }

  /** The latest expiry among an AOR's bindings. */
  latestExpiry(aor: Aor): number | undefined {
    let max: number | undefined;
    for (const b of this.get(aor)) if (max === undefined || b.expiresAt > max) max = b.expiresAt;
    return max;
  }
}

export function contactKey(contact: NameAddr): string {
  return formatUri(contact.uri);
}
