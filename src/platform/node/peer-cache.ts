import { readFile } from 'node:fs/promises';
import { ipFamily } from '../../core/ip.js';
import type { HostPort } from '../../reload/node/attach.js';
import { ioError, writeAtomically } from './identity-files.js';

/**
 * The cached peers of a node (RFC 6940 §11.4 lets a node remember peers it knew; thesis §3.3.2 "cached
 * peers"): the last ≤ 10 peers it had links to, with where they accept links, in DATA/peers.json. A
 * restarted node tries them first, so it finds its overlay again with no multicast and no server. The file
 * names the overlay's fingerprint: a cache of another overlay (after `--create`) is ignored.
 */
export const PEER_CACHE_FILE = 'peers.json';
export const PEER_CACHE_SIZE = 10;

export interface CachedPeer {
  readonly nodeId: string;
  readonly address: string;
  readonly port: number;
  /** Milliseconds since the epoch when this node last had a link to it. */
  readonly lastLinked: number;
}

interface CacheFile {
  readonly version: 1;
  readonly overlay: string;
  readonly fingerprint: string;
  readonly peers: readonly CachedPeer[];
}

function isCachedPeer(v: unknown): v is CachedPeer {
  const p = v as Record<string, unknown>;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.nodeId === 'string' &&
    /^[0-9a-f]{1,64}$/.test(p.nodeId) &&
    typeof p.address === 'string' &&
    ipFamily(p.address) !== undefined &&
    typeof p.port === 'number' &&
    Number.isInteger(p.port) &&
    p.port >= 1 &&
    p.port <= 65535 &&
    typeof p.lastLinked === 'number' &&
    Number.isFinite(p.lastLinked)
  );
}

/**
 * The cached peers of this overlay, newest first. A missing file is an empty cache; so is a damaged one or
 * one of another overlay (the caller logs `problem`): a cache only ever speeds a start up.
 */
export async function readPeerCache(
  path: string,
  overlay: { readonly name: string; readonly fingerprint: string },
): Promise<{ peers: CachedPeer[]; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ENOENT') return { peers: [] };
    return { peers: [], problem: ioError('read', path, e).message };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { peers: [], problem: `${path} is not JSON` };
  }
  const f = json as Partial<CacheFile>;
  if (f.version !== 1 || !Array.isArray(f.peers))
    return { peers: [], problem: `${path} is not a peer cache` };
  if (f.overlay !== overlay.name || f.fingerprint !== overlay.fingerprint) {
    return { peers: [], problem: `${path} is for another overlay (${String(f.overlay)})` };
  }
  return { peers: mergePeerCache(f.peers.filter(isCachedPeer), [], 0) };
}

/**
 * The new cache: peers linked now (stamped `now`) before those remembered, one entry per Node-ID and per
 * address (the newest wins), at most PEER_CACHE_SIZE.
 */
export function mergePeerCache(
  previous: readonly CachedPeer[],
  linkedNow: readonly { readonly nodeId: string; readonly address: HostPort }[],
  now: number,
): CachedPeer[] {
  const fresh: CachedPeer[] = linkedNow.map((l) => ({
    nodeId: l.nodeId,
    address: l.address.host,
    port: l.address.port,
    lastLinked: now,
  }));
  const all = [...fresh, ...previous].sort((a, b) => b.lastLinked - a.lastLinked);
  const ids = new Set<string>();
  const places = new Set<string>();
  const out: CachedPeer[] = [];
  for (const p of all) {
    const place = `${p.address}|${p.port}`;
    if (ids.has(p.nodeId) || places.has(place)) continue;
    ids.add(p.nodeId);
    places.add(place);
    out.push(p);
    if (out.length === PEER_CACHE_SIZE) break;
  }
  return out;
}

export async function writePeerCache(
  path: string,
  overlay: { readonly name: string; readonly fingerprint: string },
  peers: readonly CachedPeer[],
): Promise<void> {
  const file: CacheFile = { version: 1, overlay: overlay.name, fingerprint: overlay.fingerprint, peers };
  await writeAtomically(path, `${JSON.stringify(file, null, 2)}\n`, 0o644);
}
