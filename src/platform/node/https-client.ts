import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { errorMessage, LocalError } from '../../core/errors.js';

/**
 * A small bounded HTTPS client for the enrolment and configuration service: one request, the whole answer
 * (at most `maxBytes`), a deadline, and the server's certificate for checks the caller makes itself.
 */
export interface HttpsRequestOptions {
  readonly method: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /**
   * How to trust the server: PEM trust anchors (the overlay's root-certs or a CA file), verified with the
   * host name as usual; or 'none' for trust on first use, where the caller checks `peerCertificate` itself.
   */
  readonly trust: readonly string[] | 'none';
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export interface HttpsResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
  /** DER of the server's certificate. */
  readonly peerCertificate: Uint8Array | undefined;
}

export function httpsRequest(url: URL, o: HttpsRequestOptions): Promise<HttpsResponse> {
  const maxBytes = o.maxBytes ?? 256 * 1024;
  return new Promise((resolve, reject) => {
    const fail = (e: unknown): void =>
      reject(e instanceof LocalError ? e : new LocalError('ERR_IO', `${url.origin}: ${errorMessage(e)}`));
    const req = request(
      url,
      {
        method: o.method,
        headers: {
          ...o.headers,
          ...(o.body === undefined ? {} : { 'Content-Length': String(o.body.length) }),
        },
        ...(o.trust === 'none'
          ? { rejectUnauthorized: false }
          : { ca: [...o.trust], rejectUnauthorized: true }),
        timeout: o.timeoutMs ?? 30_000,
        // A connection per request: reusing a kept-alive one races with the server closing it while we
        // were busy (making a key takes seconds on a loaded machine).
        agent: false,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const raw = socket.getPeerCertificate?.()?.raw;
        const chunks: Uint8Array[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) {
            req.destroy(new LocalError('ERR_LIMIT', `${url.origin}: answer larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(new Uint8Array(c));
        });
        res.on('end', () => {
          const body = new Uint8Array(size);
          let at = 0;
          for (const c of chunks) {
            body.set(c, at);
            at += c.length;
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            body,
            peerCertificate: raw === undefined ? undefined : new Uint8Array(raw),
          });
        });
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new LocalError('ERR_TIMEOUT', `${url.origin}: no answer in time`)));
    req.on('error', fail);
    req.end(o.body === undefined ? undefined : Buffer.from(o.body));
  });
}
