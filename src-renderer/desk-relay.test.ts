// The whole loop in Chromium, as people do it: the front desk checks a car in through the screens of
// a desk paired with a real relay, the customer opens the portal link on a phone, the desk moves
// the car on the board (by drag and by keyboard) and drops a photo in, the portal follows, the
// customer writes, the desk sees the badge and answers. A second desk (its own browser host, paired
// to the same shop) follows without a refresh. Then the relay goes away: the desk keeps working,
// and when the relay is back the portal and the other desk catch up with nothing lost.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegWithGps } from '../relay/uploads/test-images.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import type { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { RepairOrderDetail, RepairOrderSummary } from '../src-shared/domain.js';
import { addDays, today } from './shared/format.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, TEST_OUTPUT, watchedPage } from '../src-main/testing/browser-kit.js';
import { decodeQrCodes } from '../src-main/printing/printed-pages.js';

const DESK_SIZE = { viewport: { width: 1366, height: 768 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('front desk, relay and portal together', () => {
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
  let errors: string[] = [];

  beforeAll(async () => {
    tmp = tempDir('bayline-desk-relay-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite', { blobs: true });
    deskA = (await f.pairNewDesk('Front desk 1')).desk;
    deskB = (await f.pairNewDesk('Front desk 2')).desk;
    await call(deskA, 'workspace-update', { name: 'Lakeside Collision', phone: '(512) 555-0100', timeZone: 'America/Chicago' });
    await call(deskA, 'staff-create', { name: 'Marisol Vega', role: 'advisor', pin: '2580' });
    hostA = await startBrowserHost({ desk: deskA, port: 0, rendererDir });
    hostB = await startBrowserHost({ desk: deskB, port: 0, rendererDir });
    browser = await launchChromium();
    // Desk A at twice the pixel density (as many desk screens are), so the QR in the print preview is
    // drawn sharp enough to read back; screenshots are still saved at 1366×768.
    const pa = await watchedPage(await browser.newContext({ ...DESK_SIZE, deviceScaleFactor: 2 }));
    const pb = await watchedPage(await browser.newContext(DESK_SIZE));
    a = pa.page;
    b = pb.page;
    // Script and console errors of both desks' pages, live (the arrays fill as the pages run). The
    // one expected line: Chromium logs the 404 of a photo asked for before its file arrived from
    // the relay (the screen says "Arriving…" and asks again).
    errors = pa.errors;

    pb.page.on('pageerror', (e) => errors.push(`desk B: ${e.message}`));
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

  const ARRIVING = /^Failed to load resource: the server responded with a status of 404 \(Not Found\) http:\/\/127\.0\.0\.1:\d+\/files\/[0-9a-f]{64}$/;
  const unexpectedErrors = () => errors.filter((e) => !ARRIVING.test(e.trim()));

  const card = (page: Page, stage: string, ro: { roNumber: number }) =>
    page.getByRole('region', { name: stage, exact: true }).getByRole('article', { name: new RegExp(`^RO ${ro.roNumber},`) });

  async function checkInThroughScreens(page: Page, who: { first: string; last: string; mobile: string; plate: string; vin?: string }) {
    await page.getByRole('button', { name: 'Check in', exact: true }).first().click();
    await page.getByLabel('First name').fill(who.first);
    await page.getByLabel('Last name').fill(who.last);
    await page.getByLabel('Mobile').fill(who.mobile);
    if (who.vin) await page.getByLabel('VIN').fill(who.vin);
    await page.getByLabel('Plate').fill(who.plate);
    await page.getByLabel('Year').fill('2019');
    await page.getByLabel('Make').fill('Honda');
    await page.getByLabel('Model').fill('Accord');
    await page.getByLabel('Color', { exact: true }).fill('Blue');
    await page.getByLabel('Insurer').fill('State Farm');
    await page.getByLabel('Claim number').fill('SF-2291-0457');
    await page.getByLabel('Adjuster', { exact: true }).fill('Dana Brooks');
    await page.getByLabel('Deductible ($)').fill('500');
    await page.getByLabel('Promised date').fill(addDays(today(), 14));
    await page.locator('form.checkin').getByRole('button', { name: 'Check in', exact: true }).click();
    const done = page.getByRole('heading', { name: /^RO \d+ is checked in$/ });
    await done.waitFor();
    const roNumber = Number((await done.innerText()).match(/RO (\d+)/)![1]);
    const portalUrl = await page.getByRole('textbox', { name: 'Portal link' }).inputValue();
    return { roNumber, portalUrl };
  }

  async function findRo(desk: Desk, roNumber: number): Promise<RepairOrderSummary | undefined> {
    return (await call<RepairOrderSummary[]>(desk, 'ro-board', {})).find((r) => r.roNumber === roNumber);
  }

  it('checks a car in, and the customer, the board, the photos and the conversation all meet', async () => {
    // Marisol switches in; what she does is hers.
    await a.getByRole('button', { name: /At the desk:/ }).click();
    await a.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('2580');
    await a.getByRole('button', { name: 'Switch in' }).click();
    await a.getByRole('button', { name: 'At the desk: Marisol Vega' }).waitFor();
    await a.getByRole('status', { name: 'Sync state' }).getByText('Online').waitFor();

    const ro = await checkInThroughScreens(a, { first: 'Ana', last: 'Silva', mobile: '(512) 555-0147', plate: 'KLM 456', vin: '1HGCM82633A004352' });
    expect(ro.portalUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{46}$/);
    // The last step prints the work order and tag; the preview is the real PDF, its QR the portal link.
    await screenshot(a, 'desk-check-in-done');
    await a.getByRole('region', { name: 'Print work order and tag' }).getByRole('button', { name: 'Print work order and tag…' }).click();
    const printDialog = a.getByRole('dialog', { name: `Print for RO ${ro.roNumber}` });
    const workOrder = printDialog.getByRole('figure', { name: `Work order for RO ${ro.roNumber}` });
    await workOrder.and(a.locator('[data-state="ready"]')).waitFor({ timeout: 30_000 });
    const preview = path.join(TEST_OUTPUT, 'desk-check-in-work-order.png');
    await workOrder.locator('canvas').first().screenshot({ path: preview });
    expect(decodeQrCodes(preview)).toEqual([`${ro.portalUrl}?s=qr-work-order`]);
    await printDialog.getByRole('button', { name: 'Not now' }).click();
    await printDialog.waitFor({ state: 'detached' });

    // The second desk sees the new repair without a refresh.
    await card(b, 'Pictures', ro).waitFor();

    // The customer opens the link from the work order on a phone.
    const portal = (await watchedPage(phone)).page;
    await eventually('the portal page', async () => (await portal.goto(`${ro.portalUrl}?s=qr-work-order`))?.status() === 200);
    await expect.poll(() => portal.locator('.now .stage').textContent()).toBe('Pictures');

    // On the board: drag to Estimate, then Alt+→ to Teardown.
    await a.getByRole('button', { name: 'Board', exact: true }).click();
    await card(a, 'Pictures', ro).dragTo(a.getByRole('region', { name: 'Estimate', exact: true }));
    await card(a, 'Estimate', ro).waitFor();
    await card(a, 'Estimate', ro).getByRole('button', { name: `RO ${ro.roNumber}` }).focus();
    await a.keyboard.press('Alt+ArrowRight');
    await card(a, 'Teardown', ro).waitFor();
    await portal.locator('.now .stage', { hasText: 'Teardown' }).waitFor();
    await card(b, 'Teardown', ro).waitFor();

    // A photo dropped onto the repair from the PC.
    await card(a, 'Teardown', ro).getByRole('button', { name: `RO ${ro.roNumber}` }).click();
    await a.getByRole('heading', { name: `RO ${ro.roNumber} · Ana Silva` }).waitFor();
    const photo = await jpegWithGps(1200, 900);
    await a.locator('.dropzone').evaluate((zone, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'front-bumper.jpg', { type: 'image/jpeg' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, photo.toString('base64'));
    await a.getByRole('heading', { name: 'Photos (1)' }).waitFor();
    const thumb = a.getByRole('list', { name: 'Photos on this repair' }).getByRole('img');
    await expect.poll(() => thumb.first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1200);
    const onPortal = portal.locator('.photos img');
    await expect.poll(() => onPortal.count(), { timeout: 15_000 }).toBe(1);
    await expect
      .poll(() => onPortal.first().evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0), { timeout: 15_000 })
      .toBe(true);

    // A technician's photo from the bay camera appears on the open repair by itself.
    const bay = await call<{ url: string }>(deskA, 'bay-link-issue', { roId: (await findRo(deskA, ro.roNumber))!.id });
    await eventually('the bay link on the relay', async () => (await fetch(bay.url)).status === 200);
    const form = new FormData();
    form.append('photos', new Blob([new Uint8Array(await jpegWithGps(900, 600))], { type: 'image/jpeg' }), 'door.jpg');
    expect((await fetch(`${bay.url}/photos`, { method: 'POST', body: form, headers: { accept: 'application/json' } })).status).toBe(200);
    await a.getByRole('heading', { name: 'Photos (2)' }).waitFor();
    await expect.poll(() => thumb.evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length), { timeout: 15_000 }).toBe(2);
    await a.getByRole('list', { name: 'Photos on this repair' }).getByText(/^Bay camera/).waitFor();

    // The customer writes; the desk shows the badge on the board and the message on the repair.
    await a.getByRole('button', { name: 'Board', exact: true }).click();
    await portal.locator('#body').fill('Can I pick it up Saturday morning?');
    await portal.getByRole('button', { name: 'Send' }).click();
    await portal.getByText('Your message is with the shop').waitFor();
    await card(a, 'Teardown', ro).getByText('1 new message').waitFor();
    await card(b, 'Teardown', ro).getByText('1 new message').waitFor();
    await screenshot(a, 'desk-board-unread');
    await card(a, 'Teardown', ro).getByRole('button', { name: `RO ${ro.roNumber}` }).click();
    const conversation = a.getByRole('region', { name: 'Conversation with Ana' });
    await conversation.getByText('Can I pick it up Saturday morning?').waitFor();
    await conversation.getByText('New', { exact: true }).waitFor();
    // Read on one desk is read on all.
    await card(b, 'Teardown', ro).getByText('1 new message').waitFor({ state: 'detached' });

    await conversation.getByLabel('Answer Ana on the portal').fill('Yes: we open at 9 on Saturday. Ask for Marisol.');
    await conversation.getByRole('button', { name: 'Send' }).click();
    await conversation.getByText('Yes: we open at 9 on Saturday. Ask for Marisol.').waitFor();
    await portal.getByText('Yes: we open at 9 on Saturday. Ask for Marisol.').waitFor({ timeout: 10_000 });

    // Every action is attributed to the person at the desk.
    const activity = a.getByRole('list', { name: 'What happened to this repair' });
    await activity.getByText('Marisol Vega: Car checked in').waitFor();
    await activity.getByText('Marisol Vega: Moved to Teardown').waitFor();
    await a.evaluate(() => window.scrollTo(0, 0));
    await screenshot(a, 'desk-repair-order-live');
    expect(await axeProblems(a)).toEqual([]);
    await screenshot(portal, 'desk-portal-phone');

    // A new link for the customer: the old one stops working on the relay.
    await a.getByRole('button', { name: 'Re-issue link' }).click();
    await a.getByRole('dialog', { name: 'Issue a new portal link?' }).getByRole('button', { name: 'Issue new link' }).click();
    const linkBox = a.getByRole('textbox', { name: 'Portal link' });
    await expect.poll(() => linkBox.inputValue()).not.toBe(ro.portalUrl);
    const newUrl = await linkBox.inputValue();
    await eventually('the old link to stop', async () => (await fetch(ro.portalUrl)).status === 404);
    expect((await fetch(newUrl)).status).toBe(200);
    await portal.close();
    expect(unexpectedErrors()).toEqual([]);
  }, 120_000);

  it('keeps working with the relay gone, and the portal and the other desk catch up when it is back', async () => {
    await a.getByRole('button', { name: 'Board', exact: true }).click();
    await f.stop();
    const sync = a.getByRole('status', { name: 'Sync state' });
    await sync.getByText(/Offline since/).waitFor();

    const ro = await checkInThroughScreens(a, { first: 'Ben', last: 'Okafor', mobile: '(512) 555-0190', plate: 'OFF 202' });
    await a.getByRole('button', { name: 'Back to the board' }).click();
    const button = () => a.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true });
    await card(a, 'Pictures', ro).waitFor();
    await button().focus();
    await a.keyboard.press('Alt+ArrowRight');
    await card(a, 'Estimate', ro).waitFor();
    // The focus stayed on the card in its new column, so the next press moves it on.
    await expect.poll(() => a.evaluate(() => document.activeElement?.textContent)).toBe(`RO ${ro.roNumber}`);
    await a.keyboard.press('Alt+ArrowRight');
    await card(a, 'Teardown', ro).waitFor();
    // Counted as the person did it: one check-in and two moves.
    await sync.getByText(/· 3 changes waiting$/).waitFor();
    await screenshot(a, 'desk-board-offline');
    expect(await findRo(deskB, ro.roNumber)).toBeUndefined();

    await f.restart();
    await sync.getByText('Online · everything sent').waitFor({ timeout: 20_000 });
    const onDeskB = await eventually('the repair on desk B', async () => (await findRo(deskB, ro.roNumber))?.stage === 'teardown');
    expect(onDeskB).toBe(true);
    await card(b, 'Teardown', ro).waitFor();
    const portal = (await watchedPage(phone)).page;
    await eventually('the portal page', async () => (await portal.goto(ro.portalUrl))?.status() === 200);
    await expect.poll(() => portal.locator('.now .stage').textContent()).toBe('Teardown');

    // Nothing lost: every stage and the customer's details reached the other desk.
    const onB = await call<RepairOrderDetail>(deskB, 'ro-get', { id: (await findRo(deskB, ro.roNumber))!.id });
    expect(onB.timeline.map((t) => t.stage)).toEqual(['pictures', 'estimate', 'teardown']);
    expect(onB).toMatchObject({ customerName: 'Ben Okafor', plate: 'OFF 202', insurer: 'State Farm', claimNumber: 'SF-2291-0457', deductibleCents: 50_000 });
    await portal.close();
    expect(unexpectedErrors()).toEqual([]);
  }, 120_000);
});
