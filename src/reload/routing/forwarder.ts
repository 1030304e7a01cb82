import { type NodeId, nodeIdToHex, resourceIdToBigInt, wildcardNodeId } from '../../core/ids.js';
import { ErrorCode, ForwardingOptionFlag, isRequestCode, RELOAD_VERSION } from '../messages/codes.js';
import type { Destination } from '../messages/common.js';
import type { ForwardingHeader } from '../messages/header.js';
import { parseFragment } from '../messages/header.js';
import type { LinkId, RoutingEnv } from './types.js';

/**
 * The per-message forwarding rules of RFC 6940 §6.1.2 and §6.2 (symmetric recursive routing). Pure: a
 * received header in, one decision out. The node carries the decision out (send, deliver, answer).
 */
export type RouteDecision =
  /** This node is the destination (the message may still be one fragment of several). */
  | { readonly action: 'deliver'; readonly header: ForwardingHeader }
  /** Send the message, with this rewritten header, over `link` to `next`. */
  | {
      readonly action: 'forward';
      readonly link: LinkId;
      readonly next: NodeId;
      readonly header: ForwardingHeader;
    }
  /**
   * Answer the request with an error (RFC 6940 §6.3.3.1). Only ever decided for requests. `definitive`
   * marks answers that retrying cannot change (this node owns the id and it is not there).
   */
  | { readonly action: 'error'; readonly code: number; readonly reason: string; readonly definitive?: true }
  /** Discard silently (RFC 6940 says so, or no answer can be routed). */
  | { readonly action: 'drop'; readonly reason: string };

export interface Incoming {
  readonly header: ForwardingHeader;
  /** The message code if this is an unfragmented message or the first fragment (payload offset 0). */
  readonly code: number | undefined;
  /** The Node-ID of the link peer it arrived from; undefined for messages this node originates. */
  readonly previousHop: NodeId | undefined;
}

const DUPLICATE_CHECK_LIMIT = 64;

function sameDestination(a: Destination, b: Destination): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'node':
      return a.id === (b as typeof a).id;
    case 'compressed':
      return a.id === (b as typeof a).id;
    case 'resource':
    case 'opaque': {
      const x = a.id;
      const y = (b as typeof a).id;
      return x.length === y.length && x.every((v, i) => v === y[i]);
    }
    case 'unknown':
      return false;
  }
}

function hasDuplicates(list: readonly Destination[]): boolean {
  const n = Math.min(list.length, DUPLICATE_CHECK_LIMIT);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = list[i];
      const b = list[j];
      if (a !== undefined && b !== undefined && sameDestination(a, b)) return true;
    }
  }
  return false;
}

/**
 * Decides what to do with a message that arrived on a link (or that this node originates, with
 * `previousHop` undefined). Checks of the header that need no routing state come first.
 */
export function route(env: RoutingEnv, msg: Incoming): RouteDecision {
  const h = msg.header;
  const isRequest = msg.code === undefined ? undefined : isRequestCode(msg.code);
  const fail = (code: number, reason: string): RouteDecision =>
    isRequest === false ? { action: 'drop', reason } : { action: 'error', code, reason };

  // RFC 6940 §6.3.2: a message whose fragment bit 31 is clear MUST be discarded.
  if (!parseFragment(h.fragment).valid) return { action: 'drop', reason: 'fragment bit 31 clear' };
  // RFC 6940 §6.3.2: the overlay field MUST match; a message for another overlay is not ours to answer.
  if (h.overlay !== env.overlay)
    return { action: 'drop', reason: `overlay 0x${h.overlay.toString(16)} is not ours` };
  // RFC 6940 §6.3.2: version 0x0a; a different version is rejected.
  if (h.version !== RELOAD_VERSION) {
    return fail(ErrorCode.Error_Incompatible_with_Overlay, `version 0x${h.version.toString(16)} is not 0x0a`);
  }
  // RFC 6940 §6.3.2: a TTL above initial-ttl on receipt is discarded with Error_TTL_Exceeded.
  if (h.ttl > env.initialTtl) return fail(ErrorCode.Error_TTL_Exceeded, `TTL ${h.ttl} above initial-ttl`);
  // RFC 6940 §6.3.2.2: implementations SHOULD reject destination lists with duplicate entries.
  if (hasDuplicates(h.destinationList))
    return fail(ErrorCode.Error_Invalid_Message, 'duplicate destinations');
  return routeByDestination(env, msg, fail);
}

function routeByDestination(
  env: RoutingEnv,
  msg: Incoming,
  fail: (code: number, reason: string) => RouteDecision,
): RouteDecision {
  let list = msg.header.destinationList;
  for (;;) {
    const first = list[0];
    if (first === undefined) return fail(ErrorCode.Error_Invalid_Message, 'empty destination list');
    switch (first.type) {
      case 'node': {
        if (first.id === env.localId) {
          if (list.length === 1) return deliver(env, msg, list, fail);
          // RFC 6940 §6.1.2: our own Node-ID first and more to come: pop it and look at the next entry.
          list = list.slice(1);
          continue;
        }
        // RFC 6940 §6.3.2.2: the wildcard Node-ID is always consumed by the receiving node.
        if (first.id === wildcardNodeId(env.nodeIdLength)) {
          if (list.length === 1) return deliver(env, msg, list, fail);
          list = list.slice(1);
          continue;
        }
        return forwardTowardNode(env, msg, list, first.id, fail);
      }
      case 'resource': {
        if (env.isResponsible(first.id)) {
          // RFC 6940 §6.1.2: a Resource-ID we are responsible for must be the last entry; otherwise drop.
          if (list.length !== 1) return { action: 'drop', reason: 'resource destination is not last' };
          return deliver(env, msg, list, fail);
        }
        return forwardVia(
          env,
          msg,
          list,
          env.nextHopToward(resourceIdToBigInt(first.id), msg.previousHop),
          fail,
        );
      }
      case 'opaque':
      case 'compressed':
        // This node never compresses via lists (it keeps them whole), so no opaque id can be its own.
        return fail(ErrorCode.Error_Not_Found, 'opaque destination not minted here');
      case 'unknown':
        return fail(ErrorCode.Error_Invalid_Message, `unknown destination type ${first.code}`);
    }
  }
}

