// A new customer books an estimate on a phone (Chromium at 390×844, JavaScript off: the plain
// form), a paired desk sees the request and confirms it, the fake Telnyx holds the confirmation
// text with the right local time, and the calendar file parses (ical.js, an independent parser)
// to the same instant. Screenshots land in test-output/ for a person to look at.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ICAL from 'ical.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchChromium, screenshot, watchedPage } from '../../src-main/testing/browser-kit.js';
import type { Desk } from '../../src-main/desk.js';
import { assignNumber } from '../sms/numbers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../testing/fake-telnyx.js';
import { eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { jpegWithGps } from '../uploads/test-images.js';
import { estimateHours, openBooking } from './testing.js';

// Monday 1 June 2026, 12:00 in New York; the first free estimate is Tuesday 09:00 EDT (13:00Z).
const NOW = new Date('2026-06-01T16:00:00Z');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('booking an estimate on a phone, confirmed at the desk', () => {
  let f: RelayFixture;
  let fake: FakeTelnyx;
  let desk: Desk;
  let browser: Browser;

  beforeAll(async () => {
    fake = await startFakeTelnyx();
    f = await startRelayFixture('sqlite', {
      blobs: true,
      scheduling: { clock: () => NOW, pollMs: 200 },
      telnyx: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'profile-lakeside', timeoutMs: 5000 },
      sms: { pollMs: 100, clock: () => NOW },
    });
    await assignNumber(f.storage, { workspaceId: f.workspace.id, phoneNumber: '+15125550100', orderId: null, messagingProfileId: 'profile-lakeside' });
    await openBooking(f.storage, f.workspace.id, {
      timeZone: 'America/New_York',
      availability: [estimateHours({ weeklyHours: { mon: [['09:00', '12:00']], tue: [['09:00', '12:00']], wed: [['09:00', '12:00']], thu: [['09:00', '12:00']], fri: [['09:00', '12:00']], sat: [['09:00', '11:00']], sun: [] }, slotMinutes: 30, capacity: 2 })],
    });
    desk = (await f.pairNewDesk('Front desk')).desk;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await f?.cleanup();
    await fake?.close();
  });

  it('from the shop page to a confirmation text and a calendar entry at the same instant', async () => {
    // Accessibility and width, checked by script the test evaluates (the page itself has none).
    const checking = await browser.newContext(PHONE);
    const check = await checking.newPage();
    await check.goto(`${f.relay.url}/p/lakeside/book`);
    expect(await check.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await axeProblems(check)).toEqual([]);
    await checking.close();

    const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
    const { page, errors } = await watchedPage(context);
    await page.goto(`${f.relay.url}/p/lakeside`);
    await page.getByRole('link', { name: 'Book an estimate' }).click();
    await page.waitForURL(/\/p\/lakeside\/book$/);
    await screenshot(page, 'booking-estimate-phone');
    await page.screenshot({ path: 'test-output/booking-estimate-phone-full.png', fullPage: true, scale: 'css' });

    await page.getByLabel('Your name').fill('Maya Ortiz');
    await page.getByLabel('Mobile number').fill('(512) 555-0199');
    await page.getByLabel('Email (optional)').fill('maya@example.com');
    await page.getByLabel('Vehicle (year, make, model)').fill('2021 Toyota RAV4');
    await page.getByLabel('What happened? (short)').fill('Rear bumper pushed in at a stop light.');
    const photo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-photo-')), 'bumper.jpg');
    fs.writeFileSync(photo, await jpegWithGps(1200, 900));
    await page.getByLabel('Photos of the damage (optional)').setInputFiles(photo);
    await page.getByLabel('Insurance company, if any').fill('Geico');
    // The first free time: Tuesday 9:00 AM (Monday's times are gone by noon plus the hour's lead).
    const tuesday = page.getByRole('group', { name: 'Tuesday, June 2' });
    await tuesday.getByLabel('9:00 AM').check();
    await page.getByRole('button', { name: 'Request this time' }).click();
    await page.getByRole('heading', { name: 'Request sent' }).waitFor();
    expect(await page.textContent('main')).toContain('You asked for Tue, Jun 2, 9:00 AM.');
    await screenshot(page, 'booking-estimate-sent-phone');
    expect(errors).toEqual([]);

    // The desk hears of the request, with the photo, and confirms it through its store.
    const appt = await eventually('the request at the desk', async () => desk.db.selectFrom('appointments').selectAll().where('state', '=', 'requested').executeTakeFirst());
    expect(appt).toMatchObject({ name: 'Maya Ortiz', mobile: '+15125550199', starts_at: '2026-06-02T13:00:00.000Z', insurer: 'Geico' });
    expect(await desk.db.selectFrom('attachments').select(['appointment_id']).where('appointment_id', '=', appt.id).execute()).toHaveLength(1);
    await desk.store.write({ actor: 'staff', action: 'appointment-confirm', summary: 'Estimate confirmed' }, (tx) =>
      tx.update('appointments', appt.id, { state: 'confirmed', decided_at: new Date().toISOString(), decided_by: 'staff' }),
    );

    const text = await eventually('the confirmation text at Telnyx', async () => fake.sends().find((s) => s.text.includes('is confirmed')));
    expect(text.to).toBe('+15125550199');
    expect(text.text).toContain('your estimate is confirmed for Tue, Jun 2, 9:00 AM.');
    const icsLink = /Add to your calendar: (\S+)/.exec(text.text)![1]!;
    const ics = await (await fetch(icsLink)).text();
    const parsed = new ICAL.Component(ICAL.parse(ics));
    for (const tz of parsed.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
    expect(event.startDate.zone?.tzid).toBe('America/New_York');
    expect(event.startDate.toJSDate().toISOString()).toBe(appt.starts_at);

    // The manage link from the text opens on the phone.
    const manage = /Change or cancel: (\S+)/.exec(text.text)![1]!;
    await page.goto(manage);
    expect(await page.textContent('main')).toContain('Your estimate is confirmed for Tue, Jun 2, 9:00 AM.');
    await screenshot(page, 'booking-manage-phone');
    await context.close();
  }, 120_000);
});
