// Email from the desk's screens in Chromium, against a real relay and the fake Google through the
// real SDKs: the owner presses "Connect Gmail" in Settings, Google's page (the fake, approving the
// test account) sends the browser tab back to the relay, which says "Connected as …"; Settings
// then shows the mailbox through sync. An adjuster's email naming the claim reaches the repair's
// conversation with sender, subject and text; a reply goes out once in the adjuster's thread;
// "Disconnect" revokes it at Google. Then a new mail written from the repair ("Email about this
// repair": a template, the adjuster To and the customer Cc, a PDF of the repair) shows "Sent" in
// the conversation and reaches Google once with its file; a mail needing a check is sent again as
// a new mail from its buttons; Settings › Email templates names a field Bayline cannot fill in.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { importDeskFile } from '../src-main/blobs/desk-files.js';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADJUSTER, CLAIM, type MailShop, SHOP_MAILBOX, startMailShop } from '../relay/email/testing.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { eventually } from '../relay/testing/sync-fixture.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

const DESK_SIZE = { viewport: { width: 1366, height: 768 } };

describe('email from the desk screens', () => {
  let tmp: string;
  let s: MailShop;
  let host: BrowserHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-mail-ui-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    s = await startMailShop('sqlite', { microsoft: true, blobs: true });
    host = await startBrowserHost({ desk: s.desk, port: 0, rendererDir });
    browser = await launchChromium();
    context = await browser.newContext(DESK_SIZE);
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

  it('the owner connects Gmail from Settings; the adjuster\'s email shows on the repair; disconnect', async () => {
    const email = () => page.getByRole('region', { name: 'Email' });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    // Nobody switched in yet: the desk says who may.
    await email().getByRole('button', { name: 'Connect Gmail' }).click();
    await email().getByRole('alert').getByText(/Only the owner or a manager can connect or disconnect/).waitFor();

    await page.getByRole('button', { name: /At the desk:/ }).click();
    await page.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('2468');
    await page.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Dana Whitfield' }).waitFor();

    const [tab] = await Promise.all([context.waitForEvent('page'), email().getByRole('button', { name: 'Connect Gmail' }).click()]);
    await tab.getByText(`Connected as ${SHOP_MAILBOX} — you can close this tab.`).waitFor();
    await tab.close();
    await email().getByText(`Connected as ${SHOP_MAILBOX}`).waitFor();
    expect(await axeProblems(page)).toEqual([]);

    s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      subject: `Supplement approved — claim ${CLAIM}`,
      text: 'Supplement 1 is approved for $1,240.00. Please proceed with the repair.',
    });
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    const conversation = page.getByRole('region', { name: 'Conversation with Zoë' });
    await conversation.getByText(`Supplement approved — claim ${CLAIM}`, { exact: true }).waitFor();
    await conversation.getByText(`Pat Adjuster <${ADJUSTER}>`).waitFor();
    await conversation.getByText('Supplement 1 is approved for $1,240.00. Please proceed with the repair.').waitFor();
    // Reply from the repair: sent once, from the shop's mailbox, in the adjuster's thread.
    await conversation.getByRole('button', { name: 'Reply' }).click();
    const reply = conversation.getByRole('form', { name: `Reply to ${ADJUSTER}` });
    await reply.getByLabel(`Reply to ${ADJUSTER}`).fill('Thank you, Pat. We are going ahead today.');
    await reply.getByRole('button', { name: 'Send email' }).click();
    await conversation.getByText(`Re: Supplement approved — claim ${CLAIM}`).waitFor();
    await conversation.getByText('Sent', { exact: true }).waitFor();
    expect(s.google.sent).toHaveLength(1);
    expect(s.google.sent[0]!.raw).toContain(`To: "Pat Adjuster" <${ADJUSTER}>`);
    await conversation.getByText(`Supplement approved — claim ${CLAIM}`, { exact: true }).scrollIntoViewIfNeeded();
    await screenshot(page, 'mail-on-repair');
    expect(await axeProblems(page)).toEqual([]);

    // An HTML mail on the repair is shown sanitised: its script never runs, its pixel is held back.
    s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      subject: `Rental days — claim ${CLAIM}`,
      text: 'Two more rental days are approved.',
      html: '<p>Two more <b>rental days</b> are approved.</p><script>window.parent.__mailRan = 1</script><img src="http://127.0.0.1:9/open.gif" width="1" height="1">',
    });
    const htmlMail = conversation.getByRole('listitem').filter({ hasText: `Rental days — claim ${CLAIM}` });
    await htmlMail.getByText('Pictures from the internet are hidden', { exact: false }).waitFor();
    await htmlMail.frameLocator('iframe').getByText('rental days').waitFor();
    expect(await page.evaluate(() => (window as unknown as { __mailRan?: number }).__mailRan)).toBeUndefined();

    // Mail nothing matches waits in the inbox; a person attaches it by RO number.
    s.google.deliver({ from: 'Enterprise Rent-A-Car <branch512@enterprise.example>', subject: 'Rental extension', text: 'The renter asked for two more days.' });
    await page.getByRole('button', { name: /Texts inbox/ }).click();
    const mailInbox = page.getByRole('region', { name: 'Unassigned mail' });
    const item = mailInbox.getByRole('listitem').filter({ hasText: 'Rental extension' });
    await item.waitFor();
    expect(await axeProblems(page)).toEqual([]);
    await item.getByLabel('RO number').fill(String(s.ro.roNumber));
    await item.getByRole('button', { name: 'Attach' }).click();
    await mailInbox.getByText('No mail waiting').waitFor();
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    await conversation.getByText('Rental extension', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    page.once('dialog', (d) => void d.accept());
    await email().getByRole('button', { name: 'Disconnect' }).click();
    await email().getByText('No mailbox connected.').waitFor();
    expect(s.google.calls.revoked).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);

  it('a new email from the repair with a template and a PDF shows "Sent"; "check needed" answered with "send again"; a template naming an unknown field is refused by name', async () => {
    // The first test disconnected the mailbox: connect it again (the relay's sign-in, as a browser would).
    const started = await s.post('/mail/gmail/start', { staffId: s.ownerId });
    await fetch(((await started.json()) as { url: string }).url);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(60_000)]);
    const stored = await importDeskFile(s.dataDir, pdf);
    await s.desk.call('attachment-add', { roId: s.ro.id, kind: 'document', blobHash: stored.hash, fileName: 'Estimate – José.pdf', mimeType: 'application/pdf', sizeBytes: stored.sizeBytes, published: false }, s.desk.newSession());
    const before = s.google.sent.length;

    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    const composer = page.getByRole('region', { name: 'Email about this repair' });
    await composer.getByRole('button', { name: 'Write an email' }).click();
    const form = composer.getByRole('form', { name: 'New email' });
    await form.getByLabel('Template').selectOption({ label: 'Supplement submitted' });
    await expect.poll(() => form.getByLabel('Subject').inputValue()).toBe(`Supplement for claim ${CLAIM} — RO ${s.ro.roNumber}`);
    expect(await form.getByLabel('Pat Adjuster (adjuster)').inputValue()).toBe('to');
    await form.getByLabel('Zoë (customer)').selectOption('cc');
    await form.getByLabel(/Estimate – José\.pdf/).check();
    // A small file reads in KB, not "0.1 MB" (a 60 KB PDF; one email carries 20 MB).
    await form.getByText('(document, 59 KB)').waitFor();
    await form.getByText('1 file, 59 KB of 20 MB.').waitFor();
    await form.scrollIntoViewIfNeeded();
    await screenshot(page, 'mail-compose');
    expect(await axeProblems(page)).toEqual([]);
    await form.getByRole('button', { name: 'Send email' }).click();

    const conversation = page.getByRole('region', { name: 'Conversation with Zoë' });
    const sentMail = conversation.getByRole('listitem').filter({ hasText: `Supplement for claim ${CLAIM} — RO ${s.ro.roNumber}` });
    await sentMail.getByText('Sent', { exact: true }).waitFor({ timeout: 15_000 });
    await sentMail.getByText('Estimate – José.pdf').waitFor();
    expect(s.google.sent.length - before).toBe(1);
    const mail = await simpleParser(s.google.sent.at(-1)!.raw);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : null).toEqual([{ name: 'Pat Adjuster', address: ADJUSTER }]);
    expect(mail.text).toContain('Hi Pat Adjuster,');
    expect(mail.attachments.map((a) => [a.filename, a.content.equals(pdf)])).toEqual([['Estimate – José.pdf', true]]);
    const ro = (await s.desk.call('ro-get', { id: s.ro.id }, s.desk.newSession())) as { ok: true; result: RepairOrderDetail };
    expect(ro.result.messages.filter((m) => m.email?.subject === mail.subject)).toHaveLength(1);

    // A mail a relay died sending, not in Gmail's Sent: the desk shows "Check needed" with two
    // answers; "Not in Sent — send again" sends a new copy once and marks the old one not sent.
    const [box] = await s.f.storage.mail.connectedAccounts();
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    const longAgo = new Date(Date.now() - 120_000).toISOString();
    await s.f.storage.mail.claimSend({ workspaceId: s.f.workspace.id, messageId: 'email:dead-ui', by: 'relay-that-died', now: longAgo });
    await relayStore.write({ actor: 'relay', action: 'test-setup' }, (tx) =>
      tx.insert('messages', {
        id: 'email:dead-ui',
        ro_id: s.ro.id,
        channel: 'email',
        direction: 'out',
        body: 'The estimate is attached.',
        at: longAgo,
        status: 'sending',
        mailbox_id: box!.mailboxId,
        subject: 'Estimate for your Accord',
        email_from: JSON.stringify({ name: 'Lakeside Collision', address: SHOP_MAILBOX }),
        email_to: JSON.stringify([{ name: 'Zoë Nguyen', address: 'zoe@example.com' }]),
        email_message_id: '<dead-ui.bayline@example.com>',
      }),
    );
    await (s.f.relay.mail as unknown as { resolveOpenSends(): Promise<void> }).resolveOpenSends();
    const checks = conversation.getByRole('group', { name: 'Check the email Estimate for your Accord' });
    await checks.waitFor();
    await conversation.getByText(/Check needed: The relay stopped while sending/).waitFor();
    expect(await axeProblems(page)).toEqual([]);
    const sentBefore = s.google.sent.length;
    await checks.getByRole('button', { name: 'Not in Sent — send again' }).click();
    await conversation.getByText(/Not sent: Not in the Sent folder \(checked by Dana Whitfield\); sent again as a new email\./).waitFor();
    await expect.poll(() => s.google.sent.length, { timeout: 15_000 }).toBe(sentBefore + 1);
    expect((await simpleParser(s.google.sent.at(-1)!.raw)).subject).toBe('Estimate for your Accord');
    await expect.poll(() => checks.count()).toBe(0);

    // Settings › Email templates: a typo in a field is refused by name; corrected, it is saved and listed.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const templates = page.getByRole('region', { name: 'Email templates' });
    await templates.getByRole('button', { name: 'Add an email template' }).click();
    const editor = templates.getByRole('form', { name: 'New email template' });
    await editor.getByLabel('Template name').fill('Rental update');
    await editor.getByLabel('Meant for').selectOption('customer');
    await editor.getByLabel('Subject').fill('Your rental for RO {ro_number}');
    await editor.getByLabel('Email text').fill('Hi {first_name}, the insurer extended your rental for claim {clam_number}.');
    await editor.getByRole('button', { name: 'Save email template' }).click();
    await editor.getByRole('alert').getByText(/The text names \{clam_number\}, which Bayline cannot fill in/).waitFor();
    await editor.getByLabel('Email text').fill('Hi {first_name}, the insurer extended your rental for claim {claim_number}.');
    await editor.getByRole('button', { name: 'Save email template' }).click();
    await templates.getByRole('list', { name: 'Email templates' }).locator('strong').getByText('Rental update', { exact: true }).waitFor();
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('the owner connects Outlook (Microsoft 365) from Settings; the row names the provider; the adjuster\'s mail reaches the repair', async () => {
    const email = () => page.getByRole('region', { name: 'Email' });
    if ((await page.getByRole('button', { name: 'At the desk: Dana Whitfield' }).count()) === 0) {
      await page.getByRole('button', { name: /At the desk:/ }).click();
      await page.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('2468');
      await page.getByRole('button', { name: 'Switch in' }).click();
    }
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await email().getByRole('button', { name: 'Connect Gmail' }).waitFor();
    const [tab] = await Promise.all([context.waitForEvent('page'), email().getByRole('button', { name: 'Connect Outlook (Microsoft 365)' }).click()]);
    await tab.getByText(`Connected as ${SHOP_MAILBOX} — you can close this tab.`).waitFor();
    await tab.close();
    const row = email().getByRole('listitem').filter({ hasText: `Connected as ${SHOP_MAILBOX}` }).filter({ hasText: 'Outlook (Microsoft 365)' });
    await row.waitFor();
    await row.getByText('Outlook (Microsoft 365)').waitFor();
    await row.scrollIntoViewIfNeeded();
    await screenshot(page, 'mail-settings-outlook');
    expect(await axeProblems(page)).toEqual([]);

    await eventually('the subscription', async () => s.microsoft!.subscriptions.size === 1);
    s.microsoft!.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}: teardown photos`, text: 'Please send the teardown photos.' });
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${s.ro.roNumber}`, exact: true }).click();
    await page.getByRole('region', { name: 'Conversation with Zoë' }).getByText(`Claim ${CLAIM}: teardown photos`, { exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 60_000);
});
