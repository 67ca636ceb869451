// Operator records, version 9: work providers (insurers, fleets, claims administrators) and their
// people, never synced to any desk (issue 19).
//   work_providers: the organisation, its slug (in its web address), logo (white-label) and the
//     SLA targets it sets for the shops that granted it.
//   provider_users: its people; a password only as an argon2id hash, the TOTP secret, the wrong
//     tries that lock an account (20), removed users kept for the audit trail's sake.
//   provider_invitations: single-use, expiring sign-up links (only the SHA-256 of the token).
//   provider_sessions: browser sessions (only the SHA-256 of the session id), the CSRF token, the
//     step reached (password done, second factor done), revocation for "sign out everywhere".
//   provider_passkeys / provider_challenges: WebAuthn credentials and the one-use challenges.
//   provider_shops / provider_repairs: the cross-shop index of what a provider was granted (which
//     shops, and per shop the repairs whose insurer maps to it, with normalised claim number and
//     plate for lookup), rebuilt from each shop's synced changes; provider_index_cursors says how
//     far into each shop's change log the index has read. The index only finds candidates: every
//     answer is checked again against the shop's live grant.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE work_providers (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'insurer',
    logo_type TEXT,
    logo_data TEXT,
    sla_targets TEXT NOT NULL DEFAULT '{}',
    created_at TEXT${collate} NOT NULL
  );
  CREATE TABLE provider_users (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT,
    totp_secret TEXT,
    totp_confirmed_at TEXT${collate},
    totp_last_step ${int},
    failed_logins ${int} NOT NULL DEFAULT 0,
    locked_at TEXT${collate},
    created_at TEXT${collate} NOT NULL,
    removed_at TEXT${collate}
  );
  CREATE INDEX provider_users_provider ON provider_users (provider_id);
  CREATE TABLE provider_invitations (
    token_hash TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL,
    created_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    used_at TEXT${collate},
    user_id TEXT
  );
  CREATE TABLE provider_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES provider_users (id),
    step TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT${collate} NOT NULL,
    last_seen_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    revoked_at TEXT${collate},
    ip TEXT,
    user_agent TEXT
  );
  CREATE INDEX provider_sessions_user ON provider_sessions (user_id);
  CREATE TABLE provider_passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES provider_users (id),
    public_key TEXT NOT NULL,
    counter ${int} NOT NULL DEFAULT 0,
    transports TEXT,
    name TEXT NOT NULL,
    created_at TEXT${collate} NOT NULL,
    last_used_at TEXT${collate}
  );
  CREATE INDEX provider_passkeys_user ON provider_passkeys (user_id);
  CREATE TABLE provider_challenges (
    id TEXT PRIMARY KEY,
    user_id TEXT,
    purpose TEXT NOT NULL,
    challenge TEXT NOT NULL,
    expires_at TEXT${collate} NOT NULL
  );
  CREATE TABLE provider_shops (
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    grant_id TEXT NOT NULL,
    insurer_names TEXT NOT NULL,
    granted_at TEXT${collate},
    updated_at TEXT${collate} NOT NULL,
    PRIMARY KEY (provider_id, workspace_id, grant_id)
  );
  CREATE TABLE provider_repairs (
    provider_id TEXT NOT NULL REFERENCES work_providers (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    ro_id TEXT NOT NULL,
    ro_number ${int},
    claim_key TEXT${collate},
    plate_key TEXT${collate},
    closed_at TEXT${collate},
    updated_at TEXT${collate} NOT NULL,
    PRIMARY KEY (provider_id, workspace_id, ro_id)
  );
  CREATE INDEX provider_repairs_claim ON provider_repairs (provider_id, claim_key);
  CREATE INDEX provider_repairs_plate ON provider_repairs (provider_id, plate_key);
  CREATE INDEX provider_repairs_shop ON provider_repairs (workspace_id, ro_id);
  CREATE TABLE provider_index_cursors (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id),
    seq ${int} NOT NULL,
    updated_at TEXT${collate} NOT NULL
  );
`;

export const sqliteOperator009: SqliteMigration = {
  version: 9,
  name: 'work-providers',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator009: PostgresMigration = {
  version: 9,
  name: 'work-providers',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
