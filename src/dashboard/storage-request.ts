import { tryFromHex, utf8 } from '../core/bytes.js';
import { LocalError } from '../core/errors.js';
import { type KindId, parseKindId, type ResourceId } from '../core/ids.js';
import { chordResourceId } from '../reload/config/hashes.js';
import type { KindDefinition } from '../reload/config/overlay-config.js';
import { registeredKindByName } from '../reload/messages/data-model.js';
import type { ArrayRange } from '../reload/messages/fetch.js';
import { ARRAY_APPEND_INDEX } from '../reload/messages/stored-data.js';
import type { KindSelector, ValueInput } from '../reload/storage/client.js';

/**
 * The JSON bodies of POST /store, /fetch, /stat and /find (README "Storing values"), checked against the
 * kinds of the peer's configuration and turned into typed commands. Anything wrong throws
 * ERR_BAD_INPUT with a one-line reason, which the route answers as a 400.
 *
 * A resource is `resource` (a name in UTF-8) or `resourceHex` (the name's bytes, e.g. a Node-ID for
 * NODE-MATCH kinds or Node-ID ‖ i for NODE-MULTIPLE, RFC 6940 §7.3); either way the Resource-ID is the
 * CHORD-RELOAD hash of the name (§10.2). Keys and values likewise come as text or as hex.
 */
export interface ResourceRef {
  /** The name as the caller wrote it (text, or hex for resourceHex). */
  readonly name: string;
  readonly id: ResourceId;
}

export interface StoreCommand {
  readonly kind: KindDefinition;
  readonly resource: ResourceRef;
  readonly value: ValueInput;
  /** Seconds (RFC 6940 §7: the lifetime of the stored value). */
  readonly lifetime: number;
  readonly generation?: bigint;
}

export interface SelectCommand {
  readonly kind: KindDefinition;
  readonly resource: ResourceRef;
  readonly selector: KindSelector;
}

export interface FindCommand {
  readonly kinds: readonly KindDefinition[];
  readonly resource: ResourceRef;
}

/** A stored value lives an hour unless the caller says otherwise (a SIP registration's default, too). */
export const DEFAULT_LIFETIME = 3600;
const MAX_NAME = 1024;
const U32_MAX = 0xffff_ffff;
const U64_MAX = 2n ** 64n - 1n;

type Body = Readonly<Record<string, unknown>>;

function bad(reason: string): never {
  throw new LocalError('ERR_BAD_INPUT', reason);
}

/** The request body as a JSON object. */
export function jsonObject(bytes: Uint8Array): Body {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    bad(`the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('the body must be a JSON object');
  return v as Body;
}

/**
 * A kind as a number (decimal or 0x-hex, in a string or not) or a registered name (SIP-REGISTRATION,
 * TURN-SERVICE, CERTIFICATE_BY_NODE, ...); it must be one of the kinds this peer's configuration defines
 * (RFC 6940 §11.1), since the value's data model comes from there.
 */
export function kindOf(v: unknown, kinds: readonly KindDefinition[], field = 'kind'): KindDefinition {
  let id: KindId | undefined;
  if (typeof v === 'number' || (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim()))) {
    try {
      id = parseKindId(String(v));
    } catch {
      bad(`${field}: not a Kind-ID (a uint32): ${JSON.stringify(v)}`);
    }
  } else if (typeof v === 'string') {
    const reg = registeredKindByName(v.trim().toUpperCase());
    if (reg === undefined)
      bad(`${field}: ${JSON.stringify(v)} is neither a number nor a registered kind name`);
    id = reg.id as KindId;
  } else {
    bad(`${field}: want a Kind-ID or a kind name`);
  }
  const def = kinds.find((k) => k.id === id);
  if (def === undefined) bad(`kind ${id} is not in this peer's overlay configuration`);
  return def;
}

function text(body: Body, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') bad(`${name}: want a string`);
  return v;
}

function hexBytes(name: string, v: string): Uint8Array {
  const b = tryFromHex(v);
  if (b === undefined) bad(`${name}: not hex: ${JSON.stringify(v.slice(0, 40))}`);
  return b;
}

/** `NAME` (text) or `NAMEHex` (hex): at most one of the two. */
function bytesField(body: Body, name: string): Uint8Array | undefined {
  const t = text(body, name);
  const h = text(body, `${name}Hex`);
  if (t !== undefined && h !== undefined) bad(`give ${name} or ${name}Hex, not both`);
  return t !== undefined ? utf8(t) : h !== undefined ? hexBytes(`${name}Hex`, h) : undefined;
}

export function resourceOf(body: Body): ResourceRef {
  const t = text(body, 'resource');
  const h = text(body, 'resourceHex');
  if ((t === undefined) === (h === undefined)) bad('give resource (a name) or resourceHex (its bytes)');
  const name = t ?? h ?? '';
  if (name.length === 0) bad('the resource name is empty');
  if (name.length > MAX_NAME) bad(`a resource name is at most ${MAX_NAME} characters`);
  return { name, id: chordResourceId(t !== undefined ? utf8(t) : hexBytes('resourceHex', name)) };
}

function integer(body: Body, name: string, min: number, max: number): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    bad(`${name}: want an integer from ${min} to ${max}`);
  return v;
}

