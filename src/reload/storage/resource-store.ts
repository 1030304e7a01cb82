import { toHex } from '../../core/bytes.js';
import type { KindId, NodeId, ResourceId } from '../../core/ids.js';
import { TimerTable } from '../../core/timer-table.js';
import { CodecError } from '../../wire/index.js';
import type { DataModel } from '../messages/data-model.js';
import {
  decodeStoredData,
  encodeStoredData,
  type RowKey,
  rowKeyString,
  type StorageBackend,
  type StoredRow,
} from './backend.js';
import { type StoredValue, slotKey } from './values.js';

/**
 * The values this peer holds, per Resource-ID and Kind (RFC 6940 §7.2: one data model per
 * (Resource-ID, Kind)), with one expiry deadline per value and a write-through to the backend. It applies
 * changes that store-rules.ts has already checked: nothing here refuses anything.
 */
export interface KindEntry {
  readonly kind: KindId;
  readonly model: DataModel;
  /** RFC 6940 §7.4.1.1: the (Resource-ID, Kind) generation counter, ≥ 1 once anything was stored. */
  generation: bigint;
  /** slot (see values.ts slotKey) → value. Deletions are values with exists = false (tombstones). */
  readonly values: Map<string, StoredValue>;
}

export interface ResourceEntry {
  readonly id: ResourceId;
  readonly kinds: Map<KindId, KindEntry>;
  /** Replication bookkeeping (replication.ts): peers known to hold a full copy of this resource. */
  readonly syncedTo: Set<NodeId>;
  /** Peers a full copy is being sent to right now; 'owner' for a hand-off routed to the Resource-ID. */
  readonly pushing: Set<NodeId | 'owner'>;
}

/** The checked writes of one Store for one kind: the new counter and the values to put in their slots. */
export interface KindWrite {
  readonly kind: KindId;
  readonly model: DataModel;
  readonly generation: bigint;
  readonly values: readonly StoredValue[];
}

export class ResourceStore {
  readonly #resources = new Map<string, ResourceEntry>();
  /** rowKeyString → expiry. */
  readonly #expiry = new TimerTable<string>();
  readonly #backend: StorageBackend | undefined;
  #valueCount = 0;

  constructor(backend: StorageBackend | undefined) {
    this.#backend = backend;
  }

  get resourceCount(): number {
    return this.#resources.size;
  }

  /** Values held, tombstones included. */
  get valueCount(): number {
    return this.#valueCount;
  }

  resource(id: ResourceId): ResourceEntry | undefined {
    return this.#resources.get(toHex(id));
  }

  kind(id: ResourceId, kind: KindId): KindEntry | undefined {
    return this.resource(id)?.kinds.get(kind);
  }

  resources(): IterableIterator<ResourceEntry> {
    return this.#resources.values();
  }

  /** Applies every kind's writes, in memory and then in the backend as one batch. */
  write(resource: ResourceId, writes: readonly KindWrite[]): void {
    const puts: StoredRow[] = [];
    const entry = this.#entry(resource);
    for (const w of writes) {
      let k = entry.kinds.get(w.kind);
      if (k === undefined) {
        k = { kind: w.kind, model: w.model, generation: w.generation, values: new Map() };
        entry.kinds.set(w.kind, k);
      }
      k.generation = w.generation;
      for (const v of w.values) {
        const slot = slotKey(v.data.value);
        if (!k.values.has(slot)) this.#valueCount++;
        k.values.set(slot, v);
        const key = { resource: entry.id, kind: w.kind, slot };
        this.#expiry.set(rowKeyString(key), v.expiresAt);
        if (this.#backend !== undefined) puts.push(toRow(key, k, v));
      }
    }
    this.#backend?.write({ puts, deletes: [] });
  }

  /** Forgets a whole resource (it left this peer's range and its holders have it). */
  drop(entry: ResourceEntry): void {
    const deletes: RowKey[] = [];
    for (const k of entry.kinds.values()) {
      for (const slot of k.values.keys()) {
        const key = { resource: entry.id, kind: k.kind, slot };
        this.#expiry.clear(rowKeyString(key));
        deletes.push(key);
      }
      this.#valueCount -= k.values.size;
    }
    this.#resources.delete(toHex(entry.id));
    this.#backend?.write({ puts: [], deletes });
  }

  /** Removes every value whose lifetime ended at or before `now` (RFC 6940 §7: lifetimes). */
  expire(now: number): number {
    const due = this.#expiry.expire(now);
    for (const key of due) this.#remove(key);
    if (due.length > 0) this.#backend?.expire(now);
    return due.length;
  }

  nextDeadline(): number | undefined {
    return this.#expiry.nextDeadline();
  }

  /**
   * Loads what the backend kept (a restart). `known` says whether a kind (with the model it was stored
   * under) is still configured; rows of other kinds, and damaged rows, are skipped. Returns the count of
   * rows skipped.
   */
  load(now: number, known: (kind: KindId, model: DataModel) => boolean): number {
    if (this.#backend === undefined) return 0;
    const skipped: RowKey[] = [];
    for (const row of this.#backend.loadAll(now)) {
      const data = row.expiresAt > now && known(row.kind, row.model) ? readRow(row) : undefined;
      if (data === undefined) skipped.push(row);
      else this.#loadRow(row, { data, certificate: row.certificate, expiresAt: row.expiresAt });
    }
    if (skipped.length > 0) this.#backend.write({ puts: [], deletes: skipped });
    return skipped.length;
  }

  #loadRow(row: StoredRow, v: StoredValue): void {
    const entry = this.#entry(row.resource);
    let k = entry.kinds.get(row.kind);
    if (k === undefined) {
      k = { kind: row.kind, model: row.model, generation: row.generation, values: new Map() };
      entry.kinds.set(row.kind, k);
    }
    if (row.generation > k.generation) k.generation = row.generation;
    if (!k.values.has(row.slot)) this.#valueCount++;
    k.values.set(row.slot, v);
    this.#expiry.set(rowKeyString(row), v.expiresAt);
  }

  #entry(id: ResourceId): ResourceEntry {
    const hex = toHex(id);
    let e = this.#resources.get(hex);
    if (e === undefined) {
      e = { id, kinds: new Map(), syncedTo: new Set(), pushing: new Set() };
      this.#resources.set(hex, e);
    }
    return e;
  }

  #remove(key: string): void {
    const [hex = '', kindText = '', slot = ''] = key.split('|');
    const entry = this.#resources.get(hex);
    const k = entry?.kinds.get(Number(kindText) as KindId);
    if (entry === undefined || k === undefined || !k.values.delete(slot)) return;
    this.#valueCount--;
    if (k.values.size === 0) entry.kinds.delete(k.kind);
    if (entry.kinds.size === 0) this.#resources.delete(hex);
  }
}

/** A row's StoredData, or undefined when it is damaged or does not sit in the slot it claims. */
function readRow(row: StoredRow): StoredValue['data'] | undefined {
  try {
    const data = decodeStoredData(row.data, row.model);
    return slotKey(data.value) === row.slot ? data : undefined;
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
    return undefined;
  }
}

function toRow(key: RowKey, k: KindEntry, v: StoredValue): StoredRow {
  return {
    ...key,
    model: k.model,
    data: encodeStoredData(v.data),
    certificate: v.certificate,
    expiresAt: v.expiresAt,
    generation: k.generation,
  };
}
