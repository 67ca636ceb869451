// Calls on the desk's screens in Chromium (1366×768), against a real relay and the fake Telnyx's
// voice side: the front desk logs Zoë's "where's my car?" call on her repair with Alt+L and sees
// it in the conversation; a missed call to the Bayline number raises a card whose "Text them back"
// opens her repair with the text composer ready; a number typed in search is logged unassigned;
// and the Calls screen shows 60 days of calls, before and after portal links.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeCall } from '../relay/testing/fake-telnyx.js';
import { call, eventually } from '../relay/testing/sync-fixture.js';
import { checkIn, SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE } from '../relay/sms/testing.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { CallEntry } from '../src-shared/calls/words.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { shopToday } from '../src-shared/shop-day.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

const DESK_SIZE = { viewport: { width: 1366, height: 768 } };
const DAY = 86_400_000;

describe('calls on the desk screens', () => {
  let tmp: string;
  let s: TextingShop;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let others: RepairOrderDetail[];

  beforeAll(async () => {
    tmp = tempDir('bayline-calls-ui-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    // A shop in Chicago: its days are the same dates in UTC at noon, which the seeded days use.
    s = await startTextingShop('sqlite', { timeZone: 'America/Chicago' });
    await call(s.desk, 'workspace-update', { name: 'Lakeside Collision' });
    await call(s.desk, 'call-settings-update', { enabled: true, forwardNumber: '(512) 555-0111' });
    others = [];
    for (const [i, name] of ['Marcus Bell', 'Priya Shah', 'Tom Okafor'].entries()) {
      const [firstName, lastName] = name.split(' ');
      others.push(
        await call<RepairOrderDetail>(
          s.desk,
          'ro-check-in',
          checkIn({ customer: { firstName, lastName, mobile: `(512) 555-02${10 + i}` }, vehicle: { plate: `ABC 10${i}`, year: 2020, make: 'Toyota', model: 'Camry', color: 'Grey' } }),
        ),
      );
    }
    await seedSixtyDays();
    await settle(s.desk);
    host = await startBrowserHost({ desk: s.desk, port: 0, rendererDir });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext(DESK_SIZE)));
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await s?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /**
   * The four repairs came in 59 days ago; portal links started 30 days ago. Before: three status
   * calls a day and a scheduling call every fourth day; after: one status call a day, some sorted
   * as supplements and payments. Written as the shop's own records (the desk's store, synced).
   */
  async function seedSixtyDays() {
    const zone = (await call<{ timeZone: string }>(s.desk, 'workspace-get', {})).timeZone;
    const today = shopToday(zone, new Date());
    const dayAt = (back: number) => new Date(Date.parse(`${today}T12:00:00Z`) - back * DAY);
    const since = dayAt(30).toISOString().slice(0, 10);
    await call(s.desk, 'call-settings-update', { portalLinksSince: since });
    const ros = [s.ro, ...others];
    await s.desk.store.write({ actor: 'system', action: 'test-seed', audit: false }, async (tx) => {
      for (const ro of ros) await tx.update('repair_orders', ro.id, { checked_in_at: dayAt(59).toISOString() });
      for (let back = 59; back >= 1; back--) {
        const before = back > 30;
        const status = before ? 3 : 1;
        for (let i = 0; i < status; i++) {
          const ro = ros[(back + i) % ros.length]!;
          await tx.insert('calls', { ro_id: ro.id, customer_id: null, direction: 'in', party: 'customer', reason: 'status', state: 'logged', source: 'desk', started_at: new Date(dayAt(back).getTime() + i * 3_600_000).toISOString(), outcome: '', note: '' });
        }
        const extra = back % 4 === 0 ? 'scheduling' : back % 7 === 0 ? 'supplement' : back % 11 === 0 ? 'payment' : null;
        if (extra) await tx.insert('calls', { ro_id: ros[back % ros.length]!.id, direction: 'in', party: extra === 'supplement' ? 'adjuster' : 'customer', reason: extra, state: 'logged', source: 'desk', started_at: dayAt(back).toISOString(), outcome: '', note: '' });
      }
      await tx.insert('portal_counts', { id: `${s.ro.id}:link`, ro_id: s.ro.id, source: 'link', views: 212, last_at: new Date().toISOString() });
      await tx.insert('portal_counts', { id: `${s.ro.id}:qr-card`, ro_id: s.ro.id, source: 'qr-card', views: 38, last_at: new Date().toISOString() });
    });
  }

  async function openRepair(ro: RepairOrderDetail) {
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    await page.getByRole('heading', { name: `RO ${ro.roNumber} · ${ro.customerName}` }).waitFor();
  }

  it('Alt+L on the repair logs Zoë’s “where’s my car?” call in one move; it shows in the conversation and the activity', async () => {
    await openRepair(s.ro);
    await page.keyboard.press('Alt+KeyL');
    const dialog = page.getByRole('dialog', { name: 'Log call' });
    await dialog.waitFor();
    await dialog.getByText(`RO ${s.ro.roNumber} · Zoë Nguyen · (512) 555-0147`).waitFor();
    // Status check and "they called us" are already chosen: the usual call needs only the outcome.
    expect(await dialog.getByRole('radio', { name: 'Status check (“where’s my car?”)' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('radio', { name: 'They called us' }).isChecked()).toBe(true);
    await dialog.getByLabel('Outcome').fill('Told her Friday');
    await dialog.getByLabel('Minutes').fill('3');
    await dialog.getByLabel('Note').fill('Asked whether the bumper was painted yet');
    await screenshot(page, 'calls-log-dialog');
    await dialog.getByRole('button', { name: 'Log call' }).click();
    await dialog.waitFor({ state: 'detached' });
    const line = page.getByRole('region', { name: 'Conversation with Zoë' }).getByRole('listitem', { name: 'Call: Customer called' });
    await line.getByText('Told her Friday — Asked whether the bumper was painted yet').waitFor();
    await line.getByText(/Status check · 3 min/).waitFor();
    await page.getByText('Call logged: status check, from the customer — Told her Friday').first().waitFor();
    expect(errors).toEqual([]);
  });

  it('a missed call to the Bayline number raises a card; "Text them back" opens her repair with the composer ready', async () => {
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    const played = await placeCall(s.fake, { relayUrl: s.f.relay.url, from: ZOE, to: SHOP_NUMBER, answeredBy: 'nobody' });
    expect(played.actions).toEqual(['transfer', 'hangup']);
    const card = page.getByRole('article', { name: 'Missed call from Zoë Nguyen' });
    await card.waitFor();
    await card.getByText(`RO ${s.ro.roNumber}`, { exact: false }).waitFor();
    await screenshot(page, 'calls-missed-card');
    await card.getByRole('button', { name: 'Text them back' }).click();
    await page.getByRole('heading', { name: `RO ${s.ro.roNumber} · Zoë Nguyen` }).waitFor();
    const box = page.getByRole('region', { name: 'Text Zoë' }).locator('textarea');
    await eventually('the composer to have the cursor', async () => box.evaluate((el) => el === document.activeElement));
    await card.waitFor({ state: 'detached' });
    // The missed call is in the conversation too, dealt with.
    const missedLine = page.getByRole('listitem', { name: 'Call: Missed call from (512) 555-0147' });
    await missedLine.waitFor();
    // The relay does not know why she called: one pick sorts it for the counts.
    await missedLine.getByLabel('What was it about?').selectOption({ label: 'Status check' });
    await missedLine.getByText(/Status check/).waitFor();
    await missedLine.scrollIntoViewIfNeeded();
    await screenshot(page, 'calls-conversation');
    expect((await call<CallEntry[]>(s.desk, 'call-missed-list', {})).length).toBe(0);
  });

  it('a number typed in search is logged as a call; nobody has it, so it lands on no repair', async () => {
    await page.keyboard.press('Control+KeyK');
    await page.getByRole('combobox', { name: 'Name, phone, plate, VIN, RO or claim number' }).fill('(512) 555-0999');
    await page.getByRole('button', { name: 'Log a call from (512) 555-0999' }).click();
    const dialog = page.getByRole('dialog', { name: 'Log call' });
    await dialog.getByText('No customer has this number: the call is logged unassigned.').waitFor();
    await dialog.getByRole('radio', { name: 'Someone else' }).check();
    await dialog.getByRole('radio', { name: 'Scheduling' }).check();
    await dialog.getByLabel('Outcome').fill('Wants an estimate Tuesday');
    await dialog.getByRole('button', { name: 'Log call' }).click();
    await dialog.waitFor({ state: 'detached' });
    const unassigned = await call<CallEntry[]>(s.desk, 'call-list', { unassigned: true });
    expect(unassigned.map((c) => [c.peerNumber, c.reason, c.outcome])).toEqual([['+15125550999', 'scheduling', 'Wants an estimate Tuesday']]);
  });

  it('the Calls screen shows 60 days: calls a day by reason, before and after portal links, beside portal views and QR scans', async () => {
    await page.getByRole('button', { name: 'Calls', exact: true }).click();
    await page.getByRole('heading', { name: 'Calls', exact: true }).waitFor();
    const headline = page.getByRole('region', { name: /since portal links/ });
    // Before (59 to 31 days ago, 29 days): 29 × 3 = 87 status calls on 4 open repairs (116
    // repair-days) = 0.75 a day per open repair. After (30 days ago to today, 31 days): 30 seeded +
    // Alt+L's + the missed call sorted as a status check = 32 on 4 × 31 = 124 repair-days = 0.258:
    // (0.258 − 0.75) / 0.75 = 66 % fewer; (0.75 − 0.258) × 124 / 31 = 1.97 calls a day saved.
    await headline.getByText('0.75', { exact: true }).waitFor();
    await headline.getByText('0.26', { exact: true }).waitFor();
    await headline.getByText('66% fewer').waitFor();
    await headline.getByText(/about 2\.0 calls a day/).waitFor();
    const portal = page.getByRole('region', { name: 'Portal use so far' });
    await portal.getByText('250').waitFor();
    await portal.getByText('38').waitFor();
    await page.getByRole('region', { name: 'Calls on no repair' }).getByText('(512) 555-0999').waitFor();
    await screenshot(page, 'calls-report');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
