// Operator records, version 16: the desk's Windows installers the operator published (issue 21).
// Desks ask <relay>/updates/win/latest.yml; the newest release here answers it. The installer's
// bytes are a blob (its SHA-256 names it in the relay's blob store); its SHA-512 (base64, as
// electron-updater checks it) is written into latest.yml. Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE desk_releases (
    version TEXT${collate} PRIMARY KEY,
    file_name TEXT${collate} NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    sha512 TEXT NOT NULL,
    size_bytes ${int} NOT NULL,
    notes TEXT,
    published_at TEXT NOT NULL
  );
  CREATE INDEX desk_releases_by_time ON desk_releases (published_at);
`;

export const sqliteOperator016: SqliteMigration = {
  version: 16,
  name: 'desk-releases',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator016: PostgresMigration = {
  version: 16,
  name: 'desk-releases',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
