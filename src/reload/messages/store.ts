import type { KindId, ResourceId } from '../../core/ids.js';
import { type Codec, type Infer, type Reader, struct, u64, vector, type Writer } from '../../wire/index.js';
import { kindIdCodec, nodeIdList, resourceId } from './common.js';
import type { ModelOf } from './data-model.js';
import { readStoredDataValues, type StoredDataValues, writeStoredDataValues } from './stored-data.js';

/**
 * RFC 6940 §7.4.1.1:
 *   struct { KindId kind; uint64 generation_counter; StoredData values<0..2^32-1>; } StoreKindData;
 *   struct { ResourceId resource; uint8 replica_number; StoreKindData kind_data<0..2^32-1>; } StoreReq;
 * Decoding needs each kind's data model (`modelOf`); the values of an unknown kind stay opaque so the
 * handler can reject the whole request with Error_Unknown_Kind listing them (§7.4.1.2). The rules that a
 * kind appears once and that the store is atomic belong to the handler.
 */
export type StoreKindData = {
  readonly kind: KindId;
  /** 0 means "don't check" in an original store; replicas carry the counter to set (never 0). */
  readonly generationCounter: bigint;
} & StoredDataValues;

export interface StoreReq {
  readonly resource: ResourceId;
  /** 0 for the original store, 1.. for replicas (§7.4.1.1, §10.4). */
  readonly replicaNumber: number;
  readonly kindData: StoreKindData[];
}

export function storeKindDataCodec(modelOf: ModelOf): Codec<StoreKindData> {
  return {
    encode: (w: Writer, k: StoreKindData) => {
      w.u32(k.kind).u64(k.generationCounter);
      writeStoredDataValues(w, k.kind, k, modelOf);
    },
    decode: (r: Reader): StoreKindData => {
      const kind = kindIdCodec.decode(r);
      const generationCounter = r.u64();
      return { kind, generationCounter, ...readStoredDataValues(r, kind, modelOf) };
    },
  };
}

export function storeReqCodec(modelOf: ModelOf): Codec<StoreReq> {
  const kindData = vector(4, storeKindDataCodec(modelOf), 0, 0xffff_ffff, 'StoreReq.kind_data');
  return {
    encode: (w: Writer, v: StoreReq) => {
      resourceId.encode(w, v.resource);
      w.u8(v.replicaNumber);
      kindData.encode(w, v.kindData);
    },
    decode: (r: Reader): StoreReq => {
      const resource = resourceId.decode(r);
      const replicaNumber = r.u8();
      return { resource, replicaNumber, kindData: kindData.decode(r) };
    },
  };
}

/**
 * RFC 6940 §7.4.1.2:
 *   struct { KindId kind; uint64 generation_counter; NodeId replicas<0..2^16-1>; } StoreKindResponse;
 *   struct { StoreKindResponse kind_responses<0..2^16-1>; } StoreAns;
 * A StoreAns is also the error_info of Error_Generation_Counter_Too_Low, with empty replica lists.
 */
export const storeKindResponse = struct({
  kind: kindIdCodec,
  generationCounter: u64,
  replicas: nodeIdList,
});
export type StoreKindResponse = Infer<typeof storeKindResponse>;

export const storeAns = struct({
  kindResponses: vector(2, storeKindResponse, 0, 0xffff, 'StoreAns.kind_responses'),
});
export type StoreAns = Infer<typeof storeAns>;
