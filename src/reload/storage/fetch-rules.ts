import { compareBytes, toHex } from '../../core/bytes.js';
import type { KindId } from '../../core/ids.js';
import type { KindDefinition } from '../config/overlay-config.js';
import { ErrorCode } from '../messages/codes.js';
import type { DataModel } from '../messages/data-model.js';
import { type ErrorResponse, textError } from '../messages/error.js';
import type { ArrayRange, StoredDataSpecifier } from '../messages/fetch.js';
import type { StoredData } from '../messages/stored-data.js';
import { ARRAY_APPEND_INDEX } from '../messages/stored-data.js';
import type { KindEntry } from './resource-store.js';
import { type StoredValue, syntheticValue, withRemainingLifetime } from './values.js';

/**
 * Which values a StoredDataSpecifier selects (RFC 6940 §7.4.2.1), for Fetch and Stat alike:
 * - single: the value;
 * - array: the entries in each ArrayRange (0xffffffff as `last` means the final entry), ranges
 *   non-overlapping with first <= last;
 * - dictionary: the entries for the given keys, or every entry when no key is given.
 * What the peer does not hold comes back as a synthetic exists=false value (§7.4.2.2). If the request's
 * generation equals the stored counter, nothing is returned for the kind.
 */
export interface Selected {
  readonly data: StoredData;
  /** The certificate that verifies it (undefined for a synthetic value). */
  readonly certificate: Uint8Array | undefined;
}

export function selectValues(
  entry: KindEntry | undefined,
  spec: StoredDataSpecifier,
  def: KindDefinition,
  now: number,
): Selected[] | ErrorResponse {
  if (spec.model !== def.dataModel)
    return textError(ErrorCode.Error_Invalid_Message, `kind ${def.id} is ${def.dataModel}`);
  if (entry !== undefined && spec.generation !== 0n && spec.generation === entry.generation) return [];
  const live = (v: StoredValue | undefined): v is StoredValue => v !== undefined && v.expiresAt > now;
  const held = (v: StoredValue): Selected => ({
    data: withRemainingLifetime(v, now),
    certificate: v.certificate,
  });
  switch (spec.model) {
    case 'single': {
      const v = entry?.values.get('');
      return [live(v) ? held(v) : { data: syntheticValue('single', {}), certificate: undefined }];
    }
    case 'dictionary': {
      if (spec.keys.length === 0) {
        const all = [...(entry?.values.values() ?? [])].filter(live);
        return all.sort((a, b) => compareKeys(a.data, b.data)).map(held);
      }
      return spec.keys.map((key) => {
        const v = entry?.values.get(toHex(key));
        return live(v) ? held(v) : { data: syntheticValue('dictionary', { key }), certificate: undefined };
      });
    }
    case 'array':
      return selectArray(entry, spec.indices, def, live, held);
  }
}

function compareKeys(a: StoredData, b: StoredData): number {
  return a.value.model === 'dictionary' && b.value.model === 'dictionary'
    ? compareBytes(a.value.key, b.value.key)
    : 0;
}

/**
 * Array ranges. Gaps inside the held span are synthesised, but at most max-count of them per request:
 * an array is sparse (an entry may sit at index 4,000,000,000), and a range over such a gap must not
 * make the peer build millions of answers.
 */
function selectArray(
  entry: KindEntry | undefined,
  ranges: readonly ArrayRange[],
  def: KindDefinition,
  live: (v: StoredValue | undefined) => v is StoredValue,
  held: (v: StoredValue) => Selected,
): Selected[] | ErrorResponse {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i] as ArrayRange;
    const prev = sorted[i - 1];
    if (r.first > r.last) return textError(ErrorCode.Error_Invalid_Message, 'ArrayRange first > last');
    if (prev !== undefined && prev.last >= r.first)
      return textError(ErrorCode.Error_Invalid_Message, 'ArrayRanges overlap');
  }
  const byIndex = new Map<number, StoredValue>();
  for (const v of entry?.values.values() ?? [])
    if (live(v) && v.data.value.model === 'array') byIndex.set(v.data.value.index, v);
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  const last = indices[indices.length - 1];
  const out: Selected[] = [];
  let budget = def.maxCount;
  for (const r of ranges) {
    if (last === undefined || r.first > last) continue;
    const upper = Math.min(r.last, last);
    let next = r.first;
    const gapUntil = (end: number): void => {
      for (; next < end && budget > 0; next++, budget--)
        out.push({ data: syntheticValue('array', { index: next }), certificate: undefined });
    };
    for (const i of indices) {
      if (i < r.first || i > upper) continue;
      gapUntil(i);
      next = i + 1;
      out.push(held(byIndex.get(i) as StoredValue));
    }
    gapUntil(upper + 1);
  }
  return out;
}

/** A specifier for everything of a kind: the whole array, or every dictionary entry (no keys). */
export function wholeKind(kind: KindId, model: DataModel, generation = 0n): StoredDataSpecifier {
  switch (model) {
    case 'single':
      return { kind, generation, model };
    case 'array':
      return { kind, generation, model, indices: [{ first: 0, last: ARRAY_APPEND_INDEX }] };
    case 'dictionary':
      return { kind, generation, model, keys: [] };
  }
}
