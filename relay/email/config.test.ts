// The operator's Google app and token key: read from the environment or a JSON file, refused
// with a sentence that says what to set, and never printed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GMAIL_SCOPES, readMailConfig } from './config.js';

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

  it('asks Google for read-and-label and send, nothing wider', () => {
    expect(GMAIL_SCOPES).toEqual(['https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/gmail.send']);
  });
});
