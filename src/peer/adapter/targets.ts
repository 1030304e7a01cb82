import { type NodeId, nodeIdFromHex, nodeIdToHex } from '../../core/ids.js';
import { MAX_FORWARDS } from '../../sip/message/headers.js';
import type { SipMessage } from '../../sip/message/message.js';
import { formatUri, type Uri, uriParam } from '../../sip/message/uri.js';
import { formatVia } from '../../sip/message/via.js';
import { defaultPort, type TransportAddress, type TransportKind } from '../../sip/transport/address.js';

/**
 * How the adapter names itself in SIP and recognises its own names: the Record-Route URI it inserts
 * (RFC 3261 §16.6 step 4) carries the adapter's SIP address for the phones behind it and, in the
 * `reload-node` parameter, its Node-ID for the adapters on the other side of the overlay, so in-dialog
 * requests find their way back through both adapters of a call.
 */
export const NODE_PARAM = 'reload-node';

export interface SelfAddresses {
  readonly localId: NodeId;
  readonly nodeIdLength: number;
  /** The listeners facing phones, one per transport. */
  readonly listeners: readonly TransportAddress[];
  /** Where other adapters connect (AppAttach). */
  readonly app: TransportAddress;
}

export function listenerFor(self: SelfAddresses, t: TransportKind): TransportAddress {
  return self.listeners.find((l) => l.transport === t) ?? self.listeners[0] ?? self.app;
}

function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Our Record-Route value for a request that reached us (or leaves us) on `transport`. */
export function recordRoute(self: SelfAddresses, transport: TransportKind): string {
  const l = listenerFor(self, transport);
  const t = transport === 'udp' ? '' : `;transport=${transport}`;
  return `<sip:${hostText(l.host)}:${l.port}${t};lr;${NODE_PARAM}=${nodeIdToHex(self.localId, self.nodeIdLength)}>`;
}

/** The Node-ID a Route/Record-Route URI names, if it is an adapter's. */
export function nodeOfUri(uri: Uri): NodeId | undefined {
  const v = uriParam(uri, NODE_PARAM);
  if (typeof v !== 'string') return undefined;
  try {
    return nodeIdFromHex(v);
  } catch {
    return undefined;
  }
}

/** Whether a URI names this adapter: by its Node-ID parameter, or by one of its listening addresses. */
export function isOwnUri(self: SelfAddresses, uri: Uri): boolean {
  if (uri.kind !== 'sip') return false;
  const node = nodeOfUri(uri);
  if (node !== undefined) return node === self.localId;
  const host = uri.host.replace(/^\[|\]$/g, '');
  return [...self.listeners, self.app].some(
    (l) => l.host === host && (uri.port ?? defaultPort(l.transport)) === l.port,
  );
}

/** Where to send a request whose next hop is `uri` (a Route or a Request-URI) when it is not an adapter's. */
export function addressOfUri(uri: Uri): TransportAddress | undefined {
  if (uri.kind !== 'sip') return undefined;
  const t = uriParam(uri, 'transport');
  const transport: TransportKind =
    uri.scheme === 'sips' ? 'tls' : t === 'tcp' ? 'tcp' : t === 'tls' ? 'tls' : 'udp';
  const maddr = uriParam(uri, 'maddr');
  const host = (typeof maddr === 'string' ? maddr : uri.host).replace(/^\[|\]$/g, '');
  return { transport, host, port: uri.port ?? defaultPort(transport) };
}

/** Our Via for a request sent toward `dest` (RFC 3261 §16.6 step 8), asking for rport on UDP (RFC 3581). */
export function ourVia(self: SelfAddresses, dest: TransportAddress, branch: string): string {
  const from = dest.connection?.startsWith('app:') ? self.app : listenerFor(self, dest.transport);
  const proto = dest.transport.toUpperCase();
  return formatVia({
    protocol: 'SIP/2.0',
    transport: proto,
    host: hostText(from.host),
    port: from.port,
    params:
      dest.transport === 'udp'
        ? [
            ['branch', branch],
            ['rport', null],
          ]
        : [['branch', branch]],
  });
}

/**
 * RFC 3261 §16.6 step 3: Max-Forwards is decremented (set to 70 when absent). Returns false when the
 * request may not be forwarded (it was 0; the caller answers 483).
 */
export function decrementMaxForwards(req: SipMessage): boolean {
  const mf = req.get(MAX_FORWARDS);
  if (mf === 0) return false;
  req.setHeader('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
  return true;
}

export function uriText(uri: Uri): string {
  return formatUri(uri);
}
