// Test support: the columns and indexes of a workspace database as each engine describes them
// (SQLite `PRAGMA table_info`, PostgreSQL `information_schema.columns`), and what the declaration
// says they should be, so a declared column missing from any engine fails a test by name.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { SchemaDeclaration } from '../../src-shared/schema/declaration.js';

/** table → column → 'text' | 'integer' | 'real' (PostgreSQL's BIGINT reads as integer). */
export type Columns = Record<string, Record<string, string>>;

export function sqliteColumns(db: Database.Database): Columns {
  const out: Columns = {};
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  for (const { name } of tables) {
    const cols = db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string; type: string }[];
    out[name] = Object.fromEntries(cols.map((c) => [c.name, c.type.toLowerCase()]));
  }
  return out;
}

export function sqliteFileColumns(file: string): Columns {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return sqliteColumns(db);
  } finally {
    db.close();
  }
}

export async function postgresColumns(url: string, schema: string): Promise<Columns> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1',
      [schema],
    );
    const types: Record<string, string> = { text: 'text', bigint: 'integer', 'double precision': 'real' };
    const out: Columns = {};
    for (const r of rows) (out[r.table_name] ??= {})[r.column_name] = types[r.data_type] ?? r.data_type;
    return out;
  } finally {
    await client.end();
  }
}

/** The synced tables as declared: `id` and every column, with its type. */
export function declaredColumns(declaration: SchemaDeclaration): Columns {
  const out: Columns = {};
  for (const [table, def] of Object.entries(declaration)) {
    out[table] = { id: 'text', ...Object.fromEntries(Object.entries(def.columns).map(([c, d]) => [c, d.type])) };
  }
  return out;
}

/** Declared columns the database lacks or holds with another type, as "table.column (type)". */
export function missingColumns(declaration: SchemaDeclaration, actual: Columns): string[] {
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(declaredColumns(declaration))) {
    for (const [column, type] of Object.entries(columns)) {
      if (actual[table]?.[column] !== type) missing.push(`${table}.${column} (${type})`);
    }
  }
  return missing;
}
