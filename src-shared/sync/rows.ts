// Row types derived from the synced table list, and the local bookkeeping tables every node
// keeps beside them: together they are the Kysely database type.
import type { Generated } from 'kysely';
import type { SYNCED_TABLES, SyncedTable } from './tables.js';

type ValueOf<T> = T extends 'text' ? string : T extends 'integer' ? number : T extends 'real' ? number : never;

export type RowOf<T extends SyncedTable> = { id: string } & {
  -readonly [K in keyof (typeof SYNCED_TABLES)[T]['columns']]: ValueOf<(typeof SYNCED_TABLES)[T]['columns'][K]> | null;
};

export type SyncedTables = { [T in SyncedTable]: RowOf<T> };

export interface ChangeLogTable {
  seq: Generated<number>;
  stamp: string;
  tbl: string;
  row_id: string;
  col: string;
  value: string; // JSON of the cell value
  node: string;
}

export interface CellStampTable {
  tbl: string;
  row_id: string;
  col: string;
  stamp: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface NodeTables {
  changes: ChangeLogTable;
  cell_stamps: CellStampTable;
  meta: MetaTable;
}

export type WorkspaceDatabase = SyncedTables & NodeTables;
