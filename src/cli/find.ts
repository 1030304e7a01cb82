import { type CliIo, EXIT_FAILURE, EXIT_OK, parseOptions, UsageError } from './command.js';
import { postStorage, RESOURCE_OPTIONS, resourceBody, storageReport } from './storage-options.js';

/**
 * `p2psip find`: for each `--kind`, the Resource-ID closest at or after the resource's that the peer
 * responsible for it stores values of (RFC 6940 §7.4.4): a way to discover what is stored nearby. Exit 1
 * when no kind has one.
 */
const OPTIONS = { ...RESOURCE_OPTIONS, kind: { type: 'string', multiple: true } } as const;

interface Found {
  kind: number;
  closest: string | null;
}

export async function runFind(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  const kinds = values.kind ?? [];
  if (kinds.length === 0) throw new UsageError('--kind is required (one or more Kind-IDs or kind names)');
  const r = await postStorage(values, '/find', { kinds, ...resourceBody(values) });
  return storageReport(io, 'find', r, values.json === true, (b) => {
    const results = (Array.isArray(b['results']) ? b['results'] : []) as Found[];
    const out = results.map((x) => `kind ${x.kind}  ${x.closest ?? 'none'}\n`).join('');
    const any = results.some((x) => x.closest !== null);
    return any ? { out, code: EXIT_OK } : { out, code: EXIT_FAILURE, err: 'no stored resource found' };
  });
}
