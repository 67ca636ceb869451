// Kysely's SQLite driver prepares every query it runs; the mutation layer runs the same few
// statements thousands of times. This hands Kysely a view of the database whose prepare()
// reuses statements by SQL text (bounded, least recently used dropped first).
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
