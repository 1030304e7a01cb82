import { errorMessage, isLocalError } from '../../core/errors.js';
import { type KindId, kindId, type NodeId, type ResourceId, resourceIdToHex } from '../../core/ids.js';
import type { KindDefinition } from '../config/overlay-config.js';
import { KindCode } from '../messages/codes.js';
import type { FetchKindResponse } from '../messages/fetch.js';
import type { GenericCertificate } from '../messages/security.js';
import type { StoredData } from '../messages/stored-data.js';
import type { Verifier } from '../security/verifier.js';
import { type AccessContext, accessDenied } from './access.js';
import type { KindTable } from './kinds.js';
import { certificateBucket, verifyValue } from './value-signing.js';
import { isSynthetic } from './values.js';

/**
 * What a fetcher does with the values a Fetch brings back (RFC 6940 §7.4.2.2: "fetchers MUST verify the
 * signatures"): each is verified and checked against its kind's access policy. A value whose signer's
 * certificate is not in the answer is not rejected at once: RFC 6940 §8 keeps every node's certificate in
 * the overlay (CERTIFICATE_BY_NODE at H(Node-ID), CERTIFICATE_BY_USER at H(user name)), so
 * `certificateLookups` says where it may be found and `recheck` tries again with what was found.
 */
export interface FetchedValue {
  /** The value as its kind's model has it: exists, value, and index or key. */
  readonly value: StoredData['value'];
  readonly storageTime: bigint;
  /** Seconds the answering peer will still keep it. */
  readonly lifetime: number;
  /** The verified signer; undefined for a synthetic "does not exist" answer (§7.4.2.2). */
  readonly signer: { readonly nodeId: NodeId; readonly userName: string } | undefined;
}

export interface FetchedKind {
  readonly kind: KindId;
  readonly generation: bigint;
  readonly values: readonly FetchedValue[];
  /** Values dropped because their signature or their signer's right to write did not check out. */
  readonly rejected: number;
}

export interface FetchCheckHost {
  readonly verifier: Verifier;
  readonly kinds: KindTable;
  readonly overlayName: string;
  readonly nodeIdLength: number;
  hash(name: Uint8Array): ResourceId;
}

type Outcome =
  | { readonly ok: FetchedValue }
  /** The signer's certificate was nowhere at hand: worth looking for in the certificate kinds. */
  | { readonly unknownCert: string }
  | { readonly rejected: string };

/** One kind of a Fetch answer with the outcome of each of its values. */
export interface CheckedKind {
  readonly kind: KindId;
  readonly generation: bigint;
  readonly def: KindDefinition | undefined;
  readonly values: readonly StoredData[];
  readonly outcomes: readonly Outcome[];
}

/** Where a certificate the fetcher lacks may be stored (RFC 6940 §8). */
export interface CertificateLookup {
  readonly kind: KindId;
  readonly resource: ResourceId;
}

export const CERTIFICATE_BY_NODE = kindId(KindCode.CERTIFICATE_BY_NODE);
export const CERTIFICATE_BY_USER = kindId(KindCode.CERTIFICATE_BY_USER);

export function isCertificateKind(kind: KindId): boolean {
  return kind === CERTIFICATE_BY_NODE || kind === CERTIFICATE_BY_USER;
}

/** Verifies every value of every kind of a Fetch answer with the certificates at hand. */
export function checkKinds(
  host: FetchCheckHost,
  resource: ResourceId,
  responses: readonly FetchKindResponse[],
  certificates: readonly GenericCertificate[],
  now: number,
): CheckedKind[] {
  return responses.map((k) => {
    const def = host.kinds.get(k.kind);
    const base = { kind: k.kind, generation: k.generation, def };
    if (!('values' in k) || def === undefined) return { ...base, values: [], outcomes: [] };
    const bucket = certificatesFor(k.kind, k.values, certificates);
    return {
      ...base,
      values: k.values,
      outcomes: k.values.map((d) => check(host, resource, def, d, bucket, now)),
    };
  });
}

/**
 * A value of a certificate kind carries the certificate that verifies it (each node stores its own, RFC 6940
 * §8), so those values join the bucket. The verifier still checks each one like any other certificate.
 */
function certificatesFor(
  kind: KindId,
  values: readonly StoredData[],
  certificates: readonly GenericCertificate[],
): readonly GenericCertificate[] {
  if (!isCertificateKind(kind)) return certificates;
  const own = values.filter((d) => d.value.exists && d.value.value.length > 0).map((d) => d.value.value);
  return [...certificates, ...certificateBucket(own)];
}

