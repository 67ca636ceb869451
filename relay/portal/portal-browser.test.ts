// The status portal in Chromium at phone size (390×844), as a customer meets it: the page from the
// QR, the repair moving while the page is open, a message each way, and the same page with
// JavaScript off. Screenshots land in test-output/ for a person to look at.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../src-main/testing/browser-kit.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { Desk } from '../../src-main/desk.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { jpegWithGps } from '../uploads/test-images.js';

const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical accessibility findings on the page (axe-core, injected by the test, not the page). */
async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected script tags.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe;
    return axe.run(document);
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
}

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('the status portal on a phone', () => {
  let f: RelayFixture;
  let desk: Desk;
  let browser: Browser;
  let ro: RepairOrderDetail;

  async function pushed() {
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
  }

  async function phonePage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    return { page, errors };
  }

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    f = await startRelayFixture('sqlite', { blobs: true });
    desk = (await f.pairNewDesk('Front desk')).desk;
    await call(desk, 'workspace-update', {
      name: 'Lakeside Collision & Paint',
      phone: '(512) 555-0100',
      address: '1200 Lakeshore Blvd, Austin, TX 78741',
      colorPrimary: '#0b5d4b',
      colorAccent: '#e0a100',
    });
    ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Zoë', lastName: 'Nguyễn', mobile: '(512) 555-0147' },
      vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
      insurer: 'State Farm',
      promisedDate: '2037-12-04',
    });
    await call(desk, 'ro-move-stage', { id: ro.id, stage: 'estimate' });
    const bay = await call<{ url: string }>(desk, 'bay-link-issue', { roId: ro.id });
    await pushed();
    await eventually('the bay link', async () => (await fetch(bay.url)).status === 200);
    for (const [w, h] of [
      [1600, 1200],
      [1200, 1600],
    ] as const) {
      const form = new FormData();
      form.append('photos', new Blob([new Uint8Array(await jpegWithGps(w, h))], { type: 'image/jpeg' }), `damage-${w}.jpg`);
      const res = await fetch(`${bay.url}/photos`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
    }
    await eventually('the photos on the desk', async () => (await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id })).attachments.length === 2);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await f?.cleanup();
  });

  it('shows stage, dates and photos; follows the desk live; carries a message each way', async () => {
    const context = await browser.newContext(PHONE);
    const { page, errors } = await phonePage(context);
    await page.goto(`${ro.portal.url}?s=qr-work-order`);
    await expect.poll(() => page.locator('.now .stage').textContent()).toBe('Estimate');
    expect(await page.locator('#date .date').textContent()).toBe('Friday, December 4, 2037');
    const thumbs = page.locator('.photos img');
    await expect.poll(() => thumbs.count()).toBe(2);
    // Every thumbnail really loaded (served from the relay under the page's CSP).
    await expect
      .poll(() => thumbs.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)))
      .toBe(true);
    await page.screenshot({ path: `${OUT}portal-phone.png`, fullPage: true });
    expect(await axeProblems(page)).toEqual([]);

    // The desk moves the repair on; the open page follows without a reload.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    const moved = Date.now();
    await call(desk, 'ro-move-stage', { id: ro.id, stage: 'repair-started' });
    await call(desk, 'ro-change-promised-date', { id: ro.id, date: '2037-12-09', reason: 'The rear bumper is on back order from Honda' });
    await page.locator('.now .stage', { hasText: 'Repair started' }).waitFor({ timeout: 2000 });
    await page.getByText('The rear bumper is on back order from Honda').waitFor({ timeout: 2000 - Math.min(1999, Date.now() - moved) });
    expect(Date.now() - moved).toBeLessThan(2000 + 500); // the two desk calls themselves take a moment
    expect(await page.locator('#date .date').textContent()).toBe('Wednesday, December 9, 2037');
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await page.screenshot({ path: `${OUT}portal-phone-moved.png`, fullPage: true });

    // The customer writes; the desk has it; the desk answers; the page shows it.
    await page.locator('#body').fill('Can I pick it up Saturday morning?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Your message is with the shop').waitFor();
    const onDesk = await eventually('the message on the desk', async () => {
      const d = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
      return d.messages.find((m) => m.body === 'Can I pick it up Saturday morning?');
    });
    expect(onDesk).toMatchObject({ direction: 'in', read: false, author: 'Zoë' });
    await call(desk, 'message-send', { roId: ro.id, body: 'Yes: we open at 9 on Saturday. Ask for Marisol.' });
    await page.getByText('Yes: we open at 9 on Saturday. Ask for Marisol.').waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await page.locator('#conversation').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT}portal-phone-conversation.png`, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reads and answers with JavaScript off', async () => {
    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const { page } = await phonePage(context);
    await page.goto(ro.portal.url!);
    expect(await page.locator('.now .stage').textContent()).toBe('Repair started');
    expect(await page.locator('ol.steps li').count()).toBe(8);
    await page.locator('#body').fill('Sent without JavaScript');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/#conversation$/);
    await page.getByText('Sent without JavaScript').waitFor();
    await context.close();
  });

  it('the bay camera page fits a phone and says what it does', async () => {
    const bay = await call<{ url: string }>(desk, 'bay-link-issue', { roId: ro.id });
    await pushed();
    const context = await browser.newContext(PHONE);
    const { page, errors } = await phonePage(context);
    await eventually('the new bay link', async () => (await page.goto(bay.url))?.status() === 200);
    expect(await page.locator('.stage').textContent()).toBe(`RO ${ro.roNumber}`);
    await page.locator('#photos').setInputFiles({ name: 'door.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps(900, 600) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByText('1 photo uploaded.').waitFor();
    await page.getByText('3 photos on this repair so far.').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${OUT}bay-camera-phone.png`, fullPage: true });
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
