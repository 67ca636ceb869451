// The one declaration of the synced tables against the three engines: it is sound, the DDL made
// from it builds what the released SQL built, and every declared column is on the desk's SQLite,
// the relay's SQLite and the relay's PostgreSQL (a column declared but missing anywhere fails
// here by name).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { SYNCED_SCHEMA, text, type SchemaDeclaration } from '../../src-shared/schema/declaration.js';
import { declarationProblems, declaredDdl } from '../../src-shared/schema/ddl.js';
import { SCHEMA_VERSIONS, versionProblems } from '../../src-shared/schema/versions.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { openWorkspaceDb } from '../../src-main/db/workspace-db.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { type Columns, declaredColumns, missingColumns, postgresColumns, sqliteColumns, sqliteFileColumns } from '../testing/schema-columns.js';
import { workspaceSchema, openPostgresStorage } from './postgres.js';
import { openSqliteStorage } from './sqlite.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

/** The real declaration with one more column, in a version that no database has yet. */
/** A version no list names yet: the one after the newest. */
const UNLISTED = SCHEMA_VERSIONS.at(-1)!.version + 1;
const withNickname: SchemaDeclaration = {
  ...SYNCED_SCHEMA,
  customers: { ...SYNCED_SCHEMA.customers, columns: { ...SYNCED_SCHEMA.customers.columns, nickname: text(UNLISTED) } },
};

