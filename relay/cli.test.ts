// The operator's command line, run as a child process the way an operator runs it, against a
// SQLite data folder and once against PostgreSQL.
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIRING_ALPHABET } from './pairing.js';
import { openSqliteStorage } from './storage/sqlite.js';
import { createTestDatabase, type TestDatabase } from './testing/postgres.js';
import { RELAY_START_MS } from './testing/relay-process.js';

const CLI = path.resolve('relay/cli.ts');

function relay(...args: string[]): { code: number; out: string; err: string } {
  const env = { ...process.env };
  delete env.BAYLINE_RELAY_DB;
  delete env.BAYLINE_RELAY_URL;
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The same, without waiting: for checks that may run side by side. */
function relayAsync(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env };
  delete env.BAYLINE_RELAY_DB;
  delete env.BAYLINE_RELAY_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env, timeout: 60_000 }, (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, out, err });
    });
  });
}

const CODE = new RegExp(`\\b[${PAIRING_ALPHABET}]{4}-[${PAIRING_ALPHABET}]{4}\\b`);

describe('relay command line on a SQLite data folder', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-relay-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a workspace, lists it, makes a pairing code, and lists no desks yet', { timeout: 60_000 }, () => {
    const created = relay('workspace', 'create', '--data', dataDir, '--slug', 'harbor-auto', '--name', 'Harbor Auto Body');
    expect(created.err).toBe('');
    expect(created.code).toBe(0);
    expect(created.out).toContain('Created workspace Harbor Auto Body (harbor-auto)');

    const listed = relay('workspace', 'list', '--data', dataDir);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^SLUG\s+NAME\s+ID\s+CREATED$/m);
    expect(listed.out).toMatch(/^harbor-auto\s+Harbor Auto Body\s+[0-9a-f-]{36}\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);

    const paired = relay('pair', '--data', dataDir, '--workspace', 'harbor-auto', '--public-url', 'https://relay.example.com');
    expect(paired.code).toBe(0);
    const code = CODE.exec(paired.out)?.[0];
    expect(code, paired.out).toBeDefined();
    expect(paired.out).toMatch(/expires at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in 15 minutes\)/);
    expect(paired.out).toContain(`npm run desk -- pair --data DIR --relay https://relay.example.com --code ${code}`);
    // The page to send the shop, whose button opens the installed desk's pairing screen filled in.
    expect(paired.out).toContain(`https://relay.example.com/pair/open?code=${code}`);
    expect(paired.out).toContain(`bayline://pair?relay=https%3A%2F%2Frelay.example.com&code=${code}`);

    const devices = relay('device', 'list', '--data', dataDir);
    expect(devices.code).toBe(0);
    expect(devices.out.trim()).toBe('No desks are paired.');
    expect(relay('device', 'list', '--data', dataDir, '--workspace', 'harbor-auto').out.trim()).toBe('No desks are paired with harbor-auto.');
  });

  it('lists a paired desk and revokes it', { timeout: 60_000 }, async () => {
    relay('workspace', 'create', '--data', dataDir, '--slug', 'lakeside', '--name', 'Lakeside Collision');
    const { redeem } = await import('./pairing.js');
    const code = CODE.exec(relay('pair', '--data', dataDir, '--workspace', 'lakeside').out)![0];
    const storage = await openSqliteStorage(dataDir);
    const desk = await redeem(storage, { code, deviceName: 'Front desk' }).finally(() => storage.close());

    const listed = relay('device', 'list', '--data', dataDir, '--workspace', 'lakeside');
    expect(listed.out).toMatch(new RegExp(`^${desk.deviceId}\\s+lakeside\\s+Front desk\\s+.+\\s+never\\s+active$`, 'm'));

    const revoked = relay('device', 'revoke', '--data', dataDir, '--device', desk.deviceId);
    expect(revoked.code, `device revoke said: ${revoked.err}`).toBe(0);
    expect(revoked.out).toContain(`Revoked Front desk (${desk.deviceId}) of lakeside`);
    expect(relay('device', 'list', '--data', dataDir).out).toMatch(new RegExp(`^${desk.deviceId}\\s.*revoked \\d{4}-`, 'm'));
  });

  // Each run starts a Node process with tsx (about a second), so these run side by side.
  it('says what went wrong, with exit code 1 for a refused action and 2 for a wrong command', { timeout: 120_000 }, async () => {
    expect(relay('workspace', 'create', '--data', dataDir, '--slug', 'taken-shop', '--name', 'Taken').code).toBe(0);
    const [taken, badSlug, unknown, noDevice, noStorage, missing, ...wrong] = await Promise.all([
      relayAsync('workspace', 'create', '--data', dataDir, '--slug', 'taken-shop', '--name', 'Again'),
      relayAsync('workspace', 'create', '--data', dataDir, '--slug', 'Harbor Auto', '--name', 'X'),
      relayAsync('pair', '--data', dataDir, '--workspace', 'nowhere'),
      relayAsync('device', 'revoke', '--data', dataDir, '--device', 'not-a-device'),
      relayAsync('workspace', 'list'),
      relayAsync('workspace', 'create', '--data', dataDir, '--slug', 'only-slug'),
      relayAsync('frobnicate', '--data', dataDir),
      relayAsync('workspace', 'delete', '--data', dataDir),
      relayAsync('workspace', 'list', '--colour', '--data', dataDir),
      relayAsync(),
    ]);
    expect(taken.code).toBe(1);
    expect(taken.err.trim()).toBe('The slug "taken-shop" is already used by another workspace.');
    expect(badSlug.code).toBe(1);
    expect(badSlug.err).toContain('cannot be a workspace slug');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('There is no workspace "nowhere"');
    expect(noDevice.code).toBe(1);
    expect(noDevice.err).toContain('There is no device not-a-device');
    expect(noStorage.code).toBe(2);
    expect(noStorage.err).toContain('--data DIR (SQLite) or --db postgres://');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('needs --slug SLUG and --name NAME');
    for (const w of wrong) {
      expect(w.code, w.err).toBe(2);
      expect(w.err).toContain('npm run relay -- workspace create'); // the usage follows the complaint
    }
    expect(relay('help').code).toBe(0);
  });

  it('serves: the relay answers, a desk pairs over HTTP with a code from `pair`, and Ctrl+C stops it', { timeout: RELAY_START_MS + 60_000 }, async () => {
    relay('workspace', 'create', '--data', dataDir, '--slug', 'served', '--name', 'Served Shop');
    const code = CODE.exec(relay('pair', '--data', dataDir, '--workspace', 'served').out)![0];
    // A model for drafts on a local server (nothing listens there: only the settings are read).
    const aiKey = 'sk-local-never-printed-0123456789';
    const env = { ...process.env, BAYLINE_AI_BASE_URL: 'http://127.0.0.1:11434/v1', BAYLINE_AI_MODEL: 'llama3.1:8b', BAYLINE_AI_API_KEY: aiKey };
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--data', dataDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    try {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`The relay did not start:\n${out}`)), RELAY_START_MS);
        child.stdout.on('data', () => {
          const m = /Bayline relay is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', () => reject(new Error(`The relay exited:\n${out}`)));
      });
      const health = await fetch(`${url}/healthz`);
      expect(await health.json()).toMatchObject({ ok: true, engine: 'sqlite' });
      const pairing = await fetch(`${url}/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: code.toLowerCase(), deviceName: 'Served front desk' }),
      });
      expect(pairing.status).toBe(200);
      const paired = (await pairing.json()) as { deviceId: string; secret: string };
      expect(paired).toMatchObject({ workspace: { slug: 'served', name: 'Served Shop' } });
      expect(out).not.toContain(code);
      expect(out).toContain('Drafts: llama3.1:8b at ollama, 2,000,000 tokens per shop a month.');
      const drafting = await fetch(`${url}/drafting`, { headers: { authorization: `Bearer ${paired.deviceId}.${paired.secret}` } });
      expect(await drafting.json()).toMatchObject({ enabled: true, provider: 'ollama', model: 'llama3.1:8b', usage: { tokens: 0, budgetTokens: 2_000_000 } });
      expect(out).not.toContain(aiKey);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(relay('device', 'list', '--data', dataDir, '--workspace', 'served').out).toMatch(/\sServed front desk\s/);
  });

  it('adds a work provider and prints its administrator\'s single-use invitation when no mail server is set', { timeout: 120_000 }, () => {
    const added = relay('provider', 'add', '--data', dataDir, '--slug', 'harbor-mutual', '--name', 'Harbor Mutual', '--email', 'Ana@Harbor.example', '--person', 'Ana Ruiz', '--public-url', 'https://relay.example.com');
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain('Added work provider Harbor Mutual (harbor-mutual)');
    expect(added.out).toMatch(/https:\/\/relay\.example\.com\/provider\/invite\/[A-Za-z0-9_-]{43}/);
    const listed = relay('provider', 'list', '--data', dataDir);
    expect(listed.out).toContain('Harbor Mutual (harbor-mutual)');
    const again = relay('provider', 'add', '--data', dataDir, '--slug', 'harbor-mutual', '--name', 'Harbor Mutual', '--email', 'x@harbor.example', '--person', 'X');
    expect(again.code).toBe(1);
    expect(again.err).toContain('already used by another work provider');
    // A GIF named .png is still a GIF: the kind is read from the file's first bytes.
    const gif = path.join(dataDir, 'logo.png');
    fs.writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'));
    const notImage = relay('provider', 'logo', '--data', dataDir, '--slug', 'harbor-mutual', '--file', gif);
    expect(notImage.code).toBe(1);
    expect(notImage.err).toContain('PNG, JPEG or WebP');
    const missing = relay('provider', 'logo', '--data', dataDir, '--slug', 'harbor-mutual', '--file', path.join(dataDir, 'nowhere.png'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nowhere.png: there is no such file');
  });

  it('refuses a data folder written by a newer relay', async () => {
    const Database = (await import('better-sqlite3')).default;
    const newer = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-relay-cli-new-'));
    try {
      const db = new Database(path.join(newer, 'relay.sqlite'));
      db.pragma('user_version = 99');
      db.close();
      const r = relay('workspace', 'list', '--data', newer);
      expect(r.code).toBe(1);
      expect(r.err).toContain('newer Bayline relay (schema version 99');
    } finally {
      fs.rmSync(newer, { recursive: true, force: true });
    }
  });
});

describe('relay command line on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates, lists and pairs through --db', { timeout: 60_000 }, () => {
    expect(relay('workspace', 'create', '--db', db.url, '--slug', 'pg-shop', '--name', 'PG Shop').code).toBe(0);
    expect(relay('workspace', 'list', '--db', db.url).out).toMatch(/^pg-shop\s+PG Shop\s/m);
    const paired = relay('pair', '--db', db.url, '--workspace', 'pg-shop');
    expect(paired.code).toBe(0);
    expect(paired.out).toMatch(CODE);
    expect(paired.out).toContain('npm run desk -- pair --data DIR --relay URL --code');
    expect(relay('device', 'list', '--db', db.url).out.trim()).toBe('No desks are paired.');
  });

  it('says so when the database cannot be reached', () => {
    const r = relay('workspace', 'list', '--db', 'postgres://postgres:secret@127.0.0.1:1/nowhere');
    expect(r.code).toBe(1);
    expect(r.err).toContain('Cannot use the PostgreSQL database at postgres://postgres:***@127.0.0.1:1/nowhere');
    expect(r.err).not.toContain('secret');
  });
});
