import { SipParseError } from './parse-error.js';
import { formatParams, isDigits, type Param, paramValue, readParams } from './scan.js';

/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966) and, for any other scheme, the opaque absoluteURI
 * (RFC 3261 §25.1 allows one in a Request-URI or a name-addr). Fields hold the text as it was written,
 * %-escapes included, so that a URI re-serialises byte for byte; `unescapeUri()` gives the characters
 * (RFC 3261 §19.1.2: an escaped character is equivalent to the character itself in user, password,
 * parameters and headers; RFC 4475 §3.1.1.3).
 */
export interface SipUri {
  readonly kind: 'sip';
  /** 'sip' or 'sips', lower-cased (schemes are case-insensitive, RFC 3261 §19.1.4). */
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  /** A hostname, an IPv4 address, or an IPv6 reference with its brackets (`[2001:db8::1]`). */
  readonly host: string;
  readonly port?: number;
  readonly params: readonly Param[];
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: readonly Param[];
}

export interface OtherUri {
  readonly kind: 'other';
  readonly scheme: string;
  /** Everything after "scheme:". */
  readonly opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9.])?)$/;
// RFC 3261 §25.1 user / password / paramchar / hnv characters (unreserved, escaped and the listed marks).
const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const PASSWORD = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/;
const PARAMCHARS = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;
const HNV = /^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$]|%[0-9A-Fa-f]{2})*$/;

function bad(text: string, why: string): never {
  throw new SipParseError(`bad URI ${JSON.stringify(text.slice(0, 80))}: ${why}`);
}

export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) bad(text, 'no scheme');
  const scheme = text.slice(0, colon);
  if (!SCHEME.test(scheme)) bad(text, 'bad scheme');
  const lower = scheme.toLowerCase();
  const rest = text.slice(colon + 1);
  if (lower === 'sip' || lower === 'sips') return parseSipUri(text, lower, rest);
  if (lower === 'tel') return parseTelUri(text, rest);
  // RFC 3261 §25.1 absoluteURI: no whitespace, no brackets of name-addr.
  if (rest.length === 0 || /[\s<>"]/.test(rest)) bad(text, 'bad absoluteURI');
  return { kind: 'other', scheme, opaque: rest };
}

function parseSipUri(text: string, scheme: 'sip' | 'sips', rest: string): SipUri {
  const at = rest.indexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  let hostPart = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    // RFC 3261 §25.1: the user part may contain ";", "?" and "/", so the password colon is the first
    // ":" after them (RFC 4475 §3.1.1.2).
    const pc = userinfo.indexOf(':');
    user = pc >= 0 ? userinfo.slice(0, pc) : userinfo;
    if (pc >= 0) password = userinfo.slice(pc + 1);
    if (!USER.test(user)) bad(text, 'bad user part');
    if (password !== undefined && !PASSWORD.test(password)) bad(text, 'bad password');
  }
  let end = hostPart.length;
  const semi = hostPart.indexOf(';');
  const qm = hostPart.indexOf('?');
  if (semi >= 0) end = semi;
  if (qm >= 0 && qm < end) end = qm;
  const hostport = hostPart.slice(0, end);
  let host = hostport;
  let port: number | undefined;
  const portColon = hostport.startsWith('[')
    ? hostport.indexOf(':', hostport.indexOf(']'))
    : hostport.indexOf(':');
  if (portColon >= 0) {
    host = hostport.slice(0, portColon);
    const p = hostport.slice(portColon + 1);
    if (!isDigits(p) || p.length > 5 || Number(p) > 65535) bad(text, 'bad port');
    port = Number(p);
  }
  if (!HOST.test(host)) bad(text, 'bad host');
  let params: Param[] = [];
  let i = end;
  const tail = hostPart;
  if (tail.charCodeAt(i) === 59) {
    const q = tail.indexOf('?', i);
    const paramText = q >= 0 ? tail.slice(i, q) : tail.slice(i);
    if (/\s/.test(paramText)) bad(text, 'whitespace in URI parameters');
    for (const p of paramText.slice(1).split(';')) {
      const eq = p.indexOf('=');
      const name = eq >= 0 ? p.slice(0, eq) : p;
      const value = eq >= 0 ? p.slice(eq + 1) : null;
      if (!PARAMCHARS.test(name) || (value !== null && !PARAMCHARS.test(value))) bad(text, 'bad parameter');
      params.push([name, value]);
    }
    i = q >= 0 ? q : tail.length;
  } else {
    params = [];
  }
  const headers: Array<readonly [string, string]> = [];
  if (tail.charCodeAt(i) === 63) {
    for (const h of tail.slice(i + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) bad(text, 'bad URI header');
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!HNV.test(name) || !HNV.test(value)) bad(text, 'bad URI header');
      headers.push([name, value]);
    }
  }
  return {
    kind: 'sip',
    scheme,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    host,
    ...(port !== undefined ? { port } : {}),
    params,
    headers,
  };
}

function parseTelUri(text: string, rest: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi >= 0 ? rest.slice(0, semi) : rest;
  // RFC 3966 §3: global numbers start with "+", local ones need a phone-context (checked by users).
  if (!/^\+?[0-9A-Fa-f*#().-]+$/.test(number)) bad(text, 'bad telephone-subscriber');
  const [params, end] = semi >= 0 ? readParams(rest, semi) : [[], rest.length];
  if (end !== rest.length) bad(text, 'bad tel parameters');
  return { kind: 'tel', scheme: 'tel', number, params };
}

export function formatUri(uri: Uri): string {
  if (uri.kind === 'other') return `${uri.scheme}:${uri.opaque}`;
  if (uri.kind === 'tel') return `tel:${uri.number}${formatParams(uri.params)}`;
  let s = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    s += uri.user;
    if (uri.password !== undefined) s += `:${uri.password}`;
    s += '@';
  }
  s += uri.host;
  if (uri.port !== undefined) s += `:${uri.port}`;
  s += formatParams(uri.params);
  if (uri.headers.length > 0) s += `?${uri.headers.map(([n, v]) => `${n}=${v}`).join('&')}`;
  return s;
}

export function uriParam(uri: Uri, name: string): string | null | undefined {
  return uri.kind === 'other' ? undefined : paramValue(uri.params, name);
}

const utf8 = new TextDecoder('utf-8');

/** Resolves %HH escapes (RFC 3261 §19.1.2); the result is the UTF-8 text they encode. */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of new TextEncoder().encode(s[i])) bytes.push(b);
    }
  }
  return utf8.decode(new Uint8Array(bytes));
}
