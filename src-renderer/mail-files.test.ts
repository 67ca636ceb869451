// A mail's files in the repair's conversation, in Chromium, against a real relay with a blob
// folder and the fake Google: an adjuster's estimate and photo are listed under the mail with
// their size and open from the desk's own file store (the very bytes sent), the .exe that came
// with them is listed as not kept with why, the logo the HTML shows in place is drawn from the
// mail (never from the internet), and a reply that bounced says "Not delivered: …" with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADJUSTER, CLAIM, connectGmail, deliveryFailure, type MailShop, SHOP_MAILBOX, startMailShop } from '../relay/email/testing.js';
import { eventually } from '../relay/testing/sync-fixture.js';
import { readDeskFile } from '../src-main/blobs/desk-files.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

describe('a mail\'s files at the desk', () => {
  let tmp: string;
  let s: MailShop;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-mail-files-ui-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    s = await startMailShop('sqlite', { blobs: true });
    await connectGmail(s);
    host = await startBrowserHost({ desk: s.desk, port: 0, rendererDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    ({ page, errors } = await watchedPage(context));
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await s?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lists the files under the mail, opens them from the desk, names what was not kept, and shows a bounce', async () => {
    const estimate = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(180_000), Buffer.from('\n%%EOF\n')]);
    const photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#b03030' } }).jpeg().toBuffer();
    const logo = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#1d4f91' } }).png().toBuffer();
    s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      subject: `Estimate — claim ${CLAIM}`,
      text: 'The estimate and a photo of the rear quarter are attached.',
      html: '<p>The estimate and a photo of the rear quarter are attached.</p><p><img src="cid:logo@statefarm.example" alt="State Farm logo" width="40" height="20"></p>',
      attachments: [
        { filename: 'Estimate SF-2291.pdf', contentType: 'application/pdf', content: estimate },
        { filename: 'rear-quarter.jpg', contentType: 'image/jpeg', content: photo },
        { filename: 'viewer-setup.exe', contentType: 'application/octet-stream', content: Buffer.concat([Buffer.from('MZ'), randomBytes(4000)]) },
        { filename: 'logo.png', contentType: 'image/png', content: logo, cid: 'logo@statefarm.example' },
      ],
    });
    // (Opened once the desk holds the files: before that the screen says they are arriving.)
    await eventually('the mail\'s three files at the desk', async () => {
      const rows = await s.desk.db.selectFrom('attachments').select('blob_hash').where('source', '=', 'email').execute();
      const held = await Promise.all(rows.map((r) => readDeskFile(s.dataDir, r.blob_hash!)));
      return rows.length === 3 && held.every(Boolean);
    });
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    const conversation = page.getByRole('region', { name: 'Conversation with Zoë' });
    const mail = conversation.getByRole('listitem').filter({ hasText: `Estimate — claim ${CLAIM}` }).first();
    const files = mail.getByRole('list', { name: 'Files with this email' });
    await files.getByText('Estimate SF-2291.pdf').waitFor();
    await files.getByText('rear-quarter.jpg').waitFor();
    await files.getByText('· 176 KB').waitFor();
    await files.getByText(/Not kept: viewer-setup\.exe, 4 KB \(not a PDF or a photo/).waitFor();
    await mail.getByText(`Files not kept are still in the mailbox ${SHOP_MAILBOX}.`).waitFor();
    // The logo is the mail's own picture, drawn in place; it is not listed as a file.
    expect(await files.getByText('logo.png').count()).toBe(0);
    const logoInFrame = mail.frameLocator('iframe').getByRole('img', { name: 'State Farm logo' });
    await logoInFrame.waitFor();
    await expect.poll(() => logoInFrame.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(40);
    // "Open" shows it from the desk's own file store.
    const open = files.getByRole('link', { name: 'Open Estimate SF-2291.pdf' });
    await open.waitFor();
    expect(await open.getAttribute('href')).toMatch(/^blob:/);
    // "Download" saves the very bytes the adjuster sent.
    const [download] = await Promise.all([page.waitForEvent('download'), files.getByRole('link', { name: 'Download Estimate SF-2291.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('Estimate SF-2291.pdf');
    expect(fs.readFileSync((await download.path())!).equals(estimate)).toBe(true);
    expect(await files.getByRole('link', { name: 'Download rear-quarter.jpg' }).getAttribute('download')).toBe('rear-quarter.jpg');
    // The repair's documents list the estimate too.
    await page.getByRole('list', { name: 'Documents' }).getByRole('link', { name: 'Estimate SF-2291.pdf', exact: true }).waitFor();
    await mail.scrollIntoViewIfNeeded();
    await screenshot(page, 'mail-files-on-repair');
    expect(await axeProblems(page)).toEqual([]);

    // A reply to an address that does not exist comes back: the reply says so, with what to do.
    await page.getByRole('button', { name: /At the desk:/ }).click();
    await page.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('2468');
    await page.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Dana Whitfield' }).waitFor();
    await mail.getByRole('button', { name: 'Reply' }).click();
    const reply = mail.getByRole('form', { name: `Reply to ${ADJUSTER}` });
    await reply.getByLabel(`Reply to ${ADJUSTER}`).fill('Received, thank you.');
    await reply.getByRole('button', { name: 'Send email' }).click();
    const sentMail = conversation.getByRole('listitem').filter({ hasText: 'Received, thank you.' });
    await sentMail.getByText('Sent', { exact: true }).waitFor();
    const ownId = /^Message-ID: (<[^>]+>)\r$/m.exec(s.google.sent.at(-1)!.raw)![1]!;
    s.google.deliverRaw(deliveryFailure({ to: SHOP_MAILBOX, failedAddress: ADJUSTER, originalMessageId: ownId, originalSubject: `Re: Estimate — claim ${CLAIM}` }));
    await sentMail.getByText(`Not delivered: ${ADJUSTER} does not exist (550 5.1.1). Check the address and send again.`).waitFor();
    const report = conversation.getByRole('listitem').filter({ hasText: 'Delivery Status Notification (Failure)' });
    await report.getByRole('note').getByText(/Not delivered:/).waitFor();
    expect(await report.getByRole('button', { name: 'Reply' }).count()).toBe(0);
    await sentMail.scrollIntoViewIfNeeded();
    await screenshot(page, 'mail-bounce-on-repair');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);
});
