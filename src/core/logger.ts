/**
 * The logging interface the cores use. It is the subset of pino's API we rely on, so platform/node
 * hands in a pino logger unchanged; tests and the simulator hand in `nullLogger` or a MemoryLogger.
 * Log structured fields first, then a short constant message: `log.info({ peer }, 'link up')`.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const ignore: LogFn = () => {
  // a null logger drops everything
};

export const nullLogger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => nullLogger,
};

export interface LogRecord {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** Keeps records in memory, for tests that check what was logged. */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[];
  readonly #bindings: Record<string, unknown>;

  constructor(records: LogRecord[] = [], bindings: Record<string, unknown> = {}) {
    this.records = records;
    this.#bindings = bindings;
  }

  #log(level: LogLevel): LogFn {
    return ((a: object | string, b?: string) => {
      const fields = typeof a === 'string' ? {} : (a as Record<string, unknown>);
      const message = typeof a === 'string' ? a : (b ?? '');
      this.records.push({ level, message, fields: { ...this.#bindings, ...fields } });
    }) as LogFn;
  }

  trace = this.#log('trace');
  debug = this.#log('debug');
  info = this.#log('info');
  warn = this.#log('warn');
  error = this.#log('error');

  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.records, { ...this.#bindings, ...bindings });
  }
}
