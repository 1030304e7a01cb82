import type { KindId } from '../../core/ids.js';
import { boolean, type Codec, type Reader, struct, vector, type Writer } from '../../wire/index.js';
import { kindIdCodec } from './common.js';
import type { DataModel, ModelOf } from './data-model.js';
import { type FetchReq, fetchReqCodec } from './fetch.js';

/** RFC 6940 §7.4.3.1: StatReq is laid out exactly like FetchReq. */
export type StatReq = FetchReq;
export const statReqCodec: (modelOf: ModelOf) => Codec<StatReq> = fetchReqCodec;

/**
 * RFC 6940 §7.4.3.2:
 *   struct { Boolean exists; uint32 value_length; HashAlgorithm hash_algorithm;
 *            opaque hash_value<0..255>; } MetaData;
 *   struct { uint32 index; MetaData value; } ArrayEntryMeta;
 *   struct { DictionaryKey key; MetaData value; } DictionaryEntryMeta;
 *   struct { select (DataModel) { case single_value: MetaData single_value_entry;
 *                                 case array: ArrayEntryMeta array_entry;
 *                                 case dictionary: DictionaryEntryMeta dictionary_entry; }; } MetaDataValue;
 * hash_value is the digest of the DataValue's value *including* its 4-byte length. As for
 * StoredDataValue, the MetaData fields are flattened into the entry.
 */
export interface MetaData {
  readonly exists: boolean;
  readonly valueLength: number;
  readonly hashAlgorithm: number;
  readonly hashValue: Uint8Array;
}

export type MetaDataValue =
  | (MetaData & { readonly model: 'single' })
  | (MetaData & { readonly model: 'array'; readonly index: number })
  | (MetaData & { readonly model: 'dictionary'; readonly key: Uint8Array });

function writeMetaData(w: Writer, m: MetaDataValue): void {
  if (m.model === 'array') w.u32(m.index);
  else if (m.model === 'dictionary') w.opaque(2, m.key, 0, 0xffff, 'DictionaryKey');
  w.u8(m.exists ? 1 : 0)
    .u32(m.valueLength)
    .u8(m.hashAlgorithm)
    .opaque(1, m.hashValue, 0, 0xff, 'MetaData.hash_value');
}

function readMetaData(r: Reader, model: DataModel): MetaDataValue {
  const index = model === 'array' ? r.u32() : 0;
  const key = model === 'dictionary' ? r.opaque(2, 0, 0xffff, 'DictionaryKey') : undefined;
  const meta: MetaData = {
    exists: boolean.decode(r),
    valueLength: r.u32(),
    hashAlgorithm: r.u8(),
    hashValue: r.opaque(1, 0, 0xff, 'MetaData.hash_value'),
  };
  if (model === 'array') return { model, index, ...meta };
  if (key !== undefined) return { model: 'dictionary', key, ...meta };
  return { model: 'single', ...meta };
}

/**
 * RFC 6940 §7.4.3.2:
 *   struct { uint32 value_length; uint64 storage_time; uint32 lifetime; MetaDataValue metadata; } StoredMetaData;
 * "The contents of the StoredMetaData structure are the same as the corresponding fields in StoredData":
 * value_length corresponds to StoredData.length, the size of the rest of the structure, so it is written
 * as a 4-byte length prefix (Wireshark's dissector reads it the same way). The stored value's own length
 * is MetaData.value_length. This also lets the entries of an unknown kind be kept one by one.
 */
export interface StoredMetaData {
  readonly storageTime: bigint;
  readonly lifetime: number;
  readonly metadata: MetaDataValue;
}

function writeStoredMetaData(w: Writer, s: StoredMetaData): void {
  w.vector(4, () => {
    w.u64(s.storageTime).u32(s.lifetime);
    writeMetaData(w, s.metadata);
  });
}

function readStoredMetaData(r: Reader, model: DataModel): StoredMetaData {
  const body = r.vector(4, 0, 0xffff_ffff, 'StoredMetaData');
  const v = { storageTime: body.u64(), lifetime: body.u32(), metadata: readMetaData(body, model) };
  body.end('StoredMetaData');
  return v;
}

/**
 * RFC 6940 §7.4.3.2:
 *   struct { KindId kind; uint64 generation; StoredMetaData values<0..2^32-1>; } StatKindResponse;
 *   struct { StatKindResponse kind_responses<0..2^32-1>; } StatAns;
 * For a kind of unknown model each StoredMetaData body is kept opaque, as for StoredData.
 */
export type StatKindResponse = { readonly kind: KindId; readonly generation: bigint } & (
  | { readonly values: StoredMetaData[] }
  | { readonly opaqueValues: Uint8Array[] }
);

export function statKindResponseCodec(modelOf: ModelOf): Codec<StatKindResponse> {
  return {
    encode: (w: Writer, k: StatKindResponse) => {
      w.u32(k.kind).u64(k.generation);
      w.vector(4, () => {
        if ('opaqueValues' in k) for (const body of k.opaqueValues) w.opaque(4, body);
        else for (const v of k.values) writeStoredMetaData(w, v);
      });
    },
    decode: (r: Reader): StatKindResponse => {
      const kind = kindIdCodec.decode(r);
      const generation = r.u64();
      const list = r.vector(4, 0, 0xffff_ffff, 'StatKindResponse.values');
      const model = modelOf(kind);
      if (model === undefined) {
        const opaqueValues: Uint8Array[] = [];
        while (!list.done()) opaqueValues.push(list.opaque(4, 0, 0xffff_ffff, 'StoredMetaData'));
        return { kind, generation, opaqueValues };
      }
      const values: StoredMetaData[] = [];
      while (!list.done()) values.push(readStoredMetaData(list, model));
      return { kind, generation, values };
    },
  };
}

export interface StatAns {
  readonly kindResponses: StatKindResponse[];
}

export function statAnsCodec(modelOf: ModelOf): Codec<StatAns> {
  return struct({
    kindResponses: vector(4, statKindResponseCodec(modelOf), 0, 0xffff_ffff, 'StatAns.kind_responses'),
  });
}
