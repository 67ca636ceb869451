// Operator records, version 18: signing in as a group admin (issue 20, multi-location reports).
//   group_admin_people: the people the operator named as a group's admins, by e-mail address (a
//     shop's staff have no address of their own in Bayline). Removed people are kept, marked.
//   group_sign_in_links: single-use, 30-minute sign-in links mailed to them (only the SHA-256 of
//     the token is kept).
//   group_sessions: their browser sessions (only the SHA-256 of the session id), with the CSRF
//     token every form carries, and when each was ended.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (collate: string) => `
  CREATE TABLE group_admin_people (
    group_slug TEXT${collate} NOT NULL REFERENCES groups (slug),
    email TEXT${collate} NOT NULL,
    name TEXT NOT NULL,
    added_at TEXT NOT NULL,
    removed_at TEXT,
    PRIMARY KEY (group_slug, email)
  );
  CREATE TABLE group_sign_in_links (
    token_hash TEXT PRIMARY KEY,
    group_slug TEXT${collate} NOT NULL REFERENCES groups (slug),
    email TEXT${collate} NOT NULL,
    created_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    used_at TEXT${collate}
  );
  CREATE TABLE group_sessions (
    id_hash TEXT PRIMARY KEY,
    group_slug TEXT${collate} NOT NULL REFERENCES groups (slug),
    email TEXT${collate} NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT${collate} NOT NULL,
    expires_at TEXT${collate} NOT NULL,
    revoked_at TEXT${collate}
  );
  CREATE INDEX group_sessions_by_person ON group_sessions (group_slug, email);
`;

export const sqliteOperator018: SqliteMigration = {
  version: 18,
  name: 'group-sign-in',
  up(db) {
    db.exec(statements(''));
  },
};

export const postgresOperator018: PostgresMigration = {
  version: 18,
  name: 'group-sign-in',
  sql: statements(' COLLATE "C"'),
};
