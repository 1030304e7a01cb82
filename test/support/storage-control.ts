import { createHash } from 'node:crypto';
import { postJson, sortedIds } from './control.js';
import type { HostPort, PeerProcess } from './peer-process.js';

/**
 * Storage through running peers' control APIs (POST /store, /fetch, GET /stored) and what CHORD-RELOAD
 * (RFC 6940 §10.4) says about where values live: the responsible peer and the next `replicas` peers.
 */
export interface StoredValue {
  readonly kind: string;
  /** The resource name's bytes in hex (the CLI's --resource-hex). */
  readonly resourceHex: string;
  readonly resourceId: string;
  readonly value: string;
}

export interface Held {
  readonly resourceId: string;
  readonly responsible: boolean;
  readonly kinds: ReadonlyArray<{ readonly kind: number; readonly values: number }>;
}

/** The CHORD-RELOAD Resource-ID of a name given in hex: SHA-1, first 128 bits (RFC 6940 §10.2). */
export function resourceIdOfHex(nameHex: string): string {
  return createHash('sha1').update(Buffer.from(nameHex, 'hex')).digest('hex').slice(0, 32);
}

/** NODE-MULTIPLE's resource names Node-ID ‖ i, i in one byte (src/reload/storage/access.ts). */
export function nodeMultipleName(nodeIdHex: string, i: number): string {
  return `${nodeIdHex}${i.toString(16).padStart(2, '0')}`;
}

/** The responsible peer and the next `replicas` peers clockwise among `ids`. */
export function expectedHolders(resourceId: string, ids: readonly string[], replicas = 2): string[] {
  const sorted = sortedIds(ids);
  const k = BigInt(`0x${resourceId}`);
  let i = sorted.findIndex((id) => BigInt(`0x${id}`) >= k);
  if (i < 0) i = 0;
  const n = Math.min(replicas + 1, sorted.length);
  return Array.from({ length: n }, (_, j) => sorted[(i + j) % sorted.length] as string);
}

export async function held(c: HostPort): Promise<Held[]> {
  const r = await fetch(`http://${c.host}:${c.port}/stored`);
  if (!r.ok) throw new Error(`GET /stored: HTTP ${r.status}`);
  return ((await r.json()) as { resources: Held[] }).resources;
}

/**
 * Every way the peers' holdings differ from the responsible peer plus `replicas` successors per value,
 * each holding exactly one value of it.
 */
export async function placementProblems(
  live: readonly PeerProcess[],
  values: readonly StoredValue[],
  replicas = 2,
): Promise<string[]> {
  const ids = live.map((p) => p.nodeId);
  const holdings = await Promise.all(live.map((p) => held(p.control)));
  const problems: string[] = [];
  for (const v of values) {
    const want = expectedHolders(v.resourceId, ids, replicas);
    const have = live
      .filter((_, i) => holdings[i]?.some((h) => h.resourceId === v.resourceId))
      .map((p) => p.nodeId);
    const missing = want.filter((id) => !have.includes(id));
    const extra = have.filter((id) => !want.includes(id));
    if (missing.length > 0 || extra.length > 0)
      problems.push(
        `${v.resourceId}: missing on ${missing.join(',') || '-'}, extra on ${extra.join(',') || '-'}`,
      );
    const owner = live.findIndex((p) => p.nodeId === want[0]);
    const mine = holdings[owner]?.find((h) => h.resourceId === v.resourceId);
    if (mine !== undefined && !mine.responsible)
      problems.push(`${v.resourceId}: ${want[0]} is not responsible`);
  }
  return problems;
}

/** Every value that `from` cannot fetch as stored. */
export async function fetchProblems(from: PeerProcess, values: readonly StoredValue[]): Promise<string[]> {
  const answers = await Promise.all(
    values.map((v) => postJson(from.control, '/fetch', { kind: v.kind, resourceHex: v.resourceHex })),
  );
  return answers.flatMap((a, i) => {
    const v = values[i] as StoredValue;
    const got = (a.body as { values?: Array<{ value?: string; exists: boolean }> }).values ?? [];
    const texts = got.filter((x) => x.exists).map((x) => x.value);
    if (a.status === 200 && texts.length === 1 && texts[0] === v.value) return [];
    return [
      `${from.nodeId} fetching ${v.resourceId}: HTTP ${a.status} ${JSON.stringify(a.body).slice(0, 200)}`,
    ];
  });
}
