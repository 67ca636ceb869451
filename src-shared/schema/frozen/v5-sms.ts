// Schema version 5 (desk version 5, relay workspace version 3) as released: two-way texts.
// The shop's texting number and its 10DLC state are written by the relay (the operator
// provisions them); opt-out is a state of the customer's number that the relay sets from STOP
// and START; texts are rows of `messages` (channel 'sms') with the extra columns the sender
// needs; templates are the shop's own wording for milestones. FROZEN: never edit.

export const SQLITE_V5_SMS = `
  ALTER TABLE workspace_settings ADD COLUMN sms_number TEXT;
  ALTER TABLE workspace_settings ADD COLUMN sms_10dlc_status TEXT;
  ALTER TABLE workspace_settings ADD COLUMN sms_help_text TEXT;
  ALTER TABLE workspace_settings ADD COLUMN sms_window_start TEXT;
  ALTER TABLE workspace_settings ADD COLUMN sms_window_end TEXT;

  ALTER TABLE customers ADD COLUMN sms_opt_out INTEGER;
  ALTER TABLE customers ADD COLUMN sms_opt_out_at TEXT;
  ALTER TABLE customers ADD COLUMN time_zone TEXT;

  ALTER TABLE messages ADD COLUMN peer_number TEXT;
  ALTER TABLE messages ADD COLUMN automated INTEGER;
  ALTER TABLE messages ADD COLUMN approved_by TEXT;
  ALTER TABLE messages ADD COLUMN approved_at TEXT;
  ALTER TABLE messages ADD COLUMN template_id TEXT;
  ALTER TABLE messages ADD COLUMN send_after TEXT;
  CREATE INDEX messages_status ON messages (channel, status);

  CREATE TABLE sms_templates (
    id TEXT PRIMARY KEY, name TEXT, milestone TEXT, body TEXT, active INTEGER, position INTEGER
  );
`;

export const POSTGRES_V5_SMS = `
    ALTER TABLE workspace_settings ADD COLUMN sms_number TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_10dlc_status TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_help_text TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_window_start TEXT;
    ALTER TABLE workspace_settings ADD COLUMN sms_window_end TEXT;

    ALTER TABLE customers ADD COLUMN sms_opt_out BIGINT;
    ALTER TABLE customers ADD COLUMN sms_opt_out_at TEXT;
    ALTER TABLE customers ADD COLUMN time_zone TEXT;

    ALTER TABLE messages ADD COLUMN peer_number TEXT;
    ALTER TABLE messages ADD COLUMN automated BIGINT;
    ALTER TABLE messages ADD COLUMN approved_by TEXT;
    ALTER TABLE messages ADD COLUMN approved_at TEXT;
    ALTER TABLE messages ADD COLUMN template_id TEXT;
    ALTER TABLE messages ADD COLUMN send_after TEXT;
    CREATE INDEX messages_status ON messages (channel, status);

    CREATE TABLE sms_templates (
      id TEXT PRIMARY KEY, name TEXT, milestone TEXT, body TEXT, active BIGINT, position BIGINT
    );
  `;
