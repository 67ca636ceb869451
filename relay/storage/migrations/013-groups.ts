// Operator records, version 13: groups of shops (issue 20, multi-location). The operator makes
// them from the command line; desks never see these tables.
//   groups: a group's public name and slug (its page is /g/<slug>), its colours and its logo (a
//     small PNG or JPEG kept here as base64, served at /g/<slug>/logo).
//   group_members: the shops (workspaces) of a group, in the order its page lists them. A shop
//     may belong to several groups.
//   group_admins: which shops' owners and managers see the group's reports across its locations
//     (a workspace and a role: the desk's signed-in person with that role at that shop).
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string, collate: string) => `
  CREATE TABLE groups (
    slug TEXT${collate} PRIMARY KEY,
    name TEXT NOT NULL,
    color_primary TEXT,
    color_accent TEXT,
    logo_type TEXT,
    logo_base64 TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE group_members (
    group_slug TEXT${collate} NOT NULL REFERENCES groups (slug),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    position ${int} NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_slug, workspace_id)
  );
  CREATE TABLE group_admins (
    group_slug TEXT${collate} NOT NULL REFERENCES groups (slug),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    role TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_slug, workspace_id, role)
  );
  CREATE INDEX group_admins_by_workspace ON group_admins (workspace_id);
`;

export const sqliteOperator013: SqliteMigration = {
  version: 13,
  name: 'groups',
  up(db) {
    db.exec(statements('INTEGER', ''));
  },
};

export const postgresOperator013: PostgresMigration = {
  version: 13,
  name: 'groups',
  sql: statements('BIGINT', ' COLLATE "C"'),
};
