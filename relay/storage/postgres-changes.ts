// The mutation layer's batch apply on PostgreSQL: the same rules as the portable applier in
// src-shared/sync/store.ts, in two statements per batch instead of one per step and table,
// because on PostgreSQL every statement is a round trip:
//  1. one statement logs the batch (the unique key drops what the log holds), keeps the newest
//     fresh stamp per cell, and claims in cell_stamps each cell whose stamp there is older (or
//     missing); it answers with the changes logged (with their sequence numbers) and the cells claimed;
//  2. one statement writes the claimed cells: per table and set of columns a multi-row upsert,
//     all of them as data-modifying WITH parts of one statement (each row is written once).
import { type RawBuilder, sql } from 'kysely';
import type { Change, LoggedChange } from '../../src-shared/sync/change.js';
import { type ApplyOutcome, cellKey, groupRows, type TouchedRows, type Tx } from '../../src-shared/sync/store.js';

/** Changes per statement 1 (five arrays of this length) and parameters per statement 2. */
const BATCH = 5000;
const UPSERT_PARAMS = 20_000;

export async function applyChangesOnPostgres(trx: Tx, changes: readonly Change[]): Promise<ApplyOutcome> {
  const touched: TouchedRows = new Map();
  const fresh: LoggedChange[] = [];
  /** Per cell, the newest change claimed (a later part of a long batch may claim a cell again). */
  const claimed = new Map<string, Change>();
  for (let i = 0; i < changes.length; i += BATCH) {
    const part = changes.slice(i, i + BATCH);
    // The first of equal stamp and cell is the one the log keeps, as in the portable applier.
    const byStampAndCell = new Map<string, Change>();
    for (const c of part) {
      const key = `${c.stamp}\u0000${cellKey(c.table, c.row, c.column)}`;
      if (!byStampAndCell.has(key)) byStampAndCell.set(key, c);
    }
    type Cell = { tbl: string; row_id: string; col: string; stamp: string };
    const { rows } = await sql<{ logged: Array<Cell & { seq: number }>; claimed: Cell[] }>`
      WITH input AS (
        SELECT * FROM unnest(
          ${part.map((c) => c.stamp)}::text[], ${part.map((c) => c.table)}::text[], ${part.map((c) => c.row)}::text[],
          ${part.map((c) => c.column)}::text[], ${part.map((c) => JSON.stringify(c.value))}::text[]
        ) AS i (stamp, tbl, row_id, col, value)
      ), logged AS (
        INSERT INTO changes (stamp, tbl, row_id, col, value, node)
        SELECT stamp, tbl, row_id, col, value, right(stamp, 16) FROM input
        ON CONFLICT (stamp, tbl, row_id, col) DO NOTHING
        RETURNING seq, stamp, tbl, row_id, col
      ), newest AS (
        SELECT DISTINCT ON (tbl, row_id, col) stamp, tbl, row_id, col FROM logged ORDER BY tbl, row_id, col, stamp DESC
      ), claimed AS (
        INSERT INTO cell_stamps AS held (tbl, row_id, col, stamp) SELECT tbl, row_id, col, stamp FROM newest
        ON CONFLICT (tbl, row_id, col) DO UPDATE SET stamp = excluded.stamp WHERE excluded.stamp > held.stamp
        RETURNING tbl, row_id, col, stamp
      )
      SELECT (SELECT coalesce(json_agg(logged), '[]'::json) FROM logged) AS logged,
             (SELECT coalesce(json_agg(claimed), '[]'::json) FROM claimed) AS claimed`.execute(trx);
    const outcome = rows[0]!;
    for (const r of outcome.logged) fresh.push({ ...byStampAndCell.get(`${r.stamp}\u0000${cellKey(r.tbl, r.row_id, r.col)}`)!, seq: r.seq });
    for (const r of outcome.claimed) {
      const cell = cellKey(r.tbl, r.row_id, r.col);
      const seen = claimed.get(cell);
      if (!seen || seen.stamp < r.stamp) claimed.set(cell, byStampAndCell.get(`${r.stamp}\u0000${cell}`)!);
    }
  }
  fresh.sort((x, y) => x.seq - y.seq);
  if (claimed.size === 0) return { fresh, applied: 0, touched };

  // Rows with the same table and columns share one multi-row upsert.
  const groups = groupRows([...claimed.values()], touched);
  let upserts: Array<RawBuilder<unknown>> = [];
  let params = 0;
  const flush = async () => {
    if (upserts.length === 0) return;
    await sql`WITH ${sql.join(upserts.map((upsert, n) => sql`${sql.raw(`w${n}`)} AS (${upsert})`))} SELECT 1`.execute(trx);
    upserts = [];
    params = 0;
  };
  for (const { table, columns, rows } of groups) {
    const perRow = columns.length + 1;
    const names = sql.join(columns.map((col) => sql.ref(col)));
    const updates = sql.join(columns.map((col) => sql`${sql.ref(col)} = ${sql.ref(`excluded.${col}`)}`));
    for (let i = 0, size = Math.floor(UPSERT_PARAMS / perRow); i < rows.length; i += size) {
      const part = rows.slice(i, i + size);
      if (params + part.length * perRow > UPSERT_PARAMS) await flush();
      const tuples = part.map(({ row, values }) => sql`(${sql.join([row, ...values])})`);
      upserts.push(sql`INSERT INTO ${sql.table(table)} (id, ${names}) VALUES ${sql.join(tuples)} ON CONFLICT (id) DO UPDATE SET ${updates}`);
      params += part.length * perRow;
    }
  }
  await flush();
  return { fresh, applied: claimed.size, touched };
}
