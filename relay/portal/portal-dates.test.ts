// Honest dates on the customer's page: "Expected ready" is said only of a day still to come. Once
// the promised day is over in the shop's time zone (not the relay's, not UTC) and the car is not
// finished, the page says the date passed and that the shop will confirm a new one, with the
// history of dates kept. The relay's clock is injected; a page cached, or open on a phone, before
// the shop's midnight changes on its own after it. On both storage engines; the overdue car's page
// is also drawn in Chromium at phone size for a person to look at.
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { dayEndsAt, dayHasPassed, shopToday } from '../../src-shared/shop-day.js';
import { DEFAULT_STAGE_WORDING } from '../../src-shared/stages.js';
import type { Desk } from '../../src-main/desk.js';
import { axeProblems, launchChromium, screenshot, watchedPage } from '../../src-main/testing/browser-kit.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import type { PortalView } from './portal-view.js';
import { renderStatusPage } from './render.js';

const ZONE = 'America/Chicago';

/** A calendar day `days` after today in the shop's zone. */
function dayFromToday(days: number): string {
  const [y, m, d] = shopToday(ZONE, new Date()).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function longDay(date: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }).format(
    Date.parse(`${date}T12:00:00Z`),
  );
}

describe('the shop\'s day', () => {
  it('ends at midnight where the shop is, not in UTC or where the relay runs', () => {
    // Dec 4 2026 in Chicago (UTC−6) ends at 06:00 UTC on Dec 5.
    expect(new Date(dayEndsAt('2026-12-04', ZONE)).toISOString()).toBe('2026-12-05T06:00:00.000Z');
    expect(dayHasPassed('2026-12-04', ZONE, new Date('2026-12-05T05:59:59Z'))).toBe(false);
    expect(dayHasPassed('2026-12-04', ZONE, new Date('2026-12-05T06:00:00Z'))).toBe(true);
    // Summer time (UTC−5), and a zone east of UTC.
    expect(new Date(dayEndsAt('2026-07-01', ZONE)).toISOString()).toBe('2026-07-02T05:00:00.000Z');
    expect(new Date(dayEndsAt('2026-12-04', 'Pacific/Auckland')).toISOString()).toBe('2026-12-04T11:00:00.000Z');
    // Where the clocks skip midnight (Santiago, first Sunday of September), the day ends when the next one begins.
    const end = dayEndsAt('2026-09-05', 'America/Santiago');
    expect(shopToday('America/Santiago', new Date(end))).toBe('2026-09-06');
    expect(shopToday('America/Santiago', new Date(end - 60_000))).toBe('2026-09-05');
  });
});

describe('the date card', () => {
  const base: PortalView = {
    roId: 'ro-1',
    roNumber: 1042,
    customerFirstName: 'Zoë',
    vehicle: { year: 2019, make: 'Honda', model: 'Accord', color: 'Blue', plate: 'KLM 456' },
    stage: 'repair-started',
    timeline: [],
    promisedDate: '2026-12-04',
    promisedPassed: false,
    promisedHistory: [{ from: '2026-12-01', to: '2026-12-04', reason: 'A bumper bracket is on back order', at: '2026-11-28T15:00:00Z' }],
    delays: [],
    photos: [],
    documents: [],
    messages: [],
    deliveredAt: null,
    shop: {
      name: 'Lakeside Collision',
      phone: '',
      email: '',
      address: '',
      hours: {},
      timeZone: ZONE,
      logoHash: null,
      colorPrimary: '#1f4e79',
      colorAccent: '#f2a900',
    },
  };
  base.timeline = [{ stage: 'repair-started', label: 'Repair started', sentence: DEFAULT_STAGE_WORDING['repair-started'], reachedAt: null, current: true }];
  const dateCard = (view: PortalView) => /<section class="card" id="date"[^]*?<\/section>/.exec(renderStatusPage(view, { token: 't', version: 'v' }).body)![0];

  it('says "Expected ready" only for a day still to come', () => {
    const coming = dateCard(base);
    expect(coming).toContain('Expected ready');
    expect(coming).toContain('Friday, December 4, 2026');
  });

  it('says a passed date has passed and that the shop will confirm a new one, keeping the history', () => {
    const page = renderStatusPage({ ...base, promisedPassed: true }, { token: 't', version: 'v' }).body;
    expect(page).not.toContain('Expected ready');
    const card = dateCard({ ...base, promisedPassed: true });
    expect(card).toContain('The date we gave you, <strong>Friday, December 4, 2026</strong>, has passed.');
    expect(card).toContain('We will confirm a new date with you.');
    expect(card).toContain('A bumper bracket is on back order');
    expect(card).toContain('moved from Tuesday, December 1, 2026 to Friday, December 4, 2026');
  });

  it('says a finished car is finished rather than expected on a day gone by', () => {
    const card = dateCard({ ...base, stage: 'completed' });
    expect(card).not.toContain('Expected ready');
    expect(card).not.toContain('has passed');
    expect(card).toContain('Your repair is finished.');
  });
});

