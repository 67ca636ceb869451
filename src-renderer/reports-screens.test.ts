// The Reports screen in Chromium at 1366×768 on a real desk: an advisor has no Reports tab; the
// owner switches in, picks March 2026 and sees the charts with their tables (the keys-to-keys
// figures from the hand-checked scorecard fixture), moves between the tabs with the keyboard, opens
// the insurer scorecards and downloads an insurer's PDF. Screenshots go to /tmp/shots-figures/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { pdfText } from '../src-main/printing/printed-pages.js';
import { axeProblems, buildRenderer, launchChromium, watchedPage } from '../src-main/testing/browser-kit.js';
import { openTestDesk, type TestDesk, tempDir } from '../src-main/testing/temp-desk.js';
import { scorecardFixture } from '../src-shared/reports/fixtures.js';
import { writeFacts } from '../src-shared/reports/testing.js';

const SHOTS = '/tmp/shots-figures';
const H = 3_600_000;

describe('the Reports screen', () => {
  let tmp: string;
  let t: TestDesk;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-reports-ui-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    const owner = (await t.call('staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' })).id;
    const advisor = (await t.call('staff-create', { name: 'Priya Shah', role: 'advisor', pin: '1357' })).id;
    const facts = scorecardFixture();
    const who = (id: string | null) => (id === 'staff-ann' ? owner : advisor);
    // Customers asked before each update: a text in an hour before each of the shop's texts.
    const asked = facts.messages.map((m) => ({ ...m, direction: 'in', status: 'received', staffId: null, at: new Date(Date.parse(m.at) - H).toISOString() }));
    await writeFacts(t.desk.store, {
      ...facts,
      repairs: facts.repairs.map((r) => ({ ...r, checkedInBy: who(r.checkedInBy) })),
      messages: [...asked, ...facts.messages.map((m, i) => ({ ...m, staffId: i % 3 === 0 ? advisor : owner }))],
      portal: facts.repairs.map((r, i) => ({ roId: r.id, source: i % 2 ? 'qr-work-order' : 'sms', views: 2 + (i % 4) })),
    });
    await t.call('staff-switch', { staffId: owner, pin: '2468' });
    await t.call('workspace-update', { name: 'Lakeside Collision', colorPrimary: '#0b6e4f', colorAccent: '#f2a900' });
    host = await startBrowserHost({ desk: t.desk, port: 0, rendererDir });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true })));
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function switchTo(label: string, pin: string, name: string) {
    await page.getByRole('button', { name: /At the desk/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Who is at the desk?' });
    await dialog.getByLabel('Name').selectOption({ label });
    await dialog.getByLabel('PIN').fill(pin);
    await dialog.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: `At the desk: ${name}` }).waitFor();
  }

  it('only the owner or a manager has the Reports tab; the charts show March with a table beside each', async () => {
    const screens = page.getByRole('navigation', { name: 'Screens' });
    await switchTo('Priya Shah (advisor)', '1357', 'Priya Shah');
    expect(await screens.getByRole('button', { name: 'Reports' }).count()).toBe(0);

    await switchTo('Dana Whitfield (owner)', '2468', 'Dana Whitfield');
    await screens.getByRole('button', { name: 'Reports' }).click();
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByLabel('From', { exact: true }).fill('2026-03-01');
    await page.getByLabel('To', { exact: true }).fill('2026-03-31');
    // All 60 repairs: keys-to-keys (95.8 + 143.7 + 191.7) / 3 h = 143.73 h = 5.99 d.
    await page.getByText('6.0 d', { exact: true }).first().waitFor();
    const cycle = page.getByRole('region', { name: 'Cycle time and on-time delivery, table' });
    await expect.poll(() => cycle.locator('tbody tr').count()).toBe(6);
    // The period starts on Sunday 1 March (a row of its own: weeks start on Monday). Week of 2 March: Acme 3 (2–4 Mar → 6–8 Mar at 96 h, 95 h, 95 h) and Birch 1 (k = 0, 8 Mar, 143 h) delivered.
    expect(await cycle.locator('tbody tr').nth(1).innerText()).toMatch(/^Mar 2\s+4\s+/);
    // That one-day first row says it is one day, not a week.
    expect(await cycle.locator('tbody tr').nth(0).innerText()).toMatch(/^Mar 1 \(1 day\)\s/);
    expect(await page.locator('.report-chart-canvas canvas').count()).toBe(4);
    // Numbers that would overprint each other are left off the chart (the table has them all).
    await expect.poll(() => page.locator('.report-chart-canvas[data-numbers-left-off]').count()).toBe(4);
    // 60 repairs: text-link views 2, 4, 2, 4… on the even ones (15 × 2 + 15 × 4 = 90), QR scans 3, 5… on the odd
    // ones (15 × 3 + 15 × 5 = 120); 80 texts answered (Acme 2 a repair, Birch and Cobalt 1) → 290, capped at 15 × 21 = 315.
    expect(await page.locator('.report-formula').innerText()).toContain('Estimate: min(90 portal views + 120 QR scans + 80 answered messages, 15 calls a day before the portal × 21 business days) × 4 min a call = 1,160 min');
    await page.screenshot({ path: `${SHOTS}/reports-1366.png` });
    await page.getByRole('region', { name: 'By staff member, table' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/reports-1366-lower.png` });
    expect(await axeProblems(page)).toEqual([]);
  });

  it('the tabs and charts are reached with the keyboard; the scorecards export an insurer PDF', async () => {
    const tab = page.getByRole('tab', { name: 'Shop report' });
    await tab.focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Insurer scorecards');
    await page.getByRole('region', { name: 'Scorecard for Acme Mutual' }).waitFor();
    const compare = page.getByRole('region', { name: 'Insurers side by side, table' });
    expect(await compare.locator('tbody tr').first().innerText()).toMatch(/^Acme Mutual\s+20\s+4\.53\s+32\s+19 \(95 %\)\s+4\.0 d\s+6\.0 d\s+80 %\s+100 %$/);
    // The chart is one focusable image with its description.
    await page.locator('#chart-insurers').focus();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toContain('On-time delivery and customers updated');
    await page.screenshot({ path: `${SHOTS}/scorecards-1366.png` });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export the Cobalt Casualty scorecard as PDF' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('lakeside-collision-scorecard-cobalt-casualty-2026-03-01-to-2026-03-31.pdf');
    const text = pdfText(fs.readFileSync(await file.path()));
    expect(text).toContain('Scorecard for Cobalt Casualty');
    expect(text).toContain('18 %'); // updated within one business day: 7 of 40
    expect(errors).toEqual([]);
  });
});
