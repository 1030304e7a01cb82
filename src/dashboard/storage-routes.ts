import { isLocalError } from '../core/errors.js';
import { type KindId, type NodeId, type ResourceId, resourceIdToHex } from '../core/ids.js';
import type { HttpReply, HttpRequest } from '../platform/node/http-server.js';
import { jsonReply } from '../platform/node/http-server.js';
import type { KindDefinition } from '../reload/config/overlay-config.js';
import type {
  FetchResult,
  FindResult,
  KindSelector,
  StatResult,
  StoreResult,
  ValueInput,
} from '../reload/storage/client.js';
import type { Holding } from '../reload/storage/storage.js';
import {
  failureJson,
  fetchedJson,
  foundJson,
  nodeHex,
  resourceJson,
  statJson,
  storedJson,
} from './storage-reply.js';
import { findCommand, jsonObject, selectCommand, storeCommand } from './storage-request.js';

/**
 * The storage routes of the control API (RFC 6940 §7.4 through the running peer): POST /store, /fetch,
 * /stat and /find, and GET /stored (what this peer holds). Bad input answers 400 with a one-line
 * reason; a RELOAD failure answers 502 with the error's name; success answers 200.
 */
export interface ControlStorage {
  readonly nodeIdLength: number;
  /** The kinds of the peer's configuration (RFC 6940 §11.1): what it can store and fetch. */
  kinds(): readonly KindDefinition[];
  /** Stores one value signed by the peer's identity (RFC 6940 §7.4.1). */
  store(
    kind: KindId,
    resource: ResourceId,
    value: ValueInput,
    lifetime: number,
    generation?: bigint,
  ): Promise<StoreResult>;
  fetch(resource: ResourceId, selector: KindSelector): Promise<FetchResult>;
  stat(resource: ResourceId, selector: KindSelector): Promise<StatResult>;
  find(resource: ResourceId, kinds: readonly KindId[]): Promise<FindResult>;
  /** What this peer holds now: resources it is responsible for and replicas alike (RFC 6940 §10.4). */
  held(): readonly Holding[];
}

export const STORAGE_ROUTES: Readonly<Record<string, 'GET' | 'POST'>> = {
  '/store': 'POST',
  '/fetch': 'POST',
  '/stat': 'POST',
  '/find': 'POST',
  '/stored': 'GET',
};

export async function storageRoute(storage: ControlStorage, req: HttpRequest): Promise<HttpReply> {
  const hex = nodeHex(storage.nodeIdLength);
  if (req.path === '/stored') return jsonReply(200, { resources: storage.held().map((r) => heldJson(r)) });
  try {
    const body = jsonObject(req.body);
    const kinds = storage.kinds();
    switch (req.path) {
      case '/store': {
        const c = storeCommand(body, kinds);
        const r = await storage.store(c.kind.id, c.resource.id, c.value, c.lifetime, c.generation);
        const head = { kind: c.kind.id, ...resourceJson(c.resource) };
        return r.ok ? jsonReply(200, { ...head, ...storedJson(r, hex) }) : failed(head, r, hex);
      }
      case '/fetch':
      case '/stat': {
        const c = selectCommand(body, kinds);
        const head = { kind: c.kind.id, ...resourceJson(c.resource) };
        if (req.path === '/stat') {
          const r = await storage.stat(c.resource.id, c.selector);
          return r.ok ? jsonReply(200, { ...head, ...statJson(r.kinds[0]) }) : failed(head, r, hex);
        }
        const r = await storage.fetch(c.resource.id, c.selector);
        return r.ok ? jsonReply(200, { ...head, ...fetchedJson(r.kinds[0], hex) }) : failed(head, r, hex);
      }
      default: {
        const c = findCommand(body, kinds);
        const r = await storage.find(
          c.resource.id,
          c.kinds.map((k) => k.id),
        );
        const head = resourceJson(c.resource);
        return r.ok ? jsonReply(200, { ...head, ...foundJson(r) }) : failed(head, r, hex);
      }
    }
  } catch (e) {
    if (isLocalError(e, 'ERR_BAD_INPUT') || isLocalError(e, 'ERR_BAD_USAGE'))
      return jsonReply(400, { error: e.message });
    throw e;
  }
}

function failed(
  head: Record<string, unknown>,
  r: Extract<StoreResult | FetchResult | StatResult | FindResult, { ok: false }>,
  hex: (id: NodeId) => string,
): HttpReply {
  return jsonReply(502, { ...head, ...failureJson(r, hex) });
}

function heldJson(r: Holding): Record<string, unknown> {
  return {
    resourceId: resourceIdToHex(r.resource),
    responsible: r.responsible,
    kinds: r.kinds.map((k) => ({ kind: k.kind, generation: String(k.generation), values: k.values })),
  };
}
