// Relay workspace schema, version 2: the portal tables (tokens as hashes, messages, counts,
// track requests). SQLite reuses the desk's migration 003; PostgreSQL mirrors it column for
// column (the storage tests compare both engines with SYNCED_TABLES). Frozen once released.
import { PORTAL_SCHEMA_SQL } from '../../../src-main/db/migrations/003-portal.js';
import type { PostgresMigration, SqliteMigration } from './index.js';

export const sqliteWorkspace002: SqliteMigration = {
  version: 2,
  name: 'portal',
  up: (db) => db.exec(PORTAL_SCHEMA_SQL),
};

export const postgresWorkspace002: PostgresMigration = {
  version: 2,
  name: 'portal',
  sql: `
    ALTER TABLE workspace_settings ADD COLUMN portal_days_after_delivery BIGINT;
    ALTER TABLE workspace_settings ADD COLUMN bay_photos_published BIGINT;
    ALTER TABLE attachments ADD COLUMN message_id TEXT;

    CREATE TABLE portal_tokens (
      id TEXT PRIMARY KEY, ro_id TEXT, kind TEXT, token_hash TEXT, issued_at TEXT, issued_by TEXT,
      expires_at TEXT, revoked_at TEXT
    );
    CREATE INDEX portal_tokens_hash ON portal_tokens (token_hash);
    CREATE INDEX portal_tokens_ro ON portal_tokens (ro_id);

    CREATE TABLE messages (
      id TEXT PRIMARY KEY, ro_id TEXT, customer_id TEXT, channel TEXT, direction TEXT, body TEXT,
      at TEXT, staff_id TEXT, author TEXT, read_at TEXT, status TEXT, status_detail TEXT,
      external_id TEXT
    );
    CREATE INDEX messages_ro ON messages (ro_id, at);

    CREATE TABLE portal_counts (id TEXT PRIMARY KEY, ro_id TEXT, source TEXT, views BIGINT, last_at TEXT);
    CREATE INDEX portal_counts_ro ON portal_counts (ro_id);

    CREATE TABLE track_requests (
      id TEXT PRIMARY KEY, ro_id TEXT, at TEXT, channel TEXT, destination TEXT, handled_at TEXT
    );
    CREATE INDEX track_requests_ro ON track_requests (ro_id);
  `,
};
