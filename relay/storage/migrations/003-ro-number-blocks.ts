// Operator records, version 3: RO number blocks. Every range of RO numbers the relay has handed
// to a paired desk (a `block` of the shop's sequence, or a desk's `reserve`, the range it numbers
// from only when it has used up its blocks offline), so no range is ever given twice, across
// restarts and relay processes. Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

export const sqliteOperator003: SqliteMigration = {
  version: 3,
  name: 'ro-number-blocks',
  up(db) {
    db.exec(`
      CREATE TABLE ro_number_blocks (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id),
        first_number INTEGER NOT NULL,
        last_number INTEGER NOT NULL,
        kind TEXT NOT NULL,
        device_id TEXT NOT NULL REFERENCES devices (id),
        given_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, first_number)
      );
      CREATE INDEX ro_number_blocks_device ON ro_number_blocks (device_id, kind);
    `);
  },
};

export const postgresOperator003: PostgresMigration = {
  version: 3,
  name: 'ro-number-blocks',
  sql: `
    CREATE TABLE ro_number_blocks (
      workspace_id TEXT NOT NULL REFERENCES workspaces (id),
      first_number BIGINT NOT NULL,
      last_number BIGINT NOT NULL,
      kind TEXT NOT NULL,
      device_id TEXT NOT NULL REFERENCES devices (id),
      given_at TEXT COLLATE "C" NOT NULL,
      PRIMARY KEY (workspace_id, first_number)
    );
    CREATE INDEX ro_number_blocks_device ON ro_number_blocks (device_id, kind);
  `,
};
