import { errorMessage, isLocalError } from '../core/errors.js';
import { type CliIo, type Command, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './command.js';
import { COMMANDS } from './commands.js';

const VERSION = '0.1.0';

export function helpText(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`);
  return [
    'p2psip: peer-to-peer SIP over RELOAD (RFC 6940) with CHORD-RELOAD and the SIP usage (RFC 7904).',
    '',
    'Usage: p2psip COMMAND [OPTIONS]      p2psip COMMAND --help',
    '',
    'Commands:',
    ...lines,
    '',
    'Exit codes: 0 ok, 1 runtime failure or nothing found, 2 bad usage or bad input.',
    '',
  ].join('\n');
}

/** Finds the command named by the first one or two words of `args`. */
function resolve(args: readonly string[], commands: readonly Command[]): [Command, string[]] | undefined {
  const two = `${args[0] ?? ''} ${args[1] ?? ''}`;
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo) return [byTwo, args.slice(2)];
  const byOne = commands.find((c) => c.name === args[0]);
  if (byOne) return [byOne, args.slice(1)];
  return undefined;
}

export async function main(
  args: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const first = args[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout(helpText(commands));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version' || first === '-V') {
    io.stdout(`${VERSION}\n`);
    return EXIT_OK;
  }
  const found = resolve(args, commands);
  if (found === undefined) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name);
    const hint = group.length > 0 ? ` (did you mean: ${group.join(', ')}?)` : '';
    io.stderr(`p2psip: unknown command: ${args.slice(0, 2).join(' ')}${hint}; see p2psip --help\n`);
    return EXIT_USAGE;
  }
  const [command, rest] = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.summary}\n\nUsage: ${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError || isLocalError(e, 'ERR_BAD_USAGE') || isLocalError(e, 'ERR_BAD_INPUT')) {
      io.stderr(`p2psip ${command.name}: ${oneLine(errorMessage(e))}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`p2psip ${command.name}: ${oneLine(errorMessage(e))}\n`);
    return EXIT_FAILURE;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ');
}
