import { bytesEqual } from '../../core/bytes.js';
import { errorMessage } from '../../core/errors.js';
import type { ResourceId } from '../../core/ids.js';
import type { KindDefinition } from '../config/overlay-config.js';
import { ErrorCode } from '../messages/codes.js';
import {
  type ErrorResponse,
  generationCounterTooLowError,
  textError,
  unknownKindError,
} from '../messages/error.js';
import type { GenericCertificate } from '../messages/security.js';
import type { StoreKindData, StoreReq } from '../messages/store.js';
import { ARRAY_APPEND_INDEX, type StoredData } from '../messages/stored-data.js';
import type { Verifier } from '../security/verifier.js';
import { type AccessContext, accessDenied } from './access.js';
import type { KindTable } from './kinds.js';
import type { KindEntry, KindWrite, ResourceStore } from './resource-store.js';
import type { SignerInfo } from './types.js';
import { verifyValue } from './value-signing.js';
import { type StoredValue, slotKey } from './values.js';

/**
 * The checks of RFC 6940 §7.4.1.1 for one StoreReq, made before anything changes so that a Store of
 * several kinds is all-or-nothing: either every kind's writes come back, or one error and nothing was
 * touched.
 *
 * - `original`: replica_number 0 at the responsible peer. Generation counters are checked, and the
 *   StoreReq's signer must satisfy the access policy as well as each value's signer (§7.3).
 * - `replica`: a copy from another holder (replica_number ≥ 1): the counter is taken from the request.
 * - `merge`: values fetched from another holder to heal a partition (§7.4.1.1), or a stray copy at the
 *   responsible peer: older or invalid values are skipped instead of failing the whole batch.
 */
export type StoreRole = 'original' | 'replica' | 'merge';

export interface StoreEnv {
  readonly kinds: KindTable;
  readonly store: ResourceStore;
  readonly verifier: Verifier;
  readonly overlayName: string;
  readonly nodeIdLength: number;
  readonly hash: AccessContext['hash'];
}

export interface StoreInput {
  readonly req: StoreReq;
  readonly role: StoreRole;
  /** The StoreReq's signer; for an original store it must conform to the policy too. */
  readonly requestSigner: SignerInfo | undefined;
  /** The message's certificate bucket, for the values' signatures. */
  readonly certificates: readonly GenericCertificate[];
  readonly now: number;
}

export type StorePlan =
  | { readonly ok: true; readonly writes: KindWrite[] }
  | { readonly ok: false; readonly error: ErrorResponse };

export function planStore(env: StoreEnv, input: StoreInput): StorePlan {
  const { req } = input;
  const seen = new Set<number>();
  for (const k of req.kindData) {
    // RFC 6940 §7.4.1.1: "a given Kind-ID MUST NOT appear more than once".
    if (seen.has(k.kind)) return fail(ErrorCode.Error_Invalid_Message, `kind ${k.kind} appears twice`);
    seen.add(k.kind);
  }
  // RFC 6940 §7.4.1.2: unknown kinds fail the whole Store, and the error lists every one of them.
  const unknown = req.kindData.filter((k) => 'opaqueValues' in k || env.kinds.get(k.kind) === undefined);
  if (unknown.length > 0) return { ok: false, error: unknownKindError(unknown.map((k) => k.kind)) };
  if (input.role === 'original') {
    const tooLow = generationError(env, req);
    if (tooLow !== undefined) return { ok: false, error: tooLow };
  }
  const writes: KindWrite[] = [];
  for (const kd of req.kindData) {
    const def = env.kinds.get(kd.kind);
    if (def === undefined || !('values' in kd)) continue;
    const w = planKind(env, input, kd, def);
    if ('errorCode' in w) return { ok: false, error: w };
    writes.push(w);
  }
  return { ok: true, writes };
}

/**
 * RFC 6940 §7.4.1.1: a non-zero generation_counter must equal the stored one, else
 * Error_Generation_Counter_Too_Low with a StoreAns of the current counters (and empty replica lists).
 */
function generationError(env: StoreEnv, req: StoreReq): ErrorResponse | undefined {
  const current = req.kindData.map((k) => ({
    kind: k.kind,
    generationCounter: env.store.kind(req.resource, k.kind)?.generation ?? 0n,
  }));
  const stale = req.kindData.some(
    (k, i) => k.generationCounter !== 0n && k.generationCounter !== current[i]?.generationCounter,
  );
  return stale ? generationCounterTooLowError(current) : undefined;
}

