// The relay's schema versions, one list per engine and per database, imported statically (no
// directory scan at run time), and the code that applies them. Every list refuses a database
// written by a newer relay: several relay versions may share one PostgreSQL database during a
// rolling upgrade, and an old one must stop rather than write into a schema it does not know.
//   operator records: SQLite `relay.sqlite` (PRAGMA user_version) | PostgreSQL `public` (relay_meta)
//   each workspace:   SQLite `workspaces/<id>.sqlite` (user_version) | schema `ws_<id>` (meta)
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { activeSchema, type ActiveSchema } from '../../../src-shared/schema/active.js';
import { postgresDdlOf, relayVersionOf, sqliteDdlOf } from '../../../src-shared/schema/versions.js';
import { postgresOperator001, sqliteOperator001 } from './001-operator.js';
import { postgresOperator002, sqliteOperator002 } from './002-sms-operator.js';
import { postgresOperator003, sqliteOperator003 } from './003-ro-number-blocks.js';
import { postgresOperator004, sqliteOperator004 } from './004-mail-operator.js';
import { postgresOperator005, sqliteOperator005 } from './005-mail-providers.js';
import { postgresOperator006, sqliteOperator006 } from './006-ai-usage.js';
import { postgresOperator007, sqliteOperator007 } from './007-esign-keys.js';
import { postgresOperator008, sqliteOperator008 } from './008-esign-codes.js';
import { postgresOperator009, sqliteOperator009 } from './009-work-providers.js';
import { postgresOperator010, sqliteOperator010 } from './010-provider-api.js';
import { postgresOperator011, sqliteOperator011 } from './011-customer-accounts.js';
import { postgresOperator013, sqliteOperator013 } from './013-groups.js';
import { postgresOperator014, sqliteOperator014 } from './014-automation-timers.js';
import { postgresOperator015, sqliteOperator015 } from './015-blob-refill.js';
import { postgresOperator016, sqliteOperator016 } from './016-desk-releases.js';
import { postgresOperator018, sqliteOperator018 } from './018-group-sign-in.js';
import { postgresOperator019, sqliteOperator019 } from './019-relay-rounds.js';
import type { PostgresMigration, SqliteMigration } from './types.js';

export type { PostgresMigration, SqliteMigration } from './types.js';

export const SQLITE_OPERATOR_MIGRATIONS: readonly SqliteMigration[] = [sqliteOperator001, sqliteOperator002, sqliteOperator003, sqliteOperator004, sqliteOperator005, sqliteOperator006, sqliteOperator007, sqliteOperator008, sqliteOperator009, sqliteOperator010, sqliteOperator011, sqliteOperator013, sqliteOperator014, sqliteOperator015, sqliteOperator016, sqliteOperator018, sqliteOperator019];
export const POSTGRES_OPERATOR_MIGRATIONS: readonly PostgresMigration[] = [postgresOperator001, postgresOperator002, postgresOperator003, postgresOperator004, postgresOperator005, postgresOperator006, postgresOperator007, postgresOperator008, postgresOperator009, postgresOperator010, postgresOperator011, postgresOperator013, postgresOperator014, postgresOperator015, postgresOperator016, postgresOperator018, postgresOperator019];

// Workspace versions come from the shared list (src-shared/schema/versions.ts): every version that
// is not desk-only, under the number the relay records for it (1, 2, 3 for the released 1, 3, 5;
// the same number as the desk from 6 on). SQLite files get the same DDL as a desk.

/** The relay's SQLite workspace versions of `schema` (the active one unless a test passes its own). */
export function sqliteWorkspaceMigrations(schema: ActiveSchema = activeSchema()): SqliteMigration[] {
  return schema.versions
    .filter((v) => !v.deskOnly)
    .map((v) => ({ version: relayVersionOf(v), name: v.name, up: (db) => void db.exec(sqliteDdlOf(v, schema.declaration)) }));
}

/** The relay's PostgreSQL workspace versions of `schema`. */
export function postgresWorkspaceMigrations(schema: ActiveSchema = activeSchema()): PostgresMigration[] {
  return schema.versions
    .filter((v) => !v.deskOnly)
    .map((v) => ({ version: relayVersionOf(v), name: v.name, sql: postgresDdlOf(v, schema.declaration) }));
}

export const SQLITE_WORKSPACE_MIGRATIONS: readonly SqliteMigration[] = sqliteWorkspaceMigrations();
export const POSTGRES_WORKSPACE_MIGRATIONS: readonly PostgresMigration[] = postgresWorkspaceMigrations();

export function latestVersion(migrations: readonly { version: number }[]): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

export class StorageTooNewError extends Error {
  readonly code = 'database-too-new';
  constructor(
    readonly where: string,
    readonly foundVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `${where} was written by a newer Bayline relay (schema version ${foundVersion}; this relay knows up to ${knownVersion}). ` +
        'Run the newer relay; nothing was changed.',
    );
  }
}

/** The file's version, read without writing anything to it; null when there is no file. */
export function sqliteVersionOnDisk(file: string): number | null {
  if (!fs.existsSync(file)) return null;
  const probe = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return probe.pragma('user_version', { simple: true }) as number;
  } finally {
    probe.close();
  }
}

/** Applies the missing versions up to `target`, each in its own transaction with its version number. */
export function migrateSqlite(
  db: Database.Database,
  migrations: readonly SqliteMigration[],
  label: string,
  target = latestVersion(migrations),
): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = latestVersion(migrations);
  if (from > latest) throw new StorageTooNewError(label, from, latest);
  for (const m of migrations) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

/** Schema names are made here from workspace ids, never taken from outside as they are. */
const SCHEMA_NAME = /^(public|ws_[0-9a-f]{32})$/;

/**
 * Brings one PostgreSQL schema to `target` in one transaction. The advisory lock serialises
 * relay processes that start at the same moment (and, for a workspace, its writers), so a
 * migration runs once; DDL is transactional in PostgreSQL, so a failure leaves nothing behind.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  options: {
    schema: string;
    /** The schema's key/value table holding `schema_version` (created by migration 1). */
    versionTable: 'relay_meta' | 'meta';
    migrations: readonly PostgresMigration[];
    /** A 64-bit advisory lock key, as a decimal string. */
    lockKey: string;
    label: string;
    target?: number;
  },
): Promise<number> {
  const { schema, versionTable, migrations, label } = options;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Not a Bayline schema name: ${schema}`);
  const latest = latestVersion(migrations);
  const target = options.target ?? latest;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [options.lockKey]);
    if (schema !== 'public') await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    // Only this schema: an unqualified name must never resolve to another workspace or to public.
    await client.query(`SET LOCAL search_path TO ${schema}`);
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${schema}.${versionTable}`]);
    let version = 0;
    if (exists.rows[0]?.t) {
      const row = await client.query<{ value: string }>(`SELECT value FROM ${versionTable} WHERE key = 'schema_version'`);
      version = Number(row.rows[0]?.value ?? 0);
    }
    if (version > latest) throw new StorageTooNewError(label, version, latest);
    for (const m of migrations) {
      if (m.version <= version || m.version > target) continue;
      await client.query(m.sql);
      version = m.version;
      await client.query(
        `INSERT INTO ${versionTable} (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [String(version)],
      );
    }
    await client.query('COMMIT');
    return version;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
