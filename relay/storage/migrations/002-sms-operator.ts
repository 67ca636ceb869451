// Operator records, version 2: texting. Which number belongs to which shop, the 10DLC state of
// each shop, every webhook event received (the durable inbound queue, deduplicated by Telnyx's
// event id), every send claimed before the provider call (so a text goes out at most once, even
// with several relay processes), and opt-outs per shop and number (kept here too, so a STOP
// holds for a number whatever customer record it later appears on). Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

export const sqliteOperator002: SqliteMigration = {
  version: 2,
  name: 'sms',
  up(db) {
    db.exec(`
      CREATE TABLE sms_numbers (
        phone_number TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        order_id TEXT,
        messaging_profile_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX sms_numbers_workspace ON sms_numbers (workspace_id);

      CREATE TABLE sms_10dlc (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
        brand_id TEXT,
        campaign_id TEXT,
        status TEXT NOT NULL,
        checked_at TEXT NOT NULL
      );

      CREATE TABLE sms_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL,
        lease_until TEXT,
        done_at TEXT,
        outcome TEXT
      );
      CREATE INDEX sms_events_pending ON sms_events (done_at, next_try_at, seq);

      CREATE TABLE sms_sends (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        message_id TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        claimed_by TEXT NOT NULL,
        telnyx_id TEXT,
        finished_at TEXT,
        outcome TEXT,
        PRIMARY KEY (workspace_id, message_id)
      );
      CREATE INDEX sms_sends_telnyx ON sms_sends (telnyx_id);
      CREATE INDEX sms_sends_open ON sms_sends (finished_at, claimed_at);

      CREATE TABLE sms_opt_outs (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        phone_number TEXT NOT NULL,
        opted_out INTEGER NOT NULL,
        changed_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, phone_number)
      );
    `);
  },
};

export const postgresOperator002: PostgresMigration = {
  version: 2,
  name: 'sms',
  sql: `
    CREATE TABLE sms_numbers (
      phone_number TEXT PRIMARY KEY,
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      order_id TEXT,
      messaging_profile_id TEXT,
      created_at TEXT COLLATE "C" NOT NULL
    );
    CREATE INDEX sms_numbers_workspace ON sms_numbers (workspace_id);

    CREATE TABLE sms_10dlc (
      workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
      brand_id TEXT,
      campaign_id TEXT,
      status TEXT NOT NULL,
      checked_at TEXT COLLATE "C" NOT NULL
    );

    CREATE TABLE sms_events (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id TEXT NOT NULL UNIQUE,
      event_type TEXT NOT NULL,
      body TEXT NOT NULL,
      received_at TEXT COLLATE "C" NOT NULL,
      attempts BIGINT NOT NULL DEFAULT 0,
      next_try_at TEXT COLLATE "C" NOT NULL,
      lease_until TEXT COLLATE "C",
      done_at TEXT COLLATE "C",
      outcome TEXT
    );
    CREATE INDEX sms_events_pending ON sms_events (done_at, next_try_at, seq);

    CREATE TABLE sms_sends (
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      message_id TEXT NOT NULL,
      claimed_at TEXT COLLATE "C" NOT NULL,
      claimed_by TEXT NOT NULL,
      telnyx_id TEXT,
      finished_at TEXT COLLATE "C",
      outcome TEXT,
      PRIMARY KEY (workspace_id, message_id)
    );
    CREATE INDEX sms_sends_telnyx ON sms_sends (telnyx_id);
    CREATE INDEX sms_sends_open ON sms_sends (finished_at, claimed_at);

    CREATE TABLE sms_opt_outs (
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      phone_number TEXT NOT NULL,
      opted_out BIGINT NOT NULL,
      changed_at TEXT COLLATE "C" NOT NULL,
      PRIMARY KEY (workspace_id, phone_number)
    );
  `,
};
