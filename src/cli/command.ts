import { parseArgs } from 'node:util';
import { LocalError } from '../core/errors.js';
import type { CliIo } from '../platform/node/process-io.js';

/**
 * The contract every `p2psip` command follows (DESIGN §4): exit 0 ok, 1 runtime failure or nothing found,
 * 2 bad usage or bad input with a one-line reason on stderr.
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export type { CliIo } from '../platform/node/process-io.js';

export interface Command {
  /** One or two words: `status`, `overlay create`. */
  readonly name: string;
  readonly summary: string;
  /** The usage line(s) shown by `p2psip NAME --help`. */
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage error: exit 2 with its message as the one-line reason. */
export class UsageError extends LocalError {
  constructor(message: string) {
    super('ERR_BAD_USAGE', message);
  }
}

export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }
>;

/**
 * parseArgs with our error style: an unknown option or a missing value becomes a UsageError whose
 * message is one line.
 */
export function parseOptions<const O extends OptionSpec>(
  args: readonly string[],
  options: O,
  positionals = 0,
) {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: positionals > 0 });
    if (parsed.positionals.length > positionals) {
      throw new UsageError(`unexpected argument: ${parsed.positionals[positionals]}`);
    }
    return parsed;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UsageError(message ?? 'bad arguments');
  }
}

/** A required string option, or a UsageError naming it. */
export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/**
 * A command whose module loads only when it runs, so `p2psip --help` and the small control-API commands
 * start without loading X.509, XML and the node (most of a second on a slow machine).
 */
export function lazy(
  name: string,
  summary: string,
  usage: string,
  load: () => Promise<Command['run']>,
): Command {
  return { name, summary, usage, run: async (args, io) => (await load())(args, io) };
}

/** Resolves when the user asks a long-running command to stop (Ctrl-C, SIGTERM). */
export function stopRequested(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
