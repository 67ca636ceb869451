// The demo shop with texting out of the box, in Chromium: a real relay whose Telnyx is the demo
// phone (the fake Telnyx driven through the real SDK, delivery reports and replies as signed
// webhooks), a desk paired with it and filled with the demo shop. The desk texts a customer; the
// demo phone page shows the text with its portal link (which opens the customer's portal); a
// reply typed on the page lands in the desk's conversation, and STOP opts the customer out.
// Screenshots: the demo board, a repair with photos and a conversation, the demo phone.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TEXTING_NUMBER, type DemoPhone, startDemoPhone } from '../relay/sms/demo-phone/demo-phone.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import type { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { RepairOrderDetail, RepairOrderSummary } from '../src-shared/domain.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

// A PC and a phone in Austin, as the shop's would be (times on screen are local).
const DESK_SIZE = { viewport: { width: 1366, height: 768 }, timezoneId: 'America/Chicago' };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, timezoneId: 'America/Chicago' };

describe('the demo shop texts through the demo phone', () => {
  let tmp: string;
  let phone: DemoPhone;
  let f: RelayFixture;
  let desk: Desk;
  let host: BrowserHost;
  let browser: Browser;
  let phoneContext: BrowserContext;
  let page: Page;
  let errors: string[];
  let ro: RepairOrderDetail;
  let customerName: string;

  beforeAll(async () => {
    tmp = tempDir('bayline-demo-phone-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    phone = await startDemoPhone({
      reportAfterMs: 100,
      nameOf: async (n) => {
        const row = await desk.db.selectFrom('customers').select(['first_name', 'last_name']).where('mobile', '=', n).executeTakeFirst();
        return row ? `${row.first_name} ${row.last_name}` : null;
      },
    });
    f = await startRelayFixture('sqlite', { blobs: true, telnyx: phone.telnyx, sms: { pollMs: 100 } });
    phone.connect(f.relay.url);
    await phone.provision(f.storage, f.workspace.id);
    ({ desk } = await f.pairNewDesk('Front desk'));
    await eventually('the desk to hear of its texting number', async () => (await call<{ number: string | null }>(desk, 'sms-settings-get', {})).number === DEMO_TEXTING_NUMBER);
    await seedDemoShop(desk, { openRos: 16, closedRos: 12, seed: 11 });
    // A customer with a mobile, on one open repair (so a reply finds it), whose car has photos and who texted with the shop before.
    const board = await call<RepairOrderSummary[]>(desk, 'ro-board', {});
    const mobiles = board.map((r) => r.customerMobile);
    const candidates = board.filter((r) => r.customerMobile && r.photoCount > 0 && mobiles.filter((m) => m === r.customerMobile).length === 1);
    const details = await Promise.all(candidates.map((r) => call<RepairOrderDetail>(desk, 'ro-get', { id: r.id })));
    ro = details.find((d) => d.messages.filter((m) => m.channel === 'sms').length >= 2) ?? details[0]!;
    customerName = `${ro.customer.firstName} ${ro.customer.lastName}`;
    process.env.BAYLINE_DEMO_PHONE_URL = phone.url;
    host = await startBrowserHost({ desk, port: 0, rendererDir });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext(DESK_SIZE)));
    phoneContext = await browser.newContext(PHONE);
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    delete process.env.BAYLINE_DEMO_PHONE_URL;
    await browser?.close();
    await host?.close();
    await f?.cleanup();
    await phone?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const conversation = () => page.getByRole('region', { name: `Conversation with ${ro.customer.firstName}` });
  const composer = () => page.getByRole('region', { name: `Text ${ro.customer.firstName}` });

  it('shows the demo board with a "Demo phone" link to the phone page', async () => {
    await page.getByRole('article', { name: new RegExp(`^RO ${ro.roNumber},`) }).waitFor();
    await screenshot(page, 'demo-board');
    const link = page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Demo phone' });
    expect(await link.getAttribute('href')).toBe(phone.url);
    const [popup] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await popup.getByRole('heading', { name: 'Demo phone' }).waitFor();
    expect(popup.url()).toBe(phone.url);
    await popup.close();
    expect(await axeProblems(page)).toEqual([]);
  });

  it('a text from the desk shows on the demo phone, its portal link opens the portal, and the reply reaches the desk', async () => {
    await page.getByRole('button', { name: /At the desk:/ }).click();
    const who = page.getByRole('dialog', { name: 'Who is at the desk?' });
    await who.getByLabel('Name').selectOption({ label: 'Tomás Álvarez (advisor)' });
    await who.getByLabel('PIN').fill('1357');
    await page.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Tomás Álvarez' }).waitFor();
    await page.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    await page.getByRole('heading', { name: `RO ${ro.roNumber} · ${customerName}` }).waitFor();

    await composer().getByLabel('Template').selectOption({ label: 'Ready for pickup' });
    const text = await composer().getByRole('group', { name: 'What the customer receives' }).locator('.text-preview-body').innerText();
    expect(text).toMatch(/http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]+\?s=sms$/);
    await composer().getByRole('button', { name: 'Send text' }).click();
    // The shop's clock may be outside texting hours when the test runs: then the desk asks first.
    const ask = page.getByRole('dialog', { name: 'Send outside texting hours?' });
    const sent = conversation().getByRole('listitem').filter({ hasText: 'is ready for pickup' }).last();
    if ((await Promise.race([ask.waitFor().then(() => 'ask'), sent.waitFor().then(() => 'sent')])) === 'ask') {
      await ask.getByRole('button', { name: 'Send anyway' }).click();
    }
    // The demo phone got it, and reported it delivered.
    await sent.getByText('Delivered').waitFor();
    const mobile = ro.customer.mobile!;
    expect(phone.texts().filter((t) => t.phone === mobile && t.direction === 'in').map((t) => t.text)).toEqual([text]);

    const { page: handset, errors: handsetErrors } = await watchedPage(phoneContext);
    await handset.goto(phone.url);
    const phones = handset.getByRole('list', { name: 'Phones' });
    await phones.getByRole('button', { name: new RegExp(`^${customerName}'s phone`) }).waitFor();
    await screenshot(handset, 'demo-phone-list');
    expect(await axeProblems(handset)).toEqual([]);
    await phones.getByRole('button', { name: new RegExp(`^${customerName}'s phone`) }).click();
    const thread = handset.getByRole('list', { name: `Texts on ${customerName}'s phone` });
    await thread.getByText(/is ready for pickup at Lakeside Collision/).waitFor();
    const portalLink = thread.getByRole('link', { name: /^http:\/\/127\.0\.0\.1:\d+\/t\// });
    expect(await portalLink.getAttribute('href')).toBe(text.slice(text.indexOf('http')));

    // The link opens the customer's portal.
    const [portal] = await Promise.all([phoneContext.waitForEvent('page'), portalLink.click()]);
    await portal.getByText(/Lakeside Collision/).first().waitFor();
    await portal.getByText(new RegExp(`${ro.vehicleDetail.make} ${ro.vehicleDetail.model}`)).first().waitFor();
    await portal.close();

    // The customer answers from the demo phone: a signed inbound webhook to the relay.
    await handset.getByRole('textbox', { name: 'Text message' }).fill('Great, I can come at 5 today. Is that ok?');
    await handset.getByRole('button', { name: 'Send', exact: true }).click();
    await thread.getByText('Great, I can come at 5 today. Is that ok?').waitFor();
    await screenshot(handset, 'demo-phone-thread');
    expect(await axeProblems(handset)).toEqual([]);
    const reply = conversation().getByRole('listitem').filter({ hasText: 'Great, I can come at 5 today. Is that ok?' });
    await reply.getByText(`${ro.customer.firstName} → shop · Text`).waitFor();
    await reply.getByText('New', { exact: true }).waitFor();
    await page.getByRole('heading', { name: /Photos/ }).first().scrollIntoViewIfNeeded();
    await screenshot(page, 'demo-ro-photos');
    await reply.scrollIntoViewIfNeeded();
    await screenshot(page, 'demo-ro-conversation');
    expect(await axeProblems(page)).toEqual([]);

    // The customer calls the shop's number from the demo phone: forwarded to the shop line and
    // logged on the repair with its duration; a call nobody answers is a missed call on the desk.
    await handset.getByRole('button', { name: 'Call the shop' }).click();
    await handset.getByText(/The shop line answered \(forwarded to \(512\) 555-0100\)/).waitFor();
    await conversation().getByRole('listitem', { name: /^Call: Customer called from/ }).getByText(/1 min 35 s/).waitFor();
    await handset.getByRole('button', { name: 'Call; nobody answers' }).click();
    await page.getByRole('article', { name: `Missed call from ${customerName}` }).waitFor();

    // STOP from the phone opts the customer out at the desk.
    await handset.getByRole('textbox', { name: 'Text message' }).fill('STOP');
    await handset.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText('Opted out of texts (replied STOP)').waitFor();
    await expect.poll(() => composer().getByRole('button', { name: 'Send text' }).isDisabled()).toBe(true);
    expect(handsetErrors).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});
