// Printing from the desk in Chromium, as the front desk does it: open a repair, ask for the work
// order and the tag, and see the real PDFs drawn in the preview; the QR code in the preview on
// screen reads back (zbarimg) as the customer's link, which opens the repair on the relay. In
// the browser host the PDF then opens in a tab of its own to print.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import type { Desk } from '../../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../../src-main/host/browser-host.js';
import { decodeQrCodes } from '../../src-main/printing/printed-pages.js';
import { axeProblems, buildRenderer, launchChromium, TEST_OUTPUT, watchedPage } from '../../src-main/testing/browser-kit.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';

const OUT = path.join(TEST_OUTPUT, 'printing');

describe('print preview in the desk', () => {
  let f: RelayFixture;
  let desk: Desk;
  let host: BrowserHost;
  let browser: Browser;

  beforeAll(async () => {
    const rendererDir = path.join(tempDir('bayline-print-ui-'), 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite', { blobs: true });
    ({ desk } = await f.pairNewDesk('Front desk'));
    host = await startBrowserHost({ desk, port: 0, rendererDir });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await f?.cleanup();
  });

  it('shows the work order and the tag as they will print, with a QR code that opens the repair', async () => {
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Zoë', lastName: 'Øyvindsen', mobile: '(512) 555-0147' },
      vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
      insurer: 'State Farm',
      promisedDate: '2026-12-04',
    });
    // At twice the pixel density, as on many desk screens; the preview draws at the screen's density.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 2 });
    const { page, errors } = await watchedPage(context);
    page.setDefaultTimeout(20_000);
    await page.goto(host.url);
    await page.getByRole('button', { name: `RO ${ro.roNumber}` }).click();
    await page.getByRole('button', { name: 'Work order and tag' }).click();

    const dialog = page.getByRole('dialog', { name: `Print for RO ${ro.roNumber}` });
    const workOrder = dialog.getByRole('figure', { name: `Work order for RO ${ro.roNumber}` });
    const tag = dialog.getByRole('figure', { name: `Dashboard tag for RO ${ro.roNumber}` });
    await workOrder.and(page.locator('[data-state="ready"]')).waitFor();
    await tag.and(page.locator('[data-state="ready"]')).waitFor();
    fs.mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'print-dialog-1366.png') });
    expect(await axeProblems(page)).toEqual([]);

    // What is on screen is the PDF: its QR code reads back as the link the desk holds.
    const detail = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
    const shot = path.join(OUT, 'preview-work-order.png');
    await workOrder.locator('canvas').first().screenshot({ path: shot });
    expect(decodeQrCodes(shot)).toEqual([`${detail.portal.url}?s=qr-work-order`]);
    const tagShot = path.join(OUT, 'preview-tag.png');
    await tag.locator('canvas').first().screenshot({ path: tagShot });
    const onTag = decodeQrCodes(tagShot);
    expect(onTag).toContain(`${detail.portal.url}?s=qr-tag`);
    expect(onTag.some((url) => url.startsWith(`${f.relay.url}/b/`))).toBe(true);

    await eventually('the desk to push the links', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const portal = await fetch(`${detail.portal.url}?s=qr-work-order`);
    expect(portal.status).toBe(200);
    expect(await portal.text()).toContain(`Repair order ${ro.roNumber}`);

    // The browser host has no printer bridge: the PDF opens in a tab of its own.
    const [tab] = await Promise.all([page.context().waitForEvent('page'), dialog.getByRole('button', { name: 'Open work order to print' }).click()]);
    expect(tab.url()).toMatch(/^blob:http:\/\/127\.0\.0\.1:\d+\//);
    await dialog.getByRole('status').filter({ hasText: 'Opened in a new tab' }).waitFor();

    // Paper is a choice per PC: A4 re-renders the preview and is remembered.
    await dialog.getByRole('region', { name: 'Work order' }).getByLabel('Paper').selectOption('a4');
    await eventually('A4 to be remembered', async () => (await call<{ 'work-order': { paper: string } }>(desk, 'print-settings-get', {}))['work-order'].paper === 'a4');
    await workOrder.and(page.locator('[data-state="ready"]')).waitFor();

    await dialog.getByRole('button', { name: 'Not now' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  }, 90_000);
});
