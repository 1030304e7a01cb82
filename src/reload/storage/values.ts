import { toHex } from '../../core/bytes.js';
import { HashAlgorithm } from '../messages/codes.js';
import type { DataModel } from '../messages/data-model.js';
import { NO_SIGNATURE } from '../messages/security.js';
import type { MetaDataValue, StoredMetaData } from '../messages/stat.js';
import type { StoredData, StoredDataValue } from '../messages/stored-data.js';
import { digest } from '../security/algorithms.js';

/** One value as this peer keeps it. */
export interface StoredValue {
  /** The StoredData as it was stored (its `lifetime` is the one received, not what remains). */
  readonly data: StoredData;
  /** DER of the certificate that verifies `data.signature`: kept with the data it signs (§6.3.4). */
  readonly certificate: Uint8Array;
  /** RFC 6940 §7: the lifetime counts from when this peer received the Store (ms since the epoch). */
  readonly expiresAt: number;
}

/**
 * The slot a value occupies in its (Resource-ID, Kind): a single value has one slot, an array entry its
 * index, a dictionary entry its key (RFC 6940 §7.2).
 */
export function slotKey(v: StoredDataValue): string {
  switch (v.model) {
    case 'single':
      return '';
    case 'array':
      return String(v.index);
    case 'dictionary':
      return toHex(v.key);
  }
}

/** Seconds of life left, rounded up, so a re-stored copy never outlives the original (§7.4.1.1). */
export function remainingLifetime(v: StoredValue, now: number): number {
  return Math.max(0, Math.ceil((v.expiresAt - now) / 1000));
}

/** The StoredData to hand on (Fetch answer, replica, migration) with the lifetime it has left. */
export function withRemainingLifetime(v: StoredValue, now: number): StoredData {
  return { ...v.data, lifetime: remainingLifetime(v, now) };
}

/**
 * RFC 6940 §7.4.2.2: a value the peer never saw is answered as exists=false, unsigned (identity none,
 * algorithm {0,0}, empty signature), so the peer needs no signature for it.
 */
export function syntheticValue(model: DataModel, slot: { index?: number; key?: Uint8Array }): StoredData {
  const empty = new Uint8Array(0);
  const value: StoredDataValue =
    model === 'array'
      ? { model, index: slot.index ?? 0, exists: false, value: empty }
      : model === 'dictionary'
        ? { model, key: slot.key ?? empty, exists: false, value: empty }
        : { model, exists: false, value: empty };
  return { storageTime: 0n, lifetime: 0, value, signature: NO_SIGNATURE };
}

/** Whether a fetched value is a synthetic "does not exist" answer rather than signed data. */
export function isSynthetic(d: StoredData): boolean {
  return !d.value.exists && d.signature.identity.type === 'none';
}

/**
 * RFC 6940 §7.4.3.2 StoredMetaData for Stat. The hash covers the DataValue's value *including* its 4-byte
 * length; we use SHA-256. A synthetic value has no hash (algorithm none).
 */
export function metaDataOf(d: StoredData): StoredMetaData {
  const v = d.value;
  const synthetic = isSynthetic(d);
  const len = v.value.length;
  const prefix = Uint8Array.of(len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  const meta = {
    exists: v.exists,
    valueLength: len,
    hashAlgorithm: synthetic ? HashAlgorithm.none : HashAlgorithm.sha256,
    hashValue: synthetic ? new Uint8Array(0) : digest('sha256', prefix, v.value),
  };
  const metadata: MetaDataValue =
    v.model === 'array'
      ? { model: 'array', index: v.index, ...meta }
      : v.model === 'dictionary'
        ? { model: 'dictionary', key: v.key, ...meta }
        : { model: 'single', ...meta };
  return { storageTime: d.storageTime, lifetime: d.lifetime, metadata };
}
