import { request } from 'node:http';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';
import { CONFIG_PATH, MEDIA } from '../../enrollment/protocol.js';
import { type HttpServerHandle, jsonReply, startHttpServer } from './http-server.js';

/**
 * The small endpoint where a `p2psip start` peer serves its overlay's configuration document to the LAN,
 * at the path of RFC 6940 §11.2 (/.well-known/reload-config), over plain HTTP: the document is signed and
 * the joining node checks it against the fingerprint the peer announced (LAN discovery), so transport
 * security would add nothing the signature does not give. It serves that one document and nothing else.
 */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

export async function serveConfiguration(
  host: string,
  document: Uint8Array,
  log: Logger,
): Promise<HttpServerHandle> {
  return startHttpServer(
    host,
    0,
    (req) => {
      if (req.path !== CONFIG_PATH) return jsonReply(404, { error: 'not found' });
      if (req.method !== 'GET') return jsonReply(405, { error: 'GET only' });
      return { kind: 'body', status: 200, contentType: MEDIA.config, body: document };
    },
    { log, maxBodyBytes: 0, maxConnections: 16 },
  );
}

/** GET http://host:port/.well-known/reload-config: the bytes, unchecked (the caller verifies them). */
export function fetchConfiguration(host: string, port: number, timeoutMs = 5_000): Promise<Uint8Array> {
  const where = formatHostPort(host, port);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: CONFIG_PATH, method: 'GET', timeout: timeoutMs }, (res) => {
      const parts: Buffer[] = [];
      let n = 0;
      res.on('data', (b: Buffer) => {
        n += b.length;
        if (n > MAX_DOCUMENT_BYTES) req.destroy(new Error(`more than ${MAX_DOCUMENT_BYTES} bytes`));
        else parts.push(b);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new LocalError('ERR_REMOTE', `http://${where}${CONFIG_PATH} answered ${res.statusCode}`));
        } else resolve(new Uint8Array(Buffer.concat(parts)));
      });
      res.on('error', (e) => reject(new LocalError('ERR_IO', `${where}: ${errorMessage(e)}`)));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (e) => reject(new LocalError('ERR_IO', `${where}: ${errorMessage(e)}`)));
    req.end();
  });
}
