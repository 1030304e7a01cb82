import { toHex } from '../../core/bytes.js';
import type { KindId, ResourceId } from '../../core/ids.js';
import { DEFAULT_CONTEXT, Reader, Writer } from '../../wire/index.js';
import type { DataModel } from '../messages/data-model.js';
import { readStoredData, type StoredData, writeStoredData } from '../messages/stored-data.js';

/**
 * The persistence seam (DESIGN §5: "a restarted peer keeps what it held"). Storage keeps everything in
 * memory and writes each change through to a backend; on start it loads what the backend kept, without
 * what expired meanwhile. MemoryBackend serves tests and the simulator; platform/node/sqlite-storage.ts
 * is the file-backed one. A backend works synchronously: a change is on disk before the Store is answered.
 */
export interface RowKey {
  readonly resource: ResourceId;
  readonly kind: KindId;
  /** The value's slot in its (Resource-ID, Kind): '' (single), the index (array) or the hex key. */
  readonly slot: string;
}

export interface StoredRow extends RowKey {
  /** The kind's data model when stored, so a row decodes without the configuration. */
  readonly model: DataModel;
  /** The RFC 6940 §7 StoredData as received (with its original lifetime), encoded. */
  readonly data: Uint8Array;
  /** DER of the certificate that verifies the value's signature. */
  readonly certificate: Uint8Array;
  /** Absolute expiry (ms since the epoch), so time spent down counts against the lifetime. */
  readonly expiresAt: number;
  /** The kind's generation counter after the store that wrote this row (RFC 6940 §7.4.1.1). */
  readonly generation: bigint;
}

/** Rows to write and to delete, applied all together (a multi-kind Store is atomic, §7.4.1.1). */
export interface StorageBatch {
  readonly puts: readonly StoredRow[];
  readonly deletes: readonly RowKey[];
}

export interface StorageBackend {
  /**
   * Every row that has not expired at `now`. Rows that are expired, or that the backend cannot read back,
   * are left out (and removed); one bad row never costs the others.
   */
  loadAll(now: number): StoredRow[];
  write(batch: StorageBatch): void;
  /** Removes rows whose expiry is at or before `now`. */
  expire(now: number): void;
  close(): void;
}

export function rowKeyString(k: RowKey): string {
  return `${toHex(k.resource)}|${k.kind}|${k.slot}`;
}

export function encodeStoredData(d: StoredData): Uint8Array {
  const w = new Writer(DEFAULT_CONTEXT, 64 + d.value.value.length + d.signature.value.length);
  writeStoredData(w, d);
  return w.finish();
}

/** Decodes a row's StoredData; throws CodecError when the bytes are damaged. */
export function decodeStoredData(bytes: Uint8Array, model: DataModel): StoredData {
  const r = new Reader(bytes, DEFAULT_CONTEXT);
  const d = readStoredData(r, model);
  r.end('stored row');
  return d;
}

/** Keeps rows in a Map: for tests (a "restart" is a new node on the same backend) and the simulator. */
export class MemoryBackend implements StorageBackend {
  readonly #rows = new Map<string, StoredRow>();
  writes = 0;

  get size(): number {
    return this.#rows.size;
  }

  loadAll(now: number): StoredRow[] {
    this.expire(now);
    return [...this.#rows.values()];
  }

  write(batch: StorageBatch): void {
    this.writes++;
    for (const k of batch.deletes) this.#rows.delete(rowKeyString(k));
    for (const r of batch.puts) this.#rows.set(rowKeyString(r), r);
  }

  expire(now: number): void {
    for (const [k, r] of this.#rows) if (r.expiresAt <= now) this.#rows.delete(k);
  }

  close(): void {
    // Nothing to release: the rows stay for the next node that opens this backend.
  }
}
