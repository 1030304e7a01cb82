import { CodecError } from '../../wire/codec-error.js';

/**
 * The one error the SIP message layer throws (a CodecError, DESIGN §5). It says what the receiver may do
 * about it:
 * - `respondable`: the request was understood well enough that a response reaches its sender — it is a
 *   request (not a response, RFC 3261 §17.1.3: responses are never answered) with a top Via to route it
 *   back and a CSeq the client transaction can match it by. The caller answers `status` statelessly
 *   (`buildStatelessErrorResponse`) and otherwise drops the message.
 * - `status`: 400 (Bad Request) by default; 505 when the SIP-Version is not 2.0 (RFC 3261 §8.2.2.3 / RFC
 *   4475 §3.1.2.16).
 */
/** The header fields of a message that failed to parse, as far as they were split (no import of message.ts). */
export interface PartialMessage {
  readonly fields: ReadonlyArray<{ readonly name: string; readonly key: string; readonly value: string }>;
}

export class SipParseError extends CodecError {
  readonly respondable: boolean;
  readonly status: number;
  /**
   * The header fields as far as they were split, when the error came after that: enough for
   * `buildResponse` to copy Via, From, To, Call-ID and CSeq into the error response.
   */
  readonly partial: PartialMessage | undefined;

  constructor(
    message: string,
    offset = -1,
    opts: { respondable?: boolean; status?: number; partial?: PartialMessage } = {},
  ) {
    super(message, offset);
    this.respondable = opts.respondable ?? false;
    this.status = opts.status ?? 400;
    this.partial = opts.partial;
  }

  /** The same problem, re-judged once the whole message is known. */
  withRespondable(respondable: boolean, partial?: PartialMessage): SipParseError {
    return new SipParseError(this.message, -1, {
      respondable,
      status: this.status,
      ...(partial !== undefined ? { partial } : {}),
    });
  }
}

export function isSipParseError(e: unknown): e is SipParseError {
  return e instanceof SipParseError;
}
