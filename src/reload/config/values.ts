import { toBase64, tryFromBase64, tryFromHex } from '../../core/bytes.js';
import { LocalError } from '../../core/errors.js';
import type { XmlElement } from './xml-tree.js';

/**
 * Typed readers for the values of a configuration document. Each failure is an ERR_BAD_CONFIG that names
 * the element (or attribute) and says what was expected, so an operator can fix the file from the message.
 */

export function configError(what: string, problem: string): LocalError {
  return new LocalError('ERR_BAD_CONFIG', `${what}: ${problem}`);
}

/** `<name>` for messages; attributes are written `<name attr>`. */
export function label(el: XmlElement, attribute?: string): string {
  return attribute === undefined ? `<${el.qname}>` : `<${el.qname} ${attribute}>`;
}

/** The text of a leaf element, whitespace-trimmed (the RFC's own example pads values with spaces). */
export function leafText(el: XmlElement): string {
  if (el.children.length > 0) throw configError(label(el), 'must hold text, not elements');
  return el.text.trim();
}

export function attribute(el: XmlElement, name: string): string | undefined {
  return el.attributes.find((a) => a.ns === '' && a.name === name)?.value;
}

/** xsd:boolean: `true`/`1` and `false`/`0` (RFC 6940 §11.1), whitespace collapsed. */
export function parseBoolean(what: string, text: string): boolean {
  const t = text.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw configError(what, `must be true, false, 1 or 0, got ${JSON.stringify(text)}`);
}

/** A decimal integer in [min, max] (xsd:int, xsd:unsignedInt, xsd:unsignedByte ... with our bounds). */
export function parseInteger(what: string, text: string, min: number, max: number): number {
  const t = text.trim();
  const v = /^[+-]?\d{1,16}$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(v)) throw configError(what, `must be an integer, got ${JSON.stringify(text)}`);
  if (v < min || v > max) throw configError(what, `must be between ${min} and ${max}, got ${v}`);
  return v;
}

/** xsd:base64Binary (RFC 4648 alphabet); whitespace inside is allowed, as in the RFC's root-cert example. */
export function parseBase64(what: string, text: string): Uint8Array {
  const bytes = tryFromBase64(text.replace(/\s+/g, ''));
  if (bytes === undefined) throw configError(what, 'is not base64');
  return bytes;
}

export { toBase64 };

/**
 * A Node-ID in hexadecimal (configuration-signer, kind-signer, bad-node). Kept as lower-case hex text of at
 * most `maxBytes` bytes: the RFC's own example lists 8-byte values, which can never match a real Node-ID
 * but must not make the document unreadable.
 */
export function parseHexNodeId(what: string, text: string, maxBytes: number): string {
  const t = text.trim().toLowerCase();
  const bytes = tryFromHex(t);
  if (bytes === undefined || bytes.length === 0 || /\s/.test(t)) {
    throw configError(what, `must be a Node-ID in hexadecimal, got ${JSON.stringify(text)}`);
  }
  if (bytes.length > maxBytes) throw configError(what, `is longer than node-id-length (${maxBytes} bytes)`);
  return t;
}

/**
 * RFC 3339 date-time in UTC (RFC 6940 §11.1 `expiration`), e.g. 2030-01-01T00:00:00Z; an explicit numeric
 * offset is accepted and converted. Returns milliseconds since the epoch.
 */
export function parseDateTime(what: string, text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.exec(
    text.trim(),
  );
  if (m === null) throw configError(what, `must be an RFC 3339 date-time, got ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = fields;
  const ms = Math.floor(Number(`0${frac ?? ''}`) * 1000);
  const offset =
    zone === undefined || zone.toUpperCase() === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const valid =
    year >= 1970 &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!valid || Number.isNaN(t)) throw configError(what, `is not a valid date-time: ${JSON.stringify(text)}`);
  return t;
}

/** The inverse of parseDateTime, in UTC with milliseconds only when needed. */
export function formatDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * An overlay name must be a DNS name (RFC 6940 §6.3.2 computes the overlay field from it; §11.2 looks it
 * up in DNS): labels of letters, digits and hyphens, 1–63 bytes, not starting or ending with a hyphen.
 */
export function isOverlayName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}