function check(
  host: FetchCheckHost,
  resource: ResourceId,
  def: KindDefinition,
  d: StoredData,
  certificates: readonly GenericCertificate[],
  now: number,
): Outcome {
  const base = { value: d.value, storageTime: d.storageTime, lifetime: d.lifetime };
  if (isSynthetic(d)) return { ok: { ...base, signer: undefined } };
  const ctx: AccessContext = {
    resource,
    kind: def,
    overlayName: host.overlayName,
    nodeIdLength: host.nodeIdLength,
    hash: (n) => host.hash(n),
  };
  try {
    const s = verifyValue(host.verifier, resource, def.id, d, certificates, now);
    const denied = accessDenied(ctx, d.value, s);
    if (denied !== undefined) return { rejected: denied };
    return { ok: { ...base, signer: { nodeId: s.nodeId, userName: s.userName } } };
  } catch (e) {
    if (isLocalError(e, 'ERR_UNKNOWN_CERT')) return { unknownCert: e.message };
    return { rejected: errorMessage(e) };
  }
}

/**
 * RFC 6940 §8: where the certificates of values signed by unknown signers may be. A kind whose policy ties
 * the Resource-ID to a user name (USER-MATCH, USER-NODE-MATCH) has its signer's certificate in
 * CERTIFICATE_BY_USER at the same Resource-ID; one tied to a Node-ID (NODE-MATCH) in CERTIFICATE_BY_NODE
 * there; a dictionary keyed by Node-ID (SIP-REGISTRATION, RFC 7904) in CERTIFICATE_BY_NODE at H(key).
 * NODE-MULTIPLE's H(Node-ID || i) names no Node-ID we could look under.
 */
export function certificateLookups(
  host: FetchCheckHost,
  resource: ResourceId,
  checked: readonly CheckedKind[],
): CertificateLookup[] {
  const out = new Map<string, CertificateLookup>();
  const add = (kind: KindId, at: ResourceId): void => {
    if (host.kinds.get(kind) !== undefined) out.set(`${kind}/${resourceIdToHex(at)}`, { kind, resource: at });
  };
  for (const c of checked) {
    if (c.def === undefined || isCertificateKind(c.kind)) continue;
    const unknown = c.values.filter((_, i) => lacksCertificate(c.outcomes[i]));
    if (unknown.length === 0) continue;
    const policy = c.def.accessPolicy;
    if (policy === 'USER-MATCH' || policy === 'USER-NODE-MATCH') add(CERTIFICATE_BY_USER, resource);
    if (policy === 'NODE-MATCH') add(CERTIFICATE_BY_NODE, resource);
    for (const d of unknown) {
      if (d.value.model === 'dictionary' && d.value.key.length === host.nodeIdLength)
        add(CERTIFICATE_BY_NODE, host.hash(d.value.key));
    }
  }
  return [...out.values()];
}

function lacksCertificate(o: Outcome | undefined): boolean {
  return o !== undefined && 'unknownCert' in o;
}

/** Verifies again, with `certificates`, the values whose certificate was missing. */
export function recheck(
  host: FetchCheckHost,
  resource: ResourceId,
  checked: readonly CheckedKind[],
  certificates: readonly GenericCertificate[],
  now: number,
): CheckedKind[] {
  return checked.map((c) => {
    if (c.def === undefined) return c;
    const def = c.def;
    const outcomes = c.outcomes.map((o, i) => {
      const d = c.values[i];
      return lacksCertificate(o) && d !== undefined ? check(host, resource, def, d, certificates, now) : o;
    });
    return { ...c, outcomes };
  });
}

/** The caller's view: the values that checked out, and how many did not. */
export function fetchedKinds(checked: readonly CheckedKind[]): FetchedKind[] {
  return checked.map((c) => {
    const values: FetchedValue[] = [];
    for (const o of c.outcomes) if ('ok' in o) values.push(o.ok);
    return { kind: c.kind, generation: c.generation, values, rejected: c.outcomes.length - values.length };
  });
}

/** The certificates found by a lookup: the values that verified, each a DER certificate. */
export function certificatesFound(checked: readonly CheckedKind[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of checked) {
    if (!isCertificateKind(c.kind)) continue;
    for (const o of c.outcomes) if ('ok' in o && o.ok.value.exists) out.push(o.ok.value.value);
  }
  return out;
}
