// Operator records, version 4: the shops' mailboxes as the relay works them. The refresh token is
// only ever here sealed (AES-256-GCM, relay/email/token-vault.ts: `v1.<iv>.<tag>.<ciphertext>`,
// the mailbox id as associated data), never in a workspace database, never in clear. Also the
// single-use sign-in `state`s of the OAuth flow (only their SHA-256; the PKCE verifier sealed),
// the history cursor that polling resumes from after a restart, and a lease so that with several
// relays on PostgreSQL one works a mailbox at a time. Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const tables = (time: string, int: string) => `
  CREATE TABLE mail_accounts (
    mailbox_id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    provider TEXT NOT NULL,
    address TEXT NOT NULL,
    sealed_token TEXT,
    state TEXT NOT NULL,
    history_id TEXT,
    polled_at ${time},
    lease_owner TEXT,
    lease_until ${time},
    connected_by TEXT NOT NULL,
    connected_at ${time} NOT NULL,
    updated_at ${time} NOT NULL
  );
  CREATE INDEX mail_accounts_workspace ON mail_accounts (workspace_id, state);
  CREATE TABLE mail_oauth_states (
    state_hash TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    staff_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    sealed_verifier TEXT NOT NULL,
    created_at ${time} NOT NULL,
    expires_at ${time} NOT NULL,
    used_at ${time}
  );
  CREATE TABLE mail_sends (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    message_id TEXT NOT NULL,
    claimed_at ${time} NOT NULL,
    claimed_by TEXT NOT NULL,
    provider_id TEXT,
    attempts ${int} NOT NULL DEFAULT 0,
    finished_at ${time},
    outcome TEXT,
    PRIMARY KEY (workspace_id, message_id)
  );
`;

export const sqliteOperator004: SqliteMigration = {
  version: 4,
  name: 'mail-operator',
  up(db) {
    db.exec(tables('TEXT', 'INTEGER'));
  },
};

export const postgresOperator004: PostgresMigration = {
  version: 4,
  name: 'mail-operator',
  sql: tables('TEXT COLLATE "C"', 'BIGINT'),
};
