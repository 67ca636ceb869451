// The unit of sync: one cell of one row, stamped. Every node validates changes with this
// schema before applying them, so an unknown table or column never reaches SQL.
import { z } from 'zod';
import { STAMP_PATTERN } from './hlc.js';
import { isSyncedColumn, isSyncedTable, SYNCED_TABLES } from './tables.js';

export type CellValue = string | number | null;

export interface Change {
  table: string;
  row: string;
  column: string;
  value: CellValue;
  stamp: string;
}

/** A change as kept in a node's log, with that node's sequence number (the cursor). */
export interface LoggedChange extends Change {
  seq: number;
}

export const MAX_CELL_TEXT = 100_000;
/** PostgreSQL text cannot hold U+0000; refusing it everywhere keeps both relay engines alike. */
const NO_NUL = /^[^\u0000]*$/;

export const changeSchema = z
  .object({
    table: z.string().max(64),
    row: z.string().min(1).max(128).regex(NO_NUL, 'must not contain NUL characters'),
    column: z.string().max(64),
    value: z.union([z.string().max(MAX_CELL_TEXT).regex(NO_NUL, 'text must not contain NUL characters'), z.number().finite(), z.null()]),
    stamp: z.string().regex(STAMP_PATTERN, 'not a clock stamp'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!isSyncedTable(c.table)) {
      ctx.addIssue({ code: 'custom', path: ['table'], message: `unknown table ${c.table}` });
      return;
    }
    if (!isSyncedColumn(c.table, c.column)) {
      ctx.addIssue({ code: 'custom', path: ['column'], message: `unknown column ${c.table}.${c.column}` });
      return;
    }
    const columns: Record<string, string> = SYNCED_TABLES[c.table].columns;
    const type = columns[c.column];
    if (c.value !== null) {
      if (type === 'text' && typeof c.value !== 'string') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `${c.table}.${c.column} holds text` });
      }
      if (type === 'integer' && !Number.isSafeInteger(c.value)) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `${c.table}.${c.column} holds whole numbers` });
      }
      if (type === 'real' && typeof c.value !== 'number') {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `${c.table}.${c.column} holds numbers` });
      }
    }
  });

export const changeBatchSchema = z.array(changeSchema).max(10_000);
