// `npm run desk -- api` run as a child process, as a script would: every method listed with its
// JSON Schema; a check-in made while the desk runs goes through that desk and appears on its board
// in Chromium; the same call with no desk running opens the folder itself; mistakes give exit 1
// and a sentence naming the field or listing the staff.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../src-shared/api/contract.js';
import type { AuditEntry, RepairOrderDetail } from '../../src-shared/domain.js';
import { type BrowserHost, startBrowserHost } from '../host/browser-host.js';
import { buildRenderer, launchChromium, screenshot, watchedPage } from '../testing/browser-kit.js';
import { openTestDesk, type TestDesk, tempDir } from '../testing/temp-desk.js';
import { eventually, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import { CHANNEL_FILE, type CommandChannel, openCommandChannel } from './command-channel.js';

const CLI = path.resolve('src-main/cli.ts');

/** Runs the desk's command line without blocking this process (the desk under test answers from here). */
function desk(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return deskWithInput(null, ...args);
}

function deskWithInput(input: string | null, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(input ?? '');
  });
}

const checkIn = (firstName: string, plate: string) =>
  JSON.stringify({ customer: { firstName, lastName: 'Script' }, vehicle: { plate, make: 'Honda', model: 'Civic' }, insurer: 'Lakeside Mutual' });

