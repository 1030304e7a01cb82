import { type CliIo, EXIT_OK, parseOptions, UsageError } from './command.js';
import { kindText, postStorage, RESOURCE_OPTIONS, resourceBody, storageReport } from './storage-options.js';

/**
 * `p2psip store`: one value Stored through the running peer (RFC 6940 §7.4.1), signed by the peer's
 * identity, so the kind's access policy (§7.3) must let that identity write the resource: USER-MATCH at
 * the peer's user name, NODE-MATCH at its Node-ID (`--resource-hex`), NODE-MULTIPLE at Node-ID ‖ i.
 * `--delete` stores the signed exists=false marker that deletes (§7.4.1.3).
 */
const OPTIONS = {
  ...RESOURCE_OPTIONS,
  value: { type: 'string' },
  'value-hex': { type: 'string' },
  delete: { type: 'boolean' },
  key: { type: 'string' },
  'key-hex': { type: 'string' },
  index: { type: 'string' },
  lifetime: { type: 'string' },
  generation: { type: 'string' },
} as const;

function integerOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} ${JSON.stringify(text)}: want a whole number`);
  return Number(text);
}

export async function runStore(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseOptions(args, OPTIONS);
  const given = [values.value, values['value-hex'], values.delete].filter((v) => v !== undefined);
  if (given.length !== 1) throw new UsageError('give one of --value TEXT, --value-hex HEX or --delete');
  const index = integerOption('index', values.index);
  const lifetime = integerOption('lifetime', values.lifetime);
  const body = {
    kind: kindText(values),
    ...resourceBody(values),
    ...(values.value === undefined ? {} : { value: values.value }),
    ...(values['value-hex'] === undefined ? {} : { valueHex: values['value-hex'] }),
    ...(values.delete === true ? { delete: true } : {}),
    ...(values.key === undefined ? {} : { key: values.key }),
    ...(values['key-hex'] === undefined ? {} : { keyHex: values['key-hex'] }),
    ...(index === undefined ? {} : { index }),
    ...(lifetime === undefined ? {} : { lifetime }),
    ...(values.generation === undefined ? {} : { generation: values.generation }),
  };
  const r = await postStorage(values, '/store', body);
  return storageReport(io, 'store', r, values.json === true, (b) => {
    const replicas = Array.isArray(b['replicas']) ? b['replicas'].join(' ') : '';
    return {
      out: `stored kind ${b['kind']} at ${b['resourceId']}: generation ${b['generation']}, replicas ${replicas || '-'}\n`,
      code: EXIT_OK,
    };
  });
}
