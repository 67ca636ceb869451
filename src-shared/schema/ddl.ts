// DDL produced from the declaration: for one schema version, what the desk's and the relay's
// SQLite files and the relay's PostgreSQL schemas need to gain (new tables with their columns of
// that version, columns added to older tables, indexes). PostgreSQL keeps the conventions of the
// frozen DDL: integers are BIGINT (JavaScript's safe integers do not fit in INTEGER), reals
// DOUBLE PRECISION, and text declared `collate: 'C'` compares byte-wise.
import type { ColumnDeclaration, SchemaDeclaration } from './declaration.js';

export type Dialect = 'sqlite' | 'postgres';

const TYPES: Record<Dialect, Record<ColumnDeclaration['type'], string>> = {
  sqlite: { text: 'TEXT', integer: 'INTEGER', real: 'REAL' },
  postgres: { text: 'TEXT', integer: 'BIGINT', real: 'DOUBLE PRECISION' },
};

const NAME = /^[a-z][a-z0-9_]*$/;

/** Quoted, so a column named like a keyword (`order`, `position`) still works on both engines. */
const q = (name: string) => `"${name}"`;

function columnSql(name: string, column: ColumnDeclaration, dialect: Dialect): string {
  const collate = dialect === 'postgres' && column.collate ? ` COLLATE "${column.collate}"` : '';
  return `${q(name)} ${TYPES[dialect][column.type]}${collate}`;
}

/** Mistakes in a declaration, in words; empty when it is sound. */
export function declarationProblems(schema: SchemaDeclaration): string[] {
  const problems: string[] = [];
  for (const [tableName, table] of Object.entries(schema)) {
    if (!NAME.test(tableName)) problems.push(`table name ${tableName} is not lower_case_with_underscores`);
    for (const [name, column] of Object.entries(table.columns)) {
      if (!NAME.test(name) || name === 'id') problems.push(`${tableName}.${name}: not a usable column name`);
      if (column.since < table.since) problems.push(`${tableName}.${name} arrives (v${column.since}) before its table (v${table.since})`);
    }
    for (const [name, index] of Object.entries(table.indexes)) {
      if (!NAME.test(name)) problems.push(`index name ${name} is not lower_case_with_underscores`);
      for (const c of index.columns) {
        const column = c === 'id' ? { since: table.since } : table.columns[c];
        if (!column) problems.push(`index ${name} names ${tableName}.${c}, which is not declared`);
        else if (column.since > index.since) problems.push(`index ${name} (v${index.since}) names ${tableName}.${c}, which arrives in v${column.since}`);
      }
    }
  }
  return problems;
}

/** The statements that bring a database of version `version - 1` to `version`, as declared. */
export function declaredDdl(schema: SchemaDeclaration, version: number, dialect: Dialect): string {
  const problems = declarationProblems(schema);
  if (problems.length > 0) throw new Error(`The synced schema declaration is not sound: ${problems.join('; ')}`);
  const statements: string[] = [];
  for (const [tableName, table] of Object.entries(schema)) {
    const arriving = Object.entries(table.columns).filter(([, c]) => c.since === version);
    if (table.since === version) {
      const columns = [`${q('id')} TEXT PRIMARY KEY`, ...arriving.map(([name, c]) => columnSql(name, c, dialect))];
      statements.push(`CREATE TABLE ${q(tableName)} (\n  ${columns.join(',\n  ')}\n);`);
    } else if (table.since < version) {
      for (const [name, c] of arriving) statements.push(`ALTER TABLE ${q(tableName)} ADD COLUMN ${columnSql(name, c, dialect)};`);
    }
    for (const [name, index] of Object.entries(table.indexes)) {
      if (index.since === version) statements.push(`CREATE INDEX ${q(name)} ON ${q(tableName)} (${index.columns.map(q).join(', ')});`);
    }
  }
  return statements.join('\n');
}
