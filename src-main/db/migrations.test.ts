// Each migration on its own: build the version before it, put data in, migrate, check the result.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { searchIds } from '../search/search-index.js';
import { tempDir } from '../testing/temp-desk.js';
import { listBackups } from './backups.js';
import { SYNCED_SCHEMA, table, text } from '../../src-shared/schema/declaration.js';
import { SCHEMA_VERSIONS } from '../../src-shared/schema/versions.js';
import { DESK_STEPS, deskMigrations, LATEST_VERSION, MIGRATIONS } from './migrations/index.js';
import { DatabaseTooNewError, migrate, openWorkspaceDb, schemaVersion } from './workspace-db.js';

function freshFile(): string {
  return path.join(tempDir(), 'shop.sqlite');
}

function columnsOf(sqlite: Database.Database, table: string): string[] {
  return (sqlite.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).sort();
}

describe('migration 1: workspace tables', () => {
  it('creates the first synced tables', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 1);
    expect(schemaVersion(sqlite)).toBe(1);
    expect(columnsOf(sqlite, 'repair_orders')).toContain('promised_date');
    expect(columnsOf(sqlite, 'portal_tokens')).toEqual([]);
    sqlite.close();
  });
});

describe('all migrations together', () => {
  it('give every synced table exactly the columns the sync format allows', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite);
    expect(schemaVersion(sqlite)).toBe(LATEST_VERSION);
    for (const [table, def] of Object.entries(SYNCED_TABLES)) {
      expect(columnsOf(sqlite, table), table).toEqual(['id', ...Object.keys(def.columns)].sort());
    }
    sqlite.close();
  });
});

describe('migration 2: search index', () => {
  it('indexes the repair orders a version-1 database already holds', () => {
    const file = freshFile();
    const sqlite = new Database(file);
    migrate(sqlite, 1);
    sqlite.prepare("INSERT INTO customers (id, first_name, last_name, mobile) VALUES ('c1', 'Zoë', 'Hart', '+15125550147')").run();
    sqlite.prepare("INSERT INTO vehicles (id, customer_id, vin, plate) VALUES ('v1', 'c1', '1HGCM82633A004352', 'KLM 456')").run();
    sqlite.prepare("INSERT INTO repair_orders (id, ro_number, customer_id, vehicle_id, claim_number) VALUES ('r1', 1042, 'c1', 'v1', 'SF-88-1234')").run();
    migrate(sqlite, 2);
    expect(schemaVersion(sqlite)).toBe(2);
    expect(searchIds(sqlite, 'ro', 'zoe hart', 10)).toEqual(['r1']);
    expect(searchIds(sqlite, 'ro', '004352', 10)).toEqual(['r1']);
    expect(searchIds(sqlite, 'customer', '555-0147', 10)).toEqual(['c1']);
    sqlite.close();
  });
});

describe('migration 3: portal', () => {
  it('keeps a version-2 workspace and adds the portal tables and columns, empty', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 2);
    sqlite.prepare("INSERT INTO workspace_settings (id, name) VALUES ('settings', 'Hart Collision')").run();
    sqlite.prepare("INSERT INTO attachments (id, ro_id, blob_hash) VALUES ('a1', 'r1', 'abc')").run();
    migrate(sqlite, 3);
    expect(schemaVersion(sqlite)).toBe(3);
    expect(sqlite.prepare('SELECT name, portal_days_after_delivery AS d FROM workspace_settings').get()).toEqual({
      name: 'Hart Collision',
      d: null,
    });
    expect(sqlite.prepare('SELECT blob_hash, message_id FROM attachments').get()).toEqual({ blob_hash: 'abc', message_id: null });
    for (const table of ['portal_tokens', 'messages', 'portal_counts', 'track_requests']) {
      expect(sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 });
    }
    sqlite.close();
  });
});

describe('migration 4: token secrets', () => {
  it('adds the desk-only table of raw tokens, outside the synced tables', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 4);
    expect(columnsOf(sqlite, 'token_secrets')).toEqual(['token', 'token_id']);
    expect(Object.keys(SYNCED_TABLES)).not.toContain('token_secrets');
    sqlite.close();
  });
});

describe('migration 5: texts', () => {
  it('keeps a version-4 workspace\'s customers and messages and adds opt-out, text columns and templates', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 4);
    sqlite.prepare("INSERT INTO customers (id, first_name, mobile) VALUES ('c1', 'Ana', '+15125550147')").run();
    sqlite.prepare("INSERT INTO messages (id, ro_id, channel, direction, body) VALUES ('m1', 'r1', 'portal', 'in', 'Hello')").run();
    migrate(sqlite, 5);
    expect(schemaVersion(sqlite)).toBe(5);
    expect(sqlite.prepare('SELECT first_name, mobile, sms_opt_out FROM customers').get()).toEqual({ first_name: 'Ana', mobile: '+15125550147', sms_opt_out: null });
    expect(sqlite.prepare('SELECT body, peer_number, automated, approved_by FROM messages').get()).toEqual({ body: 'Hello', peer_number: null, automated: null, approved_by: null });
    expect(columnsOf(sqlite, 'sms_templates')).toEqual(['active', 'body', 'id', 'milestone', 'name', 'position']);
    expect(sqlite.prepare('SELECT count(*) AS n FROM sms_templates').get()).toEqual({ n: 0 });
    sqlite.close();
  });
});

