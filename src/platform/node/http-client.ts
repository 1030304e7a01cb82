import { request } from 'node:http';
import { second } from '../../core/clock.js';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';

/**
 * The client side of the control API, for `p2psip status|ping|trace`: one JSON request, one JSON answer.
 * A peer that cannot be reached is ERR_NOT_CONNECTED with the socket's reason.
 */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

const MAX_RESPONSE = 4 * 1024 * 1024;

export function requestJson(
  to: { readonly host: string; readonly port: number },
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 120 * second,
): Promise<JsonResponse> {
  const where = formatHostPort(to.host, to.port);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: to.host,
        port: to.port,
        method,
        path,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const parts: Buffer[] = [];
        let n = 0;
        res.on('data', (b: Buffer) => {
          n += b.length;
          if (n > MAX_RESPONSE) req.destroy(new Error(`answer above ${MAX_RESPONSE} bytes`));
          else parts.push(b);
        });
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new LocalError('ERR_REMOTE', `${where} did not answer JSON (HTTP ${res.statusCode})`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      reject(
        new LocalError(
          'ERR_NOT_CONNECTED',
          `cannot reach the peer's control API at ${where}: ${errorMessage(e)}`,
          {
            cause: e,
          },
        ),
      );
    });
    req.end(payload);
  });
}