describe('desk api --list', () => {
  it('lists every method of the contract with its arguments as JSON Schema', async () => {
    const run = await desk('api', '--list');
    expect(run.code).toBe(0);
    type Listed = { type?: string; properties?: Record<string, unknown>; additionalProperties?: unknown; oneOf?: Listed[]; anyOf?: Listed[] };
    const listed = JSON.parse(run.stdout) as Record<string, Listed>;
    expect(Object.keys(listed).sort()).toEqual(Object.keys(API).sort());
    // An object, or one of several objects told apart by a field (`esign-create`'s kind).
    for (const schema of Object.values(listed)) {
      for (const branch of schema.oneOf ?? schema.anyOf ?? [schema]) expect(branch.type).toBe('object');
    }
    // Strict objects refuse unknown fields; defaults are optional on the way in.
    const checkInSchema = listed['ro-check-in']!;
    expect(checkInSchema.additionalProperties).toBe(false);
    expect(Object.keys(checkInSchema.properties!)).toEqual(expect.arrayContaining(['customer', 'vehicle', 'allowDuplicate']));
    expect((checkInSchema as { required?: string[] }).required).not.toContain('allowDuplicate');
  }, 60_000);

  it('a script that reads its output slowly still gets all of it (more than a pipe holds)', async () => {
    // A pipe holds 64 KiB and the list is larger: the reader starts only after a pause, as a
    // busy script would. (Exiting right after the write used to cut the list at 65,536 bytes.)
    const command = `"${process.execPath}" --import tsx "${CLI}" api --list | (sleep 6; cat)`;
    const text = await new Promise<string>((resolve, reject) =>
      execFile('/bin/sh', ['-c', command], { encoding: 'utf8', timeout: 60_000, maxBuffer: 10_000_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(text.length).toBeGreaterThan(65_536);
    expect(Object.keys(JSON.parse(text) as object).sort()).toEqual(Object.keys(API).sort());
  }, 60_000);
});

describe('desk api with the desk running', () => {
  let tmp: string;
  let t: TestDesk;
  let host: BrowserHost;
  let channel: CommandChannel;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-api-');
    await buildRenderer(path.join(tmp, 'renderer'));
    t = await openTestDesk({ dataDir: path.join(tmp, 'data'), workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    await t.call('staff-create', { name: 'Dana Ortiz', role: 'advisor', pin: '4321' });
    await t.call('staff-create', { name: 'Dana Kim', role: 'advisor', pin: '4322' });
    await t.call('staff-create', { name: 'Sam Reyes', role: 'manager', pin: '4323' });
    host = await startBrowserHost({ desk: t.desk, port: 0, rendererDir: path.join(tmp, 'renderer') });
    channel = await openCommandChannel(t.desk);
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } })));
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await channel?.close();
    await host?.close();
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes its address to a file only this user can read', () => {
    const stat = fs.statSync(path.join(t.dataDir, CHANNEL_FILE));
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it('lets only a caller with the secret from the file in, and no web page', async () => {
    const { port, secret } = JSON.parse(fs.readFileSync(path.join(t.dataDir, CHANNEL_FILE), 'utf8')) as { port: number; secret: string };
    const body = JSON.stringify({ method: 'ro-board', args: {} });
    const post = (headers: Record<string, string>, host = `127.0.0.1:${port}`) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/call', headers: { host, 'content-type': 'application/json', ...headers } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(await post({ authorization: `Bearer ${secret}` })).toBe(200);
    expect(await post({})).toBe(401);
    expect(await post({ authorization: `Bearer ${secret.slice(1)}x` })).toBe(401);
    expect(await post({ authorization: `Bearer ${secret}`, origin: 'http://127.0.0.1:1234' })).toBe(403);
    expect(await post({ authorization: `Bearer ${secret}` }, `evil.example:${port}`)).toBe(403);
  });

  it('asks for JSON when the arguments are not, with exit 2 like every mistyped command', async () => {
    const run = await desk('api', 'ro-get', "{id: 'x'}", '--data', t.dataDir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^The arguments are not valid JSON \(.+\)\. Put them in single quotes/);
  }, 60_000);

  it('says so when there is no such method', async () => {
    const run = await desk('api', 'ro-teleport', '{}', '--data', t.dataDir);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('There is no API method called "ro-teleport".\n');
  }, 60_000);

  it('checks a car in through the running desk, and its board shows the card at once', async () => {
    const run = await desk('api', 'ro-check-in', checkIn('Priya', 'API 101'), '--data', t.dataDir, '--as', 'sam reyes');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ro = JSON.parse(run.stdout) as RepairOrderDetail;
    expect(ro.customer.firstName).toBe('Priya');
    // The running desk made the change (its lock held), and its screen was told.
    await page.getByRole('main', { name: 'Repair board' }).getByRole('article', { name: `RO ${ro.roNumber}, Priya Script` }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'desk-api-check-in-on-board');
    const activity = await t.call('audit-list', { roId: ro.id });
    expect(activity.map((a: AuditEntry) => a.actorName)).toContain('Sam Reyes');
    expect(errors).toEqual([]);
  }, 60_000);

  it('prints a work order from the command line while the desk runs (drawn by the running desk)', async () => {
    const ro = await t.call('ro-check-in', JSON.parse(checkIn('Wren', 'API 109')) as never);
    const out = path.join(tmp, 'printed', 'wo.pdf');
    const run = await desk('print', 'work-order', '--ro', String(ro.roNumber), '--out', out, '--data', t.dataDir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`RO ${ro.roNumber}`);
    expect(fs.readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    // A number the shop does not have is said, not printed.
    const missing = await desk('print', 'work-order', '--ro', '999999', '--out', out, '--data', t.dataDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No repair order 999999');
  }, 60_000);

  it('attributes a call without --as to the command line (arguments from standard input here)', async () => {
    const run = await deskWithInput(checkIn('Noel', 'API 102'), 'api', 'ro-check-in', '-', '--data', t.dataDir);
    expect(run.code).toBe(0);
    const ro = JSON.parse(run.stdout) as RepairOrderDetail;
    const activity = await t.call('audit-list', { roId: ro.id });
    expect(activity[0]!.actorName).toBe('Command line (npm run desk -- api)');
  }, 60_000);

  it('refuses a bad argument with exit 1 and the sentence naming the field', async () => {
    const bad = JSON.stringify({ customer: { firstName: 'Ada', lastName: 'Script' }, vehicle: { year: 1850 } });
    const run = await desk('api', 'ro-check-in', bad, '--data', t.dataDir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^ro-check-in: vehicle\.year .+\nfield: vehicle\.year\n$/);
  }, 60_000);

  it('names the staff when --as names nobody, or two people', async () => {
    const unknown = await desk('api', 'ro-board', '{}', '--data', t.dataDir, '--as', 'Pat');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No one called "Pat" works at this desk. The staff are: Dana Kim, Dana Ortiz, Sam Reyes.');
    const ambiguous = await desk('api', 'ro-board', '{}', '--data', t.dataDir, '--as', 'dana');
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain('More than one person is called "dana": Dana Kim, Dana Ortiz. Give the whole name with --as.');
  }, 60_000);
});

describe('desk api with no desk running', () => {
  it('opens the folder itself, and ignores a channel file a crashed desk left behind', async () => {
    const t = await openTestDesk();
    await t.close();
    // A desk that died without cleaning up: its file names a live process (this one) but nobody answers on the port.
    const stale = path.join(t.dataDir, CHANNEL_FILE);
    fs.writeFileSync(stale, JSON.stringify({ pid: process.pid, port: 1, secret: 'gone' }), { mode: 0o600 });

    const run = await desk('api', 'ro-check-in', checkIn('Olu', 'API 201'), '--data', t.dataDir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ro = JSON.parse(run.stdout) as RepairOrderDetail;

    // Its port now taken by another desk's channel, which does not know the old key.
    const other = await openTestDesk();
    const otherChannel = await openCommandChannel(other.desk);
    fs.writeFileSync(stale, JSON.stringify({ pid: process.pid, port: otherChannel.port, secret: 'gone' }), { mode: 0o600 });
    const second = await desk('api', 'ro-check-in', checkIn('Oma', 'API 202'), '--data', t.dataDir);
    await otherChannel.close();
    expect(await other.call('ro-board', {})).toEqual([]);
    await other.close();
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);

    const again = await openTestDesk({ dataDir: t.dataDir });
    try {
      const board = await again.call('ro-board', {});
      expect(board.map((r) => r.customerName).sort()).toEqual(['Olu Script', 'Oma Script']);
      expect(board.map((r) => r.roNumber)).toContain(ro.roNumber);
    } finally {
      await again.close();
    }
    expect(fs.existsSync(path.join(t.dataDir, 'desk.lock'))).toBe(false);
  }, 60_000);
});

describe('desk api beside a desk that takes no calls', () => {
  it('leaves the folder to the desk holding it and says which process that is', async () => {
    const t = await openTestDesk();
    try {
      const run = await desk('api', 'ro-check-in', checkIn('Ivo', 'API 401'), '--data', t.dataDir);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Bayline is open on ${t.dataDir} (process ${process.pid}) but does not take calls from the command line`);
      expect(await t.call('ro-board', {})).toEqual([]);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe('desk api on a paired folder with no desk running', () => {
  it('sends the change to the relay before it exits, so the other desks get it', async () => {
    const relay = await startRelayFixture('sqlite');
    try {
      const a = await relay.pairNewDesk('Front desk');
      await a.desk.close();
      const b = await relay.pairNewDesk('Office');
      const run = await desk('api', 'ro-check-in', checkIn('Mara', 'API 301'), '--data', a.dataDir);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const ro = JSON.parse(run.stdout) as RepairOrderDetail;
      // Desk A is closed again: only the relay can have brought the repair to desk B.
      await eventually('the repair on the other desk', async () => {
        const outcome = await b.desk.call('ro-board', {}, b.desk.newSession());
        return outcome.ok && (outcome.result as { roNumber: number }[]).some((r) => r.roNumber === ro.roNumber);
      });
    } finally {
      await relay.cleanup();
    }
  }, 60_000);
});
