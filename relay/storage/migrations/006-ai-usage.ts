// Operator records, version 6: what each shop's drafts cost, per calendar month (UTC, "2026-12"):
// the model's input and output tokens and the number of drafts asked, so a shop stays within the
// operator's monthly budget and Settings can show its usage. Counts only: no prompt, no draft.
// Frozen once released.
import type { PostgresMigration, SqliteMigration } from './types.js';

const statements = (int: string) => `
  CREATE TABLE ai_usage (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    month TEXT NOT NULL,
    input_tokens ${int} NOT NULL DEFAULT 0,
    output_tokens ${int} NOT NULL DEFAULT 0,
    requests ${int} NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, month)
  );
`;

export const sqliteOperator006: SqliteMigration = {
  version: 6,
  name: 'ai-usage',
  up(db) {
    db.exec(statements('INTEGER'));
  },
};

export const postgresOperator006: PostgresMigration = {
  version: 6,
  name: 'ai-usage',
  sql: statements('BIGINT').replace('month TEXT', 'month TEXT COLLATE "C"'),
};