describe('the synced schema declaration', () => {
  it('is sound, and every version it names is in the shared list', () => {
    expect(declarationProblems(SYNCED_SCHEMA)).toEqual([]);
    expect(versionProblems(SCHEMA_VERSIONS, SYNCED_SCHEMA)).toEqual([]);
    expect(declarationProblems({ ...SYNCED_SCHEMA, notes: { ...SYNCED_SCHEMA.notes, since: 3 } })).toContain('notes.ro_id arrives (v1) before its table (v3)');
    expect(versionProblems(SCHEMA_VERSIONS, withNickname)).toEqual([`customers.nickname arrives in v${UNLISTED}, which is not a shared version in the list`]);
  });

  it('keeps the released SQL (versions 1, 3, 5) exactly as it shipped, and the relay numbers them 1, 2, 3', () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
    // Every existing database was built with these texts: a change to one is a bug, never an upgrade.
    expect(SCHEMA_VERSIONS.filter((v) => v.frozen).map((v) => [v.version, v.frozen!.relayVersion, sha(v.frozen!.sqlite), sha(v.frozen!.postgres)])).toEqual([
      [1, 1, '97be38160fceb5be', 'ea9dea096e2c337f'],
      [3, 2, '9c18e8aedc24ff3f', 'fca5f9ffd6f44f8c'],
      [5, 3, 'cdf253943ac5783e', 'cbc88c7f26948f2d'],
    ]);
    expect(SCHEMA_VERSIONS.filter((v) => v.deskOnly).map((v) => v.version)).toEqual([2, 4]);
  });

  it('gives the sync code the same tables, columns and types (SYNCED_TABLES)', () => {
    for (const [table, columns] of Object.entries(declaredColumns(SYNCED_SCHEMA))) {
      const { id, ...rest } = columns;
      expect(id).toBe('text');
      expect(SYNCED_TABLES[table as keyof typeof SYNCED_TABLES].columns, table).toEqual(rest);
    }
    expect(Object.entries(SYNCED_TABLES).filter(([, t]) => t.appendOnly).map(([name]) => name).sort()).toEqual([
      'audit_events',
      'csi_follow_up_entries',
      'notes',
      'promised_date_changes',
      'stage_events',
    ]);
  });

  it('makes SQLite DDL that builds what the released SQL (versions 1, 3, 5) built: columns, types, indexes', () => {
    const shape = (db: Database.Database) =>
      Object.fromEntries(
        Object.keys(SYNCED_SCHEMA).map((table) => [
          table,
          {
            columns: (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string; pk: number }[])
              .map((c) => `${c.name} ${c.type} ${c.pk}`)
              .sort(),
            indexes: (db.prepare(`PRAGMA index_list(${table})`).all() as { name: string; origin: string }[])
              .filter((i) => i.origin === 'c')
              .map((i) => `${i.name}(${(db.prepare(`PRAGMA index_info(${i.name})`).all() as { name: string }[]).map((c) => c.name).join(',')})`)
              .sort(),
          },
        ]),
      );
    const released = new Database(':memory:');
    const declared = new Database(':memory:');
    for (const v of SCHEMA_VERSIONS.filter((v) => v.frozen)) {
      released.exec(v.frozen!.sqlite);
      declared.exec(declaredDdl(SYNCED_SCHEMA, v.version, 'sqlite'));
    }
    expect(shape(declared)).toEqual(shape(released));
    expect(shape(declared).messages!.indexes).toEqual(['messages_ro(ro_id,at)', 'messages_status(channel,status)']);
  });

  it('makes PostgreSQL DDL that builds what the released SQL (relay workspace versions 1, 2, 3) built', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const shape = async (schema: string) => {
        const columns = await client.query<{ t: string; c: string; type: string; collation: string | null }>(
          'SELECT table_name AS t, column_name AS c, data_type AS type, collation_name AS collation FROM information_schema.columns WHERE table_schema = $1',
          [schema],
        );
        const indexes = await client.query<{ t: string; def: string }>('SELECT tablename AS t, indexdef AS def FROM pg_indexes WHERE schemaname = $1', [schema]);
        return Object.fromEntries(
          Object.keys(SYNCED_SCHEMA).map((table) => [
            table,
            {
              columns: columns.rows.filter((r) => r.t === table).map((r) => `${r.c} ${r.type} ${r.collation}`).sort(),
              indexes: indexes.rows.filter((r) => r.t === table).map((r) => r.def.replaceAll(`${schema}.`, '')).sort(),
            },
          ]),
        );
      };
      for (const [schema, ddl] of [
        ['released', (v: (typeof SCHEMA_VERSIONS)[number]) => v.frozen!.postgres],
        ['declared', (v: (typeof SCHEMA_VERSIONS)[number]) => declaredDdl(SYNCED_SCHEMA, v.version, 'postgres')],
      ] as const) {
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET search_path TO ${schema}`);
        for (const v of SCHEMA_VERSIONS.filter((v) => v.frozen)) await client.query(ddl(v));
      }
      const declared = await shape('declared');
      expect(declared).toEqual(await shape('released'));
      expect(declared.repair_orders!.columns).toContain('ro_number bigint null');
      expect(declared.repair_orders!.indexes).toContain('CREATE INDEX repair_orders_open ON repair_orders USING btree (closed_at, stage)');
    } finally {
      await client.end();
    }
  });
});

describe('every declared column is on every engine', () => {
  it('desk SQLite, relay SQLite and relay PostgreSQL each hold every declared column, and the check names one that is missing', async () => {
    const desk = await openWorkspaceDb(path.join(tempDir(), 'shop.sqlite'));
    const engines: Record<string, Columns> = { 'desk SQLite': sqliteColumns(desk.sqlite) };
    await desk.close();

    const relayDir = tempDir('bayline-relay-');
    const sqliteRelay = await openSqliteStorage(relayDir);
    const ws = await sqliteRelay.createWorkspace({ slug: 'columns-sqlite', name: 'Columns' });
    await sqliteRelay.close();
    engines['relay SQLite'] = sqliteFileColumns(path.join(relayDir, 'workspaces', `${ws.id}.sqlite`));
    fs.rmSync(relayDir, { recursive: true, force: true });

    const database = await createTestDatabase();
    databases.push(database);
    const pgRelay = await openPostgresStorage(database.url);
    const pgWs = await pgRelay.createWorkspace({ slug: 'columns-pg', name: 'Columns' });
    await pgRelay.close();
    engines['relay PostgreSQL'] = await postgresColumns(database.url, workspaceSchema(pgWs.id));

    for (const [engine, columns] of Object.entries(engines)) {
      expect(missingColumns(SYNCED_SCHEMA, columns), engine).toEqual([]);
      // A column declared but never migrated is named, on every engine.
      expect(missingColumns(withNickname, columns), engine).toEqual(['customers.nickname (text)']);
    }
  });
});
