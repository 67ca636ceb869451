// Kysely's SQLite driver prepares every query it runs; the mutation layer runs the same few
// statements thousands of times. This hands Kysely a view of the database whose prepare()
// reuses statements by SQL text (bounded, least recently used dropped first), and gives code
// that uses better-sqlite3 directly its statements once per database.
// Shared by desk and relay (Node only; the renderer never imports src-shared/db).
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export function withStatementCache(sqlite: Database.Database, limit = 500): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt) {
        // Re-insert to mark as recently used.
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= limit) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

const prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The same statement for the same SQL on the same database, for code that runs the same few
 * statements on every change (the search index, node history); SQL here is fixed text, so the
 * cache stays small.
 */
export function statement(sqlite: Database.Database, sql: string): Database.Statement {
  let cache = prepared.get(sqlite);
  if (!cache) prepared.set(sqlite, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = sqlite.prepare(sql)));
  return stmt;
}
