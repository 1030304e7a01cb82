import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isLocalError } from '../../../../src/core/errors.js';
import { SqliteStorage } from '../../../../src/platform/node/sqlite-storage.js';
import type { StoreResult } from '../../../../src/reload/storage/client.js';
import {
  ALICE,
  alice,
  entries,
  Harness,
  privateKind,
  putEntry,
  sync,
  text,
} from '../../../support/storage-harness.js';

const DICT = privateKind(3, 'dictionary', 8, 64);
const dir = mkdtempSync(join(tmpdir(), 'p2psip-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function put(h: Harness, key: string, value: string, lifetime = 600): void {
  const r = putEntry(h, DICT.id, key, value, lifetime);
  assert.ok(r.ok, r.ok ? '' : r.reason);
}

function stored(h: Harness): string[] {
  return entries(h, DICT.id);
}

/** Writes through a first peer on a fresh database file, closes it, and returns the path and that peer. */
function populated(name: string, fill: (h: Harness) => void): { path: string; before: Harness } {
  const path = join(dir, name);
  const db = new SqliteStorage(path);
  const before = new Harness([DICT], { backend: db });
  fill(before);
  db.close();
  return { path, before };
}

function reopen(
  path: string,
  before: Harness,
  laterMs = 0,
): { after: Harness; db: SqliteStorage; skipped: number } {
  const db = new SqliteStorage(path);
  const h = new Harness([DICT], { backend: db, peer: before.peer });
  h.now = before.now + laterMs;
  const skipped = h.storage.restore(h.now);
  return { after: h, db, skipped };
}

describe('SqliteStorage: stored values survive a restart', () => {
  it('a reopened database gives back every value and the generation counter', () => {
    const { path, before } = populated('restart.sqlite', (h) => {
      put(h, 'a', 'one');
      put(h, 'b', 'two');
      h.now++;
      put(h, 'a', 'uno');
    });
    const { after: h, db, skipped } = reopen(path, before, 1000);
    assert.equal(skipped, 0);
    assert.deepEqual(stored(h), ['a=uno', 'b=two']);
    assert.equal(h.storage.generation(ALICE, DICT.id), 3n);
    db.close();
  });

  it('values that expired while the peer was down are not loaded and leave the file', () => {
    const { path, before } = populated('expiry.sqlite', (h) => {
      put(h, 'short', 'gone', 5);
      put(h, 'long', 'kept', 600);
    });
    const { after: h, db } = reopen(path, before, 6000);
    assert.deepEqual(stored(h), ['long=kept']);
    db.close();
    const raw = new Database(path);
    assert.equal((raw.prepare('SELECT count(*) AS n FROM stored_values').get() as { n: number }).n, 1);
    raw.close();
  });

  it('damaged rows are skipped and removed without losing the others', () => {
    const { path, before } = populated('damaged.sqlite', (h) => {
      put(h, 'a', 'one');
      put(h, 'b', 'two');
      put(h, 'c', 'three');
    });
    const raw = new Database(path);
    raw
      .prepare("UPDATE stored_values SET data = x'00000003ff' WHERE slot = ?")
      .run(Buffer.from('a').toString('hex'));
    raw
      .prepare("UPDATE stored_values SET model = 'bogus' WHERE slot = ?")
      .run(Buffer.from('b').toString('hex'));
    raw.close();
    const { after: h, db, skipped } = reopen(path, before);
    assert.equal(db.skipped, 1, 'the backend leaves out the row it cannot read');
    assert.equal(skipped, 1, 'storage leaves out the row whose StoredData does not decode');
    assert.deepEqual(stored(h), ['c=three']);
    db.close();
    const again = reopen(path, before);
    assert.equal(again.skipped + again.db.skipped, 0, 'both were removed');
    again.db.close();
  });

  it('a multi-value store is written in one transaction', () => {
    const { path, before } = populated('batch.sqlite', (h) => {
      const r = sync<StoreResult>((cb) =>
        h
          .client(alice)
          .store(
            ALICE,
            [{ kind: DICT.id, values: ['x', 'y', 'z'].map((k) => ({ key: text(k), value: text(k) })) }],
            600,
            h.now,
            cb,
          ),
      );
      assert.ok(r.ok);
    });
    const { after: h, db } = reopen(path, before);
    assert.deepEqual(stored(h), ['x=x', 'y=y', 'z=z']);
    db.close();
  });

  it('a file that is not a database fails with ERR_IO', () => {
    const path = join(dir, 'garbage.sqlite');
    writeFileSync(path, 'this is not an SQLite database, just text that is long enough to fill a header');
    assert.throws(
      () => new SqliteStorage(path),
      (e) => isLocalError(e, 'ERR_IO'),
    );
  });
});
