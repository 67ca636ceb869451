// Test support: the databases a released Bayline left behind (src-shared/schema/fixtures/), put
// back where the code opens them: a desk's workspace file, a SQLite relay's data folder, and a
// fresh PostgreSQL database restored from the relay's dump. Each call makes a fresh copy.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { deskMigrations } from '../../src-main/db/migrations/index.js';
import { openWorkspaceDb } from '../../src-main/db/workspace-db.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { activeSchema } from '../../src-shared/schema/active.js';
import { SYNCED_SCHEMA } from '../../src-shared/schema/declaration.js';
import { sqliteWorkspaceMigrations } from '../storage/migrations/index.js';
import { openPostgresStorage, workspaceSchema } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';
import { missingColumns, postgresColumns, sqliteColumns } from './schema-columns.js';

export const RELEASES = ['v5', 'v6', 'v7', 'v8', 'v9', 'v10'] as const;
export type Release = (typeof RELEASES)[number];

const folder = (release: Release) => path.resolve('src-shared/schema/fixtures', release);

function unpack(release: Release, name: string, to: string): string {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, gunzipSync(fs.readFileSync(path.join(folder(release), `${name}.gz`))));
  return to;
}

/** A copy of the desk's workspace file. */
export function deskFixture(release: Release): string {
  return unpack(release, 'desk.sqlite', path.join(tempDir('bayline-fixture-desk-'), 'workspace.sqlite'));
}

/** A copy of the SQLite relay's data folder, and the id of its one workspace. */
export function relaySqliteFixture(release: Release): { dataDir: string; workspaceId: string } {
  const dataDir = tempDir('bayline-fixture-relay-');
  const workspaceId = fs.readFileSync(path.join(folder(release), 'relay-workspace-id.txt'), 'utf8').trim();
  unpack(release, 'relay.sqlite', path.join(dataDir, 'relay.sqlite'));
  unpack(release, 'relay-workspace.sqlite', path.join(dataDir, 'workspaces', `${workspaceId}.sqlite`));
  return { dataDir, workspaceId };
}

/** A fresh PostgreSQL database holding the relay's dump (drop it when done). */
export async function relayPostgresFixture(release: Release): Promise<TestDatabase> {
  const database = await createTestDatabase();
  // A plain dump with INSERTs: plain SQL but for psql's \restrict lines, so no psql is needed.
  const dump = gunzipSync(fs.readFileSync(path.join(folder(release), 'relay-postgres.sql.gz')))
    .toString('utf8')
    .replace(/^\\(?:un)?restrict .*$/gm, '');
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(dump);
  } finally {
    await client.end();
  }
  return database;
}

/**
 * Every synced row of a SQLite workspace file, table by table, in id order (what must survive an
 * upgrade). Tables a later version brings are left out when the file does not have them yet.
 */
