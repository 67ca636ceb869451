// The mutation layer's batch apply on SQLite (desk and relay): the same steps as the portable
// applier in src-shared/sync/store.ts, as prepared statements run one change at a time on the
// transaction's own connection, instead of SQL built and compiled for every batch. It runs
// inside the store's Kysely transaction: SQLite has one connection, held by that transaction.
//  1. log the change (the unique key on stamp + cell drops one already held);
//  2. keep the newest fresh stamp per cell;
//  3. claim the cell in cell_stamps only if its stamp there is older (or missing);
//  4. write the claimed cells, one upsert per row.
// Shared by desk and relay (Node only; the renderer never imports src-shared/db).
import type Database from 'better-sqlite3';
import type { Change, LoggedChange } from '../sync/change.js';
import { nodeOfStamp } from '../sync/hlc.js';
import { type ApplyOutcome, cellKey, type ChangeApplier, rowsOf, touch, type TouchedRows } from '../sync/store.js';
import { isSyncedColumn, isSyncedTable } from '../sync/tables.js';

/** Row upserts are prepared per table and set of columns; this many are kept. */
const ROW_STATEMENTS = 200;

export function sqliteChangeApplier(sqlite: Database.Database): ChangeApplier {
  const logChange = sqlite.prepare(
    'INSERT INTO changes (stamp, tbl, row_id, col, value, node) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stamp, tbl, row_id, col) DO NOTHING',
  );
  // Inserts a missing cell, or moves its stamp forward; changes === 0 when the cell holds a newer one.
  const claimCell = sqlite.prepare(
    `INSERT INTO cell_stamps (tbl, row_id, col, stamp) VALUES (?, ?, ?, ?)
     ON CONFLICT (tbl, row_id, col) DO UPDATE SET stamp = excluded.stamp WHERE excluded.stamp > cell_stamps.stamp`,
  );
  const rowStatements = new Map<string, Database.Statement>();
  const rowUpsert = (table: string, columns: readonly string[]): Database.Statement => {
    const key = `${table}(${columns.join(',')})`;
    let stmt = rowStatements.get(key);
    if (stmt) {
      rowStatements.delete(key);
    } else {
      // Names reach SQL only after validation against SYNCED_TABLES; checked again here as this builds SQL.
      if (!isSyncedTable(table) || !columns.every((c) => isSyncedColumn(table, c))) throw new Error(`unknown cell in ${key}`);
      const names = columns.map((c) => `"${c}"`);
      stmt = sqlite.prepare(
        `INSERT INTO "${table}" (id, ${names.join(', ')}) VALUES (?${', ?'.repeat(columns.length)})
         ON CONFLICT (id) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(', ')}`,
      );
      if (rowStatements.size >= ROW_STATEMENTS) rowStatements.delete(rowStatements.keys().next().value!);
    }
    rowStatements.set(key, stmt);
    return stmt;
  };

  return (_trx, changes): ApplyOutcome => {
    const touched: TouchedRows = new Map();
    const fresh: LoggedChange[] = [];
    const newest = new Map<string, Change>();
    for (const c of changes) {
      const { stamp, table, row, column, value } = c;
      const logged = logChange.run(stamp, table, row, column, typeof value === 'string' ? JSON.stringify(value) : String(value), nodeOfStamp(stamp));
      if (logged.changes === 0) continue;
      fresh.push({ table, row, column, value, stamp, seq: Number(logged.lastInsertRowid) });
      const key = cellKey(table, row, column);
      const seen = newest.get(key);
      if (!seen || seen.stamp < stamp) newest.set(key, c);
    }
    const winners: Change[] = [];
    for (const c of newest.values()) {
      if (claimCell.run(c.table, c.row, c.column, c.stamp).changes > 0) winners.push(c);
    }
    for (const { table, row, cells } of rowsOf(winners)) {
      cells.sort((x, y) => (x.column < y.column ? -1 : x.column > y.column ? 1 : 0));
      rowUpsert(
        table,
        cells.map((c) => c.column),
      ).run(row, ...cells.map((c) => c.value));
      touch(touched, table, row);
    }
    return { fresh, applied: winners.length, touched };
  };
}
