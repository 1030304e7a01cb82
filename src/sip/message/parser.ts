import { headerKey } from './header-names.js';
import { type HeaderField, SipMessage, type StartLine } from './message.js';
import { SipParseError } from './parse-error.js';
import { isToken, isTokenChar } from './scan.js';

/**
 * The eager half of parsing (RFC 3261 §7): start line, header lines split and keyed, Content-Length and
 * body. Typed header values are left to SipMessage.get (parsed lazily).
 */
const decoder = new TextDecoder('utf-8', { fatal: true });

const NO_BODY = new Uint8Array(0);
const CR = 13;
const LF = 10;

/**
 * Index of the CRLFCRLF that ends the header section at or after `from`, or -1 when it has not arrived.
 * Horspool's skip on the window's last byte: a byte that is neither CR nor LF cannot be in the pattern,
 * so most steps move four bytes (the parser's hottest loop; native indexOf per CR cost more).
 */
export function findHeaderEnd(bytes: Uint8Array, from: number): number {
  const last = bytes.length - 4;
  let i = from;
  while (i <= last) {
    const c = bytes[i + 3];
    if (c === LF) {
      if (bytes[i + 2] === CR && bytes[i + 1] === LF && bytes[i] === CR) return i;
      i += 2;
    } else {
      i += c === CR ? 1 : 4;
    }
  }
  return -1;
}

/** RFC 3261 §7.5: CRLFs before the start line are ignored. */
export function skipLeadingCrlf(bytes: Uint8Array, from = 0): number {
  let i = from;
  while (i + 1 < bytes.length && bytes[i] === CR && bytes[i + 1] === LF) i += 2;
  return i;
}

/**
 * Offset in `text` of a CR not followed by LF or an LF not preceded by CR, or -1. Walks the line breaks
 * with the native indexOf (a header section has a few dozen), not character by character.
 */
function strayLineBreak(text: string): number {
  for (let pos = 0; ; ) {
    const cr = text.indexOf('\r', pos);
    const lf = text.indexOf('\n', pos);
    if (cr < 0) return lf;
    if (lf !== cr + 1) return lf >= 0 && lf < cr ? lf : cr;
    pos = lf + 1;
  }
}

export interface ParsedHead {
  readonly message: SipMessage;
  /** Byte offset where the body starts. */
  readonly bodyStart: number;
  readonly contentLength: number | undefined;
}

const VERSION = /^SIP\/(\d+)\.(\d+)$/i;

function checkVersion(v: string, respondable: boolean): void {
  const m = VERSION.exec(v);
  if (m === null) throw new SipParseError(`bad SIP-Version ${JSON.stringify(v.slice(0, 20))}`);
  // RFC 3261 §8.2.2.3 / RFC 4475 §3.1.2.16: any other version is answered 505.
  if (m[1] !== '2' || m[2] !== '0') {
    throw new SipParseError(`unsupported ${v}`, -1, { respondable, status: 505 });
  }
}

function parseStartLine(line: string): StartLine {
  if (line.startsWith('SIP/') || line.startsWith('sip/')) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    const sp1 = line.indexOf(' ');
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    checkVersion(version, false);
    const code = sp1 < 0 ? '' : line.slice(sp1 + 1, sp1 + 4);
    const after = line.charCodeAt(sp1 + 4);
    if (!/^[1-6]\d\d$/.test(code) || !(Number.isNaN(after) || after === 32)) {
      throw new SipParseError(`bad Status-Code in ${JSON.stringify(line.slice(0, 40))}`);
    }
    return { type: 'response', status: Number(code), reason: line.slice(sp1 + 5) };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly two single spaces (RFC 4475 §3.1.2.9-10).
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  const method = sp1 < 0 ? line : line.slice(0, sp1);
  if (!isToken(method)) throw new SipParseError(`bad start line ${JSON.stringify(line.slice(0, 40))}`);
  const uri = sp2 < 0 ? '' : line.slice(sp1 + 1, sp2);
  if (sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0 || !URI_SHAPE.test(uri)) {
    throw new SipParseError(`bad Request-Line ${JSON.stringify(line.slice(0, 80))}`, -1, {
      respondable: true,
    });
  }
  checkVersion(line.slice(sp2 + 1), true);
  return { type: 'request', method, uri };
}

/** scheme ":" and at least one non-space: the Request-URI's shape before parseUri checks the rest. */
const URI_SHAPE = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

