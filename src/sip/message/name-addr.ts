import {
  fail,
  formatParams,
  isToken,
  type Param,
  paramValue,
  quote,
  readParams,
  readQuoted,
  skipWs,
  unquoteParam,
} from './scan.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/**
 * name-addr / addr-spec with header parameters: the value of From, To, Contact, Route, Record-Route,
 * Path and Service-Route (RFC 3261 §20.10, §20.20, §20.39; RFC 3327; RFC 3608).
 */
export interface NameAddr {
  /** The display name, quoted-pairs resolved; undefined when there is none. */
  readonly displayName?: string;
  readonly uri: Uri;
  /** The URI exactly as written (for forwarding it unchanged). */
  readonly uriText: string;
  /** Header parameters (after the URI, or after ">" in name-addr form). */
  readonly params: readonly Param[];
}

/**
 * Parses one name-addr or addr-spec value. In addr-spec form (no angle brackets) every ";" starts a
 * header parameter and the URI may not contain ",", ";" or "?" (RFC 3261 §20.10); `angleRequired` is for
 * headers whose grammar only has name-addr (Route, Record-Route, Path, Service-Route).
 */
export function parseNameAddr(value: string, angleRequired = false): NameAddr {
  const s = value;
  let i = skipWs(s, 0);
  let displayName: string | undefined;
  let uriText: string;
  const lt = s.indexOf('<');
  if (s.charCodeAt(i) === 34) {
    const [name, end] = readQuoted(s, i);
    displayName = name;
    i = skipWs(s, end);
    if (s.charCodeAt(i) !== 60) fail('a quoted display name must be followed by <URI>');
  } else if (lt >= 0) {
    // RFC 3261 §25.1 display-name = *(token LWS) / quoted-string; RFC 4475 §3.1.1.6: LWS before "<" is optional.
    const words = s.slice(i, lt).trim();
    if (words.length > 0) {
      for (const w of words.split(/[ \t]+/))
        if (!isToken(w)) fail(`bad display name ${JSON.stringify(words)}`);
      displayName = words;
    }
    i = lt;
  }
  if (s.charCodeAt(i) === 60) {
    const gt = s.indexOf('>', i);
    if (gt < 0) fail('missing ">"');
    uriText = s.slice(i + 1, gt);
    // RFC 4475 §3.1.2.14: no LWS inside the angle brackets.
    if (uriText.length === 0 || /[\s<]/.test(uriText))
      fail(`bad URI in angle brackets: ${JSON.stringify(uriText)}`);
    i = gt + 1;
  } else {
    if (angleRequired) fail('this header needs a name-addr (<URI>)');
    let j = i;
    while (j < s.length && s.charCodeAt(j) !== 59 && s.charCodeAt(j) !== 32 && s.charCodeAt(j) !== 9) j++;
    uriText = s.slice(i, j);
    if (/[,?]/.test(uriText)) fail('an addr-spec URI may not contain "," or "?" (RFC 3261 §20.10)');
    i = j;
  }
  const uri = parseUri(uriText);
  const [params, end] = readParams(s, i);
  if (end !== s.length) fail(`unexpected text after the address: ${JSON.stringify(s.slice(end, end + 40))}`);
  return { ...(displayName !== undefined ? { displayName } : {}), uri, uriText, params };
}

export function formatNameAddr(na: NameAddr): string {
  const uri = na.uriText.length > 0 ? na.uriText : formatUri(na.uri);
  const name =
    na.displayName === undefined
      ? ''
      : `${isDisplayTokens(na.displayName) ? na.displayName : quote(na.displayName)} `;
  return `${name}<${uri}>${formatParams(na.params)}`;
}

function isDisplayTokens(s: string): boolean {
  return s.length > 0 && s.split(' ').every(isToken);
}

export function nameAddr(uri: Uri, params: readonly Param[] = [], displayName?: string): NameAddr {
  return { ...(displayName !== undefined ? { displayName } : {}), uri, uriText: formatUri(uri), params };
}

export function tagOf(na: NameAddr): string | undefined {
  return unquoteParam(paramValue(na.params, 'tag'));
}
