// The one list of schema versions of a workspace database, shared by the desk's SQLite file, the
// relay's SQLite workspace files and the relay's PostgreSQL `ws_<id>` schemas.
//
// How the numbers line up: versions 1-5 were released before this list existed, and the relay
// numbered its workspace migrations on its own (relay 1 = desk 1, relay 2 = desk 3, relay 3 =
// desk 5; desk 2 and 4 are desk-only). Those texts are frozen (./frozen/) and keep their numbers
// on disk (`relayVersion`). From 6 on, desk and relay share one numbering: one entry here makes
// the version on every engine, its DDL produced from ./declaration.ts. A relay's list simply has
// no 4 and 5 (nor any later desk-only version); a desk-only step may also ride along in a shared
// version (its code lives in src-main/db/migrations, keyed by the version number).
import type { SchemaDeclaration } from './declaration.js';
import { declaredDdl } from './ddl.js';
import { POSTGRES_V1_WORKSPACE, SQLITE_V1_WORKSPACE } from './frozen/v1-workspace.js';
import { POSTGRES_V3_PORTAL, SQLITE_V3_PORTAL } from './frozen/v3-portal.js';
import { POSTGRES_V5_SMS, SQLITE_V5_SMS } from './frozen/v5-sms.js';

export interface SchemaVersion {
  readonly version: number;
  /** A word for logs and backups ("sms", "portal"). */
  readonly name: string;
  /** Released before the declaration: the DDL exactly as it shipped, and the relay's own number for it. */
  readonly frozen?: { readonly sqlite: string; readonly postgres: string; readonly relayVersion: number };
  /** Only the desk changes (its step in src-main/db/migrations): the relay has no such version. */
  readonly deskOnly?: boolean;
}

export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [
  { version: 1, name: 'workspace', frozen: { sqlite: SQLITE_V1_WORKSPACE, postgres: POSTGRES_V1_WORKSPACE, relayVersion: 1 } },
  { version: 2, name: 'search', deskOnly: true },
  { version: 3, name: 'portal', frozen: { sqlite: SQLITE_V3_PORTAL, postgres: POSTGRES_V3_PORTAL, relayVersion: 2 } },
  { version: 4, name: 'token-secrets', deskOnly: true },
  { version: 5, name: 'sms', frozen: { sqlite: SQLITE_V5_SMS, postgres: POSTGRES_V5_SMS, relayVersion: 3 } },
  { version: 6, name: 'mail' },
  { version: 7, name: 'mail-compose' },
  { version: 8, name: 'sign-book-call' },
  { version: 9, name: 'after-repair-providers-rules' },
  { version: 10, name: 'languages-countries-notices' },
];

/** The version number a relay's workspace file or schema records for `v`. */
export function relayVersionOf(v: SchemaVersion): number {
  return v.frozen?.relayVersion ?? v.version;
}

/** What `v` does to the synced tables on SQLite (desk and relay): frozen text, or made from the declaration. */
export function sqliteDdlOf(v: SchemaVersion, schema: SchemaDeclaration): string {
  if (v.deskOnly) return '';
  return v.frozen ? v.frozen.sqlite : declaredDdl(schema, v.version, 'sqlite');
}

/** What `v` does to a relay workspace schema on PostgreSQL. */
export function postgresDdlOf(v: SchemaVersion, schema: SchemaDeclaration): string {
  if (v.deskOnly) return '';
  return v.frozen ? v.frozen.postgres : declaredDdl(schema, v.version, 'postgres');
}

/** Mistakes in a version list with its declaration, in words; empty when sound. */
export function versionProblems(versions: readonly SchemaVersion[], schema: SchemaDeclaration): string[] {
  const problems: string[] = [];
  let relayBefore = 0;
  versions.forEach((v, i) => {
    const before = versions[i - 1];
    if (before && v.version <= before.version) problems.push(`version ${v.version} comes after ${before.version}`);
    if (!v.frozen && !v.deskOnly && v.version <= 5) problems.push(`version ${v.version} is a released one; new versions start at 6`);
    if (v.deskOnly) return;
    if (relayVersionOf(v) <= relayBefore) problems.push(`version ${v.version} would not be newer on the relay`);
    relayBefore = relayVersionOf(v);
  });
  const shared = new Set(versions.filter((v) => !v.deskOnly).map((v) => v.version));
  for (const [tableName, table] of Object.entries(schema)) {
    const items: Array<[string, number]> = [
      [tableName, table.since],
      ...Object.entries(table.columns).map(([c, d]): [string, number] => [`${tableName}.${c}`, d.since]),
      ...Object.entries(table.indexes).map(([n, d]): [string, number] => [`index ${n}`, d.since]),
    ];
    for (const [what, since] of items) if (!shared.has(since)) problems.push(`${what} arrives in v${since}, which is not a shared version in the list`);
  }
  return problems;
}