function splitFields(text: string, firstLineEnd: number): HeaderField[] {
  const fields: HeaderField[] = [];
  let pos = firstLineEnd + 2;
  while (pos < text.length) {
    let eol = text.indexOf('\r\n', pos);
    if (eol < 0) eol = text.length;
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header.
      const prev = fields.pop();
      if (prev === undefined) throw new SipParseError('a continuation line before the first header');
      const line = text.slice(pos, eol);
      fields.push({
        name: prev.name,
        key: prev.key,
        value: `${prev.value}\r\n${line}`,
        raw: `${prev.raw}\r\n${line}`,
      });
    } else {
      // One pass over the name: token characters, then optional SP/HTAB, then the colon.
      let ne = pos;
      while (ne < eol && isTokenChar(text.charCodeAt(ne))) ne++;
      let colon = ne;
      while (colon < eol && (text.charCodeAt(colon) === 32 || text.charCodeAt(colon) === 9)) colon++;
      if (text.charCodeAt(colon) !== 58 || colon >= eol) {
        if (text.indexOf(':', pos) < 0 || text.indexOf(':', pos) > eol)
          throw new SipParseError(`header line without a colon at ${pos}`);
        throw new SipParseError(`bad header name ${JSON.stringify(text.slice(pos, colon + 1).slice(0, 40))}`);
      }
      if (ne === pos) throw new SipParseError('empty header name');
      const name = text.slice(pos, ne);
      fields.push({
        name,
        key: headerKey(name),
        value: text.slice(colon + 1, eol),
        raw: text.slice(pos, eol),
      });
    }
    pos = eol + 2;
  }
  return fields;
}

function contentLengthOf(msg: SipMessage): number | undefined {
  let value: string | undefined;
  for (const f of msg.fields) {
    if (f.key !== 'content-length') continue;
    // RFC 4475 §3.1.2 (mcl01): two Content-Lengths leave the body length unknown.
    if (value !== undefined) throw new SipParseError('more than one Content-Length');
    value = f.value.trim();
  }
  if (value === undefined) return undefined;
  if (!/^\d{1,10}$/.test(value))
    throw new SipParseError(`bad Content-Length ${JSON.stringify(value.slice(0, 20))}`);
  return Number(value);
}

/** Parses start line and headers of the message whose header section is bytes[start, headerEnd). */
export function parseHead(bytes: Uint8Array, start: number, headerEnd: number): ParsedHead {
  let text: string;
  try {
    text = decoder.decode(bytes.subarray(start, headerEnd));
  } catch {
    throw new SipParseError('the header section is not UTF-8 (RFC 3261 §7.3.1)', start);
  }
  // Bare CR or LF inside a header would let one value smuggle another header past a proxy.
  const stray = strayLineBreak(text);
  if (stray >= 0) throw new SipParseError('bare CR or LF in the header section', start + stray);
  const firstEnd = text.indexOf('\r\n') < 0 ? text.length : text.indexOf('\r\n');
  const firstLine = text.slice(0, firstEnd);
  let startLine: StartLine | undefined;
  let startError: SipParseError | undefined;
  try {
    startLine = parseStartLine(firstLine);
  } catch (e) {
    startError = e as SipParseError;
  }
  const fields = splitFields(text, firstEnd);
  if (startLine === undefined || startError !== undefined) {
    const probe = new SipMessage({ type: 'request', method: 'UNKNOWN', uri: '' }, fields);
    const err = startError ?? new SipParseError('no start line');
    throw err.withRespondable(err.respondable && probe.canRespond(), probe);
  }
  const message = new SipMessage(startLine, fields, new Uint8Array(0), firstLine);
  try {
    return { message, bodyStart: headerEnd + 4, contentLength: contentLengthOf(message) };
  } catch (e) {
    throw (e as SipParseError).withRespondable(message.canRespond(), message);
  }
}

/**
 * Parses one message from a datagram (RFC 3261 §18.3): the body is Content-Length octets when the header
 * is present (octets after it are discarded, RFC 4475 §3.1.1.8), or the rest of the datagram otherwise.
 * A Content-Length larger than what arrived is an error (RFC 4475 §3.1.2.2).
 */
export function parseDatagram(bytes: Uint8Array): SipMessage {
  const start = skipLeadingCrlf(bytes);
  const end = findHeaderEnd(bytes, start);
  if (end < 0) throw new SipParseError('no end of the header section (CRLFCRLF)', start);
  const head = parseHead(bytes, start, end);
  const available = bytes.length - head.bodyStart;
  const length = head.contentLength ?? available;
  if (length > available) {
    throw new SipParseError(`Content-Length ${length} but only ${available} body octets`, end, {
      respondable: head.message.canRespond(),
      partial: head.message,
    });
  }
  // A copy, so that the message does not keep the whole receive buffer alive.
  head.message.body = length === 0 ? NO_BODY : bytes.slice(head.bodyStart, head.bodyStart + length);
  return head.message;
}

/** parseDatagram on text (tests and tools). */
export function parseText(text: string): SipMessage {
  return parseDatagram(new TextEncoder().encode(text));
}