describe('migration 6: mail', () => {
  it('keeps a version-5 workspace\'s texts and adds the mailboxes and the mail columns on messages, empty', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 5);
    sqlite.prepare("INSERT INTO messages (id, ro_id, channel, direction, body, peer_number) VALUES ('m1', 'r1', 'sms', 'in', 'On my way', '+15125550147')").run();
    migrate(sqlite, 6);
    expect(schemaVersion(sqlite)).toBe(6);
    expect(sqlite.prepare('SELECT body, peer_number, subject, email_thread_id, body_html, mailbox_id FROM messages').get()).toEqual({
      body: 'On my way',
      peer_number: '+15125550147',
      subject: null,
      email_thread_id: null,
      body_html: null,
      mailbox_id: null,
    });
    expect(columnsOf(sqlite, 'mailboxes')).toEqual(['address', 'connected_at', 'connected_by', 'disconnected_at', 'id', 'last_error', 'provider', 'state']);
    expect(sqlite.prepare('SELECT count(*) AS n FROM mailboxes').get()).toEqual({ n: 0 });
    sqlite.close();
  });
});

describe('migration 7: mail compose', () => {
  it('keeps a version-6 workspace\'s mail and adds the mail templates and the documents sent with a mail, empty', () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 6);
    sqlite.prepare("INSERT INTO messages (id, ro_id, channel, direction, body, subject) VALUES ('m1', 'r1', 'email', 'in', 'Photos please', 'Claim SF-1')").run();
    migrate(sqlite, 7);
    expect(schemaVersion(sqlite)).toBe(7);
    expect(sqlite.prepare('SELECT body, subject, email_attachments FROM messages').get()).toEqual({ body: 'Photos please', subject: 'Claim SF-1', email_attachments: null });
    expect(columnsOf(sqlite, 'email_templates')).toEqual(['active', 'audience', 'body', 'id', 'name', 'position', 'subject']);
    expect(sqlite.prepare('SELECT count(*) AS n FROM email_templates').get()).toEqual({ n: 0 });
    sqlite.close();
  });
});

describe('migration 8: signatures, bookings, calls', () => {
  it("keeps a version-7 workspace's repairs and shop, and adds the signature, scheduling and call tables and the new settings, empty", () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 7);
    sqlite.prepare("INSERT INTO workspace_settings (id, name, time_zone) VALUES ('shop', 'Harbor Collision', 'America/New_York')").run();
    sqlite.prepare("INSERT INTO attachments (id, ro_id, kind, file_name) VALUES ('a1', 'r1', 'photo', 'front.jpg')").run();
    migrate(sqlite, 8);
    expect(schemaVersion(sqlite)).toBe(8);
    expect(sqlite.prepare('SELECT name, time_zone, drafting_settings, calls_enabled, portal_links_since FROM workspace_settings').get()).toEqual({
      name: 'Harbor Collision',
      time_zone: 'America/New_York',
      drafting_settings: null,
      calls_enabled: null,
      portal_links_since: null,
    });
    expect(sqlite.prepare('SELECT file_name, appointment_id, signature_request_id FROM attachments').get()).toEqual({ file_name: 'front.jpg', appointment_id: null, signature_request_id: null });
    for (const name of ['signature_requests', 'signature_consents', 'appointment_availability', 'schedule_exceptions', 'appointments', 'calls']) {
      expect(sqlite.prepare(`SELECT count(*) AS n FROM ${name}`).get()).toEqual({ n: 0 });
    }
    expect(columnsOf(sqlite, 'calls')).toContain('duration_seconds');
    sqlite.close();
  });
});

describe('migration 9: after the repair, work providers, automations', () => {
  it("keeps a version-8 workspace's repairs and messages, and adds the survey, referral, grant and rule tables and the new columns, empty", () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 8);
    sqlite.prepare("INSERT INTO repair_orders (id, ro_number, insurer, checked_in_at) VALUES ('r1', 1042, 'State Farm', '2026-11-02T14:00:00.000Z')").run();
    sqlite.prepare("INSERT INTO messages (id, ro_id, channel, direction, body) VALUES ('m1', 'r1', 'sms', 'out', 'Your car is ready')").run();
    migrate(sqlite, 9);
    expect(schemaVersion(sqlite)).toBe(9);
    expect(sqlite.prepare('SELECT ro_number, insurer, first_notice_at, referral_id FROM repair_orders').get()).toEqual({
      ro_number: 1042,
      insurer: 'State Farm',
      first_notice_at: null,
      referral_id: null,
    });
    expect(sqlite.prepare('SELECT body, automation_rule_id, shared_with_insurer FROM messages').get()).toEqual({ body: 'Your car is ready', automation_rule_id: null, shared_with_insurer: null });
    for (const name of ['csi_responses', 'csi_follow_ups', 'csi_follow_up_entries', 'review_clicks', 'referrals', 'provider_grants', 'automation_rules', 'automation_runs']) {
      expect(sqlite.prepare(`SELECT count(*) AS n FROM ${name}`).get()).toEqual({ n: 0 });
    }
    expect(columnsOf(sqlite, 'workspace_settings')).toEqual(expect.arrayContaining(['csi_settings', 'review_settings', 'automation_settings', 'report_settings']));
    expect(columnsOf(sqlite, 'customers')).toContain('referral_code');
    expect(columnsOf(sqlite, 'attachments')).toContain('shared_with_insurer');
    sqlite.close();
  });
});

