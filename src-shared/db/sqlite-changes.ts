// The mutation layer's batch apply on SQLite (desk and relay): the same steps as the portable
// applier in src-shared/sync/store.ts, as prepared statements run one change at a time on the
// transaction's own connection, instead of SQL built and compiled for every batch. It runs
// inside the store's Kysely transaction: SQLite has one connection, held by that transaction.
//  1. log the change (the unique key on stamp + cell drops one already held), LOG_CHUNK changes
//     to a statement while a batch has that many left (a catch-up's pages): one statement's
//     fixed cost (the AUTOINCREMENT counter's update, the VM's start) per chunk, not per change;
//  2. keep the newest fresh stamp per cell;
//  3. claim the cell in cell_stamps only if its stamp there is older (or missing);
//  4. write the claimed cells, one upsert per row.
// Shared by desk and relay (Node only; the renderer never imports src-shared/db).
import type Database from 'better-sqlite3';
import type { Change, LoggedChange } from '../sync/change.js';
import { nodeOfStamp } from '../sync/hlc.js';
import { type ApplyOutcome, cellKey, type ChangeApplier, rowsOf, touch, type TouchedRows } from '../sync/store.js';
import { isSyncedColumn, isSyncedTable } from '../sync/tables.js';

/** Log inserts go this many rows to a statement (6 parameters each). */
const LOG_CHUNK = 64;

/** Row upserts are prepared per table and set of columns; this many are kept. */
const ROW_STATEMENTS = 200;

export function sqliteChangeApplier(sqlite: Database.Database): ChangeApplier {
  const logSql = (n: number) =>
    `INSERT INTO changes (stamp, tbl, row_id, col, value, node) VALUES (?, ?, ?, ?, ?, ?)${', (?, ?, ?, ?, ?, ?)'.repeat(n - 1)}
     ON CONFLICT (stamp, tbl, row_id, col) DO NOTHING`;
  const logChange = sqlite.prepare(logSql(1));
  const logChunk = sqlite.prepare(logSql(LOG_CHUNK));
  // After a chunk lost rows to the unique key: which of its changes this statement logged.
  const lastSeq = sqlite.prepare('SELECT coalesce(max(seq), 0) FROM changes').pluck();
  const seqOf = sqlite.prepare('SELECT seq FROM changes WHERE stamp = ? AND tbl = ? AND row_id = ? AND col = ?').pluck();
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
    const logged = (c: Change, seq: number) => {
      const { stamp, table, row, column, value } = c;
      fresh.push({ table, row, column, value, stamp, seq });
      const key = cellKey(table, row, column);
      const seen = newest.get(key);
      if (!seen || seen.stamp < stamp) newest.set(key, c);
    };
    const params: Array<string | number> = new Array(LOG_CHUNK * 6);
    let i = 0;
    // Whole chunks in one statement each: a row's log insert then costs its B-tree work only.
    for (; i + LOG_CHUNK <= changes.length; i += LOG_CHUNK) {
      for (let k = 0; k < LOG_CHUNK; k++) {
        const { stamp, table, row, column, value } = changes[i + k]!;
        const p = k * 6;
        params[p] = stamp;
        params[p + 1] = table;
        params[p + 2] = row;
        params[p + 3] = column;
        params[p + 4] = typeof value === 'string' ? JSON.stringify(value) : String(value);
        params[p + 5] = nodeOfStamp(stamp);
      }
      const before = lastSeq.get() as number;
      const result = logChunk.run(params);
      if (result.changes === LOG_CHUNK) {
        // All new: one statement numbers its rows one after another in VALUES order, ending at
        // lastInsertRowid (AUTOINCREMENT; nothing else writes inside this transaction).
        const first = Number(result.lastInsertRowid) - LOG_CHUNK + 1;
        for (let k = 0; k < LOG_CHUNK; k++) logged(changes[i + k]!, first + k);
      } else if (result.changes > 0) {
        // Some were already held (or came twice), and a row skipped by the unique key still used
        // up a number: the ones logged now are those numbered past the log's end before it.
        const seen = new Set<number>();
        for (let k = 0; k < LOG_CHUNK; k++) {
          const c = changes[i + k]!;
          const seq = seqOf.get(c.stamp, c.table, c.row, c.column) as number;
          if (seq > before && !seen.has(seq)) {
            seen.add(seq);
            logged(c, seq);
          }
        }
      }
    }
    for (; i < changes.length; i++) {
      const c = changes[i]!;
      const { stamp, table, row, column, value } = c;
      const result = logChange.run(stamp, table, row, column, typeof value === 'string' ? JSON.stringify(value) : String(value), nodeOfStamp(stamp));
      if (result.changes > 0) logged(c, Number(result.lastInsertRowid));
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
