import type { KindId } from '../../core/ids.js';
import { boolean, CodecError, type Reader, type Writer } from '../../wire/index.js';
import type { DataModel, ModelOf } from './data-model.js';
import { type Signature, signature } from './security.js';

/**
 * RFC 6940 §7.2:
 *   struct { Boolean exists; opaque value<0..2^32-1>; } DataValue;
 *   struct { uint32 index; DataValue value; } ArrayEntry;
 *   typedef opaque DictionaryKey<0..2^16-1>;
 *   struct { DictionaryKey key; DataValue value; } DictionaryEntry;
 *   struct { select (DataModel) { case single_value: DataValue single_value_entry;
 *                                 case array: ArrayEntry array_entry;
 *                                 case dictionary: DictionaryEntry dictionary_entry; }; } StoredDataValue;
 * The model is not on the wire (it comes from the kind), so the decoded value names it. The DataValue
 * fields are flattened into the entry: `exists=false` with an empty value is a deletion (§7.4.1.3).
 */
export interface DataValue {
  readonly exists: boolean;
  readonly value: Uint8Array;
}

export type StoredDataValue =
  | (DataValue & { readonly model: 'single' })
  | (DataValue & { readonly model: 'array'; readonly index: number })
  | (DataValue & { readonly model: 'dictionary'; readonly key: Uint8Array });

/** RFC 6940 §7.4.1.1: storing at index 0xffffffff appends to the array. */
export const ARRAY_APPEND_INDEX = 0xffff_ffff;

/**
 * Writes a StoredDataValue. `zeroIndex` writes the array index as 0, which is how the value enters its
 * signature (RFC 6940 §7.4.2.2: "the index value in the array is set to zero before the signature is
 * computed", since an appended entry's final index is not known to its signer).
 */
export function writeStoredDataValue(w: Writer, v: StoredDataValue, zeroIndex = false): void {
  switch (v.model) {
    case 'single':
      break;
    case 'array':
      w.u32(zeroIndex ? 0 : v.index);
      break;
    case 'dictionary':
      w.opaque(2, v.key, 0, 0xffff, 'DictionaryKey');
      break;
  }
  w.u8(v.exists ? 1 : 0).opaque(4, v.value);
}

export function readStoredDataValue(r: Reader, model: DataModel): StoredDataValue {
  switch (model) {
    case 'single':
      return { model, exists: boolean.decode(r), value: r.opaque(4) };
    case 'array': {
      const index = r.u32();
      return { model, index, exists: boolean.decode(r), value: r.opaque(4) };
    }
    case 'dictionary': {
      const key = r.opaque(2, 0, 0xffff, 'DictionaryKey');
      return { model, key, exists: boolean.decode(r), value: r.opaque(4) };
    }
  }
}

/**
 * RFC 6940 §7:
 *   struct { uint32 length; uint64 storage_time; uint32 lifetime; StoredDataValue value;
 *            Signature signature; } StoredData;
 * `length` counts the bytes after itself, so it is written as a 4-byte length prefix; it is also what
 * lets a node keep the values of a kind it does not know (OpaqueValues below).
 */
export interface StoredData {
  /** Milliseconds since 1970 (§7); a Store older than the stored value gets Error_Data_Too_Old. */
  readonly storageTime: bigint;
  /** Seconds, counted from when the storing peer received the Store. */
  readonly lifetime: number;
  readonly value: StoredDataValue;
  readonly signature: Signature;
}

export function writeStoredData(w: Writer, d: StoredData): void {
  w.vector(4, () => {
    w.u64(d.storageTime).u32(d.lifetime);
    writeStoredDataValue(w, d.value);
    signature.encode(w, d.signature);
  });
}

export function readStoredData(r: Reader, model: DataModel): StoredData {
  const body = r.vector(4, 0, 0xffff_ffff, 'StoredData');
  const storageTime = body.u64();
  const lifetime = body.u32();
  const value = readStoredDataValue(body, model);
  const sig = signature.decode(body);
  body.end('StoredData');
  return { storageTime, lifetime, value, signature: sig };
}

/** The values of a kind whose data model is known. */
export interface ParsedValues {
  readonly values: StoredData[];
}

/**
 * The values of a kind this node does not know: each StoredData body (the bytes after its length field)
 * undecoded, so a handler can still answer Error_Unknown_Kind and a forwarder can pass them on.
 */
export interface OpaqueValues {
  readonly opaqueValues: Uint8Array[];
}

export type StoredDataValues = ParsedValues | OpaqueValues;

/** Writes `StoredData values<0..2^32-1>` for `kind`, checking the values against the kind's model. */
export function writeStoredDataValues(w: Writer, kind: KindId, v: StoredDataValues, modelOf: ModelOf): void {
  w.vector(4, () => {
    if ('opaqueValues' in v) {
      for (const body of v.opaqueValues) w.opaque(4, body);
      return;
    }
    const model = modelOf(kind);
    for (const d of v.values) {
      if (model !== undefined && d.value.model !== model) {
        throw new CodecError(`kind ${kind} is ${model} but a value is ${d.value.model}`);
      }
      writeStoredData(w, d);
    }
  });
}

export function readStoredDataValues(r: Reader, kind: KindId, modelOf: ModelOf): StoredDataValues {
  const list = r.vector(4, 0, 0xffff_ffff, 'StoredData values');
  const model = modelOf(kind);
  if (model === undefined) {
    const opaqueValues: Uint8Array[] = [];
    while (!list.done()) opaqueValues.push(list.opaque(4, 0, 0xffff_ffff, 'StoredData'));
    return { opaqueValues };
  }
  const values: StoredData[] = [];
  while (!list.done()) values.push(readStoredData(list, model));
  return { values };
}
