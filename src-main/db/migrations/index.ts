// The desk's schema versions, in order, imported statically (no directory scan at run time):
// one per entry of the shared version list (src-shared/schema/versions.ts). Each applies the
// version's synced DDL (frozen text for 1-5, made from the declaration from 6 on) and then the
// desk-only step of that version, if any (the search index in 2, token secrets in 4).
import { activeSchema, type ActiveSchema } from '../../../src-shared/schema/active.js';
import { sqliteDdlOf } from '../../../src-shared/schema/versions.js';
import { migration002 } from './002-search.js';
import { migration004 } from './004-token-secrets.js';
import type { DeskStep, Migration } from './types.js';

export type { Migration } from './types.js';

/** Desk-only steps by schema version. */
export const DESK_STEPS: Readonly<Record<number, DeskStep>> = {
  [migration002.version]: (db) => migration002.up(db),
  [migration004.version]: (db) => migration004.up(db),
};

export function deskMigrations(schema: ActiveSchema = activeSchema(), steps: Readonly<Record<number, DeskStep>> = DESK_STEPS): Migration[] {
  return schema.versions.map((v) => ({
    version: v.version,
    name: v.name,
    up(db) {
      const ddl = sqliteDdlOf(v, schema.declaration);
      if (ddl) db.exec(ddl);
      steps[v.version]?.(db);
    },
  }));
}

/** The real list (a test may extend the schema: the desk opens files with `deskMigrations()`). */
export const MIGRATIONS: readonly Migration[] = deskMigrations();

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
