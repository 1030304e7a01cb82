import { LocalError } from '../core/errors.js';
import { DEFAULT_CONTROL } from '../dashboard/control-api.js';
import { type JsonResponse, requestJson } from '../platform/node/http-client.js';
import type { HostPort } from '../reload/node/attach.js';
import { type CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from './command.js';
import { hostPortOption } from './options.js';

/**
 * What `p2psip status|ping|trace` share: `--control HOST:PORT` (default: where `p2psip peer` serves it),
 * `--json`, and the mapping of control API answers to exit codes (DESIGN §4: 1 when the peer is
 * unreachable or the overlay operation failed, 2 when the peer calls our request bad).
 */
export const CONTROL_OPTIONS = {
  control: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export function controlAddress(text: string | undefined): HostPort {
  return text === undefined ? DEFAULT_CONTROL : hostPortOption('control', text);
}

export async function callControl(
  to: HostPort,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<JsonResponse> {
  const r = await requestJson(to, method, path, body);
  // 400: the request was bad; 413: it was too large for the control API (a value above its body limit).
  if (r.status === 400 || r.status === 413)
    throw new UsageError(reasonOf(r.body) ?? 'the peer refused the request');
  if (r.status !== 200 && r.status !== 502) {
    throw new LocalError(
      'ERR_REMOTE',
      `the control API answered HTTP ${r.status}: ${reasonOf(r.body) ?? ''}`,
    );
  }
  return r;
}

export function reasonOf(body: unknown): string | undefined {
  const e = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  return typeof e === 'string' ? e : undefined;
}

/** Prints a ping/trace answer (JSON or `human`) and returns the exit code: 1 when it failed. */
export function report(io: CliIo, name: string, r: JsonResponse, json: boolean, human: () => string): number {
  if (json) io.stdout(`${JSON.stringify(r.body)}\n`);
  if (r.status !== 200) {
    io.stderr(`p2psip ${name}: ${reasonOf(r.body) ?? 'failed'}\n`);
    return EXIT_FAILURE;
  }
  if (!json) io.stdout(human());
  return EXIT_OK;
}

/** Aligned `name  value` lines. */
export function lines(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${k.padEnd(width)}${v}\n`).join('');
}
