import { fromUtf8, utf8 } from '../../core/bytes.js';
import type { KindId } from '../../core/ids.js';
import {
  type CodecContext,
  DEFAULT_CONTEXT,
  decode,
  encode,
  type Infer,
  opaque,
  struct,
  u16,
  vector,
} from '../../wire/index.js';
import { ErrorCode } from './codes.js';
import { kindIdCodec } from './common.js';
import { type StoreAns, storeAns } from './store.js';

/**
 * RFC 6940 §6.3.3.1:
 *   public struct { uint16 error_code; opaque error_info<0..2^16-1>; } ErrorResponse;
 * error_info is UTF-8 text unless the error defines a structure: Error_Unknown_Kind (a KindId list) and
 * Error_Generation_Counter_Too_Low (a StoreAns), both §7.4.1.2. Error codes are an open space, so any
 * uint16 decodes.
 */
export const errorResponse = struct({
  errorCode: u16,
  errorInfo: opaque(2, 0, 0xffff, 'ErrorResponse.error_info'),
});
export type ErrorResponse = Infer<typeof errorResponse>;

/** An ErrorResponse whose error_info is diagnostic text (the default, §6.3.3.1). */
export function textError(errorCode: number, text = ''): ErrorResponse {
  return { errorCode, errorInfo: utf8(text) };
}

/** error_info as text for logs: invalid UTF-8 (or a structured info) is shown as hex length, never thrown. */
export function errorInfoText(e: ErrorResponse): string {
  try {
    return fromUtf8(e.errorInfo);
  } catch {
    return `<${e.errorInfo.length} bytes>`;
  }
}

/** RFC 6940 §7.4.1.2: the error_info of Error_Unknown_Kind is `KindId unknown_kinds<0..2^8-1>`. */
const unknownKinds = vector(1, kindIdCodec, 0, 0xff, 'unknown_kinds');

export function unknownKindError(kinds: KindId[]): ErrorResponse {
  return { errorCode: ErrorCode.Error_Unknown_Kind, errorInfo: encode(unknownKinds, kinds) };
}

/** The unknown kinds listed in an Error_Unknown_Kind's error_info; throws CodecError when malformed. */
export function decodeUnknownKinds(errorInfo: Uint8Array): KindId[] {
  return decode(unknownKinds, errorInfo, DEFAULT_CONTEXT, 'unknown_kinds');
}

/**
 * RFC 6940 §7.4.1.2: the error_info of Error_Generation_Counter_Too_Low "MUST be a StoreAns response
 * containing the correct generation counter for each Kind and the replica list, which will be empty".
 */
export function generationCounterTooLowError(
  current: ReadonlyArray<{ readonly kind: KindId; readonly generationCounter: bigint }>,
  ctx: CodecContext = DEFAULT_CONTEXT,
): ErrorResponse {
  const ans: StoreAns = {
    kindResponses: current.map((c) => ({
      kind: c.kind,
      generationCounter: c.generationCounter,
      replicas: [],
    })),
  };
  return { errorCode: ErrorCode.Error_Generation_Counter_Too_Low, errorInfo: encode(storeAns, ans, ctx) };
}

export function decodeGenerationCounterTooLow(
  errorInfo: Uint8Array,
  ctx: CodecContext = DEFAULT_CONTEXT,
): StoreAns {
  return decode(storeAns, errorInfo, ctx, 'Error_Generation_Counter_Too_Low info');
}
