// Operator records, version 5: mailboxes of more than one provider. The Gmail history id becomes a
// cursor of any provider (a Gmail history id, a Microsoft Graph delta link, an IMAP
// UIDVALIDITY:UID), and each mailbox keeps its push registration: the provider's id for it (Gmail
// watch, Graph subscription), when it lapses (renewed before then, after restarts too), and for
// Graph the sealed `clientState` that every notification must carry. Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (time: string) => `
  ALTER TABLE mail_accounts RENAME COLUMN history_id TO sync_cursor;
  ALTER TABLE mail_accounts ADD COLUMN push_id TEXT;
  ALTER TABLE mail_accounts ADD COLUMN push_expires_at ${time};
  ALTER TABLE mail_accounts ADD COLUMN push_secret TEXT;
`;

export const sqliteOperator005: SqliteMigration = {
  version: 5,
  name: 'mail-providers',
  up(db) {
    db.exec(statements('TEXT'));
  },
};

export const postgresOperator005: PostgresMigration = {
  version: 5,
  name: 'mail-providers',
  sql: statements('TEXT COLLATE "C"'),
};
