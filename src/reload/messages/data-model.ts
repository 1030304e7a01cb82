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

/** The spellings of the data models in a configuration document (RFC 6940 §11.1 `data-model`). */
export const DATA_MODEL_NAMES = { SINGLE: 'single', ARRAY: 'array', DICTIONARY: 'dictionary' } as const;
export type DataModelName = keyof typeof DATA_MODEL_NAMES;

export function dataModelName(model: DataModel): DataModelName {
  return model === 'single' ? 'SINGLE' : model === 'array' ? 'ARRAY' : 'DICTIONARY';
}

/**
 * RFC 6940 §14.4 access control policies, plus NODE-ID-MATCH (RFC 7374) and USER-CHAIN-ACL
 * (RFC 8076). Names only, as the configuration document spells them. EXP-MATCH is for experiments.
 */
export const ACCESS_POLICIES = [
  'USER-MATCH',
  'NODE-MATCH',
  'USER-NODE-MATCH',
  'NODE-MULTIPLE',
  'NODE-ID-MATCH',
  'USER-CHAIN-ACL',
] as const;
export type AccessPolicy = (typeof ACCESS_POLICIES)[number];

/** The IANA registration of a standard kind: a configuration names it and the model and policy come from here. */
export interface RegisteredKind {
  /** The name a configuration document uses in `<kind name="...">` (RFC 6940 §11.1). */
  readonly name: string;
  readonly id: number;
  readonly dataModel: DataModel;
  readonly accessPolicy: AccessPolicy;
  /** The NODE-MULTIPLE ceiling of the registration, when it gives one. */
  readonly maxNodeMultiple?: number;
}

/**
 * RFC 6940 §14.6 with the definitions of §8 (certificate kinds) and §9 (TURN-SERVICE), RFC 7904
 * (SIP-REGISTRATION), RFC 8076 (ACCESS-CONTROL-LIST) and RFC 7374 (REDIR). RFC 6940 §11.1: for a
 * registered kind the IANA model and policy win over whatever a configuration says.
 */
export const REGISTERED_KINDS: readonly RegisteredKind[] = Object.freeze([
  {
    name: 'SIP-REGISTRATION',
    id: KindCode.SIP_REGISTRATION,
    dataModel: 'dictionary',
    accessPolicy: 'USER-NODE-MATCH',
  },
  // RFC 6940 §9: TURN-SERVICE is stored under H(Node-ID || d) for d = 1..turn-density, at most 20.
  {
    name: 'TURN-SERVICE',
    id: KindCode.TURN_SERVICE,
    dataModel: 'single',
    accessPolicy: 'NODE-MULTIPLE',
    maxNodeMultiple: 20,
  },
  {
    name: 'CERTIFICATE_BY_NODE',
    id: KindCode.CERTIFICATE_BY_NODE,
    dataModel: 'array',
    accessPolicy: 'NODE-MATCH',
  },
  {
    name: 'ACCESS-CONTROL-LIST',
    id: KindCode.ACCESS_CONTROL_LIST,
    dataModel: 'array',
    accessPolicy: 'USER-CHAIN-ACL',
  },
  {
    name: 'CERTIFICATE_BY_USER',
    id: KindCode.CERTIFICATE_BY_USER,
    dataModel: 'array',
    accessPolicy: 'USER-MATCH',
  },
  { name: 'REDIR', id: KindCode.REDIR, dataModel: 'dictionary', accessPolicy: 'NODE-ID-MATCH' },
]);

export function registeredKindByName(name: string): RegisteredKind | undefined {
  return REGISTERED_KINDS.find((k) => k.name === name);
}

export function registeredKindById(id: number): RegisteredKind | undefined {
  return REGISTERED_KINDS.find((k) => k.id === id);
}

/**
 * The data model a registered kind defines for itself; private kinds get theirs from the configuration,
 * so this returns undefined for them.
 */
export function ianaKindModel(kind: KindId): DataModel | undefined {
  return registeredKindById(kind)?.dataModel;
}
