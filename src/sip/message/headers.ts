import { type NameAddr, parseNameAddr } from './name-addr.js';
import {
  fail,
  isToken,
  isTokenChar,
  isWord,
  type Param,
  paramValue,
  parseUint,
  readParams,
  skipWs,
  splitCommas,
  unquoteParam,
} from './scan.js';

/**
 * The typed header registry: each spec turns the (unfolded) values of every line of one header into a
 * typed value. A message parses a header on first access through its spec and caches the result (a proxy
 * touches few headers, so the parser splits lines eagerly and leaves values as text until asked).
 */
export interface HeaderSpec<T> {
  /** The lookup key: long name in lower case. */
  readonly key: string;
  parse(values: readonly string[]): T;
}

const MAX_U32 = 0xffff_ffff;

function isHostChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

function single(values: readonly string[], key: string): string | undefined {
  // RFC 3261 §7.3.1: only headers whose grammar is a comma-separated list may appear more than once.
  if (values.length > 1) fail(`${key} appears ${values.length} times`, true);
  return values[0];
}

function spec<T>(key: string, parse: (values: readonly string[]) => T): HeaderSpec<T> {
  return { key, parse };
}

/** Every comma-separated value of every line, in order. */
function allValues(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v.length > 0) for (const x of splitCommas(v)) out.push(x);
  return out;
}

// ---------------------------------------------------------------- Via (RFC 3261 §20.42, RFC 3581)

export interface Via {
  /** protocol-name "/" protocol-version, upper-cased: "SIP/2.0". */
  readonly protocol: string;
  /** The transport token, upper-cased: UDP, TCP, TLS, SCTP, WS, ... (unknown ones kept, RFC 4475 §3.1.1.10). */
  readonly transport: string;
  readonly host: string;
  readonly port?: number;
  readonly params: readonly Param[];
  readonly branch?: string;
  readonly received?: string;
  /** RFC 3581 §3: absent (undefined), present without a value (null), or with the port filled in. */
  readonly rport?: number | null;
}

export function parseVia(value: string): Via {
  const s = value;
  const parts: string[] = [];
  let i = 0;
  for (let k = 0; k < 3; k++) {
    i = skipWs(s, i);
    const t0 = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    if (i === t0) fail(`bad sent-protocol in Via ${JSON.stringify(s.slice(0, 60))}`);
    parts.push(s.slice(t0, i));
    i = skipWs(s, i);
    if (k < 2) {
      if (s.charCodeAt(i) !== 47) fail('bad sent-protocol in Via');
      i++;
    }
  }
  const [name, version, transport] = parts as [string, string, string];
  const h0 = i;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0) fail('unterminated IPv6 reference in Via');
    i = close + 1;
  } else {
    while (i < s.length && isHostChar(s.charCodeAt(i))) i++;
  }
  const host = s.slice(h0, i);
  if (host.length === 0) fail('Via has no sent-by host');
  let port: number | undefined;
  i = skipWs(s, i);
  if (s.charCodeAt(i) === 58) {
    i = skipWs(s, i + 1);
    const p0 = i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    port = parseUint(s.slice(p0, i), 65535, 'Via port');
  }
  const [params, end] = readParams(s, i);
  if (end !== s.length) fail(`unexpected text in Via: ${JSON.stringify(s.slice(end, end + 40))}`);
  const branch = paramValue(params, 'branch');
  const received = paramValue(params, 'received');
  const rport = paramValue(params, 'rport');
  if (branch === null) fail('Via branch without a value');
  return {
    protocol: `${name.toUpperCase()}/${version}`,
    transport: transport.toUpperCase(),
    host,
    ...(port !== undefined ? { port } : {}),
    params,
    ...(branch !== undefined ? { branch } : {}),
    ...(received !== undefined && received !== null ? { received } : {}),
    ...(rport !== undefined ? { rport: rport === null ? null : parseUint(rport, 65535, 'rport') } : {}),
  };
}

export const VIA = spec('via', (values) => allValues(values).map(parseVia));

// ---------------------------------------------------------------- addresses

function oneAddress(key: string) {
  return spec(key, (values): NameAddr | undefined => {
    const v = single(values, key);
    return v === undefined ? undefined : parseNameAddr(v);
  });
}

export const FROM = oneAddress('from');
export const TO = oneAddress('to');

function addressList(key: string, angleRequired: boolean) {
  return spec(key, (values): NameAddr[] => allValues(values).map((v) => parseNameAddr(v, angleRequired)));
}

export const ROUTE = addressList('route', true);
export const RECORD_ROUTE = addressList('record-route', true);
export const PATH = addressList('path', true);
export const SERVICE_ROUTE = addressList('service-route', true);

/** Contact (RFC 3261 §20.10): "*" (only in a REGISTER removing all bindings) or a list of addresses. */
export type ContactValue =
  | { readonly star: true }
  | { readonly star: false; readonly contacts: readonly NameAddr[] };

export const CONTACT = spec('contact', (values): ContactValue => {
  const all = allValues(values);
  if (all.length === 1 && all[0] === '*') return { star: true };
  if (all.includes('*')) fail('Contact "*" must be the only value');
  return { star: false, contacts: all.map((v) => parseNameAddr(v)) };
});

/** The expires parameter of a contact, when present and valid (RFC 3261 §20.10: delta-seconds). */
export function contactExpires(c: NameAddr): number | undefined {
  const v = paramValue(c.params, 'expires');
  return v === undefined || v === null ? undefined : parseUint(v, MAX_U32, 'Contact expires');
}

