// The schema desk and relay build their databases with: the real declaration and version list,
// read when a database is opened. A test may put an extended declaration in their place (one
// more table, one more version) for its own process; nothing else ever changes it.
import { SYNCED_SCHEMA, type SchemaDeclaration } from './declaration.js';
import { declarationProblems } from './ddl.js';
import { SCHEMA_VERSIONS, type SchemaVersion, versionProblems } from './versions.js';
import { registerSyncedTables } from '../sync/tables.js';

export interface ActiveSchema {
  readonly declaration: SchemaDeclaration;
  readonly versions: readonly SchemaVersion[];
}

let active: ActiveSchema = { declaration: SYNCED_SCHEMA, versions: SCHEMA_VERSIONS };

export function activeSchema(): ActiveSchema {
  return active;
}

/**
 * Test support: from now on this process builds databases from `schema` and accepts changes to
 * its tables. It must extend the real one (add tables, columns and versions, never drop any).
 */
export function useExtendedSchemaForTests(schema: ActiveSchema): void {
  const problems = [...declarationProblems(schema.declaration), ...versionProblems(schema.versions, schema.declaration)];
  for (const [name, table] of Object.entries(active.declaration)) {
    for (const column of Object.keys(table.columns)) {
      if (!schema.declaration[name]?.columns[column]) problems.push(`${name}.${column} is missing from the extended schema`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  registerSyncedTables(schema.declaration);
  active = schema;
}
