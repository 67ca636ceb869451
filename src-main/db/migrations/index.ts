// Every schema version, in order, imported statically (no directory scan at run time).
import type BetterSqlite3 from 'better-sqlite3';
import { migration001 } from './001-workspace.js';
import { migration002 } from './002-search.js';
import { migration003 } from './003-portal.js';
import { migration004 } from './004-token-secrets.js';
import { migration005 } from './005-sms.js';

export interface Migration {
  version: number;
  name: string;
  up(db: BetterSqlite3.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
