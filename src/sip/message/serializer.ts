import { headerKey } from './header-names.js';
import { type HeaderField, SipMessage, type StartLine } from './message.js';

const encoder = new TextEncoder();

export function formatStartLine(s: StartLine): string {
  return s.type === 'request' ? `${s.method} ${s.uri} SIP/2.0` : `SIP/2.0 ${s.status} ${s.reason}`;
}

/**
 * Writes a message. Lines that were received and not changed are written as they came (byte-exact
 * forwarding of headers the stack does not understand); the Content-Length is always the body's length
 * (RFC 3261 §20.14), written where the first one stood or appended.
 */
export function serializeMessage(msg: SipMessage): Uint8Array {
  let out = `${msg.startRaw ?? formatStartLine(msg.start)}\r\n`;
  const length = msg.body.length;
  let wroteLength = false;
  for (const f of msg.fields) {
    if (f.key === 'content-length') {
      if (wroteLength) continue;
      wroteLength = true;
      const same = f.raw !== undefined && f.value.trim() === String(length);
      out += same ? `${f.raw}\r\n` : `${f.name}: ${length}\r\n`;
      continue;
    }
    out += f.raw !== undefined ? `${f.raw}\r\n` : `${f.name}:${f.value}\r\n`;
  }
  if (!wroteLength) out += `Content-Length: ${length}\r\n`;
  out += '\r\n';
  const head = encoder.encode(out);
  if (length === 0) return head;
  const bytes = new Uint8Array(head.length + length);
  bytes.set(head);
  bytes.set(msg.body, head.length);
  return bytes;
}

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

function fieldsOf(headers: HeaderList): HeaderField[] {
  return headers.map(([name, value]) => ({ name, key: headerKey(name), value: ` ${value}` }));
}

function bodyBytes(body: Uint8Array | string | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array(0);
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/** Builds a request whole (RFC 3261 §8.1.1); Content-Length is added on serialization. */
export function createRequest(
  method: string,
  uri: string,
  headers: HeaderList,
  body?: Uint8Array | string,
): SipMessage {
  return new SipMessage({ type: 'request', method, uri }, fieldsOf(headers), bodyBytes(body));
}

export function createResponse(
  status: number,
  reason: string,
  headers: HeaderList,
  body?: Uint8Array | string,
): SipMessage {
  return new SipMessage({ type: 'response', status, reason }, fieldsOf(headers), bodyBytes(body));
}