function forwardTowardNode(
  env: RoutingEnv,
  msg: Incoming,
  list: readonly Destination[],
  target: NodeId,
  fail: (code: number, reason: string) => RouteDecision,
): RouteDecision {
  if (env.linkTo(target) !== undefined) return forwardVia(env, msg, list, target, fail);
  // RFC 6940 §6.1.2: a Node-ID in our range that is not us and not connected cannot be reached.
  if (env.coversNodeId(target)) {
    const d = fail(
      ErrorCode.Error_Not_Found,
      `node ${nodeIdToHex(target, env.nodeIdLength)} is not in the overlay`,
    );
    return d.action === 'error' ? { ...d, definitive: true } : d;
  }
  return forwardVia(env, msg, list, env.nextHopToward(target, msg.previousHop), fail);
}

function deliver(
  _env: RoutingEnv,
  msg: Incoming,
  list: readonly Destination[],
  fail: (code: number, reason: string) => RouteDecision,
): RouteDecision {
  // RFC 6940 §6.3.2.3: a DESTINATION_CRITICAL option the responder does not understand is an error.
  // This node understands no forwarding option.
  if (msg.header.options.some((o) => (o.flags & ForwardingOptionFlag.DESTINATION_CRITICAL) !== 0)) {
    return fail(ErrorCode.Error_Unsupported_Forwarding_Option, 'destination-critical option not supported');
  }
  return { action: 'deliver', header: { ...msg.header, destinationList: list } };
}

function forwardVia(
  env: RoutingEnv,
  msg: Incoming,
  list: readonly Destination[],
  next: NodeId | undefined,
  fail: (code: number, reason: string) => RouteDecision,
): RouteDecision {
  const h = msg.header;
  if (next === undefined) return fail(ErrorCode.Error_Not_Found, 'no route toward the destination');
  const link = env.linkTo(next);
  if (link === undefined) return fail(ErrorCode.Error_Not_Found, 'next hop has no link');
  // RFC 6940 §6.3.2.3: a FORWARD_CRITICAL option a forwarding peer does not understand is an error.
  if (
    msg.previousHop !== undefined &&
    h.options.some((o) => (o.flags & ForwardingOptionFlag.FORWARD_CRITICAL) !== 0)
  ) {
    return fail(ErrorCode.Error_Unsupported_Forwarding_Option, 'forward-critical option not supported');
  }
  if (msg.previousHop !== undefined) {
    // A request that already passed through us is going round in circles: while two peers' views of the
    // ring disagree (a failure not yet noticed), forwarding it on would only burn TTL and end in
    // Error_TTL_Exceeded. Dropped, it is retransmitted by its originator (RFC 6940 §6.2.1) once the views
    // have converged. (RFC 7851 names the condition Error_Loop_Detected.)
    if (msg.code !== undefined && isRequestCode(msg.code) && viaHas(h.viaList, env.localId)) {
      return { action: 'drop', reason: 'loop: request came back through us' };
    }
    // RFC 6940 §6.3.2: a received TTL of 0 is not forwarded; the requester gets Error_TTL_Exceeded.
    if (h.ttl === 0) return fail(ErrorCode.Error_TTL_Exceeded, 'TTL reached 0');
  }
  // RFC 6940 §6.2.2: a request keeps the way back in its via list: append the previous hop. Responses
  // need no via entries; we append for non-first fragments too, where the code is unknown (harmless).
  const addVia =
    msg.previousHop !== undefined && msg.code !== undefined
      ? isRequestCode(msg.code)
      : msg.previousHop !== undefined;
  const viaList =
    addVia && msg.previousHop !== undefined
      ? [...h.viaList, { type: 'node' as const, id: msg.previousHop }]
      : h.viaList;
  // RFC 6940 §6.3.2: each hop decrements the TTL immediately before transmitting.
  const ttl = msg.previousHop === undefined ? h.ttl : h.ttl - 1;
  return { action: 'forward', link, next, header: { ...h, ttl, viaList, destinationList: list } };
}

function viaHas(via: readonly Destination[], id: NodeId): boolean {
  for (const d of via) if (d.type === 'node' && d.id === id) return true;
  return false;
}

/**
 * The destination list of an answer (RFC 6940 §6.2.2): the previous hop of the request followed by its via
 * list reversed, so the answer retraces the request's path. For a request this node originated itself
 * (previousHop undefined) the answer is local.
 */
export function answerPath(request: ForwardingHeader, previousHop: NodeId | undefined): Destination[] {
  const back: Destination[] = [...request.viaList].reverse();
  if (previousHop !== undefined) back.unshift({ type: 'node', id: previousHop });
  return back;
}
