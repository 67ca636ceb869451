// Operator records, version 14: the automation engine's durable timers (issue 20). A time-based
// rule ("no customer contact for 2 business days", "an appointment is tomorrow", "7 days after
// delivery") arms one row per rule and occurrence with the moment it is due. A relay process takes
// a due row with a lease (`lease_until`, `leased_by`): several relays on one PostgreSQL never
// fire it together, and a relay that dies mid-fire leaves it to another once the lease lapses.
// `fired_at` or `cancelled_at` ends a row (the customer replied: cancelled, and a new one is
// armed for the new silence). The firing itself is written once per occurrence in the shop's
// data (automation_runs, under the workspace's writers' lock), so a lapsed lease never sends twice.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE automation_timers (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    rule_id TEXT${collate} NOT NULL,
    occurrence TEXT${collate} NOT NULL,
    ro_id TEXT NOT NULL,
    due_at TEXT${collate} NOT NULL,
    armed_at TEXT NOT NULL,
    attempts ${int} NOT NULL DEFAULT 0,
    lease_until TEXT${collate},
    leased_by TEXT,
    fired_at TEXT,
    cancelled_at TEXT,
    outcome TEXT,
    PRIMARY KEY (workspace_id, rule_id, occurrence)
  );
  CREATE INDEX automation_timers_due ON automation_timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
  CREATE INDEX automation_timers_open ON automation_timers (workspace_id, rule_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;
`;

export const sqliteOperator014: SqliteMigration = {
  version: 14,
  name: 'automation-timers',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator014: PostgresMigration = {
  version: 14,
  name: 'automation-timers',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
