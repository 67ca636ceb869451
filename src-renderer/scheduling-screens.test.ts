// Appointments at the front desk in Chromium at 1366×768: Settings › Appointments says what is
// wrong with hours as they are typed and saves good ones; the week calendar shows the places used
// per kind; a person confirms one request, declines another with a reason, and the count of
// waiting requests in the bar follows. Screenshots land in test-output/ for a person to look at.
import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';
import { openTestDesk, type TestDesk, tempDir } from '../src-main/testing/temp-desk.js';
import { localToInstant } from '../src-shared/scheduling/slots.js';

const ZONE = 'America/New_York';
const DESK_SIZE = { width: 1366, height: 768 };
const week = { mon: [['08:00', '12:00'], ['13:00', '17:00']], tue: [['08:00', '12:00'], ['13:00', '17:00']], wed: [['08:00', '12:00'], ['13:00', '17:00']], thu: [['08:00', '12:00'], ['13:00', '17:00']], fri: [['08:00', '12:00']], sat: [], sun: [] } as const;
const hours = (from: string, to: string) => Object.fromEntries(Object.entries(week).map(([d, r]) => [d, r.length ? [[from, to] as [string, string]] : []])) as Record<keyof typeof week, Array<[string, string]>>;

describe('appointments at the desk', () => {
  let tmp: string;
  let t: TestDesk;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const monday = DateTime.now().setZone(ZONE).startOf('week').plus({ weeks: 1 });
  const at = (day: number, time: string) => new Date(localToInstant(monday.plus({ days: day }).toISODate()!, time, ZONE)!).toISOString();

  async function request(kind: string, startsAt: string, name: string, vehicle: string, state = 'requested') {
    return t.desk.store.write({ actor: 'relay', action: 'appointment-request' }, (tx) =>
      tx.insert('appointments', {
        kind,
        state,
        starts_at: startsAt,
        ends_at: new Date(Date.parse(startsAt) + 30 * 60_000).toISOString(),
        time_zone: ZONE,
        source: 'shop-page',
        requested_at: new Date().toISOString(),
        hold_until: new Date(Date.now() + 86_400_000).toISOString(),
        name,
        mobile: '+15125550177',
        vehicle,
        description: 'Scrape along the passenger side',
        decided_at: state === 'confirmed' ? new Date().toISOString() : null,
      }),
    );
  }

  beforeAll(async () => {
    tmp = tempDir('bayline-sched-screens-');
    await buildRenderer(path.join(tmp, 'renderer'));
    t = await openTestDesk({ dataDir: path.join(tmp, 'data'), workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    await t.call('workspace-update', { timeZone: ZONE });
    const base = { active: true, leadMinutes: 720, horizonDays: 30, holdMinutes: 240 };
    await t.call('schedule-availability-save', { ...base, kind: 'estimate', weeklyHours: hours('09:00', '12:00'), slotMinutes: 30, capacity: 2 });
    await t.call('schedule-availability-save', { ...base, kind: 'drop-off', weeklyHours: hours('08:00', '09:30'), slotMinutes: 30, capacity: 3 });
    await t.call('schedule-availability-save', { ...base, kind: 'pickup', weeklyHours: hours('15:00', '17:00'), slotMinutes: 60, capacity: 2 });
    await t.call('schedule-exception-save', { date: monday.plus({ days: 3 }).toISODate()!, kind: null, closed: true, reason: 'Thanksgiving' });
    await request('estimate', at(0, '09:00'), 'Priya Raman', '2021 Subaru Outback');
    await request('estimate', at(0, '09:00'), 'Tom Becker', '2018 Ford F-150', 'confirmed');
    await request('estimate', at(1, '10:30'), 'Ana Silva', '2015 Toyota Camry');
    await request('drop-off', at(0, '08:00'), 'Luis Ortega', '2020 Honda Civic', 'confirmed');
    await request('drop-off', at(0, '08:00'), 'Mei Chen', '2019 Mazda CX-5', 'confirmed');
    await request('pickup', at(2, '15:00'), 'Sam Ortiz', '2017 Jeep Wrangler', 'confirmed');
    host = await startBrowserHost({ desk: t.desk, port: 0, rendererDir: path.join(tmp, 'renderer') });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext({ viewport: DESK_SIZE })));
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('Settings › Appointments names bad hours as they are typed and saves good ones', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /Settings/ }).click();
    const section = page.getByRole('region', { name: 'Appointments' });
    await section.getByText(`Times are the shop’s: ${ZONE}`).waitFor();
    await section.scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('set-appointments')?.scrollIntoView());
    const estimate = section.getByRole('form', { name: 'Estimate' });
    await estimate.getByLabel('Estimate, Monday: until').fill('08:30');
    await estimate.getByText('Estimate, Monday: 09:00–08:30 ends before it starts.').waitFor();
    expect(await estimate.getByRole('button', { name: 'Save estimate hours' }).isDisabled()).toBe(true);
    await estimate.getByLabel('Estimate, Monday: until').fill('12:00');
    await estimate.getByRole('button', { name: 'Add hours: Estimate, Monday' }).click();
    await estimate.getByLabel('Estimate, Monday: from').nth(1).fill('11:00');
    await estimate.getByLabel('Estimate, Monday: until').nth(1).fill('14:00');
    await estimate.getByText('Estimate, Monday: 11:00–14:00 overlaps 09:00–12:00.').waitFor();
    await estimate.getByLabel('Estimate, Monday: from').nth(1).fill('13:00');
    await estimate.getByLabel('Estimate, Monday: until').nth(1).fill('16:00');
    await estimate.getByRole('button', { name: 'Save estimate hours' }).click();
    await estimate.getByText('Estimate hours saved.').waitFor();
    expect((await t.call('schedule-settings-get', {})).kinds[0]!.weeklyHours.mon).toEqual([['09:00', '12:00'], ['13:00', '16:00']]);
    await section.getByText('Thanksgiving').waitFor();
    await screenshot(page, 'desk-settings-appointments');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the week calendar shows places used; confirm and decline with a reason; the bar’s count follows', async () => {
    const nav = page.getByRole('navigation', { name: 'Screens' });
    await expect.poll(() => nav.getByRole('button', { name: /Appointments/ }).innerText()).toMatch(/Appointments\s*2/);
    await nav.getByRole('button', { name: /Appointments/ }).click();
    await page.getByRole('button', { name: 'Next week' }).click();
    const grid = page.getByRole('region', { name: 'Calendar' });
    await grid.getByRole('button', { name: /Priya Raman, Estimate 9:00 AM, Waiting/ }).waitFor();
    // Monday 09:00 estimates: Tom confirmed and Priya waiting use both places.
    expect(await grid.locator('.slot.kind-estimate.slot-full').count()).toBeGreaterThanOrEqual(1);
    expect(await grid.getByTitle('Estimate 9:00 AM: 2 of 2 taken').count()).toBe(1);
    expect(await grid.getByTitle('Drop-off 8:00 AM: 2 of 3 taken').count()).toBe(1);
    // A US shop reads its own forms: "Nov 30 – Dec 6, 2026", "Mon, Nov 30", 12-hour rows, (512) 555-0177.
    const sunday = monday.plus({ days: 6 });
    const spaced = (text: string) => text.replace(/\s/g, ' ');
    expect(spaced(await page.locator('.calendar-range').innerText())).toBe(
      spaced(new Intl.DateTimeFormat('en-US', { day: 'numeric', month: 'short', year: 'numeric', timeZone: ZONE }).formatRange(monday.toJSDate(), sunday.toJSDate())),
    );
    await grid.getByRole('columnheader', { name: `Mon, ${monday.toFormat('LLL d')}`, exact: true }).waitFor();
    expect(await grid.getByRole('rowheader').allInnerTexts()).toContain('9:00 AM');
    await page.getByRole('complementary', { name: 'Requests' }).getByText('(512) 555-0177').first().waitFor();
    // Thursday is closed: no slot that day, and the day says why.
    await grid.getByRole('columnheader', { name: /Thu, .* Closed: Thanksgiving/ }).waitFor();
    const thursday = monday.plus({ days: 3 }).toISODate()!;
    expect((await t.call('appointment-calendar', { from: thursday, days: 1 })).slots).toEqual([]);
    await screenshot(page, 'desk-calendar-week');
    expect(await axeProblems(page)).toEqual([]);

    const side = page.getByRole('complementary', { name: 'Requests' });
    const ana = side.getByRole('article', { name: 'Ana Silva, Estimate' });
    await ana.getByRole('button', { name: 'Decline' }).click();
    await ana.getByLabel('Reason (the customer reads it)').fill('We do not repair glass');
    await ana.getByRole('button', { name: 'Decline request' }).click();
    await expect.poll(() => side.getByRole('article', { name: 'Ana Silva, Estimate' }).count()).toBe(0);
    const priya = side.getByRole('article', { name: 'Priya Raman, Estimate' });
    await priya.getByRole('button', { name: 'Confirm' }).click();
    await grid.getByRole('button', { name: /Priya Raman, Estimate 9:00 AM, Confirmed/ }).waitFor();
    await side.getByText('No request is waiting.').waitFor();
    await expect.poll(() => nav.getByRole('button', { name: /Appointments/ }).innerText()).toBe('Appointments');
    const rows = t.desk.sqlite.prepare("SELECT name, state, decline_reason FROM appointments WHERE kind = 'estimate' ORDER BY name").all();
    expect(rows).toEqual([
      { name: 'Ana Silva', state: 'declined', decline_reason: 'We do not repair glass' },
      { name: 'Priya Raman', state: 'confirmed', decline_reason: null },
      { name: 'Tom Becker', state: 'confirmed', decline_reason: null },
    ]);
    expect(errors).toEqual([]);
  });
});
