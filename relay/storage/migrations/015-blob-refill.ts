// Operator records, version 15: blobs the relay's store lost. `missing_since` is set when the
// relay finds a recorded blob absent from its store (a read that came back empty, or the check
// at start); desks that still hold the bytes are asked over sync to upload them again, and the
// upload clears it. Null: the store holds the blob as far as the relay knows.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = `
  ALTER TABLE blobs ADD COLUMN missing_since TEXT;
  CREATE INDEX blobs_missing ON blobs (workspace_id) WHERE missing_since IS NOT NULL;
`;

export const sqliteOperator015: SqliteMigration = {
  version: 15,
  name: 'blob-refill',
  up(db) {
    db.exec(statements);
  },
};

export const postgresOperator015: PostgresMigration = {
  version: 15,
  name: 'blob-refill',
  sql: statements,
};
