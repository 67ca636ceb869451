// Signing on a phone in Chromium (390×844): the customer opens the texted link, agrees to sign
// electronically, reads every page (pdf.js, served by the relay), ticks the intent, enters the code
// read from the fake Telnyx's sent texts, draws a signature with the mouse, and the paired desk
// sees 'signed' and the sealed copy on the RO. Screenshots of each step land in test-output/.
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, launchChromium, TEST_OUTPUT, watchedPage } from '../../src-main/testing/browser-kit.js';
import { eventually } from '../testing/sync-fixture.js';
import { readDeskFile } from '../../src-main/blobs/desk-files.js';
import { deskSees, lastCode, linkFor, makeRequest, pdfsig, startSigningShop, type SigningShop } from './testing.js';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('signing on a phone', () => {
  let s: SigningShop;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(TEST_OUTPUT, { recursive: true });
    s = await startSigningShop('sqlite');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.cleanup();
  });

  it('consent, every page, intent, the texted code, a drawn signature: the desk sees it signed with the sealed copy', async () => {
    const made = await makeRequest(s.desk, s.dataDir, s.ro.id, { pages: 3 });
    const link = await linkFor(s.fake, made.id);
    const context = await browser.newContext(PHONE);
    const { page, errors } = await watchedPage(context);
    page.setDefaultTimeout(15_000);

    await page.goto(link.url.replace(/\/sign\/.*$/, ''));
    await page.getByRole('link', { name: 'Read and sign: Repair authorization' }).waitFor();
    await page.screenshot({ path: `${TEST_OUTPUT}esign-1-status.png`, fullPage: false });
    await page.getByRole('link', { name: 'Read and sign: Repair authorization' }).click();

    await page.getByRole('heading', { name: 'Before you sign electronically' }).waitFor();
    await page.screenshot({ path: `${TEST_OUTPUT}esign-2-consent.png`, fullPage: true });
    await page.getByRole('button', { name: 'I agree to sign electronically' }).click();

    await eventually('the document on the relay', async () => (await fetch(`${link.url}/document.pdf`)).status === 200);
    await page.reload();
    await page.locator('#pages[data-rendered="3"]').waitFor();
    expect(await page.locator('#pages canvas').count()).toBe(3);
    // Each whole page fits the phone's width: nothing to scroll sideways, on the page or in a page's frame.
    const zoom = page.getByRole('button', { name: 'Larger text' });
    expect(await zoom.getAttribute('aria-pressed')).toBe('false');
    const sideways = () =>
      page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        frames: [...document.querySelectorAll('#pages figure')].map((f) => f.scrollWidth - f.clientWidth),
        canvasOverFrame: [...document.querySelectorAll('#pages figure')].map((f) => f.querySelector('canvas')!.getBoundingClientRect().width / f.clientWidth),
      }));
    const fitted = await sideways();
    expect(fitted.page).toBeLessThanOrEqual(0);
    expect(fitted.frames).toEqual([0, 0, 0]);
    await page.locator('#pages figure').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${TEST_OUTPUT}esign-3-document.png`, fullPage: false });
    // Larger text when chosen: the pages drawn wider, each scrolled sideways in its own frame; the page itself still does not scroll sideways.
    await zoom.click();
    expect(await zoom.getAttribute('aria-pressed')).toBe('true');
    const larger = await sideways();
    expect(larger.page).toBeLessThanOrEqual(0);
    for (const ratio of larger.canvasOverFrame) expect(ratio).toBeGreaterThan(1.5);
    for (const over of larger.frames) expect(over).toBeGreaterThan(100);
    await page.locator('#pages figure').first().screenshot({ path: `${TEST_OUTPUT}esign-4-larger-text.png` });
    await zoom.click();
    expect(await zoom.getAttribute('aria-pressed')).toBe('false');
    expect((await sideways()).frames).toEqual([0, 0, 0]);

    const intent = page.getByLabel('I agree to sign this repair authorization electronically');
    expect(await intent.isChecked()).toBe(false);
    await intent.check();
    await page.getByRole('button', { name: 'Text me a code' }).click();
    await page.getByText(/We texted a 6-digit code to \(512\) \*\*\*-0147/).waitFor();
    const code = await eventually('the code text', async () => lastCode(s.fake) ?? undefined);
    await page.getByLabel('Code we text you').fill(code);

    const pad = page.locator('#sigpad');
    await pad.scrollIntoViewIfNeeded();
    const box = (await pad.boundingBox())!;
    await page.mouse.move(box.x + 30, box.y + 120);
    await page.mouse.down();
    for (const [dx, dy] of [[60, 40], [100, 100], [140, 50], [180, 120], [230, 60], [280, 110]] as const) await page.mouse.move(box.x + dx, box.y + dy, { steps: 6 });
    await page.mouse.up();
    await page.locator('form[data-sign]').screenshot({ path: `${TEST_OUTPUT}esign-5-sign-form.png` });
    expect(await axeProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    const row = await deskSees(s.desk, made.id, 'signed');
    expect(row.signature_method).toBe('drawn');
    expect(row.signature_blob_hash).toMatch(/^[0-9a-f]{64}$/);
    const filed = await eventually('the sealed copy on the RO', async () =>
      s.desk.store.db.selectFrom('attachments').selectAll().where('signature_request_id', '=', made.id).where('kind', '=', 'signed-document').executeTakeFirst(),
    );
    expect(filed.blob_hash).toBe(row.sealed_blob_hash);
    expect(s.sealer.inputs.at(-1)?.signaturePng?.subarray(1, 4).toString()).toBe('PNG');
    // The sealed copy the desk holds: poppler says the seal is valid and covers the whole file.
    const sealed = await eventually('the sealed PDF in the desk folder', async () => (await readDeskFile(s.dataDir, filed.blob_hash!)) ?? undefined);
    const check = pdfsig(sealed);
    expect(check.valid, check.output).toBe(true);
    expect(check.wholeDocument, check.output).toBe(true);

    await page.getByText(/^Signed by Zoë Nguyen/).waitFor();
    await page.goto(link.url);
    await page.getByText('Download your signed copy (PDF)').waitFor();
    await page.screenshot({ path: `${TEST_OUTPUT}esign-6-signed.png`, fullPage: false });
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
