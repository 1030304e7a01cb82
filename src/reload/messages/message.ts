import { type CodecContext, CodecError, DEFAULT_CONTEXT, Reader, vector, Writer } from '../../wire/index.js';
import { type MessageContents, messageContents, messageExtension } from './contents.js';
import { decodeForwarded, type ForwardingHeader, isUnfragmented, writeForwardingHeader } from './header.js';
import { type SecurityBlock, securityBlock } from './security.js';

/**
 * A whole RELOAD message (RFC 6940 §6.3): ForwardingHeader ‖ MessageContents ‖ SecurityBlock.
 * Forwarding peers only look at the header (decodeForwarded); the final destination decodes the rest.
 */
export interface ReloadMessage {
  readonly header: ForwardingHeader;
  readonly contents: MessageContents;
  readonly security: SecurityBlock;
}

export function encodePayload(
  contents: MessageContents,
  security: SecurityBlock,
  ctx = DEFAULT_CONTEXT,
): Uint8Array {
  let n = 128 + contents.body.length + security.signature.value.length;
  for (const c of security.certificates) n += 3 + c.certificate.length;
  const w = new Writer(ctx, n);
  messageContents.encode(w, contents);
  securityBlock.encode(w, security);
  return w.finish();
}

export interface DecodedPayload {
  readonly contents: MessageContents;
  /** The MessageContents exactly as received: the message signature covers these bytes (RFC 6940 §6.3.4). */
  readonly contentsBytes: Uint8Array;
  readonly security: SecurityBlock;
}

const extensionList = vector(4, messageExtension, 0, 0xffff_ffff, 'extensions');

/**
 * MessageContents with `body` as a view into `payload`, not a copy: the body is decoded again right away
 * (bodies.ts), so copying it would be wasted work on every message.
 */
function readContents(r: Reader, payload: Uint8Array): MessageContents {
  const code = r.u16();
  const n = r.u32();
  const start = r.offset;
  r.sub(n);
  return { code, body: payload.subarray(start, start + n), extensions: extensionList.decode(r) };
}

/**
 * Splits a reassembled payload into MessageContents and SecurityBlock; nothing may follow them.
 * `contents.body` and `contentsBytes` are views into `payload` (which must not be changed afterwards).
 */
export function decodePayload(payload: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): DecodedPayload {
  const r = new Reader(payload, ctx);
  const contents = readContents(r, payload);
  const contentsBytes = payload.subarray(0, r.offset);
  const security = securityBlock.decode(r);
  r.end('message');
  return { contents, contentsBytes, security };
}

/** Encodes a whole message in one pass (header, contents and security block into one buffer). */
export function encodeMessage(m: ReloadMessage, ctx: CodecContext = DEFAULT_CONTEXT): Uint8Array {
  const w = new Writer(ctx, estimateSize(m));
  const lengthAt = writeForwardingHeader(w, m.header);
  messageContents.encode(w, m.contents);
  securityBlock.encode(w, m.security);
  w.patchU32(lengthAt, w.length);
  return w.finish();
}

/** A capacity that avoids regrowing the buffer for typical messages (certificates dominate). */
function estimateSize(m: ReloadMessage): number {
  let n = 256 + m.contents.body.length + m.security.signature.value.length;
  for (const c of m.security.certificates) n += 3 + c.certificate.length;
  for (const e of m.contents.extensions) n += 7 + e.contents.length;
  return n;
}

/** Decodes an unfragmented message; a fragment must be reassembled first (reload/routing). */
export function decodeMessage(bytes: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): ReloadMessage {
  const { header, payload } = decodeForwarded(bytes, ctx);
  if (!isUnfragmented(header)) throw new CodecError('message is a fragment; reassemble it first', 12);
  const { contents, security } = decodePayload(payload, ctx);
  return { header, contents, security };
}