function generationOf(body: Body): bigint | undefined {
  const v = body['generation'];
  if (v === undefined) return undefined;
  const t = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+$/.test(t) || BigInt(t) > U64_MAX)
    bad('generation: want a uint64 (a number or a decimal string)');
  return BigInt(t);
}

/** RFC 6940 §7.4.1.1: one value of `kind` in the shape its data model asks for. */
export function storeCommand(body: Body, kinds: readonly KindDefinition[]): StoreCommand {
  const kind = kindOf(body['kind'], kinds);
  const resource = resourceOf(body);
  const del = body['delete'];
  if (del !== undefined && typeof del !== 'boolean') bad('delete: want true or false');
  const raw = bytesField(body, 'value');
  if (del === true && raw !== undefined) bad('a deletion carries no value');
  if (del !== true && raw === undefined) bad('give value (text) or valueHex, or delete: true');
  const key = bytesField(body, 'key');
  // RFC 6940 §7.4.1.1: 0xffffffff is the append index, which is what leaving `index` out means.
  const index = integer(body, 'index', 0, ARRAY_APPEND_INDEX - 1);
  checkShape(kind, key !== undefined, index !== undefined, 'index');
  const value: ValueInput = {
    value: raw ?? new Uint8Array(0),
    exists: del !== true,
    ...(key === undefined ? {} : { key }),
    ...(index === undefined ? {} : { index }),
  };
  const lifetime = integer(body, 'lifetime', 1, U32_MAX) ?? DEFAULT_LIFETIME;
  const generation = generationOf(body);
  return { kind, resource, value, lifetime, ...(generation === undefined ? {} : { generation }) };
}

/** A key belongs to dictionaries (and a store into one needs it); an index or range to arrays (§7.2). */
function checkShape(kind: KindDefinition, hasKey: boolean, hasIndex: boolean, indexWord: string): void {
  const name = `kind ${kind.id} (${kind.dataModel})`;
  if (hasKey && kind.dataModel !== 'dictionary') bad(`${name} takes no key`);
  if (hasIndex && kind.dataModel !== 'array') bad(`${name} takes no ${indexWord}`);
  if (!hasKey && kind.dataModel === 'dictionary' && indexWord === 'index')
    bad(`${name} needs a key (key or keyHex)`);
}

/** RFC 6940 §7.4.2.1 / §7.4.3.1: what to fetch or stat of one kind; no keys or indices means all. */
export function selectCommand(body: Body, kinds: readonly KindDefinition[]): SelectCommand {
  const kind = kindOf(body['kind'], kinds);
  const resource = resourceOf(body);
  const keys = [
    ...list(body, 'keys').map((k) => utf8(k)),
    ...list(body, 'keysHex').map((k) => hexBytes('keysHex', k)),
  ];
  const indices = list(body, 'indices').map(rangeOf);
  checkShape(kind, keys.length > 0, indices.length > 0, 'indices');
  const generation = generationOf(body);
  const selector: KindSelector = {
    kind: kind.id,
    ...(keys.length === 0 ? {} : { keys }),
    ...(indices.length === 0 ? {} : { indices }),
    ...(generation === undefined ? {} : { generation }),
  };
  return { kind, resource, selector };
}

function list(body: Body, name: string): string[] {
  const v = body[name];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' && typeof x !== 'number'))
    bad(`${name}: want a list of strings`);
  return v.map(String);
}

/** `N` or `FIRST-LAST` (inclusive, RFC 6940 §7.4.2.1 ArrayRange). */
function rangeOf(t: string): ArrayRange {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(t);
  const first = Number(m?.[1]);
  const last = m?.[2] === undefined ? first : Number(m[2]);
  if (m === null || first > U32_MAX || last > U32_MAX || first > last)
    bad(`indices: want N or FIRST-LAST with FIRST <= LAST, got ${JSON.stringify(t)}`);
  return { first, last };
}

/** RFC 6940 §7.4.4.1: one or more kinds, each once, and the resource to search from. */
export function findCommand(body: Body, known: readonly KindDefinition[]): FindCommand {
  const raw = body['kinds'] ?? (body['kind'] === undefined ? undefined : [body['kind']]);
  if (!Array.isArray(raw) || raw.length === 0) bad('give kind, or kinds (a list)');
  const kinds = raw.map((k: unknown) => kindOf(k, known, 'kinds'));
  if (new Set(kinds.map((k) => k.id)).size !== kinds.length) bad('kinds: a kind appears twice');
  if (kinds.length > 0xff) bad('kinds: at most 255');
  return { kinds, resource: resourceOf(body) };
}
