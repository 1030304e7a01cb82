import { type CliIo, EXIT_FAILURE, EXIT_OK, parseOptions } from './command.js';
import { postStorage, SELECT_OPTIONS, selectBody, shown, slotOf, storageReport } from './storage-options.js';

/**
 * `p2psip fetch`: the values of one kind at a resource (RFC 6940 §7.4.2), all of them or those named by
 * `--key`/`--index`, each verified by the peer (§7.4.2.2) before it is shown. Values that exist print one
 * per line; exit 1 when none does.
 */
type Value = Record<string, unknown>;

function line(v: Value): string {
  const signer = v['signer'] as { user?: string } | null;
  const slot = slotOf(v);
  const by = signer === null ? 'unsigned' : `signed by ${signer.user ?? '?'}`;
  return `${slot === '' ? '' : `${slot}  `}${shown(v, 'value')}  (${by}, ${v['lifetime']} s left)\n`;
}

export async function runFetch(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, SELECT_OPTIONS);
  const r = await postStorage(values, '/fetch', selectBody(values));
  return storageReport(io, 'fetch', r, values.json === true, (b) => {
    const all = (Array.isArray(b['values']) ? b['values'] : []) as Value[];
    const present = all.filter((v) => v['exists'] === true);
    const rejected = Number(b['rejected'] ?? 0);
    const warn = rejected > 0 ? `${rejected} value(s) failed verification and were dropped` : undefined;
    if (present.length === 0) {
      const err = `nothing stored for kind ${b['kind']} at ${b['resource']}${warn === undefined ? '' : `; ${warn}`}`;
      return { out: '', code: EXIT_FAILURE, err };
    }
    return { out: present.map(line).join(''), code: EXIT_OK, ...(warn === undefined ? {} : { err: warn }) };
  });
}
