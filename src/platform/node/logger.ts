import { pino } from 'pino';
import { LOG_LEVELS, type Logger, type LogLevel } from '../../core/logger.js';

/**
 * The process logger: pino, one JSON object per line on stdout (DESIGN §5: a library before hand-writing).
 * Writes are synchronous so the last records before an exit or a crash are never lost; a peer logs
 * events (links, joins, failures), not messages, so the cost does not matter.
 */
export interface LoggerOptions {
  readonly level: LogLevel;
  /** Fields on every record (e.g. the Node-ID once known). */
  readonly base?: Record<string, unknown>;
  /** A file descriptor; default 1 (stdout). */
  readonly fd?: number;
}

export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: options.fd ?? 1, sync: true }),
  );
}
