import { kindId } from '../../core/ids.js';
import { KindCode } from '../messages/codes.js';
import {
  ACCESS_POLICIES,
  type AccessPolicy,
  DATA_MODEL_NAMES,
  type DataModelName,
  type RegisteredKind,
  registeredKindById,
  registeredKindByName,
} from '../messages/data-model.js';

const DATA_MODEL_KEYS = Object.keys(DATA_MODEL_NAMES) as DataModelName[];

import { CONFIG_LIMITS, CONFIG_NS, type DomainRestriction, type KindDefinition } from './overlay-config.js';
import {
  attribute,
  configError,
  label,
  leafText,
  parseBase64,
  parseBoolean,
  parseInteger,
} from './values.js';
import type { XmlElement } from './xml-tree.js';

/** A kind-signature as found in the document (RFC 6940 §11.1): over the exact `<kind>` bytes. */
export interface SignatureElement {
  readonly algorithm?: string;
  /** The base64-decoded SecurityBlock. */
  readonly value: Uint8Array;
}

/** Where a kind came from, for checking its kind-signature against the kind-signers. */
export interface KindSource {
  readonly id: number;
  /** The exact bytes from `<kind` through `</kind>`. */
  readonly bytes: Uint8Array;
  readonly signature?: SignatureElement;
}

export function parseSignatureElement(el: XmlElement): SignatureElement {
  const algorithm = attribute(el, 'algorithm');
  const value = parseBase64(label(el), leafText(el));
  return algorithm === undefined ? { value } : { algorithm: algorithm.trim(), value };
}

/** Kinds we write into a new overlay (`p2psip overlay create`): the four RELOAD and SIP usage kinds. */
export const DEFAULT_KIND_LIMITS: ReadonlyArray<{ name: string; maxCount: number; maxSize: number }> = [
  // One route per registered device of an AOR; a route is a destination list plus contact preferences.
  { name: 'SIP-REGISTRATION', maxCount: 64, maxSize: 1024 },
  // A TurnServer value is an iteration byte and an IpAddressPort (at most 20 bytes).
  { name: 'TURN-SERVICE', maxCount: 1, maxSize: 64 },
  // A DER certificate; room for renewals appended to the array.
  { name: 'CERTIFICATE_BY_NODE', maxCount: 8, maxSize: 2048 },
  { name: 'CERTIFICATE_BY_USER', maxCount: 8, maxSize: 2048 },
];

/** The definition of a registered kind with the given limits (model and policy from IANA). */
export function registeredKind(name: string, maxCount: number, maxSize: number): KindDefinition {
  const reg = registeredKindByName(name);
  if (reg === undefined) throw configError(`kind ${JSON.stringify(name)}`, 'is not a registered kind name');
  return withRegistration(reg, maxCount, maxSize, undefined, undefined);
}

export function defaultKinds(): KindDefinition[] {
  return DEFAULT_KIND_LIMITS.map((k) => registeredKind(k.name, k.maxCount, k.maxSize));
}

function withRegistration(
  reg: RegisteredKind,
  maxCount: number,
  maxSize: number,
  maxNodeMultiple: number | undefined,
  domainRestriction: DomainRestriction | undefined,
): KindDefinition {
  const multiple =
    reg.accessPolicy === 'NODE-MULTIPLE' ? (maxNodeMultiple ?? reg.maxNodeMultiple) : undefined;
  return {
    id: kindId(reg.id),
    name: reg.name,
    dataModel: reg.dataModel,
    accessPolicy: reg.accessPolicy,
    maxCount,
    maxSize,
    ...(multiple === undefined ? {} : { maxNodeMultiple: multiple }),
    ...(domainRestriction === undefined ? {} : { domainRestriction }),
  };
}

interface KindFields {
  dataModel?: string;
  accessControl?: string;
  maxCount?: number;
  maxSize?: number;
  maxNodeMultiple?: number;
  domainRestriction?: DomainRestriction;
}

const count = (el: XmlElement, min: number, max: number): number =>
  parseInteger(label(el), leafText(el), min, max);

const KIND_LEAVES: Record<string, (f: KindFields, el: XmlElement) => void> = {
  'data-model': (f, el) => {
    f.dataModel = leafText(el);
  },
  'access-control': (f, el) => {
    f.accessControl = leafText(el);
  },
  'max-count': (f, el) => {
    f.maxCount = count(el, 0, CONFIG_LIMITS.kindCount.max);
  },
  'max-size': (f, el) => {
    f.maxSize = count(el, 0, CONFIG_LIMITS.kindCount.max);
  },
  'max-node-multiple': (f, el) => {
    f.maxNodeMultiple = count(el, CONFIG_LIMITS.maxNodeMultiple.min, CONFIG_LIMITS.maxNodeMultiple.max);
  },
};

