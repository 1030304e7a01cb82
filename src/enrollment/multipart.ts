import { concatBytes, fromUtf8, utf8 } from '../core/bytes.js';

/**
 * multipart/form-data (RFC 7578, which obsoletes the RFC 2388 that RFC 6940 §11.3 names), both ways: the
 * enrolment server reads the form a node posts and `p2psip enroll` writes it. Hand-written because the
 * project has no form library (docs/decisions/0024-enrollment-service.md); it reads a whole body that the
 * HTTP layer already bounded, and refuses anything odd rather than guessing.
 */
export interface FormPart {
  readonly name: string;
  /** The part's Content-Type, lower-cased, without parameters; `text/plain` when absent (RFC 7578 §4.4). */
  readonly contentType: string;
  readonly filename?: string;
  readonly data: Uint8Array;
}

/** Why a form was refused, in one line. */
export class FormError extends Error {
  override readonly name = 'FormError';
}

export interface FormLimits {
  readonly maxParts: number;
  /** Bytes of one part's header block. */
  readonly maxHeaderBytes: number;
}

export const DEFAULT_FORM_LIMITS: FormLimits = { maxParts: 8, maxHeaderBytes: 1024 };

const CRLF = utf8('\r\n');
const HEADER_END = utf8('\r\n\r\n');

/** The boundary of a `multipart/form-data; boundary=...` Content-Type (RFC 2046 §5.1.1: 1–70 characters). */
export function formBoundary(contentType: string | undefined): string {
  const m = /^\s*multipart\/form-data\s*(?:;(.*))?$/i.exec(contentType ?? '');
  if (m === null) throw new FormError('the body is not multipart/form-data');
  const b = /(?:^|;)\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(m[1] ?? '');
  const boundary = b?.[1] ?? b?.[2];
  if (boundary === undefined || !/^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) {
    throw new FormError('multipart/form-data without a usable boundary');
  }
  return boundary;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const last = haystack.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Splits the body into the parts between the delimiters (RFC 2046 §5.1.1), preamble and epilogue dropped. */
function splitParts(body: Uint8Array, boundary: string, maxParts: number): Uint8Array[] {
  const dash = utf8(`--${boundary}`);
  const delimiter = concatBytes(CRLF, dash);
  // The first delimiter may open the body with no CRLF before it; otherwise a preamble comes first.
  let at = 0;
  if (indexOf(body, dash, 0) !== 0) {
    const first = indexOf(body, delimiter, 0);
    if (first < 0) throw new FormError('no multipart delimiter in the body');
    at = first + CRLF.length;
  }
  const parts: Uint8Array[] = [];
  for (;;) {
    at += dash.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // "--": the close delimiter
    // Transport padding (spaces, tabs) may follow a delimiter, then CRLF.
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a) throw new FormError('malformed multipart delimiter line');
    at += 2;
    const next = indexOf(body, delimiter, at);
    if (next < 0) throw new FormError('multipart body ends without its close delimiter');
    if (parts.length === maxParts) throw new FormError(`more than ${maxParts} form fields`);
    parts.push(body.subarray(at, next));
    at = next + CRLF.length;
  }
}

/** The parameters of a Content-Disposition value: `form-data; name="csr"; filename="x.p10"`. */
function disposition(value: string): { name: string; filename?: string } {
  const m = /^\s*form-data\s*((?:;\s*[A-Za-z*-]+\s*=\s*(?:"(?:[^"\\\r\n]|\\.)*"|[^\s;"]+)\s*)*)$/i.exec(
    value,
  );
  if (m === null) throw new FormError('a form part without Content-Disposition: form-data');
  const params = new Map<string, string>();
  for (const p of (m[1] ?? '').matchAll(/;\s*([A-Za-z*-]+)\s*=\s*(?:"((?:[^"\\\r\n]|\\.)*)"|([^\s;"]+))/g)) {
    const key = (p[1] ?? '').toLowerCase();
    if (params.has(key)) throw new FormError(`Content-Disposition repeats ${key}`);
    params.set(key, p[2] === undefined ? (p[3] ?? '') : p[2].replace(/\\(.)/g, '$1'));
  }
  const name = params.get('name');
  if (name === undefined || name === '') throw new FormError('a form part without a name');
  const filename = params.get('filename');
  return filename === undefined ? { name } : { name, filename };
}

function parsePart(raw: Uint8Array, limits: FormLimits): FormPart {
  // A form part always has headers (Content-Disposition at least), then a blank line, then its value.
  const end = indexOf(raw, HEADER_END, 0);
  if (end < 0) throw new FormError('a form part without the blank line after its headers');
  if (end > limits.maxHeaderBytes) throw new FormError('form part headers too large');
  let text: string;
  try {
    text = fromUtf8(raw.subarray(0, end));
  } catch {
    throw new FormError('form part headers are not UTF-8');
  }
  let disp: { name: string; filename?: string } | undefined;
  let contentType = 'text/plain';
  for (const line of text.split('\r\n')) {
    const m = /^([A-Za-z0-9-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (m === null) throw new FormError(`malformed form part header: ${JSON.stringify(line.slice(0, 40))}`);
    const name = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (name === 'content-disposition') {
      if (disp !== undefined) throw new FormError('a form part with two Content-Disposition headers');
      disp = disposition(value);
    } else if (name === 'content-type') {
      contentType = (value.split(';')[0] ?? '').trim().toLowerCase();
    }
  }
  if (disp === undefined) throw new FormError('a form part without Content-Disposition');
  const data = raw.subarray(end + HEADER_END.length);
  return disp.filename === undefined
    ? { name: disp.name, contentType, data }
    : { name: disp.name, contentType, filename: disp.filename, data };
}

/** Parses a whole multipart/form-data body; every field name may appear once. */
export function parseForm(
  contentType: string | undefined,
  body: Uint8Array,
  limits: FormLimits = DEFAULT_FORM_LIMITS,
): Map<string, FormPart> {
  const boundary = formBoundary(contentType);
  const fields = new Map<string, FormPart>();
  for (const raw of splitParts(body, boundary, limits.maxParts)) {
    const part = parsePart(raw, limits);
    if (fields.has(part.name)) throw new FormError(`form field ${part.name} appears twice`);
    fields.set(part.name, part);
  }
  return fields;
}

export interface FormField {
  readonly name: string;
  readonly value: string | Uint8Array;
  readonly contentType?: string;
  readonly filename?: string;
}

/** Writes a form; the boundary must not occur in any value (callers pass a random one). */
export function buildForm(
  fields: readonly FormField[],
  boundary: string,
): { contentType: string; body: Uint8Array } {
  const dash = utf8(`--${boundary}`);
  const chunks: Uint8Array[] = [];
  for (const f of fields) {
    const value = typeof f.value === 'string' ? utf8(f.value) : f.value;
    if (indexOf(value, dash, 0) >= 0) throw new FormError('the boundary occurs in a form value');
    const filename = f.filename === undefined ? '' : `; filename="${f.filename.replace(/["\\\r\n]/g, '_')}"`;
    const type = f.contentType === undefined ? '' : `\r\nContent-Type: ${f.contentType}`;
    chunks.push(
      dash,
      utf8(`\r\nContent-Disposition: form-data; name="${f.name}"${filename}${type}\r\n\r\n`),
      value,
      CRLF,
    );
  }
  chunks.push(dash, utf8('--\r\n'));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: concatBytes(...chunks) };
}
