import * as h from './headers.js';
import type { SipMessage } from './message.js';
import { SipParseError } from './parse-error.js';

/**
 * What a receiver checks before handing a message to a transaction: the headers every request and
 * response must carry (RFC 3261 §8.1.1, §8.2.2, §16.3) and the consistency a parser alone cannot see.
 * A fatal problem is answered 400 (when respondable); the others are things a proxy may let through.
 */
export interface Problem {
  readonly code:
    | 'missing-header'
    | 'bad-header'
    | 'cseq-method-mismatch'
    | 'request-uri-has-headers'
    | 'request-uri-scheme-unknown';
  readonly fatal: boolean;
  readonly detail: string;
}

const REQUIRED: ReadonlyArray<readonly [string, h.HeaderSpec<unknown>]> = [
  ['via', h.VIA],
  ['from', h.FROM],
  ['to', h.TO],
  ['call-id', h.CALL_ID],
  ['cseq', h.CSEQ],
];

function tryParse(msg: SipMessage, key: string, spec: h.HeaderSpec<unknown>, out: Problem[]): boolean {
  if (!msg.has(key)) {
    out.push({ code: 'missing-header', fatal: true, detail: key });
    return false;
  }
  try {
    msg.get(spec);
    return true;
  } catch (e) {
    out.push({ code: 'bad-header', fatal: true, detail: `${key}: ${(e as Error).message}` });
    return false;
  }
}

export function inspectMessage(msg: SipMessage): Problem[] {
  const out: Problem[] = [];
  const ok = new Map<string, boolean>();
  for (const [key, spec] of REQUIRED) ok.set(key, tryParse(msg, key, spec, out));
  // Max-Forwards may be absent (a proxy adds 70, RFC 3261 §16.6 step 3) but must be valid when present.
  if (msg.has('max-forwards')) tryParse(msg, 'max-forwards', h.MAX_FORWARDS, out);
  if (msg.has('content-type')) tryParse(msg, 'content-type', h.CONTENT_TYPE, out);
  if (msg.has('contact')) tryParse(msg, 'contact', h.CONTACT, out);
  if (msg.has('expires')) tryParse(msg, 'expires', h.EXPIRES, out);
  if (!msg.isRequest) return out;
  const start = msg.start;
  if (start.type === 'request' && ok.get('cseq') === true) {
    const cseq = msg.get(h.CSEQ);
    // RFC 3261 §8.1.1.5: the CSeq method MUST match the request method (ACK and CANCEL reuse the number).
    if (cseq !== undefined && cseq.method !== start.method) {
      out.push({
        code: 'cseq-method-mismatch',
        fatal: true,
        detail: `${start.method} vs CSeq ${cseq.method}`,
      });
    }
  }
  try {
    const uri = msg.requestUri();
    // RFC 3261 §19.1.1 Table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (uri.kind === 'sip' && uri.headers.length > 0) {
      out.push({
        code: 'request-uri-has-headers',
        fatal: false,
        detail: 'escaped headers in the Request-URI',
      });
    }
    if (uri.kind === 'other') {
      out.push({ code: 'request-uri-scheme-unknown', fatal: false, detail: uri.scheme });
    }
  } catch (e) {
    out.push({ code: 'bad-header', fatal: true, detail: `Request-URI: ${(e as Error).message}` });
  }
  return out;
}

/** Throws a SipParseError for the first fatal problem (respondable when the request can be answered). */
export function checkMessage(msg: SipMessage): void {
  const fatal = inspectMessage(msg).find((p) => p.fatal);
  if (fatal !== undefined) {
    throw new SipParseError(`${fatal.code}: ${fatal.detail}`, -1, { respondable: msg.canRespond() });
  }
}