function readKindFields(kind: XmlElement): KindFields {
  const f: KindFields = {};
  const seen = new Set<string>();
  for (const c of kind.children) {
    const key = `${c.ns} ${c.name}`;
    if (seen.has(key)) throw configError(label(c), `appears twice in ${label(kind)}`);
    seen.add(key);
    const leaf = c.ns === CONFIG_NS.base ? KIND_LEAVES[c.name] : undefined;
    if (leaf !== undefined) leaf(f, c);
    else if (c.ns === CONFIG_NS.sip && c.name === 'domain-restriction')
      f.domainRestriction = parseDomainRestriction(c);
    else if (c.ns === CONFIG_NS.base || c.ns === CONFIG_NS.chord || c.ns === '') {
      throw configError(label(c), `is not a kind parameter (RFC 6940 §11.1.1)`);
    }
    // Elements of other namespaces are extensions we do not know; the grammar allows them.
  }
  return f;
}

/** RFC 7904 §3.4: `<sip:domain-restriction enable="..."><sip:pattern>ERE</sip:pattern>*`. */
function parseDomainRestriction(el: XmlElement): DomainRestriction {
  const enableText = attribute(el, 'enable');
  const enable = enableText === undefined ? false : parseBoolean(label(el, 'enable'), enableText);
  const patterns: string[] = [];
  for (const c of el.children) {
    if (c.ns !== CONFIG_NS.sip || c.name !== 'pattern') {
      if (c.ns === CONFIG_NS.sip) throw configError(label(c), `is not allowed in ${label(el)}`);
      continue;
    }
    const p = leafText(c);
    if (p === '' || !isUsablePattern(p))
      throw configError(label(c), `is not a usable pattern: ${JSON.stringify(p)}`);
    patterns.push(p);
  }
  return { enable, patterns };
}

/** POSIX EREs are run as JavaScript regular expressions, which accept the common ERE syntax. */
function isUsablePattern(p: string): boolean {
  try {
    new RegExp(`^(?:${p})$`);
    return true;
  } catch {
    return false;
  }
}

/** RFC 7904 §3.4: may a SIP-REGISTRATION for an AOR in `domain` be stored in overlay `overlayName`? */
export function domainAllowed(kind: KindDefinition, overlayName: string, domain: string): boolean {
  const r = kind.domainRestriction;
  if (r === undefined) return true;
  const d = domain.toLowerCase();
  if (!r.enable) return d === overlayName.toLowerCase();
  return r.patterns.some((p) => new RegExp(`^(?:${p})$`, 'i').test(d));
}

function oneOf<T extends string>(what: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined) throw configError(what, 'is required');
  if (!(allowed as readonly string[]).includes(value)) {
    throw configError(what, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function required(kind: XmlElement, what: string, v: number | undefined): number {
  if (v === undefined) throw configError(label(kind), `needs <${what}> (RFC 6940 §11.1)`);
  return v;
}

/** Parses one `<kind>` element: by name (registered) or by id (model and policy from the document). */
export function parseKind(kind: XmlElement): KindDefinition {
  const name = attribute(kind, 'name')?.trim();
  const idText = attribute(kind, 'id');
  if ((name === undefined) === (idText === undefined)) {
    throw configError(label(kind), 'needs exactly one of the attributes name and id');
  }
  const f = readKindFields(kind);
  const maxCount = required(kind, 'max-count', f.maxCount);
  const maxSize = required(kind, 'max-size', f.maxSize);
  // RFC 6940 §11.1: for a registered kind, the IANA data model and access policy win over the document's.
  const reg =
    name !== undefined
      ? registeredKindByName(name)
      : registeredKindById(parseInteger(label(kind, 'id'), idText ?? '', 0, 0xffff_ffff));
  if (name !== undefined && reg === undefined) {
    throw configError(label(kind, 'name'), `${JSON.stringify(name)} is not a registered kind name`);
  }
  if (reg !== undefined)
    return withRegistration(reg, maxCount, maxSize, f.maxNodeMultiple, f.domainRestriction);
  const id = parseInteger(label(kind, 'id'), idText ?? '', 1, 0xffff_ffff);
  if (id === KindCode.INVALID) throw configError(label(kind, 'id'), 'Kind-ID 0 is invalid');
  const dataModel =
    DATA_MODEL_NAMES[oneOf<DataModelName>(`${label(kind)} <data-model>`, f.dataModel, DATA_MODEL_KEYS)];
  const accessPolicy = oneOf<AccessPolicy>(
    `${label(kind)} <access-control>`,
    f.accessControl,
    ACCESS_POLICIES,
  );
  if (accessPolicy === 'NODE-MULTIPLE' && f.maxNodeMultiple === undefined) {
    throw configError(label(kind), 'NODE-MULTIPLE needs <max-node-multiple> (RFC 6940 §11.1)');
  }
  return {
    id: kindId(id),
    dataModel,
    accessPolicy,
    maxCount,
    maxSize,
    ...(accessPolicy === 'NODE-MULTIPLE' && f.maxNodeMultiple !== undefined
      ? { maxNodeMultiple: f.maxNodeMultiple }
      : {}),
    ...(f.domainRestriction === undefined ? {} : { domainRestriction: f.domainRestriction }),
  };
}