describe.each<Engine>(['sqlite', 'postgres'])('honest portal dates (%s)', (engine) => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('a page cached and open before the shop\'s midnight says the date passed after it, on its own', async () => {
    const promised = dayFromToday(5);
    let offset = 0;
    const clock = () => new Date(Date.now() + offset);
    f = await startRelayFixture(engine, { blobs: true, portal: { clock } });
    const { desk } = await f.pairNewDesk('Front desk');
    await call(desk, 'workspace-update', { timeZone: ZONE });
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Zoë', lastName: 'Nguyễn', mobile: '(512) 555-0147' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord', color: 'Blue', plate: 'KLM 456' },
      promisedDate: dayFromToday(2),
    });
    await call(desk, 'ro-move-stage', { id: ro.id, stage: 'repair-started' });
    await call(desk, 'ro-change-promised-date', { id: ro.id, date: promised, reason: 'A bumper bracket is on back order' });
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const url = ro.portal.url!;

    // The relay's clock from now on: 4 s before the promised day ends in Chicago (no page was drawn
    // yet). Real timers run underneath, as they would on the night itself.
    offset = dayEndsAt(promised, ZONE) - 4000 - Date.now();
    const before = await eventually('the page with the new date', async () => {
      const text = await (await fetch(url)).text();
      return text.includes('A bumper bracket is on back order') && text.includes(`<p class="date">${longDay(promised)}</p>`) && text;
    });
    expect(before).toContain('Expected ready');
    expect(before).toContain(longDay(promised));

    // An open page (its event stream), then the shop's midnight passes with no change to any data.
    const events = await fetch(`${url}/events`);
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let stream = '';
    const started = Date.now();
    await eventually('the event stream to tell the open page', async () => {
      const { value } = await reader.read();
      stream += decoder.decode(value);
      return (stream.match(/event: changed/g) ?? []).length >= 2;
    }, 10_000);
    expect(Date.now() - started).toBeLessThan(8000);
    await reader.cancel();

    const after = await (await fetch(url)).text();
    expect(after).not.toContain('Expected ready');
    expect(after).toContain(`The date we gave you, <strong>${longDay(promised)}</strong>, has passed.`);
    expect(after).toContain('We will confirm a new date with you.');
    expect(after).toContain('A bumper bracket is on back order');

    // The shop sets a new date: "Expected ready" again, with both moves listed.
    const next = dayFromToday(8);
    await call(desk, 'ro-change-promised-date', { id: ro.id, date: next, reason: 'The paint needs another day to cure' });
    // (Waits for the date itself: on PostgreSQL a page drawn while the change commits may read the
    // history after it and the repair before it; such a page is never cached.)
    const again = await eventually('the page with the newest date', async () => {
      const text = await (await fetch(url)).text();
      return text.includes('another day to cure') && text.includes(`<p class="date">${longDay(next)}</p>`) && text;
    });
    expect(again).toContain('Expected ready');
    expect(again).not.toContain('has passed');
    expect(again).toContain(`moved from ${longDay(promised)} to ${longDay(next)}`);
  });
});

describe('the overdue car\'s page on a phone', () => {
  let f: RelayFixture;
  let desk: Desk;
  let browser: Browser;
  beforeAll(async () => {
    f = await startRelayFixture('sqlite', { blobs: true });
    desk = (await f.pairNewDesk('Front desk')).desk;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.cleanup();
  });

  it('reads that the date passed and that the shop will confirm a new one (test-output/portal-overdue-phone.png)', async () => {
    await call(desk, 'workspace-update', { timeZone: ZONE, phone: '(512) 555-0100', address: '1200 Lakeshore Blvd, Austin, TX 78741' });
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Marcus', lastName: 'Webb', mobile: '(512) 555-0199' },
      vehicle: { year: 2021, make: 'Toyota', model: 'RAV4', color: 'Silver', plate: 'BXR 2291' },
      promisedDate: dayFromToday(-6),
    });
    await call(desk, 'ro-move-stage', { id: ro.id, stage: 'repair-started' });
    await call(desk, 'ro-change-promised-date', { id: ro.id, date: dayFromToday(-2), reason: 'The insurer approved extra repairs to the rear door' });
    await call(desk, 'exception-add', { roId: ro.id, tag: '#partsdelay', note: 'Door shell from Dallas' });
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const { page, errors } = await watchedPage(context);
    await eventually('the page with the moved date', async () => {
      await page.goto(ro.portal.url!);
      return (await page.locator('#date').textContent())?.includes('rear door');
    });
    const card = page.locator('#date');
    expect(await card.getByRole('heading').textContent()).toBe('Ready date');
    expect(await card.textContent()).toContain(`The date we gave you, ${longDay(dayFromToday(-2))}, has passed.`);
    expect(await page.textContent('body')).not.toContain('Expected ready');
    await card.scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'portal-overdue-phone');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
