import { H } from './header-names.js';
import type { SipMessage } from './message.js';
import type { PartialMessage } from './parse-error.js';
import { createResponse, type HeaderList } from './serializer.js';

/** Reason phrases the stack writes itself (RFC 3261 §21). */
export const REASON: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  481: 'Call/Transaction Does Not Exist',
  483: 'Too Many Hops',
  487: 'Request Terminated',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
};

export function reasonOf(status: number): string {
  return REASON[status] ?? (status < 200 ? 'Session Progress' : status < 300 ? 'OK' : 'Error');
}

export interface ResponseOptions {
  readonly reason?: string;
  /** Added to To when it has no tag and the response is not a 100 (RFC 3261 §8.2.6.2). */
  readonly toTag?: string;
  readonly headers?: HeaderList;
  readonly body?: Uint8Array | string;
}

/**
 * Builds a response to a request (RFC 3261 §8.2.6.2): Via lines, From, Call-ID and CSeq copied as they
 * were (byte for byte, so this works even when their values did not parse), To with a tag added. Safe on
 * a request that failed validation, as long as it is respondable.
 */
export function buildResponse(
  request: PartialMessage,
  status: number,
  opts: ResponseOptions = {},
): SipMessage {
  const headers: Array<readonly [string, string]> = [];
  for (const f of request.fields) {
    if (f.key === 'via' || f.key === 'from' || f.key === 'call-id' || f.key === 'cseq') {
      headers.push([f.name, f.value.trim()]);
    } else if (f.key === 'to') {
      let value = f.value.trim();
      if (status > 100 && opts.toTag !== undefined && !/;\s*tag\s*=/i.test(value))
        value += `;tag=${opts.toTag}`;
      headers.push([f.name, value]);
    }
  }
  for (const extra of opts.headers ?? []) headers.push(extra);
  return createResponse(status, opts.reason ?? reasonOf(status), headers, opts.body);
}

/** The header name for a challenge / credentials, by role (RFC 3261 §22.2 registrar vs §22.3 proxy). */
export function authHeaderNames(proxy: boolean): { challenge: string; credentials: string } {
  return proxy
    ? { challenge: H.proxyAuthenticate, credentials: H.proxyAuthorization }
    : { challenge: H.wwwAuthenticate, credentials: H.authorization };
}
