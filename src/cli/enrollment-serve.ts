import { parseHostPort } from '../core/ip.js';
import { defaultUsersPath } from '../platform/node/enrollment-files.js';
import { startEnrollmentServer } from '../platform/node/enrollment-server.js';
import { createLogger, isLogLevel } from '../platform/node/logger.js';
import { type CliIo, type Command, EXIT_OK, parseOptions, required, UsageError } from './command.js';

/**
 * `p2psip enrollment serve`: the overlay's configuration, enrolment and bootstrap HTTPS service (RFC 6940
 * §11.2, §11.3) until SIGINT/SIGTERM. Logs are JSON lines on stdout; SIGHUP re-reads overlay.xml.
 */
const USAGE =
  'p2psip enrollment serve --overlay DIR --listen HOST:PORT [--users FILE] [--request-timeout SECONDS] [--log-level L]';

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, {
    overlay: { type: 'string' },
    listen: { type: 'string' },
    users: { type: 'string' },
    'request-timeout': { type: 'string' },
    'log-level': { type: 'string' },
  } as const);
  const dir = required(values, 'overlay');
  const listenText = required(values, 'listen');
  const listen = parseHostPort(listenText);
  if (listen === undefined) throw new UsageError(`--listen ${JSON.stringify(listenText)}: want IP:PORT`);
  const timeoutText = values['request-timeout'];
  const timeout = timeoutText === undefined ? 30 : Number(timeoutText);
  if (!Number.isFinite(timeout) || timeout < 1 || timeout > 600) {
    throw new UsageError('--request-timeout: want a number of seconds from 1 to 600');
  }
  const level = values['log-level'] ?? 'info';
  if (!isLogLevel(level))
    throw new UsageError(`--log-level ${JSON.stringify(level)}: want trace, debug, info, warn or error`);
  const log = createLogger({ level, base: { service: 'enrollment' } });
  const server = await startEnrollmentServer({
    overlayDir: dir,
    host: listen.host,
    port: listen.port,
    usersPath: values.users ?? defaultUsersPath(dir),
    log,
    requestTimeoutMs: timeout * 1000,
  });
  await new Promise<void>((resolve) => {
    if (io.stopSignal.aborted) resolve();
    else io.stopSignal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  log.info('enrolment service stopped');
  return EXIT_OK;
}

export const enrollmentServe: Command = {
  name: 'enrollment serve',
  summary: 'serve the configuration, enrolment and bootstrap HTTPS service',
  usage: USAGE,
  run,
};
