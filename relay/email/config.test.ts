// The operator's Google app and token key: read from the environment or a JSON file, refused
// with a sentence that says what to set, and never printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GMAIL_SCOPES, OUTLOOK_SCOPES, readMailConfig } from './config.js';

const KEY = 'a'.repeat(64);

describe('the relay\'s mail settings', () => {
  it('no key and no app: the relay runs without mail; a key alone allows plain IMAP mailboxes', () => {
    expect(readMailConfig({})).toBeNull();
    const keyOnly = readMailConfig({ BAYLINE_MAIL_TOKEN_KEY: KEY })!;
    expect(keyOnly.google).toBeNull();
    expect(keyOnly.vault.open(keyOnly.vault.seal('x', 'mb'), 'mb')).toBe('x');
  });

  it('reads the app and key from a file, the environment winning, and prints none of the secrets', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-mail-config-'));
    const file = path.join(dir, 'mail.json');
    fs.writeFileSync(file, JSON.stringify({ GOOGLE_CLIENT_ID: 'file-id.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'GOCSPX-secret-in-the-file', BAYLINE_MAIL_TOKEN_KEY: KEY }));
    const config = readMailConfig({ GOOGLE_CLIENT_ID: 'env-id.apps.googleusercontent.com' }, file)!;
    expect(config.google?.clientId).toBe('env-id.apps.googleusercontent.com');
    expect(config.google?.clientSecret).toBe('GOCSPX-secret-in-the-file');
    for (const printed of [JSON.stringify(config), inspect(config), String(JSON.stringify({ config }))]) {
      expect(printed).not.toContain('GOCSPX');
      expect(printed).not.toContain(KEY);
      expect(printed).toContain('[redacted]');
    }
    expect(config.vault.open(config.vault.seal('x', 'mb'), 'mb')).toBe('x');
  });

  it('a key file works too; a missing or short key is refused with what to do', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-mail-key-'));
    const keyFile = path.join(dir, 'mail.key');
    fs.writeFileSync(keyFile, `${KEY}\n`);
    const app = { GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' };
    expect(readMailConfig({ ...app, BAYLINE_MAIL_TOKEN_KEY_FILE: keyFile })).not.toBeNull();
    expect(() => readMailConfig(app)).toThrow(/openssl rand -hex 32/);
    expect(() => readMailConfig({ ...app, BAYLINE_MAIL_TOKEN_KEY: 'abcd' })).toThrow(/32 bytes/);
    expect(() => readMailConfig({ GOOGLE_CLIENT_ID: 'id', BAYLINE_MAIL_TOKEN_KEY: KEY })).toThrow(/GOOGLE_CLIENT_SECRET/);
  });

  it('Gmail push: the topic and the signing account turn it on; malformed or half settings are refused with what to set', () => {
    const app = { GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret', BAYLINE_MAIL_TOKEN_KEY: KEY };
    expect(readMailConfig(app)!.google!.push).toBeNull();
    const push = { GMAIL_PUBSUB_TOPIC: 'projects/lakeside-mail/topics/gmail-push', GMAIL_PUSH_SERVICE_ACCOUNT: 'Pusher@lakeside-mail.iam.gserviceaccount.com' };
    expect(readMailConfig({ ...app, ...push })!.google!.push).toEqual({
      topic: 'projects/lakeside-mail/topics/gmail-push',
      serviceAccount: 'pusher@lakeside-mail.iam.gserviceaccount.com',
      audience: null,
      labelIds: ['INBOX', 'SENT'],
      certsUrl: null,
    });
    expect(readMailConfig({ ...app, ...push, GMAIL_PUSH_LABELS: 'ALL', GMAIL_PUSH_AUDIENCE: 'https://relay.example/push' })!.google!.push).toMatchObject({ labelIds: [], audience: 'https://relay.example/push' });
    expect(() => readMailConfig({ ...app, ...push, GMAIL_PUBSUB_TOPIC: 'gmail-push' })).toThrow(/projects\/<project>\/topics\/<topic>/);
    expect(() => readMailConfig({ ...app, GMAIL_PUBSUB_TOPIC: push.GMAIL_PUBSUB_TOPIC })).toThrow(/GMAIL_PUSH_SERVICE_ACCOUNT/);
    expect(() => readMailConfig({ ...app, GMAIL_PUSH_SERVICE_ACCOUNT: push.GMAIL_PUSH_SERVICE_ACCOUNT })).toThrow(/GMAIL_PUBSUB_TOPIC is not/);
    expect(() => readMailConfig({ ...app, ...push, GMAIL_PUSH_AUDIENCE: 'relay' })).toThrow(/GMAIL_PUSH_AUDIENCE must be a URL/);
    expect(() => readMailConfig({ BAYLINE_MAIL_TOKEN_KEY: KEY, ...push })).toThrow(/no Google app/);
    // Printed with the push settings (nothing secret in them) and still without the client secret.
    const printed = JSON.stringify(readMailConfig({ ...app, GOOGLE_CLIENT_SECRET: 'GOCSPX-hidden', ...push }));
    expect(printed).toContain('projects/lakeside-mail/topics/gmail-push');
    expect(printed).not.toContain('GOCSPX-hidden');
  });

  it('asks Google for read-and-label, send and calendar events, nothing wider', () => {
    expect(GMAIL_SCOPES).toEqual(['https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/gmail.send', 'https://www.googleapis.com/auth/calendar.events']);
  });

  it('reads the Microsoft app (tenant "common" unless set), refuses half of it, and prints no secret', () => {
    const config = readMailConfig({ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555', MICROSOFT_CLIENT_SECRET: 'Xy8Q~microsoft-secret-value', BAYLINE_MAIL_TOKEN_KEY: KEY })!;
    expect(config.microsoft).toEqual({ clientId: '11111111-2222-3333-4444-555555555555', clientSecret: 'Xy8Q~microsoft-secret-value', tenant: 'common', authorityUrl: null, graphUrl: null });
    expect(config.google).toBeNull();
    for (const printed of [JSON.stringify(config), inspect(config)]) {
      expect(printed).not.toContain('Xy8Q~');
      expect(printed).toContain('11111111-2222-3333-4444-555555555555');
    }
    const fake = readMailConfig({ MICROSOFT_CLIENT_ID: 'id', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_TENANT: 'contoso.onmicrosoft.com', MICROSOFT_AUTHORITY_URL: 'http://127.0.0.1:8791/', MICROSOFT_GRAPH_URL: 'http://127.0.0.1:8791', BAYLINE_MAIL_TOKEN_KEY: KEY })!;
    expect(fake.microsoft).toMatchObject({ tenant: 'contoso.onmicrosoft.com', authorityUrl: 'http://127.0.0.1:8791', graphUrl: 'http://127.0.0.1:8791' });
    expect(() => readMailConfig({ MICROSOFT_CLIENT_ID: 'id', BAYLINE_MAIL_TOKEN_KEY: KEY })).toThrow(/MICROSOFT_CLIENT_SECRET is not/);
    expect(() => readMailConfig({ MICROSOFT_CLIENT_SECRET: 's', BAYLINE_MAIL_TOKEN_KEY: KEY })).toThrow(/Application \(client\) ID/);
    expect(() => readMailConfig({ MICROSOFT_CLIENT_ID: 'id', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_TENANT: 'a b/c', BAYLINE_MAIL_TOKEN_KEY: KEY })).toThrow(/MICROSOFT_TENANT/);
    expect(() => readMailConfig({ MICROSOFT_CLIENT_ID: 'id', MICROSOFT_CLIENT_SECRET: 's', MICROSOFT_GRAPH_URL: 'graph', BAYLINE_MAIL_TOKEN_KEY: KEY })).toThrow(/MICROSOFT_GRAPH_URL must be a web address/);
    expect(() => readMailConfig({ MICROSOFT_CLIENT_ID: 'id', MICROSOFT_CLIENT_SECRET: 's' })).toThrow(/BAYLINE_MAIL_TOKEN_KEY/);
  });

  it('asks Microsoft for read, send, the address and a refresh token, nothing wider', () => {
    expect(OUTLOOK_SCOPES).toEqual(['offline_access', 'Mail.Read', 'Mail.Send', 'User.Read', 'Calendars.ReadWrite']);
  });
});
