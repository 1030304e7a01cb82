import type { TransportAddress, TransportKind } from '../transport/address.js';
import { defaultPort } from '../transport/address.js';
import type { Via } from './headers.js';
import type { SipMessage } from './message.js';
import { formatParams, type Param } from './scan.js';

/** The RFC 3261 §8.1.1.7 magic cookie: a branch that starts with it is unique (RFC 3261 transactions). */
export const MAGIC_COOKIE = 'z9hG4bK';

export function formatVia(v: Via): string {
  const host = v.port !== undefined ? `${v.host}:${v.port}` : v.host;
  return `${v.protocol}/${v.transport} ${host}${formatParams(v.params)}`;
}

export function viaTransport(v: Via): TransportKind | undefined {
  const t = v.transport.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : undefined;
}

function setParam(params: readonly Param[], name: string, value: string | null): Param[] {
  const out = params.filter(([n]) => n.toLowerCase() !== name);
  out.push([name, value]);
  return out;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * On receipt of a request (RFC 3261 §18.2.1): add "received" when the sent-by host is not the source
 * address, and (RFC 3581 §4) fill in "rport" with the source port when the client asked for it — in which
 * case "received" is added even when the host matches. Rewrites the top Via only when it changes.
 */
export function stampTopVia(msg: SipMessage, source: TransportAddress): void {
  const top = msg.topVia();
  if (top === undefined) return;
  const wantsRport = top.rport === null;
  if (!wantsRport && stripBrackets(top.host) === source.host) return;
  let params = setParam(top.params, 'received', source.host.includes(':') ? `[${source.host}]` : source.host);
  if (wantsRport) params = setParam(params, 'rport', String(source.port));
  const stamped: Via = { ...top, params };
  msg.removeFirstValue('via');
  msg.prependHeader('Via', formatVia(stamped));
}

/**
 * Where a response to a request goes (RFC 3261 §18.2.2, RFC 3581 §4): back on the connection for
 * reliable transports; else to "received" (or the sent-by host) at the rport value, the sent-by port or
 * the default port. maddr (multicast) is not supported.
 */
export function responseDestination(via: Via, source: TransportAddress): TransportAddress {
  if (source.transport !== 'udp') return source;
  const host = via.received !== undefined ? stripBrackets(via.received) : stripBrackets(via.host);
  const port = typeof via.rport === 'number' ? via.rport : (via.port ?? defaultPort('udp'));
  return { transport: 'udp', host, port };
}
