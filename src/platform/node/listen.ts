import type { Server } from 'node:net';
import { errorMessage, LocalError } from '../../core/errors.js';
import { formatHostPort } from '../../core/ip.js';
import type { Logger } from '../../core/logger.js';

/**
 * Binds a server (TLS links, the control API). A failure to bind (address in use, not ours) is the
 * command's runtime failure: ERR_IO with one line. Later server errors are logged, never thrown.
 */
export function listenOn(
  server: Server,
  host: string,
  port: number,
  log: Logger,
): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      const where = formatHostPort(host, port);
      reject(new LocalError('ERR_IO', `cannot listen on ${where}: ${errorMessage(e)}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      server.on('error', (e) => log.error({ err: e }, 'server error'));
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port });
    });
  });
}

/** Whether a bind failed only because the address is taken (so the next port may do). */
export function isAddressInUse(e: unknown): boolean {
  return (e as { cause?: { code?: unknown } } | undefined)?.cause?.code === 'EADDRINUSE';
}
