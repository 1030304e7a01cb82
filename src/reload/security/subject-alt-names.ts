import { LocalError } from '../../core/errors.js';

/**
 * The subjectAltName entries of a certificate from node:crypto's text form (X509Certificate
 * .subjectAltName): "TYPE:value" entries joined by ", ". Since CVE-2021-44532 Node writes a value as a
 * JSON string literal whenever it holds a comma, a quote, a backslash or anything unprintable, so an
 * unquoted value never holds ", " and a quoted one ends at its closing quote: the split is unambiguous.
 * Reading this text costs a fraction of decoding the certificate's ASN.1 again in JavaScript.
 */
export interface AltName {
  /** The GeneralName type (RFC 5280 §4.2.1.6): "url", "email", "dns", "ip", "dn", "id", or Node's own name. */
  readonly type: string;
  readonly value: string;
}

/** Node's names of the GeneralName types → the short names our messages (and @peculiar/x509) use. */
const TYPES: Readonly<Record<string, string>> = {
  URI: 'url',
  email: 'email',
  DNS: 'dns',
  'IP Address': 'ip',
  DirName: 'dn',
  'Registered ID': 'id',
};

function bad(message: string): LocalError {
  return new LocalError('ERR_BAD_CERT', `subjectAltName: ${message}`);
}

/** The end (exclusive) of the JSON string literal starting at `from` (a quote). */
function quotedEnd(text: string, from: number): number {
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  throw bad('unterminated quoted value');
}

function unquote(literal: string): string {
  try {
    const v: unknown = JSON.parse(literal);
    if (typeof v === 'string') return v;
  } catch {
    // reported below
  }
  throw bad('a quoted value that is not a JSON string');
}

export function parseAltNames(text: string | undefined): AltName[] {
  const out: AltName[] = [];
  if (text === undefined || text === '') return out;
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) throw bad(`an entry without a type: ${text.slice(i, i + 40)}`);
    const type = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = quotedEnd(text, colon + 1);
      value = unquote(text.slice(colon + 1, end));
    } else {
      const sep = text.indexOf(', ', colon + 1);
      end = sep < 0 ? text.length : sep;
      value = text.slice(colon + 1, end);
    }
    out.push({ type: TYPES[type] ?? type, value });
    if (end === text.length) break;
    if (text.slice(end, end + 2) !== ', ') throw bad('entries not separated by ", "');
    i = end + 2;
  }
  return out;
}
