// After the repair in Chromium, as people see it: two desks paired with a real relay; the shop sets
// its review invitation in Settings (an incentive is refused, saying why); two customers answer the
// survey on a phone with JavaScript switched off, one 1 of 5 and one 5 of 5, and see the very same
// review invitation; the low score shows as one alert on both desks at once; desk 2 records the
// call and closes it, and the close is in the audit trail on both desks.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import type { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { PortalLink, RepairOrderDetail } from '../src-shared/domain.js';
import { axeProblems, buildRenderer, launchChromium, watchedPage } from '../src-main/testing/browser-kit.js';

const DESK_SIZE = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, javaScriptEnabled: false };
const SHOTS = '/tmp/shots-csi';

describe('after the repair: survey, review invitation and follow-ups', () => {
  let tmp: string;
  let f: RelayFixture;
  let deskA: Desk;
  let deskB: Desk;
  let hostA: BrowserHost;
  let hostB: BrowserHost;
  let browser: Browser;
  let phone: BrowserContext;
  let a: Page;
  let b: Page;
  let errors: string[][] = [];

  beforeAll(async () => {
    tmp = tempDir('bayline-csi-browser-');
    fs.mkdirSync(SHOTS, { recursive: true });
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite', { csi: { pollMs: 200 } });
    deskA = (await f.pairNewDesk('Front desk 1')).desk;
    deskB = (await f.pairNewDesk('Front desk 2')).desk;
    await call(deskA, 'workspace-update', { name: 'Lakeside Collision', phone: '(512) 555-0100', timeZone: 'America/Chicago' });
    await call(deskB, 'staff-create', { name: 'Marisol Vega', role: 'advisor', pin: '2580' });
    hostA = await startBrowserHost({ desk: deskA, port: 0, rendererDir });
    hostB = await startBrowserHost({ desk: deskB, port: 0, rendererDir });
    browser = await launchChromium();
    const wa = await watchedPage(await browser.newContext(DESK_SIZE));
    const wb = await watchedPage(await browser.newContext(DESK_SIZE));
    a = wa.page;
    b = wb.page;
    // Script and console errors of both desks (a refusal of the desk's CSP shows up here).
    errors = [wa.errors, wb.errors];
    phone = await browser.newContext(PHONE);
    await a.goto(hostA.url);
    await b.goto(hostB.url);
    await a.getByRole('main', { name: 'Repair board' }).waitFor();
    await b.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hostA?.close();
    await hostB?.close();
    await f?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function deliveredWithLink(first: string, plate: string): Promise<{ ro: RepairOrderDetail; url: string }> {
    const ro = await call<RepairOrderDetail>(deskA, 'ro-check-in', {
      customer: { firstName: first, lastName: 'Nguyen', mobile: `(512) 555-01${plate.slice(-2)}` },
      vehicle: { vin: null, plate, year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
      insurer: 'State Farm',
      promisedDate: '2037-12-04',
    });
    await call(deskA, 'ro-move-stage', { id: ro.id, stage: 'delivered' });
    const link = await call<PortalLink>(deskA, 'portal-link-issue', { roId: ro.id });
    return { ro, url: `${link.url!.split('?')[0]}/survey` };
  }

  /** Answers every screen by tapping, as a phone without JavaScript does. */
  async function answer(page: Page, scores: { five: number; recommend: number; comment: string }) {
    for (let i = 0; i < 4; i += 1) {
      await page.locator('.scale label', { hasText: new RegExp(`^${scores.five}$`) }).click();
      await page.getByRole('button', { name: 'Next' }).click();
    }
    await page.locator('.scale label', { hasText: new RegExp(`^${scores.recommend}$`) }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('textbox').fill(scores.comment);
    await page.getByRole('button', { name: 'Send my answers' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
  }

  it('an incentive in the invitation is refused in Settings, saying why', async () => {
    await a.getByRole('button', { name: 'Settings' }).click();
    const section = a.getByRole('region', { name: 'After the repair' });
    await section.waitFor();
    const invitation = section.getByRole('textbox', { name: 'Invitation' });
    await invitation.fill('Leave us a review and get a gift card!');
    await expect.poll(() => section.getByRole('alert').textContent()).toContain('FTC');
    expect(await section.getByRole('button', { name: 'Save invitation' }).isDisabled()).toBe(true);
    await section.screenshot({ path: `${SHOTS}/settings-incentive-refused.png` });
    await invitation.fill('Would you tell others how your repair went? It helps people near you choose a body shop.');
    await section.getByRole('textbox', { name: 'Google review link' }).fill('https://g.page/r/lakeside-collision/review');
    await section.getByRole('textbox', { name: 'Yelp review link' }).fill('https://www.yelp.com/writeareview/biz/lakeside-collision');
    await section.getByRole('button', { name: 'Save invitation' }).click();
    await section.getByText('Review invitation saved.').waitFor();
    await section.screenshot({ path: `${SHOTS}/settings-after-repair.png` });
    expect(await axeProblems(a)).toEqual([]);
    await a.getByRole('button', { name: 'Board' }).click();
  });

  it('1 of 5 and 5 of 5 see the same invitation; the low score is one alert on both desks; the close is audited', async () => {
    const zoe = await deliveredWithLink('Zoë', 'KLM 401');
    const ana = await deliveredWithLink('Ana', 'KLM 402');
    await eventually('the relay to know both links', async () => (await deskA.syncClient!.whenCaughtUp(), true));
    const p1 = await phone.newPage();
    await eventually('the survey link to open on the relay', async () => (await p1.goto(zoe.url))?.status() === 200);
    await p1.getByText('Question 1 of 6').waitFor();
    await p1.locator('.scale label', { hasText: /^1$/ }).click();
    await p1.screenshot({ path: `${SHOTS}/survey-question-1.png` });
    await answer(p1, { five: 1, recommend: 2, comment: 'The door rattles since the repair.' });
    await p1.screenshot({ path: `${SHOTS}/thanks-1-of-5.png`, fullPage: true });
    const p2 = await phone.newPage();
    await eventually('the second link to open', async () => (await p2.goto(ana.url))?.status() === 200);
    await answer(p2, { five: 5, recommend: 10, comment: 'Great work.' });
    await p2.screenshot({ path: `${SHOTS}/thanks-5-of-5.png`, fullPage: true });
    const low = await p1.locator('#review-invitation').evaluate((el) => el.outerHTML);
    const high = await p2.locator('#review-invitation').evaluate((el) => el.outerHTML);
    expect(low).toBe(high);
    expect(low).toContain('Review us on Google');
    // Same place too: right after the thank-you card on both pages.
    const place = (p: Page) => p.locator('main > section').evaluateAll((els) => els.map((e) => e.id || e.querySelector('h2')?.textContent));
    expect(await place(p1)).toEqual(await place(p2));

    // Both desks show the one alert at once, without a refresh.
    for (const page of [a, b]) {
      const alert = page.getByTestId('low-score-alert');
      await alert.waitFor({ timeout: 20_000 });
      expect(await alert.textContent()).toContain('Zoë Nguyen');
      expect(await page.getByTestId('low-score-alert').count()).toBe(1);
    }
    await a.screenshot({ path: `${SHOTS}/desk-a-alert.png` });

    // Desk 2 opens the list: one follow-up; records the call, closes it.
    await b.getByRole('button', { name: 'Open follow-ups' }).click();
    const open = b.getByRole('list', { name: 'Open follow-ups' });
    await open.getByRole('listitem').first().waitFor();
    expect(await open.locator(':scope > li').count()).toBe(1);
    await open.getByRole('textbox', { name: 'Contact (who called, how)' }).fill('Marisol called Zoë');
    await open.getByRole('textbox', { name: 'What was agreed' }).fill('Door adjusted on Monday');
    await open.getByRole('button', { name: 'Record contact' }).click();
    await b.getByText(/to first contact/).first().waitFor();
    await b.screenshot({ path: `${SHOTS}/desk-b-follow-up.png`, fullPage: true });
    expect(await axeProblems(b)).toEqual([]);
    // Someone reached her: the banner goes on the other desk too.
    await a.getByTestId('low-score-alert').waitFor({ state: 'detached', timeout: 20_000 });
    await open.getByRole('textbox', { name: 'How it was resolved' }).fill('Door adjusted, Zoë is happy');
    await open.getByRole('button', { name: 'Close as resolved' }).click();
    await b.getByText('No open follow-ups.').waitFor();
    const closes = await deskB.db.selectFrom('audit_events').selectAll().where('action', '=', 'csi-follow-up-close').execute();
    expect(closes).toHaveLength(1);
    expect(closes[0]!.ro_id).toBe(zoe.ro.id);
    await eventually('desk 1 to hold the audited close', async () =>
      (await deskA.db.selectFrom('audit_events').select('id').where('action', '=', 'csi-follow-up-close').execute()).length === 1,
    );
    expect(await f.storage.workspaceStore(f.workspace.id).then((s) => s.db.selectFrom('csi_follow_ups').selectAll().execute())).toHaveLength(1);
    expect(errors.flat()).toEqual([]);
  });
});
