import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:https';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';
import type { HttpResponse } from '../../enrollment/http.js';
import { MEDIA } from '../../enrollment/protocol.js';

/** The plain HTTP plumbing of the enrolment server: listening, bounded bodies, request targets, replies. */

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) =>
      reject(new LocalError('ERR_IO', `cannot listen on ${formatHostPort(host, port)}: ${errorMessage(e)}`)),
    );
    server.listen(port, host, () => resolve());
  });
}

export function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? '/', 'https://enrollment.invalid').pathname;
  } catch {
    return undefined;
  }
}

/**
 * The request body, at most `max` bytes. Above that (by Content-Length, or while streaming) the answer is
 * 413 and the connection closes: what was sent so far is dropped chunk by chunk, never accumulated.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  max: number,
): Promise<Uint8Array | undefined> {
  const tooLarge = (): undefined => {
    res.setHeader('Connection', 'close');
    reply(res, { status: 413, contentType: MEDIA.text, body: `request body larger than ${max} bytes\n` });
    res.on('finish', () => req.socket.destroy());
    return undefined;
  };
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > max) return Promise.resolve(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size < 0) return;
      size += chunk.length;
      if (size > max) {
        size = -1;
        chunks.length = 0;
        resolve(tooLarge());
        return;
      }
      chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    });
    req.on('end', () => {
      if (size < 0) return;
      const out = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      resolve(out);
    });
    req.on('error', reject);
  });
}

export function reply(res: ServerResponse, r: HttpResponse): void {
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : Buffer.from(r.body);
  res.writeHead(r.status, {
    'Content-Type': r.contentType,
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    ...r.headers,
  });
  res.end(body);
}
