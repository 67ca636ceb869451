// The relay's one commit that does not wait for the disk (the providers' index cursor): it must
// commit what it was given, roll back whole on an error, and leave every later commit on the
// connection durable again (SQLite's `synchronous` back to FULL; PostgreSQL's SET LOCAL ends with
// its transaction).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { postgresUnsyncedCommit, sqliteUnsyncedCommit } from './unsynced-commit.js';

interface Db {
  cursors: { id: string; seq: number };
}

describe('a commit that does not wait for the disk', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('on SQLite: commits, rolls back whole on an error, and leaves the connection at synchronous = FULL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-unsynced-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sqlite = new Database(path.join(dir, 'relay.sqlite'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.exec('CREATE TABLE cursors (id TEXT PRIMARY KEY, seq INTEGER NOT NULL)');
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) });
    cleanups.push(() => db.destroy());
    const synchronous = () => sqlite.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(2); // FULL

    let inside: unknown;
    await sqliteUnsyncedCommit(db, async (trx) => {
      inside = (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx)).rows[0]!.synchronous;
      await trx.insertInto('cursors').values({ id: 'shop', seq: 5 }).execute();
    });
    expect(inside).toBe(1); // NORMAL, for this commit only
    expect(synchronous()).toBe(2);
    expect(sqlite.prepare('SELECT seq FROM cursors').pluck().get()).toBe(5);

    await expect(
      sqliteUnsyncedCommit(db, async (trx) => {
        await trx.updateTable('cursors').set({ seq: 9 }).execute();
        throw new Error('the round failed');
      }),
    ).rejects.toThrow('the round failed');
    expect(sqlite.prepare('SELECT seq FROM cursors').pluck().get()).toBe(5);
    expect(synchronous()).toBe(2);
  });

  it('on PostgreSQL: synchronous_commit is off inside the transaction only', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const db = new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
    cleanups.push(() => db.destroy());
    await sql`CREATE TABLE cursors (id text PRIMARY KEY, seq integer NOT NULL)`.execute(db);
    const setting = async (on: Kysely<Db>) => (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(on)).rows[0]!.synchronous_commit;

    let inside = '';
    await postgresUnsyncedCommit(db, async (trx) => {
      inside = await setting(trx);
      await trx.insertInto('cursors').values({ id: 'shop', seq: 5 }).execute();
    });
    expect(inside).toBe('off');
    // One pooled connection: the next query runs on the same one, durable again.
    expect(await setting(db)).toBe('on');
    expect((await db.selectFrom('cursors').select('seq').executeTakeFirstOrThrow()).seq).toBe(5);

    await expect(
      postgresUnsyncedCommit(db, async (trx) => {
        await trx.updateTable('cursors').set({ seq: 9 }).execute();
        throw new Error('the round failed');
      }),
    ).rejects.toThrow('the round failed');
    expect((await db.selectFrom('cursors').select('seq').executeTakeFirstOrThrow()).seq).toBe(5);
    expect(await setting(db)).toBe('on');
  });
});
