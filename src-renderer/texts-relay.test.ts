// Texts from the desk's screens in Chromium, against a real relay and a fake Telnyx driven through
// the real SDK (webhooks signed with a test Ed25519 key): the front desk picks "Ready for pickup"
// on the repair, reads the preview and sends; Telnyx receives exactly that text; the customer's
// reply shows in the desk conversation (with a notification) and on the portal. Then what a person
// at the desk must handle: a text outside texting hours, a text nobody can be sure about, a
// customer who replied STOP, and a text from a number no repair matches.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundEvent, postWebhook, statusEvent } from '../relay/testing/fake-telnyx.js';
import { call, eventually } from '../relay/testing/sync-fixture.js';
import { checkIn, SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE, zoneWhere } from '../relay/sms/testing.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

const DESK_SIZE = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('texts from the desk screens', () => {
  let tmp: string;
  let s: TextingShop;
  let host: BrowserHost;
  let browser: Browser;
  let phone: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-texts-ui-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    s = await startTextingShop('sqlite');
    await call(s.desk, 'workspace-update', { name: 'Lakeside Collision' });
    await call(s.desk, 'staff-create', { name: 'Dana Park', role: 'advisor', pin: '4321' });
    host = await startBrowserHost({ desk: s.desk, port: 0, rendererDir });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext(DESK_SIZE)));
    phone = await browser.newContext(PHONE);
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await s?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const detail = () => call<RepairOrderDetail>(s.desk, 'ro-get', { id: s.ro.id });
  const conversation = () => page.getByRole('region', { name: 'Conversation with Zoë' });
  const composer = () => page.getByRole('region', { name: 'Text Zoë' });
  async function receive(text: string, from = ZOE) {
    expect(await postWebhook(s.f.relay.url, s.fake.sign(inboundEvent({ from, to: SHOP_NUMBER, text })))).toBe(200);
  }
  async function openRepair() {
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    await page.getByRole('heading', { name: `RO ${s.ro.roNumber} · Zoë Nguyen` }).waitFor();
  }

  it('"ready for pickup": the preview is what Telnyx receives; delivery and the reply show on the desk and the portal', async () => {
    await page.getByRole('button', { name: /At the desk:/ }).click();
    await page.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('4321');
    await page.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Dana Park' }).waitFor();
    await openRepair();

    // The number is not on an active 10DLC campaign yet: the desk says so above the text.
    await composer().getByText(/not on an active 10DLC campaign/).waitFor();
    await composer().getByLabel('Template').selectOption({ label: 'Ready for pickup' });
    const preview = composer().getByRole('group', { name: 'What the customer receives' });
    await preview.waitFor();
    const text = await preview.locator('.text-preview-body').innerText();
    expect(text).toMatch(/^Hi Zoë, your 2019 Honda Accord is ready for pickup at Lakeside Collision\. Questions\? Call \(512\) 555-0100\. http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{46}\?s=sms$/);
    // "ë" is not in GSM-7: the text goes as UCS-2, 67 characters a part.
    await preview.getByText(`${[...text].length} characters · UCS-2 · ${Math.ceil(text.length / 67)} parts`).waitFor();
    await preview.getByText('ë is outside the plain texting alphabet, so each part holds 67 characters instead of 153.').waitFor();
    await composer().evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'texts-compose-ready-for-pickup');
    expect(await axeProblems(page)).toEqual([]);

    await composer().getByRole('button', { name: 'Send text' }).click();
    await eventually('Telnyx to receive the text', async () => s.fake.sends().length === 1);
    expect(s.fake.sends()).toEqual([{ from: SHOP_NUMBER, to: ZOE, text, messaging_profile_id: 'profile-lakeside' }]);
    const sent = conversation().getByRole('listitem').filter({ hasText: 'ready for pickup' });
    await sent.getByText('Dana Park → Zoë · Text').waitFor();
    await sent.getByText('With the carrier').waitFor();

    // The carrier reports delivery.
    const row = await s.desk.db.selectFrom('messages').selectAll().where('channel', '=', 'sms').executeTakeFirstOrThrow();
    const delivered = statusEvent({ type: 'message.finalized', messageId: row.external_id!, to: ZOE, status: 'delivered' });
    expect(await postWebhook(s.f.relay.url, s.fake.sign(delivered))).toBe(200);
    await sent.getByText('Delivered').waitFor();

    // Zoë answers by text: a notification, the reply in the conversation, and on her portal.
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await receive('Great, I will come at 5');
    const note = page.getByRole('region', { name: 'New messages' }).getByRole('article').filter({ hasText: 'Great, I will come at 5' });
    await note.waitFor();
    await page.getByRole('article', { name: new RegExp(`^RO ${s.ro.roNumber},`) }).getByText('1 new message').waitFor();
    await screenshot(page, 'texts-notification');
    expect(await axeProblems(page)).toEqual([]);
    await note.getByRole('button', { name: `Open RO ${s.ro.roNumber}` }).click();
    const reply = conversation().getByRole('listitem').filter({ hasText: 'Great, I will come at 5' });
    await reply.getByText('Zoë → shop · Text').waitFor();
    await reply.getByText('New', { exact: true }).waitFor();
    await note.waitFor({ state: 'detached' });

    const portal = (await watchedPage(phone)).page;
    const link = text.slice(text.indexOf('http'));
    await eventually('the portal page', async () => (await portal.goto(link))?.status() === 200);
    await portal.getByText('Great, I will come at 5').waitFor({ timeout: 10_000 });
    await portal.getByText(/is ready for pickup at Lakeside Collision/).waitFor();
    await screenshot(portal, 'texts-portal-phone');
    await portal.close();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'texts-conversation');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);

  it('the shop adds a template; outside texting hours Send asks first; a text nobody can be sure of is answered by a person', async () => {
    // Settings: a template of the shop's own, its preview showing length and parts, and the texting hours.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const texts = page.getByRole('region', { name: 'Texts' });
    await texts.getByText(/not on an active 10DLC campaign/).waitFor();
    await texts.getByRole('button', { name: 'Add a template' }).click();
    const editor = texts.getByRole('form', { name: 'New template' });
    await editor.getByLabel('Template name').fill('Parts arrived');
    await editor.getByLabel('Template text').fill('Hi {first_name}, the parts for your {vehicle} arrived today. - {shop_name}');
    await editor.getByRole('group', { name: 'Template preview' }).getByText('Hi Zoë, the parts for your 2019 Honda Accord arrived today. - Lakeside Collision').waitFor();
    await editor.getByText('80 characters · UCS-2 · 2 parts').waitFor();
    await texts.getByLabel('Texts until').fill('20:00');
    await texts.getByLabel(/Answer to HELP/).fill('Lakeside Collision, (512) 555-0100, Mon-Fri 8-6. Reply STOP to stop texts.');
    await texts.evaluate((el) => el.scrollIntoView());
    await screenshot(page, 'texts-settings');
    await editor.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'texts-settings-template');
    expect(await axeProblems(page)).toEqual([]);
    await editor.getByRole('button', { name: 'Save template' }).click();
    await texts.getByRole('button', { name: 'Edit Parts arrived' }).waitFor();
    await texts.getByRole('button', { name: 'Save texting settings' }).click();
    await texts.getByText('Texting settings saved.').waitFor();
    expect(await call(s.desk, 'sms-settings-get', {})).toMatchObject({
      window: { start: '08:00', end: '20:00' },
      helpText: 'Lakeside Collision, (512) 555-0100, Mon-Fri 8-6. Reply STOP to stop texts.',
    });

    // Late for the customer: the preview warns, and Send asks before anything goes.
    await call(s.desk, 'workspace-update', { timeZone: zoneWhere(false) });
    await openRepair();
    await composer().getByLabel('Template').selectOption({ label: 'Parts arrived' });
    await composer().getByText(/outside texting hours \(08:00–20:00\)/).waitFor();
    await composer().getByRole('button', { name: 'Send text' }).click();
    const ask = page.getByRole('dialog', { name: 'Send outside texting hours?' });
    await ask.getByText(/^It is .* for the customer, outside texting hours \(08:00–20:00\)/).waitFor();
    await screenshot(page, 'texts-outside-hours-confirm');
    expect(await axeProblems(page)).toEqual([]);
    expect(s.fake.sends()).toHaveLength(1);
    await ask.getByRole('button', { name: 'Send anyway' }).click();
    await ask.waitFor({ state: 'detached' });
    await eventually('Telnyx to receive the late text', async () => s.fake.sends().length === 2);
    expect(s.fake.sends()[1]!.text).toBe('Hi Zoë, the parts for your 2019 Honda Accord arrived today. - Lakeside Collision');
    await call(s.desk, 'workspace-update', { timeZone: zoneWhere(true) });

    // A draft, approved later; Telnyx answers 500, so nobody knows whether it went out.
    s.fake.sendBehaviour = { kind: 'error', status: 500, code: '10007', title: 'Unexpected error' };
    // Merge fields typed by hand are filled in for the draft too.
    await composer().getByLabel(/^Text to/).fill('Your invoice for RO {ro_number} is ready: $500 deductible, card or check.');
    const invoice = `Your invoice for RO ${s.ro.roNumber} is ready: $500 deductible, card or check.`;
    await composer().getByRole('group', { name: 'What the customer receives' }).getByText(invoice).waitFor();
    await composer().getByRole('group', { name: 'What the customer receives' }).getByText(`${invoice.length} characters · GSM-7 · 1 part`).waitFor();
    await composer().getByRole('button', { name: 'Keep as draft' }).click();
    const draft = conversation().getByRole('listitem').filter({ hasText: invoice });
    await draft.getByText('Draft, not sent').waitFor();
    expect(s.fake.sends()).toHaveLength(2);
    await draft.getByRole('button', { name: 'Send draft' }).click();
    const check = draft.getByRole('group', { name: 'Did the customer get this text?' });
    await check.waitFor();
    await draft.getByText('Check needed').waitFor();
    expect(s.fake.sends()).toHaveLength(3);
    await draft.scrollIntoViewIfNeeded();
    await screenshot(page, 'texts-check-needed');
    expect(await axeProblems(page)).toEqual([]);
    expect(s.fake.sends()[2]!.text).toBe(invoice);
    await check.getByRole('button', { name: 'It arrived' }).click();
    await draft.getByText('Confirmed as received by Dana Park.').waitFor();
    await draft.getByText('Sent', { exact: true }).waitFor();
    s.fake.sendBehaviour = { kind: 'ok' };
    // Never sent again on its own.
    await new Promise((r) => setTimeout(r, 500));
    expect(s.fake.sends()).toHaveLength(3);

    // The shop switches its template off: the repair no longer offers it.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await texts.getByRole('button', { name: 'Edit Parts arrived' }).click();
    const edit = texts.getByRole('form', { name: 'Edit template Parts arrived' });
    await edit.getByRole('checkbox', { name: /In use/ }).uncheck();
    await edit.getByRole('button', { name: 'Save template' }).click();
    await texts.getByRole('list', { name: 'Text templates' }).getByRole('listitem').filter({ hasText: 'Parts arrived' }).getByText('switched off').waitFor();
    await openRepair();
    await expect.poll(() => composer().getByLabel('Template').locator('option').allInnerTexts()).toEqual([
      'Write my own',
      'Car received',
      'Supplement approved',
      'Ready for pickup',
      'Paid, thank you',
    ]);
    expect(errors).toEqual([]);
  }, 120_000);

  it('a customer who replied STOP is shown opted out and Send is off; texts from an unknown number, or about one of two cars, wait in the inbox', async () => {
    await openRepair();
    await receive('Stop');
    await page.getByText('Opted out of texts (replied STOP)').waitFor();
    await composer().getByText(/Zoë replied STOP, so Bayline sends them no texts/).waitFor();
    await expect.poll(() => composer().getByRole('button', { name: 'Send text' }).isDisabled()).toBe(true);
    await expect.poll(() => composer().getByLabel('Template').isDisabled()).toBe(true);
    await conversation().getByRole('listitem').filter({ hasText: 'Stop' }).waitFor();
    await screenshot(page, 'texts-opted-out');
    expect(await axeProblems(page)).toEqual([]);
    // START: texts are possible again.
    await receive('START');
    await page.getByText('Opted out of texts (replied STOP)').waitFor({ state: 'detached' });
    await expect.poll(() => composer().getByLabel('Template').isDisabled()).toBe(false);

    // Someone not on file texts the shop.
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await receive('Hi, is my blue Civic done? This is Sam', '+15125550999');
    const note = page.getByRole('region', { name: 'New messages' }).getByRole('article').filter({ hasText: 'is my blue Civic done?' });
    await note.getByText('no repair matched').waitFor();
    await page.getByRole('button', { name: /^Texts inbox 1 waiting$/ }).waitFor();
    await note.getByRole('button', { name: 'Open the texts inbox' }).click();
    const inbox = page.getByRole('list', { name: 'Texts waiting for a repair' });
    const item = inbox.getByRole('listitem').filter({ hasText: 'is my blue Civic done?' });
    await item.getByText('(512) 555-0999').waitFor();
    await screenshot(page, 'texts-inbox');
    expect(await axeProblems(page)).toEqual([]);
    await item.getByLabel('RO number').fill('999');
    await item.getByRole('button', { name: 'Attach' }).click();
    await item.getByText('There is no open repair with RO number 999').waitFor();
    await item.getByLabel('RO number').fill(String(s.ro.roNumber));
    await item.getByRole('button', { name: 'Attach' }).click();
    await page.getByText('Nothing waiting: every text is on its repair.').waitFor();
    await page.getByRole('button', { name: 'Texts inbox', exact: true }).waitFor();
    await openRepair();
    await conversation().getByText('Hi, is my blue Civic done? This is Sam').waitFor();

    // Zoë brings a second car: her next text could be about either, so it waits with both offered.
    const second = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({
      vehicle: { vin: '2HGFC2F54LH512345', plate: 'ZOE 221', year: 2020, make: 'Honda', model: 'Civic', color: 'Grey' },
    }));
    await settle(s.desk);
    await page.getByRole('button', { name: 'Texts inbox', exact: true }).click();
    await receive('Which one is ready first?');
    const both = inbox.getByRole('listitem').filter({ hasText: 'Which one is ready first?' });
    await both.getByText('(512) 555-0147').waitFor();
    const repair = both.getByLabel('Repair');
    await expect.poll(() => repair.locator('option').allInnerTexts()).toEqual([
      'Another repair (type its number)…',
      `RO ${s.ro.roNumber} · 2019 Blue Honda Accord`,
      `RO ${second.roNumber} · 2020 Grey Honda Civic`,
    ]);
    await repair.selectOption({ label: `RO ${second.roNumber} · 2020 Grey Honda Civic` });
    await both.getByRole('button', { name: 'Attach' }).click();
    await page.getByText('Nothing waiting: every text is on its repair.').waitFor();
    expect((await call<RepairOrderDetail>(s.desk, 'ro-get', { id: second.id })).messages.map((m) => m.body)).toEqual(['Which one is ready first?']);
    expect(errors).toEqual([]);
  }, 120_000);
});
