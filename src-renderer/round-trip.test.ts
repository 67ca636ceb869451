// End to end in Chromium: the built screens, served by the browser host, show the shop's board from
// a real desk and follow a stage move made elsewhere without a reload.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { buildRenderer, launchChromium } from '../src-main/testing/browser-kit.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';

const SCREENSHOT = fileURLToPath(new URL('../test-output/round-trip.png', import.meta.url));

describe('the repair board in a browser', () => {
  let tmp: string;
  let desk: Desk;
  let host: BrowserHost;
  let browser: Browser;
  let rendererDir: string;

  async function checkIn(firstName: string, lastName: string, vehicle: { year: number; make: string; model: string; plate: string }) {
    const outcome = await desk.call(
      'ro-check-in',
      { customer: { firstName, lastName, mobile: '+1 312 555 0147' }, vehicle, insurer: 'State Farm' },
      desk.newSession(),
    );
    if (!outcome.ok) throw new Error(`check-in failed: ${outcome.error.message}`);
    return outcome.result as RepairOrderDetail;
  }

  async function moveStage(id: string, stage: string) {
    const outcome = await desk.call('ro-move-stage', { id, stage }, desk.newSession());
    if (!outcome.ok) throw new Error(`stage move failed: ${outcome.error.message}`);
  }

  /** A page that records every script error and console error (a CSP refusal shows up there). */
  async function openPage(url: string, beforeLoad?: (page: Page) => Promise<void>): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 700 } });
    await beforeLoad?.(page);
    page.setDefaultTimeout(15_000);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`);
    });
    await page.goto(url);
    return { page, errors };
  }

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-round-trip-'));
    rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    desk = await Desk.open({ dataDir: path.join(tmp, 'data'), workspace: { name: 'Harbor Collision', slug: 'harbor-collision' } });
    host = await startBrowserHost({ desk, port: 0, rendererDir });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await desk?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows each open repair order under its stage and follows a stage move without a reload', async () => {
    const ana = await checkIn('Ana', 'Silva', { year: 2019, make: 'Toyota', model: 'Camry', plate: 'BAY 101' });
    const ben = await checkIn('Ben', 'Okafor', { year: 2021, make: 'Honda', model: 'Civic', plate: 'BAY 202' });
    await moveStage(ana.id, 'estimate');
    await moveStage(ben.id, 'repair-started');

    const { page, errors } = await openPage(host.url);
    const column = (name: string) => page.getByRole('region', { name, exact: true });

    await page.getByRole('heading', { level: 1, name: 'Harbor Collision' }).waitFor();
    const anaCard = column('Estimate').getByRole('article', { name: `RO ${ana.roNumber}, Ana Silva` });
    const benCard = column('Repair started').getByRole('article', { name: `RO ${ben.roNumber}, Ben Okafor` });
    await anaCard.waitFor();
    await benCard.waitFor();
    expect(await anaCard.innerText()).toContain('2019 Toyota Camry');
    expect(await benCard.innerText()).toContain('BAY 202');
    expect(await column('Pictures').innerText()).toContain('No cars at this stage');
    expect(await page.getByRole('region').count()).toBe(8);
    expect(await page.title()).toBe('Harbor Collision · Bayline');

    // The launch key leaves the address bar once the page has it.
    expect(page.url()).toBe(`http://127.0.0.1:${host.port}/`);

    // Moved at another window: the board follows through the push event, without reloading.
    await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
    await moveStage(ana.id, 'supplement-sent');
    await column('Supplement sent').getByRole('article', { name: `RO ${ana.roNumber}, Ana Silva` }).waitFor();
    await anaCard.waitFor({ state: 'detached' });
    expect(await column('Estimate').innerText()).toContain('No cars at this stage');
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);

    // A refused call reaches the page as an ApiError with its stable code.
    const refused = await page.evaluate(() =>
      window.bayline.call('ro-get', { id: 'no-such-ro' }).then(
        () => null,
        (err: { name: string; code: string; message: string }) => ({ name: err.name, code: err.code, message: err.message }),
      ),
    );
    expect(refused).toMatchObject({ name: 'ApiError', code: 'not-found' });

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('keeps the key for the tab, so a reload still reaches the desk', async () => {
    const { page } = await openPage(host.url);
    await page.getByRole('heading', { level: 1, name: 'Harbor Collision' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Harbor Collision' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.close();
  });

  it('comes back by itself when the connection drops, and catches up on what changed meanwhile', async () => {
    const ro = await checkIn('Carla', 'Mendes', { year: 2017, make: 'Ford', model: 'Escape', plate: 'BAY 303' });
    // Each connection the page opens goes through here; a gate holds a reconnection back.
    const connections: WebSocketRoute[] = [];
    let openGate: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const { page, errors } = await openPage(host.url, (p) =>
      p.routeWebSocket(/\/rpc$/, async (route) => {
        connections.push(route);
        await gate;
        route.connectToServer();
      }),
    );
    const carla = (stage: string) => page.getByRole('region', { name: stage, exact: true }).getByRole('article', { name: `RO ${ro.roNumber}, Carla Mendes` });
    await carla('Pictures').waitFor();

    gate = new Promise((resolve) => (openGate = resolve));
    await connections[0]!.close({ code: 1001, reason: 'network went away' });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Cannot reach the Bayline desk');

    // Moved while this page could not hear the desk.
    await moveStage(ro.id, 'teardown');
    openGate();
    await carla('Teardown').waitFor();
    await alert.waitFor({ state: 'detached' });
    expect(connections.length).toBeGreaterThanOrEqual(2);

    // Events flow again on the new connection.
    await moveStage(ro.id, 'estimate');
    await carla('Estimate').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows what a customer sent as text, whatever it holds: name, message and file name', async () => {
    const payload = '<img src=x onerror="window.pwned=1">';
    const ro = await checkIn('<script>window.pwned=2</script>', 'Hart', { year: 2018, make: 'Kia', model: 'Soul', plate: 'BAY 404' });
    // What the relay writes when a customer answers on the portal, arriving here as changes.
    await desk.store.write({ actor: 'customer', action: 'portal-message' }, async (tx) => {
      const messageId = await tx.insert('messages', { ro_id: ro.id, channel: 'portal', direction: 'in', body: payload, at: new Date().toISOString(), author: 'Zoë' });
      await tx.insert('attachments', {
        ro_id: ro.id,
        kind: 'photo',
        blob_hash: 'a'.repeat(64),
        file_name: '"><svg onload="window.pwned=3">.jpg',
        mime_type: 'image/jpeg',
        size_bytes: 10,
        published: 0,
        source: 'customer',
        added_at: new Date().toISOString(),
        message_id: messageId,
      });
    });
    const { page, errors } = await openPage(host.url);
    const card = page.getByRole('article', { name: `RO ${ro.roNumber}, <script>window.pwned=2</script> Hart` });
    await card.waitFor();
    expect(await card.innerText()).toContain('1 new message');
    await card.getByRole('button', { name: `RO ${ro.roNumber}` }).click();
    const panel = page.locator('.ro-view');
    await panel.getByText(payload).waitFor();
    expect(await panel.innerText()).toContain('<script>window.pwned=2</script> Hart');
    expect(await panel.innerText()).toContain('"><svg onload="window.pwned=3">.jpg');
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('.ro-view script, .message img, .message svg').count()).toBe(0);
    // Opening the repair read the message: the badge goes.
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await card.waitFor();
    await card.getByText('1 new message').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says to use the printed link when the page is opened without its key', async () => {
    const { page } = await openPage(`http://127.0.0.1:${host.port}/`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Open the link Bayline printed when it started');
    expect(await page.getByRole('main', { name: 'Repair board' }).count()).toBe(0);
    await page.close();
  });

  it('says the desk cannot be reached when it stops, and keeps trying', async () => {
    const shortLived = await startBrowserHost({ desk, port: 0, rendererDir });
    const { page } = await openPage(shortLived.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
    await shortLived.close();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('Cannot reach the Bayline desk');
    // The last board stays on screen (dimmed) so the person still sees where things were.
    expect(await page.getByRole('main', { name: 'Repair board' }).count()).toBe(1);
    await page.close();
  });
});
