// Operator records, version 11: the customer's optional account (issue 18), which the desks never
// see. An account is one mobile number (E.164) at one shop, proven by a texted one-time code.
//   customer_accounts: one row per (shop, number), made at the first sign-in.
//   customer_account_codes: every code texted, only as a salted SHA-256, with when it expires and
//     when it was used (or replaced by a newer one). Kept for the per-number send limit.
//   customer_account_lockouts: wrong codes per (shop, number), and until when the number is locked
//     after ten of them. Counted per number, not per code, so asking for new codes does not reset it.
//   customer_account_sessions: one row per signed-in browser, keyed by the SHA-256 of the random
//     session id in its cookie; ended_at set by "sign out" and "sign out everywhere".
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE customer_accounts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    mobile TEXT${collate} NOT NULL,
    created_at TEXT NOT NULL,
    last_sign_in_at TEXT,
    UNIQUE (workspace_id, mobile)
  );
  CREATE TABLE customer_account_codes (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    mobile TEXT${collate} NOT NULL,
    code_hash TEXT NOT NULL,
    salt TEXT NOT NULL,
    sent_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    used_at TEXT
  );
  CREATE INDEX customer_account_codes_number ON customer_account_codes (workspace_id, mobile, sent_at);
  CREATE TABLE customer_account_lockouts (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    mobile TEXT${collate} NOT NULL,
    wrong_attempts ${int} NOT NULL DEFAULT 0,
    locked_until TEXT${collate},
    PRIMARY KEY (workspace_id, mobile)
  );
  CREATE TABLE customer_account_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES customer_accounts (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    created_at TEXT${collate} NOT NULL,
    last_seen_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    ended_at TEXT,
    user_agent TEXT
  );
  CREATE INDEX customer_account_sessions_account ON customer_account_sessions (account_id);
`;

export const sqliteOperator011: SqliteMigration = {
  version: 11,
  name: 'customer-accounts',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator011: PostgresMigration = {
  version: 11,
  name: 'customer-accounts',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
