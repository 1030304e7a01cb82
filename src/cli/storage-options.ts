import type { JsonResponse } from '../platform/node/http-client.js';
import { type CliIo, EXIT_FAILURE, UsageError } from './command.js';
import { CONTROL_OPTIONS, callControl, controlAddress, reasonOf } from './control-client.js';

/**
 * What `p2psip store|fetch|stat|find` share: naming the kind and the resource, keys and indices, and how
 * they turn into the JSON of the control API's storage routes (src/dashboard/storage-request.ts checks
 * it; a 400 there exits 2). A RELOAD failure exits 1 and prints the error's name (`Error_Forbidden`).
 */
export const RESOURCE_OPTIONS = {
  ...CONTROL_OPTIONS,
  kind: { type: 'string' },
  resource: { type: 'string' },
  'resource-hex': { type: 'string' },
} as const;

/** Fetch and Stat select values: dictionary keys, array indices or ranges, a generation (§7.4.2.1). */
export const SELECT_OPTIONS = {
  ...RESOURCE_OPTIONS,
  key: { type: 'string', multiple: true },
  'key-hex': { type: 'string', multiple: true },
  index: { type: 'string', multiple: true },
  generation: { type: 'string' },
} as const;

type Values = Readonly<Record<string, string | boolean | string[] | undefined>>;

export function kindText(values: Values): string {
  const k = values['kind'];
  if (typeof k !== 'string' || k === '')
    throw new UsageError('--kind is required (a Kind-ID or a kind name)');
  return k;
}

/** `--resource NAME` or `--resource-hex HEX`, exactly one. */
export function resourceBody(values: Values): Record<string, string> {
  const t = values['resource'];
  const h = values['resource-hex'];
  if (typeof t === 'string' && typeof h === 'string')
    throw new UsageError('give --resource or --resource-hex, not both');
  if (typeof t === 'string') return { resource: t };
  if (typeof h === 'string') return { resourceHex: h };
  throw new UsageError('--resource NAME (or --resource-hex HEX) is required');
}

function strings(v: string | boolean | string[] | undefined): string[] {
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** The selection of a Fetch or Stat, as the control API takes it. */
export function selectBody(values: Values): Record<string, unknown> {
  const keys = strings(values['key']);
  const keysHex = strings(values['key-hex']);
  const indices = strings(values['index']);
  const generation = values['generation'];
  return {
    kind: kindText(values),
    ...resourceBody(values),
    ...(keys.length === 0 ? {} : { keys }),
    ...(keysHex.length === 0 ? {} : { keysHex }),
    ...(indices.length === 0 ? {} : { indices }),
    ...(typeof generation === 'string' ? { generation } : {}),
  };
}

/** POSTs to a storage route; 400 has already become a UsageError (exit 2) in callControl. */
export async function postStorage(values: Values, path: string, body: unknown): Promise<JsonResponse> {
  const control = values['control'];
  return callControl(controlAddress(typeof control === 'string' ? control : undefined), 'POST', path, body);
}

/**
 * Prints an answer as JSON or through `human`, and returns the exit code: 1 with the RELOAD error's
 * name on a failure; otherwise what `human` returns (1 when nothing was found).
 */
export function storageReport(
  io: CliIo,
  name: string,
  r: JsonResponse,
  json: boolean,
  human: (body: Record<string, unknown>) => { out: string; code: number; err?: string },
): number {
  const body = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as Record<string, unknown>;
  if (json) io.stdout(`${JSON.stringify(body)}\n`);
  if (r.status !== 200) {
    const reason = oneLine(reasonOf(body) ?? 'failed');
    const code = typeof body['errorCode'] === 'string' ? body['errorCode'] : '';
    // The node's reason usually starts with the error's name already (`Error_Forbidden: USER-MATCH: ...`).
    const text = code === '' || reason.startsWith(code) ? reason : `${code}: ${reason}`;
    io.stderr(`p2psip ${name}: ${text}${details(body)}\n`);
    return EXIT_FAILURE;
  }
  const h = human(body);
  if (!json) io.stdout(h.out);
  if (h.err !== undefined) io.stderr(`p2psip ${name}: ${h.err}\n`);
  return h.code;
}

/** What a structured error_info says (RFC 6940 §7.4.1.2): the unknown kinds, the current counters. */
function details(body: Record<string, unknown>): string {
  const unknown = body['unknownKinds'];
  if (Array.isArray(unknown)) return `: unknown kind(s) ${unknown.join(', ')}`;
  const generations = body['generations'];
  if (Array.isArray(generations)) {
    const g = generations as Array<{ kind: number; generation: string }>;
    return `: current generation ${g.map((x) => `${x.generation} (kind ${x.kind})`).join(', ')}`;
  }
  return '';
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ');
}

/** A value or key for a human: its text when printable, else 0x and its hex. */
export function shown(o: Record<string, unknown>, name: string): string {
  const t = o[name];
  return typeof t === 'string' ? t : `0x${String(o[`${name}Hex`] ?? '')}`;
}

/** Where a value sits in its kind: `[index]`, its key, or nothing for a single value. */
export function slotOf(v: Record<string, unknown>): string {
  if (typeof v['index'] === 'number') return `[${v['index']}]`;
  if (v['keyHex'] !== undefined) return shown(v, 'key');
  return '';
}
