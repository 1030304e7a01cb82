import type { KindId, ResourceId } from '../../core/ids.js';
import {
  type Codec,
  type Infer,
  opaque,
  type Reader,
  struct,
  u32,
  vector,
  type Writer,
} from '../../wire/index.js';
import { kindIdCodec, resourceId } from './common.js';
import type { ModelOf } from './data-model.js';
import { readStoredDataValues, type StoredDataValues, writeStoredDataValues } from './stored-data.js';

/**
 * RFC 6940 §7.4.2.1:
 *   struct { int32 first; int32 last; } ArrayRange;
 * Declared int32 but the RFC itself uses 0xffffffff for "the final element", so the fields are read as
 * uint32 (reload-digest §19.7). first <= last and non-overlapping ranges are the handler's checks.
 */
export const arrayRange = struct({ first: u32, last: u32 });
export type ArrayRange = Infer<typeof arrayRange>;

const indices = vector(2, arrayRange, 0, 0xffff, 'StoredDataSpecifier.indices');
const keys = vector(2, opaque(2, 0, 0xffff, 'DictionaryKey'), 0, 0xffff, 'StoredDataSpecifier.keys');

/**
 * The model_specifier arm. `unknown` holds the bytes of a specifier whose kind this node does not know
 * (its `length` field makes it skippable).
 */
export type ModelSpecifier =
  | { readonly model: 'single' }
  | { readonly model: 'array'; readonly indices: ArrayRange[] }
  /** No keys is a wildcard fetch: every entry of the dictionary. */
  | { readonly model: 'dictionary'; readonly keys: Uint8Array[] }
  | { readonly model: 'unknown'; readonly data: Uint8Array };

/**
 * RFC 6940 §7.4.2.1:
 *   struct { KindId kind; uint64 generation; uint16 length;
 *            select (DataModel) { case single_value: ;
 *                                 case array: ArrayRange indices<0..2^16-1>;
 *                                 case dictionary: DictionaryKey keys<0..2^16-1>; } model_specifier;
 *          } StoredDataSpecifier;
 * `length` counts the model_specifier bytes.
 */
export type StoredDataSpecifier = { readonly kind: KindId; readonly generation: bigint } & ModelSpecifier;

export function storedDataSpecifierCodec(modelOf: ModelOf): Codec<StoredDataSpecifier> {
  return {
    encode: (w: Writer, s: StoredDataSpecifier) => {
      w.u32(s.kind).u64(s.generation);
      w.vector(2, () => {
        switch (s.model) {
          case 'single':
            return;
          case 'array':
            indices.encode(w, s.indices);
            return;
          case 'dictionary':
            keys.encode(w, s.keys);
            return;
          case 'unknown':
            w.bytes(s.data);
            return;
        }
      });
    },
    decode: (r: Reader): StoredDataSpecifier => {
      const kind = kindIdCodec.decode(r);
      const generation = r.u64();
      const body = r.vector(2, 0, 0xffff, 'StoredDataSpecifier');
      const model = modelOf(kind);
      let s: StoredDataSpecifier;
      switch (model) {
        case undefined:
          return { kind, generation, model: 'unknown', data: body.rest() };
        case 'single':
          s = { kind, generation, model };
          break;
        case 'array':
          s = { kind, generation, model, indices: indices.decode(body) };
          break;
        case 'dictionary':
          s = { kind, generation, model, keys: keys.decode(body) };
          break;
      }
      body.end('StoredDataSpecifier');
      return s;
    },
  };
}

/**
 * RFC 6940 §7.4.2.1: struct { ResourceId resource; StoredDataSpecifier specifiers<0..2^16-1>; } FetchReq;
 * §7.4.3.1 StatReq has the same layout, so stat.ts reuses this codec.
 */
export interface FetchReq {
  readonly resource: ResourceId;
  readonly specifiers: StoredDataSpecifier[];
}

export function fetchReqCodec(modelOf: ModelOf): Codec<FetchReq> {
  return struct({
    resource: resourceId,
    specifiers: vector(2, storedDataSpecifierCodec(modelOf), 0, 0xffff, 'FetchReq.specifiers'),
  });
}

/**
 * RFC 6940 §7.4.2.2:
 *   struct { KindId kind; uint64 generation; StoredData values<0..2^32-1>; } FetchKindResponse;
 *   struct { FetchKindResponse kind_responses<0..2^32-1>; } FetchAns;
 * Values the responder never saw come back as synthetic exists=false entries signed with NO_SIGNATURE.
 */
export type FetchKindResponse = { readonly kind: KindId; readonly generation: bigint } & StoredDataValues;

export interface FetchAns {
  readonly kindResponses: FetchKindResponse[];
}

export function fetchKindResponseCodec(modelOf: ModelOf): Codec<FetchKindResponse> {
  return {
    encode: (w: Writer, k: FetchKindResponse) => {
      w.u32(k.kind).u64(k.generation);
      writeStoredDataValues(w, k.kind, k, modelOf);
    },
    decode: (r: Reader): FetchKindResponse => {
      const kind = kindIdCodec.decode(r);
      const generation = r.u64();
      return { kind, generation, ...readStoredDataValues(r, kind, modelOf) };
    },
  };
}

export function fetchAnsCodec(modelOf: ModelOf): Codec<FetchAns> {
  return struct({
    kindResponses: vector(4, fetchKindResponseCodec(modelOf), 0, 0xffff_ffff, 'FetchAns.kind_responses'),
  });
}
