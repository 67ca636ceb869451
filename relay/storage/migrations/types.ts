// What a relay schema version is, per engine: a number, a name, and what brings a database to it.
import type Database from 'better-sqlite3';

export interface SqliteMigration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export interface PostgresMigration {
  version: number;
  name: string;
  /** Statements without parameters, run in one transaction with search_path set to the target schema. */
  sql: string;
}