describe('migration 10: languages, countries, staff notices', () => {
  it("keeps a version-9 workspace's customers and templates, and adds the language columns and the notices table, empty", () => {
    const sqlite = new Database(freshFile());
    migrate(sqlite, 9);
    sqlite.prepare("INSERT INTO customers (id, first_name, mobile) VALUES ('c1', 'Ana', '+15555550123')").run();
    sqlite.prepare("INSERT INTO email_templates (id, name, subject, body) VALUES ('e1', 'Ready', 'Ready', 'Your car is ready')").run();
    migrate(sqlite, 10);
    expect(schemaVersion(sqlite)).toBe(10);
    expect(sqlite.prepare('SELECT first_name, mobile, language, mobile_kind FROM customers').get()).toEqual({ first_name: 'Ana', mobile: '+15555550123', language: null, mobile_kind: null });
    expect(sqlite.prepare('SELECT name, body, language FROM email_templates').get()).toEqual({ name: 'Ready', body: 'Your car is ready', language: null });
    expect(sqlite.prepare('SELECT count(*) AS n FROM staff_notifications').get()).toEqual({ n: 0 });
    expect(columnsOf(sqlite, 'workspace_settings')).toEqual(expect.arrayContaining(['country', 'customer_languages']));
    expect(columnsOf(sqlite, 'sms_templates')).toContain('language');
    sqlite.close();
  });
});

describe('versions after 5: made from the declaration', () => {
  it('one declaration and one version entry give the desk the new table and column, and a desk-only step rides along', () => {
    const current = SCHEMA_VERSIONS.at(-1)!.version;
    const next = current + 1;
    const schema = {
      declaration: {
        ...SYNCED_SCHEMA,
        customers: { ...SYNCED_SCHEMA.customers, columns: { ...SYNCED_SCHEMA.customers.columns, nickname: text(next) } },
        loaner_cars: table(next, { plate: text(next) }),
      },
      versions: [...SCHEMA_VERSIONS, { version: next, name: 'loaners' }],
    };
    const steps = { ...DESK_STEPS, [next]: (db: Database.Database) => void db.exec("INSERT INTO meta (key, value) VALUES ('loaners', 'ready')") };
    const sqlite = new Database(freshFile());
    migrate(sqlite, current);
    sqlite.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    for (const m of deskMigrations(schema, steps).filter((m) => m.version === next)) m.up(sqlite);
    expect(sqlite.prepare('SELECT first_name, nickname FROM customers').get()).toEqual({ first_name: 'Ana', nickname: null });
    expect(columnsOf(sqlite, 'loaner_cars')).toEqual(['id', 'plate']);
    expect(sqlite.prepare("SELECT value FROM meta WHERE key = 'loaners'").get()).toEqual({ value: 'ready' });
    sqlite.close();
  });
});

describe('opening a database', () => {
  it('has a test for every migration', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(LATEST_VERSION).toBe(10);
  });

  it('refuses a file written by a newer Bayline, by name, and leaves it byte for byte as it was', async () => {
    const file = freshFile();
    const sqlite = new Database(file);
    migrate(sqlite);
    sqlite.pragma('user_version = 99');
    sqlite.close();
    const hash = () => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const before = hash();
    const filesBefore = fs.readdirSync(path.dirname(file)).sort();
    await expect(openWorkspaceDb(file)).rejects.toThrow(DatabaseTooNewError);
    await expect(openWorkspaceDb(file)).rejects.toThrow(/newer Bayline \(database version 99; this app knows up to 10\)/);
    expect(hash()).toBe(before);
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(filesBefore);
  });

  it('backs up an older database before migrating it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'shop.sqlite');
    const sqlite = new Database(file);
    migrate(sqlite, 1);
    sqlite.prepare("INSERT INTO customers (id, first_name) VALUES ('c1', 'Ana')").run();
    sqlite.close();
    const backupDir = path.join(dir, 'backups');
    const opened = await openWorkspaceDb(file, { backupDir });
    await opened.close();
    const [backup] = listBackups(backupDir);
    expect(backup?.reason).toBe('before-v10');
    const old = new Database(backup!.file, { readonly: true });
    expect(schemaVersion(old)).toBe(1);
    expect(old.prepare('SELECT first_name FROM customers').get()).toEqual({ first_name: 'Ana' });
    old.close();
  });

  it('runs in WAL mode', async () => {
    const opened = await openWorkspaceDb(freshFile());
    expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    await opened.close();
  });
});
