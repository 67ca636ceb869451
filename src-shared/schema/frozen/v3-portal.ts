// Schema version 3 (desk version 3, relay workspace version 2) as released: what the customer
// portal and the bay camera need. Portal tokens are kept only as SHA-256 hashes (the raw token
// never enters a synced row); messages are the one conversation per repair; counts are written
// by the relay; track requests are what the public shop page asked to send. FROZEN: never edit.

export const SQLITE_V3_PORTAL = `
  ALTER TABLE workspace_settings ADD COLUMN portal_days_after_delivery INTEGER;
  ALTER TABLE workspace_settings ADD COLUMN bay_photos_published INTEGER;
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

  CREATE TABLE portal_counts (id TEXT PRIMARY KEY, ro_id TEXT, source TEXT, views INTEGER, last_at TEXT);
  CREATE INDEX portal_counts_ro ON portal_counts (ro_id);

  CREATE TABLE track_requests (
    id TEXT PRIMARY KEY, ro_id TEXT, at TEXT, channel TEXT, destination TEXT, handled_at TEXT
  );
  CREATE INDEX track_requests_ro ON track_requests (ro_id);
`;

export const POSTGRES_V3_PORTAL = `
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
  `;
