// Operator records, version 1: workspaces, paired devices, pairing codes and blobs, for the
// relay's own database (SQLite `DATA/relay.sqlite`, or PostgreSQL schema `public`).
// Times are ISO-8601 UTC strings (`Date#toISOString`, fixed width), so comparing them as text
// compares them as times; PostgreSQL compares them byte-wise (COLLATE "C") so no locale's rules
// for punctuation can interfere. Only hashes of pairing codes and device secrets are kept.
// Frozen once released: later changes are new migrations.
import type { PostgresMigration, SqliteMigration } from './types.js';

export const sqliteOperator001: SqliteMigration = {
  version: 1,
  name: 'operator',
  up(db) {
    db.exec(`
      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX devices_workspace ON devices (workspace_id, created_at);

      CREATE TABLE pairing_codes (
        code_hash TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        device_id TEXT
      );
      CREATE INDEX pairing_codes_expiry ON pairing_codes (expires_at);

      CREATE TABLE blobs (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        hash TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        mime_type TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, hash)
      ) WITHOUT ROWID;
    `);
  },
};

export const postgresOperator001: PostgresMigration = {
  version: 1,
  name: 'operator',
  sql: `
    CREATE TABLE relay_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE workspaces (
      id TEXT PRIMARY KEY,
      slug TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      created_at TEXT COLLATE "C" NOT NULL
    );

    CREATE TABLE devices (
      id TEXT PRIMARY KEY,
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      name TEXT NOT NULL,
      secret_hash TEXT NOT NULL,
      created_at TEXT COLLATE "C" NOT NULL,
      last_seen_at TEXT COLLATE "C",
      revoked_at TEXT COLLATE "C"
    );
    CREATE INDEX devices_workspace ON devices (workspace_id, created_at);

    CREATE TABLE pairing_codes (
      code_hash TEXT PRIMARY KEY,
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      created_at TEXT COLLATE "C" NOT NULL,
      expires_at TEXT COLLATE "C" NOT NULL,
      used_at TEXT COLLATE "C",
      device_id TEXT
    );
    CREATE INDEX pairing_codes_expiry ON pairing_codes (expires_at);

    CREATE TABLE blobs (
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      hash TEXT NOT NULL,
      size_bytes BIGINT NOT NULL,
      mime_type TEXT NOT NULL,
      created_at TEXT COLLATE "C" NOT NULL,
      PRIMARY KEY (workspace_id, hash)
    );
  `,
};
