import { fromUtf8 } from '../../core/bytes.js';
import { type CodecContext, decode } from '../../wire/index.js';
import { ErrorCode } from '../messages/codes.js';
import { type ErrorResponse, errorResponse } from '../messages/error.js';

export function decodeError(body: Uint8Array, ctx: CodecContext): ErrorResponse {
  return decode(errorResponse, body, ctx, 'ErrorResponse');
}

/** A readable one-line description of an error answer: its name and, when it is text, its info. */
export function describeError(errorCode: number, info: Uint8Array): string {
  let text: string;
  try {
    text = fromUtf8(info);
  } catch {
    text = '';
  }
  const printable = text !== '' && /^[\x20-\x7e\u00a0-\uffff]*$/.test(text);
  return printable ? `${ErrorCode.describe(errorCode)}: ${text}` : ErrorCode.describe(errorCode);
}
