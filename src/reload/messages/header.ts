import type { TransactionId } from '../../core/ids.js';
import {
  type Codec,
  type CodecContext,
  CodecError,
  DEFAULT_CONTEXT,
  opaque,
  Reader,
  struct,
  u8,
  Writer,
} from '../../wire/index.js';
import {
  FORWARDING_HEADER_FIXED_LENGTH,
  FRAGMENT_BIT,
  FRAGMENT_OFFSET_MASK,
  LAST_FRAGMENT_BIT,
  RELO_TOKEN,
  RELOAD_VERSION,
} from './codes.js';
import { type Destination, destination } from './common.js';

/**
 * RFC 6940 §6.3.2.3:
 *   struct { ForwardingOptionType type; uint8 flags; uint16 length; select (type) { ... } option; } ForwardingOption;
 * The value is kept opaque; flags are FORWARD_CRITICAL, DESTINATION_CRITICAL and RESPONSE_COPY.
 */
export const forwardingOption = struct({
  type: u8,
  flags: u8,
  value: opaque(2),
});
export type ForwardingOption = ReturnType<typeof forwardingOption.decode>;

/**
 * RFC 6940 §6.3.2 ForwardingHeader. `length` is not a field here: it is always the size of the encoded
 * message (or fragment), computed on encode and checked on decode. `relo_token` is constant.
 */
export interface ForwardingHeader {
  /** Low 32 bits of SHA-1(overlay name) (RFC 6940 §6.3.2). */
  readonly overlay: number;
  readonly configurationSequence: number;
  /** 0x0a for RFC 6940; receivers reject other values (routing does, the codec carries it). */
  readonly version: number;
  readonly ttl: number;
  /** The raw fragment word: bit 31 set, bit 30 = last fragment, bits 0–23 = offset. */
  readonly fragment: number;
  readonly transactionId: TransactionId;
  readonly maxResponseLength: number;
  readonly viaList: readonly Destination[];
  readonly destinationList: readonly Destination[];
  readonly options: readonly ForwardingOption[];
}

export const UNFRAGMENTED = (FRAGMENT_BIT | LAST_FRAGMENT_BIT) >>> 0;

export function fragmentWord(offset: number, last: boolean): number {
  if (!Number.isInteger(offset) || offset < 0 || offset > FRAGMENT_OFFSET_MASK) {
    throw new CodecError(`fragment offset out of range: ${offset}`);
  }
  return (FRAGMENT_BIT | (last ? LAST_FRAGMENT_BIT : 0) | offset) >>> 0;
}

export interface FragmentInfo {
  /** Bit 31 must be 1 (RFC 6940 §6.3.2); messages without it are discarded. */
  readonly valid: boolean;
  readonly last: boolean;
  readonly offset: number;
}

export function parseFragment(word: number): FragmentInfo {
  return {
    valid: (word & FRAGMENT_BIT) !== 0,
    last: (word & LAST_FRAGMENT_BIT) !== 0,
    offset: word & FRAGMENT_OFFSET_MASK,
  };
}

export function isUnfragmented(h: ForwardingHeader): boolean {
  const f = parseFragment(h.fragment);
  return f.last && f.offset === 0;
}

function encodeList<T>(w: Writer, codec: Codec<T>, items: readonly T[], lengthAt: number): void {
  const start = w.length;
  for (const d of items) codec.encode(w, d);
  w.patchU16(lengthAt, w.length - start);
}

/**
 * Writes the header with a zero `length` and returns where `length` is, for the caller to patch once the
 * payload is written (the length counts the whole message, header included).
 */
export function writeForwardingHeader(w: Writer, h: ForwardingHeader): number {
  w.u32(RELO_TOKEN).u32(h.overlay).u16(h.configurationSequence).u8(h.version).u8(h.ttl).u32(h.fragment);
  const lengthAt = w.length;
  w.u32(0).u64(h.transactionId).u32(h.maxResponseLength);
  const listsAt = w.length;
  w.u16(0).u16(0).u16(0);
  encodeList(w, destination, h.viaList, listsAt);
  encodeList(w, destination, h.destinationList, listsAt + 2);
  encodeList(w, forwardingOption, h.options, listsAt + 4);
  return lengthAt;
}

/** Encodes a header followed by `payload` (MessageContents ‖ SecurityBlock, or one fragment of it). */
export function encodeForwarded(
  h: ForwardingHeader,
  payload: Uint8Array,
  ctx: CodecContext = DEFAULT_CONTEXT,
): Uint8Array {
  const w = new Writer(ctx, FORWARDING_HEADER_FIXED_LENGTH + 64 + payload.length);
  const lengthAt = writeForwardingHeader(w, h);
  w.bytes(payload);
  w.patchU32(lengthAt, w.length);
  return w.finish();
}

function decodeList<T>(r: Reader, codec: Codec<T>, n: number, what: string): T[] {
  const sub = r.sub(n);
  const out: T[] = [];
  while (!sub.done()) out.push(codec.decode(sub));
  sub.end(what);
  return out;
}

export interface DecodedForwarded {
  readonly header: ForwardingHeader;
  /** Everything after the forwarding header: MessageContents ‖ SecurityBlock, or a fragment of them. */
  readonly payload: Uint8Array;
  /** Size of the encoded header (fixed part + lists). */
  readonly headerLength: number;
}

/**
 * Decodes the forwarding header of one complete message or fragment. Throws CodecError when this is not
 * RELOAD (relo_token), when `length` disagrees with the bytes given, or when a list is malformed.
 * Version, TTL, overlay and the fragment bit are returned for the routing layer to judge, since the
 * answers to those are protocol errors, not parse failures (RFC 6940 §6.3.2).
 */
export function decodeForwarded(bytes: Uint8Array, ctx: CodecContext = DEFAULT_CONTEXT): DecodedForwarded {
  const r = new Reader(bytes, ctx);
  if (bytes.length < FORWARDING_HEADER_FIXED_LENGTH) {
    throw new CodecError(`message of ${bytes.length} bytes is shorter than a forwarding header`, 0);
  }
  const token = r.u32();
  if (token !== RELO_TOKEN) throw new CodecError(`relo_token 0x${token.toString(16)} is not RELOAD`, 0);
  const overlay = r.u32();
  const configurationSequence = r.u16();
  const version = r.u8();
  const ttl = r.u8();
  const fragment = r.u32();
  const length = r.u32();
  if (length !== bytes.length) {
    throw new CodecError(`forwarding header length ${length} but the message has ${bytes.length} bytes`, 16);
  }
  const transactionId = r.u64() as TransactionId;
  const maxResponseLength = r.u32();
  const viaLen = r.u16();
  const destLen = r.u16();
  const optLen = r.u16();
  const viaList = decodeList(r, destination, viaLen, 'via_list');
  const destinationList = decodeList(r, destination, destLen, 'destination_list');
  const options = decodeList(r, forwardingOption, optLen, 'options');
  const headerLength = r.offset;
  return {
    header: {
      overlay,
      configurationSequence,
      version,
      ttl,
      fragment,
      transactionId,
      maxResponseLength,
      viaList,
      destinationList,
      options,
    },
    payload: bytes.subarray(headerLength),
    headerLength,
  };
}

export { RELOAD_VERSION };
