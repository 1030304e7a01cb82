import type { Codec, CodecContext } from '../../wire/index.js';
import { type FetchAns, type FetchReq, fetchAnsCodec, fetchReqCodec } from '../messages/fetch.js';
import { type StatAns, type StatReq, statAnsCodec, statReqCodec } from '../messages/stat.js';
import { type StoreAns, type StoreReq, storeAns, storeReqCodec } from '../messages/store.js';
import type { KindTable } from './kinds.js';

/** The storage codecs, which need the kinds' data models. */
export interface StorageCodecs {
  readonly ctx: CodecContext;
  readonly storeReq: Codec<StoreReq>;
  readonly fetchReq: Codec<FetchReq>;
  readonly fetchAns: Codec<FetchAns>;
  readonly statReq: Codec<StatReq>;
  readonly statAns: Codec<StatAns>;
  readonly storeAns: Codec<StoreAns>;
}

export function storageCodecs(kinds: KindTable, nodeIdLength: number): StorageCodecs {
  return {
    ctx: { nodeIdLength },
    storeReq: storeReqCodec(kinds.modelOf),
    fetchReq: fetchReqCodec(kinds.modelOf),
    fetchAns: fetchAnsCodec(kinds.modelOf),
    statReq: statReqCodec(kinds.modelOf),
    statAns: statAnsCodec(kinds.modelOf),
    storeAns,
  };
}
