// What a desk schema version is: a number, a name, and the step that brings a file to it.
import type BetterSqlite3 from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: BetterSqlite3.Database): void;
}

/** A desk-only step of a schema version (run after the version's synced DDL, in its transaction). */
export type DeskStep = Migration['up'];
