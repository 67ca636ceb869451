// The relay's commits that need not wait for the disk (bookkeeping whose work is redone after a
// power cut), on either engine. Its own module: the records that use it are imported by the
// storage's types, which common.ts imports.
import { type Kysely, sql } from 'kysely';

/**
 * Runs `fn` in one transaction whose commit does not wait for the disk to flush: for bookkeeping
 * that a power cut may roll back because the work it records is redone then (a cursor over a
 * shop's log whose consumers are idempotent). A crash of the process alone loses nothing; the
 * next durable commit on the database flushes it too. Everything else commits durably.
 */
export type UnsyncedCommit = <DB>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<unknown>) => Promise<void>;

/** SQLite: `synchronous = NORMAL` for this one transaction, on the connection held throughout (nothing else runs in between). */
export const sqliteUnsyncedCommit: UnsyncedCommit = (db, fn) =>
  db.connection().execute(async (conn) => {
    await sql`PRAGMA synchronous = NORMAL`.execute(conn);
    try {
      await conn.transaction().execute(fn);
    } finally {
      await sql`PRAGMA synchronous = FULL`.execute(conn);
    }
  });

/** PostgreSQL: `synchronous_commit = off` for this transaction only (SET LOCAL). */
export const postgresUnsyncedCommit: UnsyncedCommit = (db, fn) =>
  db.transaction().execute(async (trx) => {
    await sql`SET LOCAL synchronous_commit = off`.execute(trx);
    await fn(trx);
  });
