import { nodeIdToHex, resourceIdToHex } from '../core/ids.js';
import { type Aor, parseAor } from '../peer/adapter/aor.js';
import type { LookupResult } from '../peer/adapter/overlay-port.js';
import type { HttpReply } from '../platform/node/http-server.js';
import { jsonReply } from '../platform/node/http-server.js';
import { chordResourceId } from '../reload/config/hashes.js';
import type { Destination } from '../reload/messages/common.js';

/**
 * `POST /lookup {"aor": "user@domain"}` (`p2psip lookup`): the SIP-REGISTRATION values stored for an AOR
 * (RFC 7904 §3) — the adapters it can be reached through and any plain URIs. 200 with an empty `routes`
 * when nobody registered it, 502 when the overlay could not answer.
 */
export type LookupPeer = (aor: Aor) => Promise<LookupResult>;

function destinationText(d: Destination): string {
  if (d.type === 'node') return nodeIdToHex(d.id);
  if (d.type === 'resource') return `resource:${resourceIdToHex(d.id)}`;
  return 'opaque';
}

export async function lookupReply(body: unknown, lookup: LookupPeer | undefined): Promise<HttpReply> {
  if (lookup === undefined) return jsonReply(404, { error: 'this peer does not look up SIP registrations' });
  const text = typeof body === 'object' && body !== null ? (body as { aor?: unknown }).aor : undefined;
  if (typeof text !== 'string') return jsonReply(400, { error: 'the body needs {"aor": "user@domain"}' });
  const aor = parseAor(text);
  if (aor === undefined) return jsonReply(400, { error: `not an address of record (user@domain): ${text}` });
  const described = { aor, resourceId: resourceIdToHex(chordResourceId(aor)) };
  const r = await lookup(aor);
  if (!r.ok) return jsonReply(502, { ...described, ok: false, error: r.reason });
  return jsonReply(200, {
    ...described,
    ok: true,
    routes: r.routes.map((route) => ({
      node: nodeIdToHex(route.node),
      destinationList: route.destinationList.map(destinationText),
      contactPrefs: route.contactPrefs,
    })),
    uris: r.uris,
  });
}
