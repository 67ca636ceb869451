// One repair's conversation as the front desk reads it, in Chromium at 1366×768: the customer's
// texts, her portal messages and the adjuster's mail thread (his mail, the shop's reply sent
// through Gmail — the fake Google, real SDKs — and his answer in the thread), all in one list in
// time order, each marked Text, Portal or Email with who wrote it and when, and the mail with its
// subject. Screenshots: test-output/conversation-mixed-start.png and conversation-mixed.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { ADJUSTER, CLAIM, type MailShop, SHOP_MAILBOX, startMailShop } from '../relay/email/testing.js';
import { call, eventually } from '../relay/testing/sync-fixture.js';
import { customerWrote, textDelivered } from '../src-main/demo/demo-history.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

const SUBJECT = `Supplement approved — claim ${CLAIM}`;

describe('a repair\'s conversation mixing texts, portal messages and mail', () => {
  let tmp: string;
  let s: MailShop;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    tmp = tempDir('bayline-mail-mix-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    s = await startMailShop('sqlite');
    host = await startBrowserHost({ desk: s.desk, port: 0, rendererDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    ({ page, errors } = await watchedPage(context));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await s?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shows each kind, labelled, with sender and time, the mail with its subject, in time order', async () => {
    const started = await s.post('/mail/gmail/start', { staffId: s.ownerId });
    expect(await (await fetch(((await started.json()) as { url: string }).url)).text()).toContain(`Connected as ${SHOP_MAILBOX}`);
    await eventually('the mailbox at the desk', async () => (await s.desk.db.selectFrom('mailboxes').select('state').executeTakeFirst())?.state === 'connected');

    const ro = s.ro;
    const zoe = { roId: ro.id, customerId: ro.customer.id, firstName: ro.customer.firstName, mobile: '+15125550147' };
    const dana = { id: s.ownerId, name: 'Dana Whitfield' };
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
    // The morning so far: Zoë texts, the shop texts back, the adjuster writes, Zoë asks on the portal.
    await customerWrote(s.desk, zoe, 'sms', 'Hi, is my Accord ready yet?', minutesAgo(95));
    await textDelivered(s.desk, zoe, dana, 'Not yet, Zoë: we are waiting for the insurer to approve a supplement.', minutesAgo(90));
    const first = s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      subject: SUBJECT,
      text: 'Supplement 1 is approved for $1,240.00. Please proceed with the repair.\n\nPat Adjuster\nState Farm',
      date: minutesAgo(60),
    });
    await customerWrote(s.desk, zoe, 'portal', 'Saw the photos on the portal. Do I need to do anything for the supplement?', minutesAgo(40));
    const mail = await eventually('the adjuster\'s mail on the repair', async () =>
      (await call<RepairOrderDetail>(s.desk, 'ro-get', { id: ro.id })).messages.find((m) => m.channel === 'email'),
    );
    // The shop answers the adjuster from the repair; Gmail sends it in his thread.
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    expect((await s.desk.call('mail-reply', { roId: ro.id, replyToId: mail.id, body: 'Thank you, Pat. We are going ahead today and expect to deliver on Friday.\n\nDana Whitfield\nLakeside Collision' }, session)).ok).toBe(true);
    await eventually('the reply in Gmail\'s Sent', async () => s.google.sent.length === 1);
    const ownId = /^Message-ID: (<[^>]+>)\r$/m.exec(s.google.sent[0]!.raw)![1]!;
    await new Promise((r) => setTimeout(r, 1100)); // a mail's Date has whole seconds: answer after the reply
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Re: ${SUBJECT}`, text: 'Great, thanks Dana. Send the final invoice when it is done.', inReplyTo: ownId, references: `${first.messageId} ${ownId}` });
    await eventually('the answer on the repair', async () =>
      (await call<RepairOrderDetail>(s.desk, 'ro-get', { id: ro.id })).messages.some((m) => m.body?.startsWith('Great, thanks Dana')),
    );
    await textDelivered(s.desk, zoe, dana, 'Good news: the insurer approved it. Your Accord should be ready Friday.', new Date());

    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
    await page.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    const conversation = page.getByRole('region', { name: `Conversation with ${ro.customer.firstName}` });
    const items = conversation.getByRole('list', { name: 'Messages' }).locator(':scope > li');
    await eventually('seven messages shown', async () => (await items.count()) === 7);
    // Shown as a person reads it: kind, who, and the first words, top to bottom in time order.
    const rows = await items.evaluateAll((lis) =>
      lis.map((li) => ({
        meta: (li.querySelector('.message-meta')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
        subject: li.querySelector('.email-subject')?.textContent?.trim() ?? null,
        text: (li.querySelector('.message-body')?.textContent ?? '').trim(),
      })),
    );
    const kind = (meta: string) => (/^(New )?Email\b/.test(meta) ? 'Email' : / · Text · /.test(meta) ? 'Text' : / · Portal · /.test(meta) ? 'Portal' : '?');
    expect(rows.map((r) => kind(r.meta))).toEqual(['Text', 'Text', 'Email', 'Portal', 'Email', 'Email', 'Text']);
    expect(rows.map((r) => r.subject)).toEqual([null, null, SUBJECT, null, `Re: ${SUBJECT}`, `Re: ${SUBJECT}`, null]);
    expect(rows[0]!.meta).toMatch(/^(New )?Zoë → shop · Text/);
    expect(rows[1]!.meta).toMatch(/^Dana Whitfield → Zoë · Text/);
    expect(rows[2]!.meta).toContain(`Pat Adjuster <${ADJUSTER}>`);
    expect(rows[3]!.meta).toMatch(/^(New )?Zoë → shop · Portal/);
    expect(rows[4]!.meta).toContain(`Dana Whitfield (${SHOP_MAILBOX})`);
    expect(rows[4]!.meta).toContain('Sent');
    expect(rows[5]!.meta).toContain(`Pat Adjuster <${ADJUSTER}>`);
    // Mail nobody has read yet is marked New, like texts and portal messages.
    expect(rows.map((r) => r.meta.startsWith('New '))).toEqual([true, false, true, true, false, true, false]);
    // Each mail's text under its header (plain-text mail: no frame); the reply names the adjuster.
    await items.nth(2).getByText('Supplement 1 is approved for $1,240.00.', { exact: false }).waitFor();
    await items.nth(5).getByText('Great, thanks Dana.', { exact: false }).waitFor();
    await items.nth(4).getByText(`To: Pat Adjuster <${ADJUSTER}>`).waitFor();
    // Times read top to bottom oldest first (what the list is sorted by, as the desk has it).
    const detail = await call<RepairOrderDetail>(s.desk, 'ro-get', { id: ro.id });
    const times = detail.messages.map((m) => Date.parse(m.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    // Two views of the conversation's list: its start (texts, the adjuster's mail, the portal
    // question) and its end (the reply, the answer, the last text).
    const list = conversation.getByRole('list', { name: 'Messages' });
    await page.evaluate(() => window.scrollTo(0, 0));
    await list.evaluate((ol) => (ol.scrollTop = 0));
    await screenshot(page, 'conversation-mixed-start');
    await list.evaluate((ol, to) => (ol.scrollTop = to), await items.nth(3).evaluate((li) => (li as HTMLElement).offsetTop - (li.parentElement as HTMLElement).offsetTop));
    await screenshot(page, 'conversation-mixed');
    expect(await axeProblems(page)).toEqual([]);

    // Mail no repair takes waits in the inbox, and the bar says so from any screen.
    await page.getByRole('button', { name: 'Texts inbox', exact: true }).waitFor();
    s.google.deliver({ from: 'Parts Depot <sales@parts.example>', subject: 'Weekly specials', text: 'Bumpers 20% off.' });
    const inboxTab = page.getByRole('button', { name: 'Texts inbox 1 waiting', exact: true });
    await inboxTab.waitFor();
    expect(await inboxTab.locator('.badge').getAttribute('title')).toBe('1 email waiting for a repair');
    expect(errors).toEqual([]);
  }, 90_000);
});
