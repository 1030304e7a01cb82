import { type Uri, unescapeUri } from '../../sip/message/uri.js';

/**
 * An address-of-record as the overlay knows it (RFC 7904 §3: "the AOR without the scheme"): user@host,
 * %-escapes decoded (RFC 7904 §3 compares decoded values), host lower-cased. sip: and sips: URIs of the
 * same user map to the same AOR; tel: and other schemes have none.
 */
export type Aor = string & { readonly __aor: unique symbol };

export function aorOf(uri: Uri): Aor | undefined {
  if (uri.kind !== 'sip' || uri.user === undefined || uri.user === '') return undefined;
  return `${unescapeUri(uri.user)}@${uri.host.toLowerCase()}` as Aor;
}

/** Parses `user@host` (what `p2psip users add --user` takes), optionally with a sip: prefix. */
export function parseAor(text: string): Aor | undefined {
  const t = text.trim().replace(/^sips?:/i, '');
  const at = t.lastIndexOf('@');
  if (at <= 0 || at === t.length - 1) return undefined;
  const user = t.slice(0, at);
  const host = t.slice(at + 1).toLowerCase();
  if (/[\s<>"]/.test(user) || !/^[a-z0-9.\-[\]:]+$/.test(host)) return undefined;
  return `${user}@${host}` as Aor;
}

export function aorUser(aor: Aor): string {
  return aor.slice(0, aor.lastIndexOf('@'));
}

export function aorDomain(aor: Aor): string {
  return aor.slice(aor.lastIndexOf('@') + 1);
}
