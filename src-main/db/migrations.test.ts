// Each migration on its own: build the version before it, put data in, migrate, check the result.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { searchIds } from '../search/search-index.js';
import { tempDir } from '../testing/temp-desk.js';
import { listBackups } from './backups.js';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index.js';
import { DatabaseTooNewError, migrate, openWorkspaceDb, schemaVersion } from './workspace-db.js';

function freshFile(): string {
  return path.join(tempDir(), 'shop.sqlite');
}

describe('migration 1: workspace tables', () => {
  it('creates every synced table with exactly the columns the sync format allows', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 1);
    expect(schemaVersion(sqlite)).toBe(1);
    for (const [table, def] of Object.entries(SYNCED_TABLES)) {
      const columns = (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
      expect(columns.sort(), table).toEqual(['id', ...Object.keys(def.columns)].sort());
    }
    sqlite.close();
  });
});

describe('migration 2: search index', () => {
  it('indexes the repair orders a version-1 database already holds', () => {
    const file = freshFile();
    const sqlite = new Database(file);
    migrate(sqlite, 1);
    sqlite.prepare("INSERT INTO customers (id, first_name, last_name, mobile) VALUES ('c1', 'Zoë', 'Hart', '+15125550147')").run();
    sqlite.prepare("INSERT INTO vehicles (id, customer_id, vin, plate) VALUES ('v1', 'c1', '1HGCM82633A004352', 'KLM 456')").run();
    sqlite.prepare("INSERT INTO repair_orders (id, ro_number, customer_id, vehicle_id, claim_number) VALUES ('r1', 1042, 'c1', 'v1', 'SF-88-1234')").run();
    migrate(sqlite, 2);
    expect(schemaVersion(sqlite)).toBe(2);
    expect(searchIds(sqlite, 'ro', 'zoe hart', 10)).toEqual(['r1']);
    expect(searchIds(sqlite, 'ro', '004352', 10)).toEqual(['r1']);
    expect(searchIds(sqlite, 'customer', '555-0147', 10)).toEqual(['c1']);
    sqlite.close();
  });
});

describe('opening a database', () => {
  it('has a test for every migration', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2]);
    expect(LATEST_VERSION).toBe(2);
  });

  it('refuses a file written by a newer Bayline, by name, and leaves it byte for byte as it was', async () => {
    const file = freshFile();
    const sqlite = new Database(file);
    migrate(sqlite);
    sqlite.pragma('user_version = 99');
    sqlite.close();
    const hash = () => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = hash();
    const filesBefore = fs.readdirSync(path.dirname(file)).sort();
    await expect(openWorkspaceDb(file)).rejects.toThrow(DatabaseTooNewError);
    await expect(openWorkspaceDb(file)).rejects.toThrow(/newer Bayline \(database version 99; this app knows up to 2\)/);
    expect(hash()).toBe(before);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(filesBefore);
  });

  it('backs up an older database before migrating it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'shop.sqlite');
    const sqlite = new Database(file);
    migrate(sqlite, 1);
    sqlite.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    sqlite.close();
    const backupDir = path.join(dir, 'backups');
    const opened = await openWorkspaceDb(file, { backupDir });
    await opened.close();
    const [backup] = listBackups(backupDir);
    expect(backup?.reason).toBe('before-v2');
    const old = new Database(backup!.file, { readonly: true });
    expect(schemaVersion(old)).toBe(1);
    expect(old.prepare('SELECT first_name FROM customers').get()).toEqual({ first_name: 'Ana' });
    old.close();
  });

  it('runs in WAL mode', async () => {
    const opened = await openWorkspaceDb(freshFile());
    expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    await opened.close();
  });
});
