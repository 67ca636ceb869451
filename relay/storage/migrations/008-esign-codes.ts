// Operator records, version 8: e-signature bookkeeping the desks never see.
//   esign_codes: the one-time code of a signing request, only as a salted SHA-256, with when it
//     expires and how many wrong tries it has had (five lock the request). One row per request;
//     a new code replaces the old one. Never synced, never logged.
//   esign_versions: which request the relay saw first for one document version of a repair
//     (ro, kind, version). Its primary key is the "first one stands" rule across relay processes:
//     a later request for the same version finds the row taken and is voided.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE esign_codes (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    request_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    salt TEXT NOT NULL,
    sent_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    wrong_attempts ${int} NOT NULL DEFAULT 0,
    verified_at TEXT,
    PRIMARY KEY (workspace_id, request_id)
  );
  CREATE TABLE esign_versions (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    ro_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    version ${int} NOT NULL,
    request_id TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (workspace_id, ro_id, kind, version)
  );
`;

export const sqliteOperator008: SqliteMigration = {
  version: 8,
  name: 'esign-codes',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator008: PostgresMigration = {
  version: 8,
  name: 'esign-codes',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
