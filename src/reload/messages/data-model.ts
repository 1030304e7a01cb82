import type { KindId } from '../../core/ids.js';
import { KindCode } from './codes.js';

/**
 * RFC 6940 §7.2 data models (IANA §14.7 registers them by name only: they never appear on the wire). The
 * model of a kind comes from its definition in the overlay configuration, so every codec that holds
 * StoredData, StoredMetaData or a StoredDataSpecifier takes a `ModelOf` lookup.
 */
export type DataModel = 'single' | 'array' | 'dictionary';

export const DataModel = {
  single: 'single',
  array: 'array',
  dictionary: 'dictionary',
} as const satisfies Record<DataModel, DataModel>;

/**
 * The data model of a kind, or undefined when the kind is unknown to this node. Codecs keep the values
 * of an unknown kind as opaque bytes so that a handler can still answer Error_Unknown_Kind listing it
 * (RFC 6940 §7.4.1.2).
 */
export type ModelOf = (kind: KindId) => DataModel | undefined;

/**
 * The data models that the IANA-registered kinds define for themselves (RFC 6940 §8 and §9, RFC 7904 §7,
 * RFC 8076, RFC 7374 §6); a configuration cannot change them. Private kinds get theirs from the
 * configuration, so this returns undefined for them.
 */
export function ianaKindModel(kind: KindId): DataModel | undefined {
  switch (kind) {
    case KindCode.SIP_REGISTRATION:
    case KindCode.REDIR:
      return 'dictionary';
    case KindCode.TURN_SERVICE:
      return 'single';
    case KindCode.CERTIFICATE_BY_NODE:
    case KindCode.CERTIFICATE_BY_USER:
    case KindCode.ACCESS_CONTROL_LIST:
      return 'array';
    default:
      return undefined;
  }
}
