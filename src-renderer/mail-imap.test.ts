// "Other mail (IMAP/SMTP)" from Settings › Email in Chromium, against a real relay, a real
// Dovecot and an SMTP server on 127.0.0.1: the owner opens the form (usual ports filled in),
// a wrong password is refused with the relay's sentence and nothing is connected, the right one
// shows "Connected as …"; an adjuster's mail then lands on the repair's conversation.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADJUSTER, CLAIM, type ImapShop, PASSWORD, SHOP, startImapShop } from '../relay/email/imap/testing.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

describe('other mail (IMAP/SMTP) from the desk screens', () => {
  let tmp: string;
  let s: ImapShop;
  let host: BrowserHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-imap-ui-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    s = await startImapShop('sqlite', 100, { switchIn: false });
    host = await startBrowserHost({ desk: s.desk, port: 0, rendererDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
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

  it('the owner connects the shop\'s mailbox with its server settings; a wrong password is said plainly', async () => {
    await page.getByRole('button', { name: /At the desk:/ }).click();
    await page.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('2468');
    await page.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Dana Whitfield' }).waitFor();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const email = page.getByRole('region', { name: 'Email' });
    await email.getByRole('button', { name: 'Connect other mail (IMAP/SMTP)' }).click();
    const form = email.getByRole('form', { name: 'Other mail (IMAP/SMTP)' });
    expect(await form.getByLabel('IMAP port').inputValue()).toBe('993');
    expect(await form.getByLabel('SMTP port').inputValue()).toBe('465');
    await form.getByLabel('SMTP security').selectOption('starttls');
    expect(await form.getByLabel('SMTP port').inputValue()).toBe('587');

    await form.getByLabel('Email address').fill(SHOP);
    await form.getByLabel('Password').fill('not-the-password');
    await form.getByLabel('IMAP server (incoming)').fill('127.0.0.1');
    await form.getByLabel('IMAP port').fill(String(s.dovecot.port));
    await form.getByLabel('IMAP security').selectOption('none');
    await form.getByLabel('SMTP server (outgoing)').fill('127.0.0.1');
    await form.getByLabel('SMTP port').fill(String(s.smtp.port));
    await form.getByLabel('SMTP security').selectOption('none');
    expect(await axeProblems(page)).toEqual([]);
    await form.getByRole('button', { name: 'Connect' }).click();
    await form.getByRole('alert').getByText(`The IMAP server refused the password for ${SHOP}.`, { exact: false }).waitFor();
    await screenshot(page, 'mail-imap-refused');
    expect(await s.f.storage.mail.connectedAccounts()).toEqual([]);

    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Connect' }).click();
    await email.getByRole('list', { name: 'Mailboxes' }).getByText(`Connected as ${SHOP}`).waitFor();
    await email.getByRole('button', { name: 'Connect other mail (IMAP/SMTP)' }).waitFor();
    await screenshot(page, 'mail-imap-connected');

    await s.dovecot.deliver(
      SHOP,
      [`From: Pat Adjuster <${ADJUSTER}>`, `To: <${SHOP}>`, `Subject: Claim ${CLAIM}: teardown photos`, `Message-ID: <ui-${Date.now()}@statefarm.example>`, '', 'Please send the teardown photos.', ''].join('\r\n'),
    );
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    const conversation = page.getByRole('region', { name: /Conversation with/ });
    await conversation.getByText(`Claim ${CLAIM}: teardown photos`, { exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 90_000);
});