function planKind(
  env: StoreEnv,
  input: StoreInput,
  kd: StoreKindData & { readonly values: StoredData[] },
  def: KindDefinition,
): KindWrite | ErrorResponse {
  const entry = env.store.kind(input.req.resource, def.id);
  const merging = input.role === 'merge';
  let count = entry?.values.size ?? 0;
  let nextIndex = entry === undefined ? 0 : nextArrayIndex(entry);
  const slots = new Set<string>();
  const out: StoredValue[] = [];
  for (const received of kd.values) {
    let d = received;
    if (d.value.model === 'array' && d.value.index === ARRAY_APPEND_INDEX) {
      // RFC 6940 §7.4.1.1: index 0xffffffff appends after the last entry.
      d = { ...d, value: { ...d.value, index: nextIndex } };
    }
    if (d.value.model === 'array') nextIndex = Math.max(nextIndex, d.value.index + 1);
    const slot = slotKey(d.value);
    if (slots.has(slot)) return textError(ErrorCode.Error_Invalid_Message, `two values for slot ${slot}`);
    slots.add(slot);
    const old = entry?.values.get(slot);
    const verdict = checkValue(def, d, old, count);
    if (verdict === 'same') continue;
    if (typeof verdict !== 'string') {
      if (merging) continue;
      return verdict;
    }
    const signer = signerOf(env, input, d, def);
    if ('errorCode' in signer) {
      if (merging) continue;
      return signer;
    }
    if (old === undefined) count++;
    out.push({ data: d, certificate: signer.certificate, expiresAt: input.now + d.lifetime * 1000 });
  }
  return {
    kind: def.id,
    model: def.dataModel,
    generation: nextGeneration(input, kd, entry, out),
    values: out,
  };
}

/** The cheap checks first (size, count, age); 'ok' leaves the signature to check, 'same' is a repeat. */
function checkValue(
  def: KindDefinition,
  d: StoredData,
  old: StoredValue | undefined,
  count: number,
): 'ok' | 'same' | ErrorResponse {
  if (d.value.model !== def.dataModel)
    return textError(ErrorCode.Error_Invalid_Message, `kind ${def.id} is ${def.dataModel}`);
  // RFC 6940 §7.4.1.1: larger than max-size, or more than max-count values: Error_Data_Too_Large.
  if (d.value.value.length > def.maxSize)
    return textError(
      ErrorCode.Error_Data_Too_Large,
      `a value of kind ${def.id} exceeds ${def.maxSize} bytes`,
    );
  if (old !== undefined) {
    // RFC 6940 §7.4.1.1: a value may only replace an older one (Error_Data_Too_Old). A byte-identical
    // copy (a retransmitted or replicated Store) changes nothing and is no error.
    if (d.storageTime === old.data.storageTime && sameValue(d, old.data)) return 'same';
    if (d.storageTime <= old.data.storageTime)
      return textError(ErrorCode.Error_Data_Too_Old, `storage_time ${d.storageTime} is not newer than ours`);
  } else if (count + 1 > def.maxCount) {
    return textError(ErrorCode.Error_Data_Too_Large, `kind ${def.id} holds at most ${def.maxCount} values`);
  }
  return 'ok';
}

/** Verifies the value's signature, then the access policy for its signer (and the StoreReq's). */
function signerOf(
  env: StoreEnv,
  input: StoreInput,
  d: StoredData,
  def: KindDefinition,
): SignerInfo | ErrorResponse {
  const resource: ResourceId = input.req.resource;
  let signer: SignerInfo;
  try {
    signer = verifyValue(env.verifier, resource, def.id, d, input.certificates, input.now);
  } catch (e) {
    return textError(ErrorCode.Error_Forbidden, `value signature: ${errorMessage(e)}`);
  }
  const ctx: AccessContext = {
    resource,
    kind: def,
    overlayName: env.overlayName,
    nodeIdLength: env.nodeIdLength,
    hash: env.hash,
  };
  const requestDenied = (): string | undefined => {
    if (input.role !== 'original') return undefined;
    const r = input.requestSigner;
    return r === undefined ? 'the Store has no signer to check' : accessDenied(ctx, d.value, r);
  };
  const denied = accessDenied(ctx, d.value, signer) ?? requestDenied();
  return denied === undefined ? signer : textError(ErrorCode.Error_Forbidden, denied);
}

/**
 * RFC 6940 §7.4.1.1: after a change the counter goes up by at least one. A copy sets the counter it is
 * sent ("never 0"), but never lowers ours: a late copy from a holder that missed a Store must not undo it.
 */
function nextGeneration(
  input: StoreInput,
  kd: StoreKindData,
  entry: KindEntry | undefined,
  out: readonly StoredValue[],
): bigint {
  const current = entry?.generation ?? 0n;
  if (input.role === 'original') return out.length > 0 ? current + 1n : current;
  const max = kd.generationCounter > current ? kd.generationCounter : current;
  return max > 0n ? max : 1n;
}

function nextArrayIndex(entry: KindEntry): number {
  let next = 0;
  for (const v of entry.values.values())
    if (v.data.value.model === 'array') next = Math.max(next, v.data.value.index + 1);
  return next;
}

function sameValue(a: StoredData, b: StoredData): boolean {
  return (
    a.value.exists === b.value.exists &&
    bytesEqual(a.value.value, b.value.value) &&
    bytesEqual(a.signature.value, b.signature.value)
  );
}

function fail(code: number, text: string): StorePlan {
  return { ok: false, error: textError(code, text) };
}
