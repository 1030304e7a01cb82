import { second } from '../../core/clock.js';
import { SipWireError } from '../../core/errors.js';
import { CONTACT, contactExpires, contactQ, EXPIRES, REQUIRE } from '../../sip/message/headers.js';
import type { SipMessage } from '../../sip/message/message.js';
import { formatNameAddr } from '../../sip/message/name-addr.js';
import type { TransportAddress } from '../../sip/transport/address.js';
import { type Aor, aorOf } from './aor.js';
import { type Binding, type BindingStore, contactKey } from './bindings.js';

/**
 * REGISTER processing (RFC 3261 §10.3) after authentication: the binding updates of steps 5–8. The
 * result says what the 200 OK must list; publishing to the overlay is the adapter's job.
 */
export interface RegistrarOptions {
  /** Shortest expiry accepted; shorter (non-zero) requests get 423 Interval Too Brief (RFC 3261 §10.3 step 7). */
  readonly minExpires: number;
  /** Longest expiry granted (s); the registrar may shorten (RFC 3261 §10.2.1.1). */
  readonly maxExpires: number;
  /** Expiry when the request names none (RFC 3261 §10.2.1.1 recommends 3600 s). */
  readonly defaultExpires: number;
}

export const DEFAULT_REGISTRAR_OPTIONS: RegistrarOptions = {
  minExpires: 60,
  maxExpires: 7200,
  defaultExpires: 3600,
};

/** The extensions this registrar supports (RFC 3261 §10.3 step 2): none beyond the core. */
const SUPPORTED = new Set<string>(['path']);

export interface RegisterOutcome {
  readonly aor: Aor;
  /** Every current binding of the AOR after the request (for the Contact list of the 200 OK). */
  readonly bindings: readonly Binding[];
  /** Whether the request changed anything (so the overlay registration needs refreshing). */
  readonly changed: boolean;
}

/**
 * Applies a REGISTER for `aor` (already authenticated and authorised). Throws SipWireError for the
 * failures of RFC 3261 §10.3: 400, 420, 423 with Min-Expires, 500 for an out-of-order CSeq.
 */
export function applyRegister(
  store: BindingStore,
  request: SipMessage,
  aor: Aor,
  source: TransportAddress,
  now: number,
  opts: RegistrarOptions = DEFAULT_REGISTRAR_OPTIONS,
): RegisterOutcome {
  const unsupported = request.get(REQUIRE).filter((t) => !SUPPORTED.has(t.toLowerCase()));
  if (unsupported.length > 0) {
    throw new SipWireError(420, 'Bad Extension', [['Unsupported', unsupported.join(', ')]]);
  }
  const contact = request.get(CONTACT);
  const callId = request.callId() ?? '';
  const cseq = request.cseq().seq ?? 0;
  const headerExpires = request.get(EXPIRES);
  if (!contact.star && contact.contacts.length === 0)
    return { aor, bindings: store.get(aor), changed: false };
  if (contact.star) {
    // RFC 3261 §10.3 step 6: "*" is only valid with Expires: 0 and no other Contact.
    if (headerExpires !== 0) throw new SipWireError(400, 'Bad Request (Contact * needs Expires: 0)');
    for (const b of store.get(aor)) {
      if (b.callId === callId && cseq <= b.cseq)
        throw new SipWireError(500, 'Server Internal Error (CSeq out of order)');
    }
    const had = store.get(aor).length > 0;
    store.removeAll(aor);
    return { aor, bindings: [], changed: had };
  }
  let changed = false;
  const updates: Array<() => void> = [];
  for (const c of contact.contacts) {
    const requested = contactExpires(c) ?? headerExpires ?? opts.defaultExpires;
    // RFC 3261 §10.3 step 7: a non-zero expiry below our minimum is refused with 423 and Min-Expires.
    if (requested > 0 && requested < opts.minExpires) {
      throw new SipWireError(423, 'Interval Too Brief', [['Min-Expires', String(opts.minExpires)]]);
    }
    const expires = Math.min(requested, opts.maxExpires);
    const uri = contactKey(c);
    const existing = store.find(aor, uri);
    // RFC 3261 §10.3 step 7: the same Call-ID with a CSeq not higher than the binding's aborts the update.
    if (existing !== undefined && existing.callId === callId && cseq <= existing.cseq) {
      throw new SipWireError(500, 'Server Internal Error (CSeq out of order)');
    }
    if (expires === 0) {
      if (existing !== undefined) updates.push(() => store.remove(aor, uri));
      changed ||= existing !== undefined;
      continue;
    }
    const binding: Binding = {
      aor,
      contact: c,
      uri,
      expiresAt: now + expires * second,
      callId,
      cseq,
      flow: source,
      q: contactQ(c),
    };
    updates.push(() => store.put(binding));
    changed = true;
  }
  // All or nothing: any refusal above happened before a single binding changed.
  for (const u of updates) u();
  return { aor, bindings: store.get(aor), changed };
}

/** The Contact header values of a 200 OK to REGISTER: every binding with its remaining expiry. */
export function contactHeaders(bindings: readonly Binding[], now: number): Array<readonly [string, string]> {
  return bindings.map((b) => {
    const left = Math.max(0, Math.round((b.expiresAt - now) / second));
    const params = b.contact.params.filter(([name]) => name.toLowerCase() !== 'expires');
    return ['Contact', `${formatNameAddr({ ...b.contact, params })};expires=${left}`] as const;
  });
}

/** The AOR a REGISTER is for: its To header (RFC 3261 §10.3 step 5). */
export function registerAor(request: SipMessage): Aor {
  const to = request.to();
  const aor = to === undefined ? undefined : aorOf(to.uri);
  if (aor === undefined) throw new SipWireError(404, 'Not Found (To is not a SIP address of record)');
  return aor;
}
