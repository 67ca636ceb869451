// The SQLite applier (prepared statements) against the portable Kysely applier: the same random
// batches — duplicates, stale stamps, several cells of a row, many tables — must leave the same
// log, cell stamps and rows, and report the same counts.
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStamp } from '../../src-shared/sync/hlc.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import { type ChangeApplier, WorkspaceStore } from '../../src-shared/sync/store.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { applyChecked, batchesArb, changeArb } from '../testing/change-batches.js';
import { tempDir } from '../testing/temp-desk.js';
import { sqliteChangeApplier } from '../../src-shared/db/sqlite-changes.js';
import { migrate } from './workspace-db.js';

const opened: Array<Kysely<WorkspaceDatabase>> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

async function node(applier: 'sqlite' | 'portable'): Promise<{ sqlite: Database.Database; store: WorkspaceStore }> {
  const sqlite = new Database(path.join(tempDir(), 'shop.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  migrate(sqlite);
  const db = new Kysely<WorkspaceDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  opened.push(db);
  const hooks: { applyChanges?: ChangeApplier } = applier === 'sqlite' ? { applyChanges: sqliteChangeApplier(sqlite) } : {};
  return { sqlite, store: await WorkspaceStore.open(db, '00000000000000ff', hooks) };
}

const dump = (sqlite: Database.Database) => ({
  changes: sqlite.prepare('SELECT seq, stamp, tbl, row_id, col, value, node FROM changes ORDER BY seq').all(),
  cells: sqlite.prepare('SELECT * FROM cell_stamps ORDER BY tbl, row_id, col').all(),
  ...Object.fromEntries(Object.keys(SYNCED_TABLES).map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY id`).all()])),
});

describe('sqliteChangeApplier', () => {
  it('leaves the same log, stamps and rows as the portable applier, batch after batch', async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, async (batches) => {
        const fast = await node('sqlite');
        const portable = await node('portable');
        for (const batch of batches) {
          // Applied twice: the second time must change nothing.
          for (let i = 0; i < 2; i++) {
            expect(await applyChecked(fast.store, batch)).toEqual(await applyChecked(portable.store, batch));
          }
          expect(dump(fast.sqlite)).toEqual(dump(portable.sqlite));
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('logs long batches many rows to a statement: all new, or with duplicates inside and across them', async () => {
    // Whole chunks of the multi-row log insert: a chunk of new changes numbers them in order; a
    // chunk that loses rows to the unique key (and skips numbers for them) is sorted out row by row.
    const cellOf = (c: { stamp: string; table: string; row: string; column: string }) => `${c.stamp} ${c.table} ${c.row} ${c.column}`;
    const longBatch = fc.oneof(
      fc.uniqueArray(changeArb, { selector: cellOf, minLength: 64, maxLength: 200 }),
      fc.array(changeArb, { minLength: 64, maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(longBatch, { minLength: 1, maxLength: 3 }), async (batches) => {
        const fast = await node('sqlite');
        const portable = await node('portable');
        for (const batch of batches) {
          for (let i = 0; i < 2; i++) {
            expect(await applyChecked(fast.store, batch)).toEqual(await applyChecked(portable.store, batch));
          }
          expect(dump(fast.sqlite)).toEqual(dump(portable.sqlite));
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('local writes go through it too, and a later remote stamp still wins', async () => {
    const fast = await node('sqlite');
    await fast.store.write({ actor: 'system', action: 't' }, (tx) => tx.insert('customers', { id: 'c1', first_name: 'Ana', mobile: '+15125550101' }));
    const older = { table: 'customers', row: 'c1', column: 'first_name', value: 'Old', stamp: formatStamp({ millis: 1, counter: 0, node: '00000000000000a1' }) };
    const newer = { ...older, value: 'New', stamp: formatStamp({ millis: Date.now() + 60_000, counter: 0, node: '00000000000000a1' }) };
    expect(await fast.store.applyRemote([older])).toEqual({ received: 1, logged: 1, applied: 0 });
    expect(await fast.store.applyRemote([newer, newer])).toEqual({ received: 2, logged: 1, applied: 1 });
    expect(fast.sqlite.prepare("SELECT first_name, mobile FROM customers WHERE id = 'c1'").get()).toEqual({ first_name: 'New', mobile: '+15125550101' });
  });
});
