/**
 * The two error families (DESIGN §5, style-study §6.8).
 *
 * - Wire errors travel on a wire: a RELOAD ErrorResponse (RFC 6940 §6.3.3.1) or a SIP final response.
 *   They carry the protocol's own code so that a handler can throw one and the dispatcher answers with it.
 * - Local errors never leave the process. Each has a stable `code` from LOCAL_ERROR_CODES: match on the
 *   code, not on the class or the message text (the messages may improve).
 *
 * Decoders throw only `CodecError` (src/wire), which the layers above turn into Error_Invalid_Message or
 * a SIP 400.
 */

/** A RELOAD ErrorResponse to send: `errorCode` is from the ErrorCode table in reload/messages. */
export class ReloadWireError extends Error {
  override readonly name = 'ReloadWireError';
  readonly protocol = 'reload';
  readonly errorCode: number;
  /** error_info as it goes on the wire; UTF-8 text unless the code defines a structure. */
  readonly info: Uint8Array;

  constructor(errorCode: number, info: string | Uint8Array = '', options?: ErrorOptions) {
    const text = typeof info === 'string' ? info : `${info.length} bytes of error_info`;
    super(`RELOAD error 0x${errorCode.toString(16).padStart(2, '0')}: ${text}`, options);
    this.errorCode = errorCode;
    this.info = typeof info === 'string' ? new TextEncoder().encode(info) : info;
  }
}

/** A SIP final response to send (RFC 3261 §21): status 300–699 and its reason phrase. */
export class SipWireError extends Error {
  override readonly name = 'SipWireError';
  readonly protocol = 'sip';
  readonly status: number;
  readonly reason: string;
  /** Extra header fields for the response, e.g. Min-Expires on a 423. */
  readonly headers: ReadonlyArray<readonly [string, string]>;

  constructor(
    status: number,
    reason: string,
    headers: ReadonlyArray<readonly [string, string]> = [],
    options?: ErrorOptions,
  ) {
    super(`SIP ${status} ${reason}`, options);
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }
}

/**
 * Every local error code, defined once. Add a code here (with one line saying when it happens) rather
 * than inventing strings at the throw site.
 */
export const LOCAL_ERROR_CODES = {
  ERR_BAD_USAGE: 'the command line or an API call was used wrongly',
  ERR_BAD_INPUT: 'input from a user or a file is malformed',
  ERR_BAD_CONFIG: 'an overlay configuration document is invalid or unsupported',
  ERR_BAD_ID: 'a Node-ID, Resource-ID or Kind-ID is malformed',
  ERR_TIMEOUT: 'no answer arrived in time',
  ERR_NOT_CONNECTED: 'there is no link (or route) to the destination',
  ERR_CLOSED: 'the object was closed or the node is leaving',
  ERR_NOT_FOUND: 'the thing asked for does not exist',
  ERR_LIMIT: 'a configured or built-in limit was exceeded',
  ERR_CRYPTO: 'a key, certificate or signature operation failed',
  ERR_BAD_CERT: 'a certificate is malformed, expired, untrusted, revoked or does not match its Node-ID',
  ERR_BAD_SIGNATURE: 'a signature does not verify or its signer cannot be identified',
  ERR_UNKNOWN_CERT: 'a signature names a certificate that is not at hand (not in the message, not stored)',
  ERR_FORBIDDEN: 'the operation is not allowed for this identity',
  ERR_REMOTE: 'the remote side answered with an error',
  ERR_STATE: 'the operation is not valid in the current state',
  ERR_IO: 'a file or socket operation failed',
  ERR_NOT_IMPLEMENTED: 'the feature is not built yet',
} as const;

export type LocalErrorCode = keyof typeof LOCAL_ERROR_CODES;

export class LocalError extends Error {
  override readonly name = 'LocalError';
  readonly code: LocalErrorCode;

  constructor(code: LocalErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export function isLocalError(e: unknown, code?: LocalErrorCode): e is LocalError {
  return e instanceof LocalError && (code === undefined || e.code === code);
}

/** The message of anything thrown, for logs and one-line CLI reasons. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
