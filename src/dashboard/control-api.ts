import { errorMessage } from '../core/errors.js';
import { nodeIdToHex, resourceIdToHex } from '../core/ids.js';
import type { HttpHandler, HttpReply, HttpRequest } from '../platform/node/http-server.js';
import { jsonReply } from '../platform/node/http-server.js';
import type { PeerEvent } from '../platform/node/peer-events.js';
import { ErrorCode } from '../reload/messages/codes.js';
import type { Destination } from '../reload/messages/common.js';
import type { TraceResult } from '../reload/node/diagnostics.js';
import type { RequestResult } from '../reload/node/types.js';
import { type LookupPeer, lookupReply } from './lookup.js';
import type { Metrics } from './metrics.js';
import { parseTarget, type Target } from './target.js';

/**
 * The control API's routes (DESIGN §4): GET /status, GET /metrics, GET /events (server-sent events),
 * POST /ping and POST /trace with `{"target": NODE-ID | RESOURCE}`, POST /lookup with `{"aor"}`, and the
 * dashboard page at `/`.
 * The HTTP server itself is platform/node/http-server.ts; the peer behind it is any ControlPeer.
 */
export interface ControlPeer {
  status(): object;
  ping(destination: Destination): Promise<RequestResult>;
  trace(destination: Destination): Promise<TraceResult>;
  readonly events: { on(listener: (e: PeerEvent) => void): () => void };
  /** The SIP registrations of an AOR (`POST /lookup`). */
  lookup?: LookupPeer;
}

/** Static files served as they are (the dashboard page). */
export type WebAssets = ReadonlyMap<string, { readonly contentType: string; readonly body: Uint8Array }>;

/** Where `p2psip peer` serves the control API and where `status`/`ping`/`trace` look for it. */
export const DEFAULT_CONTROL = { host: '127.0.0.1', port: 6085 } as const;

const ROUTES: Readonly<Record<string, string>> = {
  '/status': 'GET',
  '/metrics': 'GET',
  '/events': 'GET',
  '/ping': 'POST',
  '/trace': 'POST',
  '/lookup': 'POST',
};

function bad(reason: string): HttpReply {
  return jsonReply(400, { error: reason });
}

export function controlApi(peer: ControlPeer, metrics: Metrics, assets: WebAssets = new Map()): HttpHandler {
  return async (req) => {
    const method = ROUTES[req.path];
    if (method === undefined) {
      const asset =
        req.method === 'GET' ? assets.get(req.path === '/' ? '/index.html' : req.path) : undefined;
      if (asset !== undefined) return { kind: 'body', status: 200, ...asset };
      return jsonReply(404, { error: `no such resource: ${req.path}` });
    }
    if (req.method !== method) return jsonReply(405, { error: `${req.path} takes ${method}` });
    switch (req.path) {
      case '/status':
        return jsonReply(200, peer.status());
      case '/metrics':
        return { kind: 'body', status: 200, contentType: metrics.contentType, body: await metrics.text() };
      case '/events':
        return events(peer);
      case '/ping':
        return withTarget(req, async (t) => pingReply(t, await peer.ping(t.destination)));
      case '/lookup':
        return withJson(req, (body) => lookupReply(body, peer.lookup?.bind(peer)));
      default:
        return withTarget(req, async (t) => traceReply(t, await peer.trace(t.destination)));
    }
  };
}

function events(peer: ControlPeer): HttpReply {
  return {
    kind: 'events',
    open: (stream) => {
      stream.send('status', JSON.stringify(peer.status()));
      const off = peer.events.on((e) => stream.send(e.type, JSON.stringify(e)));
      stream.onClose(off);
    },
  };
}

async function withJson(req: HttpRequest, run: (body: unknown) => Promise<HttpReply>): Promise<HttpReply> {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(req.body));
  } catch (e) {
    return bad(`the body is not JSON: ${errorMessage(e)}`);
  }
  return run(body);
}

function withTarget(req: HttpRequest, run: (t: Target) => Promise<HttpReply>): Promise<HttpReply> {
  return withJson(req, (body) => targetOf(body, run));
}

async function targetOf(body: unknown, run: (t: Target) => Promise<HttpReply>): Promise<HttpReply> {
  const text = typeof body === 'object' && body !== null ? (body as { target?: unknown }).target : undefined;
  if (typeof text !== 'string') return bad('the body needs {"target": "<Node-ID hex or resource name>"}');
  const target = parseTarget(text);
  if (typeof target === 'string') return bad(target);
  return run(target);
}

function describeTarget(t: Target): Record<string, string> {
  const d = t.destination;
  return d.type === 'resource'
    ? { target: t.text, kind: 'resource', resourceId: resourceIdToHex(d.id) }
    : { target: t.text, kind: 'node' };
}

function failure(r: Extract<RequestResult, { ok: false }>): Record<string, unknown> {
  return { ok: false, error: r.reason, errorCode: String(ErrorCode.describe(r.errorCode)) };
}

function pingReply(t: Target, r: RequestResult): HttpReply {
  if (!r.ok) return jsonReply(502, { ...describeTarget(t), ...failure(r) });
  return jsonReply(200, {
    ...describeTarget(t),
    ok: true,
    answeredBy: nodeIdToHex(r.signer.nodeId),
    rttMs: r.rtt,
  });
}

function traceReply(t: Target, r: TraceResult): HttpReply {
  const hops = r.hops.map((h) => ({
    nodeId: nodeIdToHex(h.nodeId),
    rttMs: h.rttMs,
    hopCounter: h.hopCounter,
  }));
  if (!r.ok) return jsonReply(502, { ...describeTarget(t), ok: false, error: r.reason, hops });
  return jsonReply(200, { ...describeTarget(t), ok: true, hops });
}
