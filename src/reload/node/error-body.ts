import { fromUtf8 } from '../../core/bytes.js';
import { type CodecContext, decode, opaque, struct, u16 } from '../../wire/index.js';
import { ErrorCode } from '../messages/codes.js';

/**
 * RFC 6940 §6.3.3.1: struct { uint16 error_code; opaque error_info<0..2^16-1>; } ErrorResponse;
 * (Temporary home until reload/messages/error.ts lands with the structured error infos.)
 */
export const errorResponseBody = struct({ errorCode: u16, errorInfo: opaque(2) });

export function decodeError(
  body: Uint8Array,
  ctx: CodecContext,
): { errorCode: number; errorInfo: Uint8Array } {
  return decode(errorResponseBody, body, ctx, 'ErrorResponse');
}

/** A readable one-line description of an error answer: its name and, when it is text, its info. */
export function describeError(errorCode: number, info: Uint8Array): string {
  let text = '';
  try {
    text = fromUtf8(info);
  } catch {
    text = `${info.length} bytes of error_info`;
  }
  const printable = /^[\x20-\x7e\u00a0-\uffff]*$/.test(text) ? text : `${info.length} bytes of error_info`;
  return printable ? `${ErrorCode.describe(errorCode)}: ${printable}` : ErrorCode.describe(errorCode);
}
