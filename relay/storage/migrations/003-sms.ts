// Relay workspace schema, version 3: texts (the desk's migration 005). SQLite reuses the desk's
// DDL; PostgreSQL mirrors it column for column. Frozen once released.
import { SMS_SCHEMA_SQL } from '../../../src-main/db/migrations/005-sms.js';
import type { PostgresMigration, SqliteMigration } from './index.js';

export const sqliteWorkspace003: SqliteMigration = {
  version: 3,
  name: 'sms',
  up: (db) => db.exec(SMS_SCHEMA_SQL),
};

export const postgresWorkspace003: PostgresMigration = {
  version: 3,
  name: 'sms',
  sql: `
    ALTER TABLE workspace_settings ADD COLUMN sms_number TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_10dlc_status TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_help_text TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_window_start TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_window_end TEXT;

    ALTER TABLE customers ADD COLUMN sms_opt_out BIGINT;
    ALTER TABLE customers ADD COLUMN sms_opt_out_at TEXT;
    ALTER TABLE customers ADD COLUMN time_zone TEXT;

    ALTER TABLE messages ADD COLUMN peer_number TEXT;
    ALTER TABLE messages ADD COLUMN automated BIGINT;
    ALTER TABLE messages ADD COLUMN approved_by TEXT;
    ALTER TABLE messages ADD COLUMN approved_at TEXT;
    ALTER TABLE messages ADD COLUMN template_id TEXT;
    ALTER TABLE messages ADD COLUMN send_after TEXT;
    CREATE INDEX messages_status ON messages (channel, status);

    CREATE TABLE sms_templates (
      id TEXT PRIMARY KEY, name TEXT, milestone TEXT, body TEXT, active BIGINT, position BIGINT
    );
  `,
};
