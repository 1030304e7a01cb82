/**
 * The service's view of HTTP: a whole request in (platform/node has already bounded its size and time),
 * a whole response out.
 */
export interface HttpRequest {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  readonly contentType: string | undefined;
  readonly accept: string | undefined;
  readonly body: Uint8Array;
  /** host:port of the client, for logs. */
  readonly remote: string;
  /** Milliseconds since the epoch. */
  readonly now: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array | string;
  readonly headers?: Readonly<Record<string, string>>;
}
