import type { KindId } from '../../core/ids.js';
import type { StoreKindData } from '../messages/store.js';
import type { StoredData } from '../messages/stored-data.js';
import { remainingLifetime, type StoredValue, withRemainingLifetime } from './values.js';

/**
 * Copies of values for replica Stores (RFC 6940 §10.4): each value with the lifetime it has left
 * (§7.4.1.1: re-stored data has its lifetime reduced by the time held) and the certificate that verifies
 * it, cut into Stores small enough for max-message-size.
 */
export interface CopyKind {
  readonly data: StoreKindData & { readonly values: StoredData[] };
  readonly certificates: Uint8Array[];
}

export function kindDataOf(
  kind: KindId,
  generation: bigint,
  values: readonly StoredValue[],
  now: number,
): CopyKind {
  const live = values.filter((v) => remainingLifetime(v, now) > 0);
  return {
    data: { kind, generationCounter: generation, values: live.map((v) => withRemainingLifetime(v, now)) },
    certificates: live.map((v) => v.certificate),
  };
}

function approximateSize(d: StoredData): number {
  const key = d.value.model === 'dictionary' ? d.value.key.length : 0;
  return 64 + key + d.value.value.length + d.signature.value.length;
}

/**
 * Splits kinds into Stores of about `budget` bytes, counting each value and, once per Store, each
 * certificate that must travel in its bucket; a kind may span several Stores.
 */
export function split(kinds: readonly CopyKind[], budget: number): CopyKind[][] {
  const batches: CopyKind[][] = [];
  let batch: CopyKind[] = [];
  let inBatch = new Set<Uint8Array>();
  let used = 0;
  for (const k of kinds) {
    let values: StoredData[] = [];
    let certs: Uint8Array[] = [];
    const close = (): void => {
      if (values.length > 0) batch.push({ data: { ...k.data, values }, certificates: certs });
      values = [];
      certs = [];
    };
    k.data.values.forEach((v, i) => {
      const cert = k.certificates[i] ?? new Uint8Array(0);
      const cost = (): number => approximateSize(v) + (inBatch.has(cert) ? 0 : cert.length);
      if (used + cost() > budget && (values.length > 0 || batch.length > 0)) {
        close();
        batches.push(batch);
        batch = [];
        inBatch = new Set();
        used = 0;
      }
      used += cost();
      values.push(v);
      certs.push(cert);
      inBatch.add(cert);
    });
    close();
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
