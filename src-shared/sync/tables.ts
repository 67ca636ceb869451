// The synced tables as the sync code uses them: per table, its columns' value types and whether
// rows are append-only. Derived from the one declaration (src-shared/schema/declaration.ts);
// desk and relay validate incoming changes against this.
import { SYNCED_SCHEMA, type ColumnType, type SchemaDeclaration } from '../schema/declaration.js';

export type { ColumnType };

type SyncedTablesOf<S extends SchemaDeclaration> = {
  readonly [T in keyof S]: {
    readonly columns: { readonly [C in keyof S[T]['columns']]: S[T]['columns'][C]['type'] };
    readonly appendOnly: boolean;
  };
};

function syncedTablesOf<S extends SchemaDeclaration>(schema: S): SyncedTablesOf<S> {
  const out: Record<string, { columns: Record<string, ColumnType>; appendOnly: boolean }> = {};
  for (const [name, t] of Object.entries(schema)) {
    out[name] = {
      columns: Object.fromEntries(Object.entries(t.columns).map(([c, d]) => [c, d.type])),
      appendOnly: t.appendOnly,
    };
  }
  return out as SyncedTablesOf<S>;
}

export const SYNCED_TABLES = syncedTablesOf(SYNCED_SCHEMA);

export type SyncedTable = keyof typeof SYNCED_TABLES;
export type ColumnsOf<T extends SyncedTable> = keyof (typeof SYNCED_TABLES)[T]['columns'] & string;

export function isSyncedTable(name: string): name is SyncedTable {
  return Object.hasOwn(SYNCED_TABLES, name);
}

export function isSyncedColumn(table: SyncedTable, column: string): boolean {
  return Object.hasOwn(SYNCED_TABLES[table].columns, column);
}

/** Test support (through src-shared/schema/active.ts): the tables of an extended declaration sync too. */
export function registerSyncedTables(schema: SchemaDeclaration): void {
  Object.assign(SYNCED_TABLES, syncedTablesOf(schema));
}