export function sqliteSyncedRows(file: string, tables = Object.keys(SYNCED_SCHEMA)): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const present = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    return Object.fromEntries(tables.filter((t) => present.has(t)).map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY id`).all()]));
  } finally {
    db.close();
  }
}

/** Every synced row of a relay workspace schema on PostgreSQL, table by table, in id order. */
export async function postgresSyncedRows(url: string, schema: string, tables = Object.keys(SYNCED_SCHEMA)): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    const present = new Set(
      (await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema])).rows.map((r) => r.table_name),
    );
    for (const t of tables.filter((name) => present.has(name))) out[t] = (await client.query(`SELECT * FROM ${schema}.${t} ORDER BY id`)).rows;
    return out;
  } finally {
    await client.end();
  }
}

/** Each row as it was, with any column an upgrade added (null): the upgrade kept every value. */
export function expectRowsKept(before: Record<string, unknown[]>, after: Record<string, unknown[]>): void {
  for (const [table, rows] of Object.entries(before)) {
    const byId = new Map((after[table] ?? []).map((row) => [(row as { id: string }).id, row as Record<string, unknown>]));
    const kept = rows.map((row) => {
      const now = byId.get((row as { id: string }).id) ?? {};
      return Object.fromEntries(Object.keys(row as object).map((c) => [c, now[c]]));
    });
    expect(kept, table).toEqual(rows);
  }
}

/**
 * The tests that open each release's databases with this code (the active schema: the real one,
 * or one a test extended) and upgrade them in place: every value kept, every declared column on
 * every engine, the file's version the newest, and the database still usable.
 */
export function describeReleaseUpgrades(release: Release): void {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const drop of drops.splice(0)) await drop();
  });
  const { declaration } = activeSchema();
  const deskLatest = () => deskMigrations().at(-1)!.version;
  const relayLatest = () => sqliteWorkspaceMigrations().at(-1)!.version;

  describe(`databases made by release ${release}`, () => {
    it('a desk file: upgraded in place with every row kept, every declared column, and a backup of the old one', async () => {
      const file = deskFixture(release);
      const before = sqliteSyncedRows(file);
      expect(before.repair_orders!.length).toBeGreaterThan(0);
      const old = new Database(file, { readonly: true });
      const releasedVersion = old.pragma('user_version', { simple: true }) as number;
      old.close();
      const backupDir = path.join(path.dirname(file), 'backups');
      const w = await openWorkspaceDb(file, { backupDir });
      try {
        expect(w.sqlite.pragma('user_version', { simple: true })).toBe(deskLatest());
        expect(missingColumns(declaration, sqliteColumns(w.sqlite))).toEqual([]);
        expect(w.sqlite.prepare('SELECT count(*) AS n FROM token_secrets').get()).toBeDefined();
        await w.store.write({ actor: 'system', action: 'note-add' }, (tx) => tx.insert('notes', { ro_id: 'r-after-upgrade', body: 'Still writable' }));
      } finally {
        await w.close();
      }
      const after = sqliteSyncedRows(file);
      expectRowsKept(before, after);
      expect(after.notes!.length).toBe(before.notes!.length + 1);
      // A backup of the old file whenever it was upgraded (none when it already was the newest).
      if (deskLatest() > releasedVersion) expect(fs.readdirSync(backupDir).length).toBe(1);
      else expect(fs.existsSync(backupDir) ? fs.readdirSync(backupDir) : []).toEqual([]);
    });

    it('a SQLite relay: the shop, its paired desk and its whole change log are there after the upgrade', async () => {
      const { dataDir, workspaceId } = relaySqliteFixture(release);
      const file = path.join(dataDir, 'workspaces', `${workspaceId}.sqlite`);
      const before = sqliteSyncedRows(file);
      const logBefore = (before.audit_events ?? []).length;
      const storage = await openSqliteStorage(dataDir);
      try {
        expect((await storage.findWorkspace(workspaceId))?.name).toBe('Lakeside Collision');
        expect(await storage.listDevices(workspaceId)).toHaveLength(1);
        const store = await storage.workspaceStore(workspaceId);
        const log = await store.changesSince(0, { limit: 100_000 });
        expect(log.changes.length).toBeGreaterThan(100);
        expect(logBefore).toBeGreaterThan(0);
      } finally {
        await storage.close();
      }
      const db = new Database(file, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(relayLatest());
      expect(missingColumns(declaration, sqliteColumns(db))).toEqual([]);
      db.close();
      expectRowsKept(before, sqliteSyncedRows(file));
    });

    it('a PostgreSQL relay: the shop, its paired desk and its whole change log are there after the upgrade', async () => {
      const database = await relayPostgresFixture(release);
      drops.push(() => database.drop());
      const probe = await openPostgresStorage(database.url).catch((err: unknown) => err);
      expect(probe).not.toBeInstanceOf(Error);
      const storage = probe as Awaited<ReturnType<typeof openPostgresStorage>>;
      let schema = '';
      let before: Record<string, unknown[]> = {};
      try {
        const [workspace] = await storage.listWorkspaces();
        expect(workspace?.name).toBe('Lakeside Collision');
        schema = workspaceSchema(workspace!.id);
        before = await postgresSyncedRows(database.url, schema);
        expect(await storage.listDevices(workspace!.id)).toHaveLength(1);
        const store = await storage.workspaceStore(workspace!.id);
        expect((await store.changesSince(0, { limit: 100_000 })).changes.length).toBeGreaterThan(100);
        const version = await store.db.selectFrom('meta').select('value').where('key', '=', 'schema_version').executeTakeFirst();
        expect(version?.value).toBe(String(relayLatest()));
      } finally {
        await storage.close();
      }
      expect(missingColumns(declaration, await postgresColumns(database.url, schema))).toEqual([]);
      expectRowsKept(before, await postgresSyncedRows(database.url, schema));
    });
  });
}
