import { SipParseError } from './parse-error.js';

/**
 * Character classes and small scanners for the RFC 3261 §25.1 grammar. Header values arrive here
 * already unfolded (LWS continuation lines replaced by one SP), so "LWS" below is just SP / HTAB.
 */

const TOKEN = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN[c.charCodeAt(0)] = 1;
}
const WORD = TOKEN.slice();
for (const c of '()<>:\\"/[]?{}') WORD[c.charCodeAt(0)] = 1;

/** RFC 3261 §25.1 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~". */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** RFC 3261 §25.1 word (Call-ID halves): token characters plus ( ) < > : \ " / [ ] ? { }. */
export function isWord(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || WORD[c] !== 1) return false;
  }
  return true;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function skipWs(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c !== 32 && c !== 9) break;
    j++;
  }
  return j;
}

/** RFC 3261 §7.3.1: a folded line (CRLF followed by SP/HTAB) is equivalent to one SP. */
export function unfold(value: string): string {
  // Only SP and HTAB are LWS: String.trim would also eat U+FEFF and other Unicode spaces.
  const v = value.indexOf('\n') < 0 ? value : value.replace(/[ \t]*\r?\n[ \t]+/g, ' ');
  let a = 0;
  let b = v.length;
  while (a < b && (v.charCodeAt(a) === 32 || v.charCodeAt(a) === 9)) a++;
  while (b > a && (v.charCodeAt(b - 1) === 32 || v.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === v.length ? v : v.slice(a, b);
}

export function fail(what: string, respondable = false): never {
  throw new SipParseError(what, -1, { respondable });
}

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE; starts at s[i] === '"'. Returns the
 * content with quoted-pairs resolved and the index after the closing quote.
 */
export function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 34) return [out, j + 1];
    if (c === 92) {
      // RFC 3261 §25.1 quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      const n = s.charCodeAt(j + 1);
      if (Number.isNaN(n) || n === 10 || n === 13 || n > 0x7f) fail('bad quoted-pair');
      out += s[j + 1];
      j += 2;
      continue;
    }
    out += s[j];
    j++;
  }
  return fail('unterminated quoted-string');
}

export function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Splits a header value at commas that separate values: commas inside quoted strings and inside <...>
 * do not count (RFC 3261 §7.3.1). An empty element (",," or a trailing comma) is malformed.
 */
export function splitCommas(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      i = readQuoted(s, i)[1] - 1;
    } else if (c === 60) {
      angle = true;
    } else if (c === 62) {
      angle = false;
    } else if (c === 44 && !angle) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  for (const v of out) if (v.length === 0) fail('empty element in a comma-separated header value');
  return out;
}

/** A generic-param: `name` with a value, or with `null` when it has no "=value" part. */
export type Param = readonly [name: string, value: string | null];

/**
 * Parses `*( SEMI generic-param )` from s[i] (RFC 3261 §25.1): LWS around ";" and "=" allowed, the value
 * a token, a host (IPv6 reference included) or a quoted-string (kept with its quotes so that it
 * re-serialises unchanged). Stops at the end or at a character that cannot continue the list.
 */
export function readParams(s: string, i: number): [Param[], number] {
  const params: Param[] = [];
  let j = skipWs(s, i);
  while (j < s.length && s.charCodeAt(j) === 59) {
    j = skipWs(s, j + 1);
    const n0 = j;
    while (j < s.length && isTokenChar(s.charCodeAt(j))) j++;
    if (j === n0) fail('empty parameter');
    const name = s.slice(n0, j);
    j = skipWs(s, j);
    let value: string | null = null;
    if (s.charCodeAt(j) === 61) {
      j = skipWs(s, j + 1);
      if (s.charCodeAt(j) === 34) {
        const end = readQuoted(s, j)[1];
        value = s.slice(j, end);
        j = end;
      } else {
        const v0 = j;
        if (s.charCodeAt(j) === 91) {
          const close = s.indexOf(']', j);
          if (close < 0) fail('unterminated IPv6 reference in a parameter');
          j = close + 1;
        } else {
          while (j < s.length && (isTokenChar(s.charCodeAt(j)) || s.charCodeAt(j) === 58)) j++;
        }
        if (j === v0) fail(`parameter ${name} has an empty value`);
        value = s.slice(v0, j);
      }
      j = skipWs(s, j);
    }
    params.push([name, value]);
  }
  return [params, j];
}

export function formatParams(params: readonly Param[]): string {
  let out = '';
  for (const [n, v] of params) out += v === null ? `;${n}` : `;${n}=${v}`;
  return out;
}

/** The value of the first parameter called `name` (case-insensitive): undefined when absent, null when valueless. */
export function paramValue(params: readonly Param[], name: string): string | null | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of params) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** A parameter value with the quotes of a quoted-string removed. */
export function unquoteParam(v: string | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  return v.charCodeAt(0) === 34 ? readQuoted(v, 0)[0] : v;
}

/** Parses a non-negative decimal integer no larger than `max`; leading zeros allowed (RFC 4475 §3.1.1.1). */
export function parseUint(text: string, max: number, what: string): number {
  const t = text.trim();
  if (!isDigits(t)) fail(`${what} is not a number: ${JSON.stringify(t.slice(0, 40))}`);
  const v = Number(t);
  if (!Number.isSafeInteger(v) || v > max) fail(`${what} ${t.slice(0, 40)} is larger than ${max}`);
  return v;
}
