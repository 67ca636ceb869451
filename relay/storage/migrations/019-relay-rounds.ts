// Operator records, version 19: rounds of every shop taken by one relay process at a time. A
// background service's periodic round (rules, surveys, appointment texts, e-signature, the
// providers' index) is started by whichever process first finds the last one older than its
// period; the others skip theirs, so N relays make one round per period, not N.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = `
  CREATE TABLE relay_rounds (
    name TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL
  );
`;

export const sqliteOperator019: SqliteMigration = {
  version: 19,
  name: 'relay-rounds',
  up(db) {
    db.exec(statements);
  },
};

export const postgresOperator019: PostgresMigration = {
  version: 19,
  name: 'relay-rounds',
  sql: statements,
};
