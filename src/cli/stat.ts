import { type CliIo, EXIT_FAILURE, EXIT_OK, parseOptions } from './command.js';
import { postStorage, SELECT_OPTIONS, selectBody, slotOf, storageReport } from './storage-options.js';

/**
 * `p2psip stat`: what a Fetch with the same selection would return, without the values (RFC 6940
 * §7.4.3): per value its length, hash, storage time and remaining lifetime, and the kind's generation
 * counter. Exit 1 when no value exists.
 */
type Meta = Record<string, unknown>;

function line(m: Meta): string {
  const slot = slotOf(m);
  const stored = new Date(Number(m['storageTime'])).toISOString();
  const hash = `${m['hashAlgorithm']} ${m['hashHex']}`;
  return `${slot === '' ? '' : `${slot}  `}${m['length']} bytes  ${hash}  stored ${stored}, ${m['lifetime']} s left\n`;
}

export async function runStat(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, SELECT_OPTIONS);
  const r = await postStorage(values, '/stat', selectBody(values));
  return storageReport(io, 'stat', r, values.json === true, (b) => {
    const present = ((Array.isArray(b['values']) ? b['values'] : []) as Meta[]).filter(
      (m) => m['exists'] === true,
    );
    if (present.length === 0)
      return { out: '', code: EXIT_FAILURE, err: `nothing stored for kind ${b['kind']} at ${b['resource']}` };
    return { out: `generation ${b['generation']}\n${present.map(line).join('')}`, code: EXIT_OK };
  });
}
