import Database from 'better-sqlite3';
import { errorMessage, LocalError } from '../../core/errors.js';
import { type KindId, kindId, resourceIdFromBytes } from '../../core/ids.js';
import type { DataModel } from '../../reload/messages/data-model.js';
import type { RowKey, StorageBackend, StorageBatch, StoredRow } from '../../reload/storage/backend.js';

/**
 * Stored values in an SQLite file (DESIGN §5: a restarted peer keeps what it held), with better-sqlite3.
 * One row per value: the StoredData bytes as received, the certificate that verifies it, its absolute
 * expiry and the kind's generation counter. Writes are synchronous and every batch is one transaction,
 * so a multi-kind Store is on disk entirely or not at all. A row that cannot be read back (a damaged
 * file, a foreign writer) is skipped and deleted; the other rows load.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS stored_values (
  resource   BLOB    NOT NULL,
  kind       INTEGER NOT NULL,
  slot       TEXT    NOT NULL,
  model      TEXT    NOT NULL,
  data       BLOB    NOT NULL,
  certificate BLOB   NOT NULL,
  expires_at INTEGER NOT NULL,
  generation TEXT    NOT NULL,
  PRIMARY KEY (resource, kind, slot)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stored_values_expiry ON stored_values (expires_at);
`;

interface RawRow {
  readonly resource: unknown;
  readonly kind: unknown;
  readonly slot: unknown;
  readonly model: unknown;
  readonly data: unknown;
  readonly certificate: unknown;
  readonly expires_at: unknown;
  readonly generation: unknown;
}

const MODELS: readonly string[] = ['single', 'array', 'dictionary'] satisfies DataModel[];

export class SqliteStorage implements StorageBackend {
  readonly #db: Database.Database;
  readonly #put: Database.Statement<unknown[]>;
  readonly #delete: Database.Statement<unknown[]>;
  readonly #expire: Database.Statement<unknown[]>;
  readonly #writeBatch: (batch: StorageBatch) => void;
  /** Rows left out of the last loadAll because they could not be read. */
  skipped = 0;

  /** Opens (or creates) the database file at `path`. Throws LocalError ERR_IO when it cannot. */
  constructor(path: string) {
    try {
      this.#db = new Database(path);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(SCHEMA);
    } catch (e) {
      throw new LocalError('ERR_IO', `cannot open the storage database ${path}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    this.#put = this.#db.prepare(
      `INSERT OR REPLACE INTO stored_values
         (resource, kind, slot, model, data, certificate, expires_at, generation)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#delete = this.#db.prepare('DELETE FROM stored_values WHERE resource = ? AND kind = ? AND slot = ?');
    this.#expire = this.#db.prepare('DELETE FROM stored_values WHERE expires_at <= ?');
    this.#writeBatch = this.#db.transaction((batch: StorageBatch) => {
      for (const k of batch.deletes) this.#delete.run(...keyParams(k));
      for (const r of batch.puts) {
        this.#put.run(
          ...keyParams(r),
          r.model,
          Buffer.from(r.data),
          Buffer.from(r.certificate),
          r.expiresAt,
          r.generation.toString(),
        );
      }
    });
  }

  loadAll(now: number): StoredRow[] {
    this.expire(now);
    const rows: StoredRow[] = [];
    const bad: RawRow[] = [];
    for (const raw of this.#db.prepare('SELECT * FROM stored_values').iterate() as Iterable<RawRow>) {
      const row = parseRow(raw);
      if (row === undefined) bad.push(raw);
      else rows.push(row);
    }
    this.skipped = bad.length;
    const drop = this.#db.prepare('DELETE FROM stored_values WHERE resource = ? AND kind = ? AND slot = ?');
    for (const raw of bad) drop.run(raw.resource, raw.kind, raw.slot);
    return rows;
  }

  write(batch: StorageBatch): void {
    if (batch.puts.length === 0 && batch.deletes.length === 0) return;
    this.#writeBatch(batch);
  }

  expire(now: number): void {
    this.#expire.run(now);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

function keyParams(k: RowKey): [Buffer, number, string] {
  return [Buffer.from(k.resource), k.kind, k.slot];
}

/** A row as stored, or undefined when any column is not what this file writes. */
function parseRow(raw: RawRow): StoredRow | undefined {
  const { resource, kind, slot, model, data, certificate, expires_at: expiresAt, generation } = raw;
  if (!(resource instanceof Uint8Array) || resource.length > 254) return undefined;
  if (typeof kind !== 'number' || !Number.isInteger(kind) || kind < 0 || kind > 0xffff_ffff) return undefined;
  if (typeof slot !== 'string' || typeof model !== 'string' || !MODELS.includes(model)) return undefined;
  if (!(data instanceof Uint8Array) || !(certificate instanceof Uint8Array)) return undefined;
  if (typeof expiresAt !== 'number' || typeof generation !== 'string' || !/^\d{1,20}$/.test(generation))
    return undefined;
  const k: KindId = kindId(kind);
  return {
    resource: resourceIdFromBytes(resource),
    kind: k,
    slot,
    model: model as DataModel,
    data: new Uint8Array(data),
    certificate: new Uint8Array(certificate),
    expiresAt,
    generation: BigInt(generation),
  };
}
