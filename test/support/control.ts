import { distance, fingerIndexOf, fingerStart } from '../../src/reload/topology/chord/ring.js';
import type { HostPort } from './peer-process.js';

/**
 * Reading running peers through their control API (DESIGN §4), and what the tests expect of a ring: the
 * neighbours and fingers CHORD-RELOAD (RFC 6940 §10) gives a set of live Node-IDs.
 */
export interface Status {
  readonly nodeId: string;
  readonly overlay: string;
  readonly state: string;
  readonly listen: string;
  readonly sip: string | null;
  readonly predecessors: readonly string[];
  readonly successors: readonly string[];
  readonly fingers: readonly string[];
  readonly links: number;
  readonly storedResources: number;
  readonly storedValues: number;
  readonly registrations: number;
  readonly internalErrors: number;
}

const url = (c: HostPort, path: string): string => `http://${c.host}:${c.port}${path}`;

/**
 * fetch, tried once more when the kept-alive connection was closed under it: a peer whose event loop was
 * busy (a flood) can time out an idle keep-alive socket just as the client reuses it. A peer that is
 * really gone fails the second try too.
 */
async function fetchRetrying(target: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(target, init);
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw e;
    return await fetch(target, init);
  }
}

export async function getStatus(c: HostPort): Promise<Status> {
  const r = await fetchRetrying(url(c, '/status'));
  if (!r.ok) throw new Error(`GET /status: HTTP ${r.status}`);
  return (await r.json()) as Status;
}

export async function postJson(
  c: HostPort,
  path: string,
  body: unknown,
): Promise<{ status: number; body: unknown }> {
  const r = await fetchRetrying(url(c, path), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

/** `name{label="value"} n` lines of GET /metrics as a map from the whole series name to its value. */
export async function getMetrics(c: HostPort): Promise<Map<string, number>> {
  const r = await fetchRetrying(url(c, '/metrics'));
  const out = new Map<string, number>();
  for (const line of (await r.text()).split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

export function sortedIds(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => (BigInt(`0x${a}`) < BigInt(`0x${b}`) ? -1 : 1));
}

/** Every way the peers' first successor and predecessor differ from the sorted live Node-IDs. */
export function ringProblems(statuses: readonly Status[]): string[] {
  const ids = sortedIds(statuses.map((s) => s.nodeId));
  const problems: string[] = [];
  for (const s of statuses) {
    const i = ids.indexOf(s.nodeId);
    const succ = ids[(i + 1) % ids.length];
    const pred = ids[(i + ids.length - 1) % ids.length];
    if (s.state !== 'joined') problems.push(`${s.nodeId} is ${s.state}`);
    if (s.successors[0] !== succ) problems.push(`${s.nodeId}: successor ${s.successors[0]}, want ${succ}`);
    if (s.predecessors[0] !== pred)
      problems.push(`${s.nodeId}: predecessor ${s.predecessors[0]}, want ${pred}`);
  }
  return problems;
}

/**
 * RFC 6940 §10.3: finger i of n points at the first peer at or after n + 2^(128−i). For every interval
 * [n + 2^(128−i), n + 2^(129−i)) (i ≤ `fingerCount`) that holds a live peer, that first peer must be among
 * n's fingers; and no finger may be a peer that is gone.
 */
export function fingerProblems(statuses: readonly Status[], fingerCount = 16): string[] {
  const live = statuses.map((s) => BigInt(`0x${s.nodeId}`));
  const problems: string[] = [];
  for (const s of statuses) {
    const n = BigInt(`0x${s.nodeId}`);
    const fingers = new Set(s.fingers.map((f) => BigInt(`0x${f}`)));
    for (const f of fingers)
      if (!live.includes(f)) problems.push(`${s.nodeId}: finger ${f.toString(16)} is gone`);
    for (let i = 1; i <= fingerCount; i++) {
      const start = fingerStart(n, i);
      const inInterval = live.filter((x) => x !== n && fingerIndexOf(n, x) === i);
      if (inInterval.length === 0) continue;
      const first = inInterval.reduce((a, b) => (distance(start, a) <= distance(start, b) ? a : b));
      if (!fingers.has(first)) problems.push(`${s.nodeId}: finger ${i} should be ${first.toString(16)}`);
    }
  }
  return problems;
}

/** RFC 6940 §10.1: the peer responsible for a Resource-ID is the first live Node-ID at or after it. */
export function responsibleFor(resourceIdHex: string, ids: readonly string[]): string {
  const k = BigInt(`0x${resourceIdHex}`);
  const sorted = sortedIds(ids);
  return sorted.find((id) => BigInt(`0x${id}`) >= k) ?? (sorted[0] as string);
}