/** The q parameter (RFC 3261 §20.10: qvalue 0..1 with up to three decimals). */
export function contactQ(c: NameAddr): number | undefined {
  const v = paramValue(c.params, 'q');
  if (v === undefined || v === null) return undefined;
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) fail(`bad q value ${v}`);
  return Number(v);
}

// ---------------------------------------------------------------- scalars

export const CALL_ID = spec('call-id', (values): string | undefined => {
  const v = single(values, 'call-id');
  if (v === undefined) return undefined;
  // RFC 3261 §25.1 callid = word [ "@" word ]
  const at = v.indexOf('@');
  const ok = at < 0 ? isWord(v) : isWord(v.slice(0, at)) && isWord(v.slice(at + 1));
  if (!ok) fail(`bad Call-ID ${JSON.stringify(v.slice(0, 60))}`, true);
  return v;
});

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

export function parseCSeq(v: string): CSeq {
  const m = /^(\d+)[ \t]+(\S+)$/.exec(v);
  if (m === null || !isToken(m[2] ?? '')) fail(`bad CSeq ${JSON.stringify(v.slice(0, 60))}`, true);
  // RFC 3261 §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer.
  return { seq: parseUint(m[1] ?? '', MAX_U32, 'CSeq number'), method: m[2] ?? '' };
}

export const CSEQ = spec('cseq', (values): CSeq | undefined => {
  const v = single(values, 'cseq');
  return v === undefined ? undefined : parseCSeq(v);
});

function integer(key: string, max: number) {
  return spec(key, (values): number | undefined => {
    const v = single(values, key);
    return v === undefined ? undefined : parseUint(v, max, key);
  });
}

/** RFC 3261 §20.22 and §16.6: Max-Forwards is 0..255 (RFC 4475 §3.1.2.4 rejects 300). */
export const MAX_FORWARDS = integer('max-forwards', 255);
/** RFC 3261 §20.19: delta-seconds up to 2^32-1. */
export const EXPIRES = integer('expires', MAX_U32);
export const MIN_EXPIRES = integer('min-expires', MAX_U32);
export const CONTENT_LENGTH = integer('content-length', MAX_U32);

// ---------------------------------------------------------------- token lists

function tokenList(key: string) {
  return spec(key, (values): string[] => {
    const out = allValues(values);
    for (const t of out) if (!isToken(t)) fail(`bad ${key} value ${JSON.stringify(t)}`);
    return out;
  });
}

export const SUPPORTED = tokenList('supported');
export const REQUIRE = tokenList('require');
export const PROXY_REQUIRE = tokenList('proxy-require');
export const UNSUPPORTED = tokenList('unsupported');
export const ALLOW = tokenList('allow');

// ---------------------------------------------------------------- Event, Content-Type

export interface TokenWithParams {
  readonly value: string;
  readonly params: readonly Param[];
}

export const EVENT = spec('event', (values): TokenWithParams | undefined => {
  const v = single(values, 'event');
  if (v === undefined) return undefined;
  const semi = v.indexOf(';');
  const value = (semi < 0 ? v : v.slice(0, semi)).trim();
  if (!isToken(value)) fail(`bad Event ${JSON.stringify(v)}`);
  const [params, end] = semi < 0 ? [[], 0] : readParams(v, semi);
  if (semi >= 0 && end !== v.length) fail('bad Event parameters');
  return { value, params };
});

export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly Param[];
}

export const CONTENT_TYPE = spec('content-type', (values): MediaType | undefined => {
  const v = single(values, 'content-type');
  if (v === undefined) return undefined;
  const m = /^([^/\s;]+)[ \t]*\/[ \t]*([^/\s;]+)/.exec(v);
  if (m === null || !isToken(m[1] ?? '') || !isToken(m[2] ?? ''))
    fail(`bad Content-Type ${JSON.stringify(v)}`);
  const [params, end] = readParams(v, m[0].length);
  if (end !== v.length) fail('bad Content-Type parameters');
  return { type: (m[1] ?? '').toLowerCase(), subtype: (m[2] ?? '').toLowerCase(), params };
});

// ---------------------------------------------------------------- authentication (RFC 3261 §20.7, §22)

/** A challenge or credentials: the scheme and its auth-params (names lower-cased, quotes removed). */
export interface AuthValue {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
}

export function parseAuth(value: string): AuthValue {
  const i = skipWs(value, 0);
  let j = i;
  while (j < value.length && value.charCodeAt(j) !== 32 && value.charCodeAt(j) !== 9) j++;
  const scheme = value.slice(i, j);
  if (!isToken(scheme)) fail(`bad auth scheme ${JSON.stringify(scheme)}`);
  const params = new Map<string, string>();
  const rest = value.slice(j).trim();
  if (rest.length > 0) {
    for (const p of splitCommas(rest)) {
      const eq = p.indexOf('=');
      if (eq <= 0) fail(`bad auth-param ${JSON.stringify(p)}`);
      const name = p.slice(0, eq).trim().toLowerCase();
      const raw = p.slice(eq + 1).trim();
      if (!isToken(name) || raw.length === 0) fail(`bad auth-param ${JSON.stringify(p)}`);
      if (params.has(name)) fail(`auth-param ${name} appears twice`);
      params.set(name, unquoteParam(raw) ?? '');
    }
  }
  return { scheme, params };
}

function authList(key: string) {
  return spec(key, (values): AuthValue[] => values.map(parseAuth));
}

export const AUTHORIZATION = authList('authorization');
export const PROXY_AUTHORIZATION = authList('proxy-authorization');
export const WWW_AUTHENTICATE = authList('www-authenticate');
export const PROXY_AUTHENTICATE = authList('proxy-authenticate');
