/**
 * Header field names: case-insensitive (RFC 3261 §7.3.1) with compact forms (RFC 3261 §7.3.3 and the
 * extensions that registered one in IANA's SIP header field table). Lookups use the `key`: the long name
 * in lower case.
 */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  // RFC 3261 §7.3.3
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  // RFC 6665 §8.2 (Event, Allow-Events)
  o: 'event',
  u: 'allow-events',
  // RFC 3515 §2.1 (Refer-To), RFC 3892 §3 (Referred-By)
  r: 'refer-to',
  b: 'referred-by',
  // RFC 4028 §4 (Session-Expires)
  x: 'session-expires',
  // RFC 3841 §9 (Accept-Contact, Reject-Contact, Request-Disposition)
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  // RFC 8224 §4 (Identity)
  y: 'identity',
};

/** The lookup key of a header name as it appeared on the wire. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT_FORMS[lower] ?? lower;
  return lower;
}

/** Canonical spellings for the headers the stack writes itself. */
export const H = {
  via: 'Via',
  from: 'From',
  to: 'To',
  callId: 'Call-ID',
  cseq: 'CSeq',
  contact: 'Contact',
  route: 'Route',
  recordRoute: 'Record-Route',
  maxForwards: 'Max-Forwards',
  expires: 'Expires',
  minExpires: 'Min-Expires',
  contentLength: 'Content-Length',
  contentType: 'Content-Type',
  authorization: 'Authorization',
  proxyAuthorization: 'Proxy-Authorization',
  wwwAuthenticate: 'WWW-Authenticate',
  proxyAuthenticate: 'Proxy-Authenticate',
  path: 'Path',
  serviceRoute: 'Service-Route',
  supported: 'Supported',
  require: 'Require',
  proxyRequire: 'Proxy-Require',
  unsupported: 'Unsupported',
  allow: 'Allow',
  event: 'Event',
} as const;
