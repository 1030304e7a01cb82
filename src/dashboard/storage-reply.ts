import { fromUtf8, toHex } from '../core/bytes.js';
import { type NodeId, nodeIdToHex, resourceIdToHex } from '../core/ids.js';
import { ErrorCode, HashAlgorithm } from '../reload/messages/codes.js';
import type { StatKindResponse } from '../reload/messages/stat.js';
import type {
  FetchedKind,
  FetchedValue,
  FindResult,
  StorageFailure,
  StoreResult,
} from '../reload/storage/client.js';
import type { ResourceRef } from './storage-request.js';

/**
 * The JSON answers of the storage routes (README "Storing values"). Bytes go out as `NAMEHex` always and
 * as `NAME` text too when they are printable UTF-8; 64-bit counters go out as decimal strings, since JSON
 * numbers lose precision above 2^53.
 */
type Json = Record<string, unknown>;

/** Printable UTF-8 (tabs and newlines allowed), or undefined. */
export function printable(b: Uint8Array): string | undefined {
  let s: string;
  try {
    s = fromUtf8(b);
  } catch {
    return undefined;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
  return /[\u0000-\u0008\u000b-\u001f\u007f]/.test(s) ? undefined : s;
}

export function bytesJson(name: string, b: Uint8Array): Json {
  const t = printable(b);
  return t === undefined ? { [`${name}Hex`]: toHex(b) } : { [name]: t, [`${name}Hex`]: toHex(b) };
}

export function resourceJson(r: ResourceRef): Json {
  return { resource: r.name, resourceId: resourceIdToHex(r.id) };
}

/** Failures answer 502 with the RELOAD error's name (`Error_Forbidden`, ...) and its text. */
export function failureJson(f: StorageFailure, hex: (id: NodeId) => string): Json {
  return {
    ok: false,
    errorCode: ErrorCode.describe(f.errorCode),
    error: f.reason,
    ...(f.unknownKinds === undefined ? {} : { unknownKinds: [...f.unknownKinds] }),
    ...(f.generations === undefined
      ? {}
      : {
          generations: f.generations.map((g) => ({
            kind: g.kind,
            generation: String(g.generationCounter),
            replicas: g.replicas.map(hex),
          })),
        }),
  };
}

export function storedJson(r: Extract<StoreResult, { ok: true }>, hex: (id: NodeId) => string): Json {
  const k = r.kinds[0];
  return {
    ok: true,
    generation: String(k?.generationCounter ?? 0n),
    replicas: (k?.replicas ?? []).map(hex),
  };
}

function slotJson(v: { model: string; index?: number; key?: Uint8Array }): Json {
  if (v.model === 'array') return { index: v.index };
  if (v.model === 'dictionary' && v.key !== undefined) return bytesJson('key', v.key);
  return {};
}

export function fetchedJson(k: FetchedKind | undefined, hex: (id: NodeId) => string): Json {
  return {
    ok: true,
    generation: String(k?.generation ?? 0n),
    rejected: k?.rejected ?? 0,
    values: (k?.values ?? []).map((v) => valueJson(v, hex)),
  };
}

function valueJson(v: FetchedValue, hex: (id: NodeId) => string): Json {
  const d = v.value;
  return {
    ...slotJson(d),
    exists: d.exists,
    ...(d.exists ? bytesJson('value', d.value) : {}),
    storageTime: Number(v.storageTime),
    lifetime: v.lifetime,
    signer: v.signer === undefined ? null : { nodeId: hex(v.signer.nodeId), user: v.signer.userName },
  };
}

/** RFC 6940 §7.4.3.2: per value its length, hash, storage time and lifetime; no value bytes. */
export function statJson(k: StatKindResponse | undefined): Json {
  return {
    ok: true,
    generation: String(k?.generation ?? 0n),
    values: (k === undefined || !('values' in k) ? [] : k.values).map((s) => {
      const m = s.metadata;
      return {
        ...slotJson(m),
        exists: m.exists,
        length: m.valueLength,
        hashAlgorithm: String(HashAlgorithm.describe(m.hashAlgorithm)),
        hashHex: toHex(m.hashValue),
        storageTime: Number(s.storageTime),
        lifetime: s.lifetime,
      };
    }),
  };
}

/** RFC 6940 §7.4.4.2: a closest Resource-ID of all zeros means none is stored. */
export function foundJson(r: Extract<FindResult, { ok: true }>): Json {
  return {
    ok: true,
    results: r.results.map((x) => ({
      kind: x.kind,
      closest: x.closest.every((b) => b === 0) ? null : resourceIdToHex(x.closest),
    })),
  };
}

export function nodeHex(nodeIdLength: number): (id: NodeId) => string {
  return (id) => nodeIdToHex(id, nodeIdLength);
}
