// "Draft" in the text composer of a repair, in Chromium, on a desk with no relay: the template
// drafter writes the text at once, a date the person types in that the repair does not hold is
// flagged under the composer, and Send asks before sending it. Screenshot in test-output/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDesk } from '../src-main/testing/temp-desk.js';
import { type DeskPage, startDeskPage } from '../src-main/testing/desk-page.js';
import { SETTINGS_ID } from '../src-shared/settings.js';
import { nextSendTime, sendWindow } from '../src-shared/sms/quiet-hours.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { axeProblems, screenshot } from '../src-main/testing/browser-kit.js';

describe('drafting a text in the composer', () => {
  let d: DeskPage;
  let t: TestDesk;
  let page: Page;
  let errors: string[];
  let ro: RepairOrderDetail;

  beforeAll(async () => {
    d = await startDeskPage({
      prefix: 'bayline-drafting-',
      viewport: { width: 1366, height: 900 },
      setup: async (desk) => {
        // Daytime for the customer wherever the test runs: texting hours are not the subject here.
        const zone = ['America/Chicago', 'Europe/London', 'Asia/Kolkata', 'Asia/Tokyo', 'Pacific/Honolulu'].find(
          (z) => nextSendTime(new Date(), z, sendWindow(null, null)) === null && nextSendTime(new Date(Date.now() + 600_000), z, sendWindow(null, null)) === null,
        )!;
        await desk.call('workspace-update', { phone: '(512) 555-0100', timeZone: zone });
        await desk.desk.store.write({ actor: 'operator', action: 'sms-number' }, (tx) =>
          tx.update('workspace_settings', SETTINGS_ID, { sms_number: '+15125550100', sms_10dlc_status: 'active' }),
        );
        ro = await desk.call('ro-check-in', {
          customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0147' },
          vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
          promisedDate: '2037-12-04',
        });
      },
    });
    ({ t, page, errors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  const outgoing = () => t.desk.sqlite.prepare(`SELECT status, approved_by, body FROM messages WHERE direction = 'out'`).all() as Array<{ status: string; approved_by: string | null; body: string }>;

  it('drafts from the templates, flags a wrong date typed in, and asks before sending it', async () => {
    await page.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    await page.getByRole('heading', { name: `RO ${ro.roNumber} · Zoe Nguyen` }).waitFor();
    const composer = page.getByRole('region', { name: 'Text Zoe' });
    await composer.getByRole('button', { name: 'Draft', exact: true }).click();
    const box = composer.getByLabel(/^Text to/);
    const drafted = 'Hi Zoe, your 2019 Honda Accord is at the Pictures stage. We expect it ready Friday, Dec 4, 2037. - Lakeside Collision';
    await expect.poll(() => box.inputValue()).toBe(drafted);
    const facts = composer.getByRole('group', { name: 'Draft facts' });
    await facts.getByText(/not connected to the shop's relay/).waitFor();
    await facts.getByText('Every date, amount and number in it comes from the repair.').waitFor();
    // The draft is saved on the repair as a draft, and nothing is approved.
    expect(outgoing()).toEqual([{ status: 'draft', approved_by: null, body: drafted }]);

    // The person changes the date to one the repair does not hold.
    await box.fill(drafted.replace('Friday, Dec 4', 'Monday, Dec 14'));
    await facts.getByText('Not in the repair — check before sending:').waitFor();
    const flagged = facts.getByRole('listitem');
    await expect.poll(() => flagged.count()).toBe(1);
    expect(await flagged.first().innerText()).toMatch(/^Monday, Dec 14, 2037 The repair's facts have no date Monday, December 14/);
    expect(await facts.locator('.draft-facts-body mark').innerText()).toBe('Monday, Dec 14, 2037');
    await composer.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'drafting-text-flagged');
    expect(await axeProblems(page)).toEqual([]);

    // Send asks first; "Edit first" sends nothing.
    await composer.getByRole('button', { name: 'Send text' }).click();
    const ask = page.getByRole('dialog', { name: 'Send with facts the repair does not hold?' });
    await ask.getByText('These facts are not in the repair: “Monday, Dec 14, 2037”. Send anyway?').waitFor();
    await screenshot(page, 'drafting-text-send-asks');
    await ask.getByRole('button', { name: 'Edit first' }).click();
    await ask.waitFor({ state: 'detached' });
    expect(outgoing().map((m) => m.status)).toEqual(['draft']);

    // Sent anyway: the draft itself is approved, with the words as edited, by the person's press.
    await composer.getByRole('button', { name: 'Send text' }).click();
    await ask.getByRole('button', { name: 'Send anyway' }).click();
    await expect.poll(() => outgoing().map((m) => m.status)).toEqual(['approved']);
    expect(outgoing()[0]!.body).toContain('Monday, Dec 14');
    expect(errors).toEqual([]);
  }, 60_000);

  it('drafts a mail to the adjuster and an answer to the adjuster\'s mail, each only into the composer', async () => {
    await t.call('ro-update', { id: ro.id, claimNumber: 'CLM-4410', adjusterName: 'Pat Adjuster', adjusterEmail: 'pat@lakeside-mutual.example' });
    const now = new Date().toISOString();
    await t.desk.store.write({ actor: 'relay', action: 'mail-in' }, async (tx) => {
      const box = await tx.insert('mailboxes', { provider: 'gmail', address: 'desk@lakeside.example', state: 'connected', connected_at: now });
      await tx.insert('messages', {
        ro_id: ro.id,
        channel: 'email',
        direction: 'in',
        mailbox_id: box,
        subject: 'Photos for CLM-4410',
        body: 'Please send the teardown photos for this claim.',
        email_from: JSON.stringify({ name: 'Pat Adjuster', address: 'pat@lakeside-mutual.example' }),
        email_to: JSON.stringify([{ name: '', address: 'desk@lakeside.example' }]),
        author: 'Pat Adjuster',
        at: now,
      });
    });
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    await page.getByRole('heading', { name: `RO ${ro.roNumber} · Zoe Nguyen` }).waitFor();
    const before = outgoing();

    // "Draft an answer" under the adjuster's mail.
    await page.getByRole('button', { name: 'Draft an answer' }).click();
    const reply = page.getByRole('form', { name: 'Reply to pat@lakeside-mutual.example' });
    const replyBox = reply.getByLabel('Reply to pat@lakeside-mutual.example');
    await expect.poll(() => replyBox.inputValue()).toMatch(/^Hi Pat,\n\nAbout RO \d+, claim CLM-4410, 2019 Honda Accord: the repair is at the Pictures stage\./);
    expect(await replyBox.inputValue()).toContain("I'll send the photos you asked for today.");
    await reply.getByText('Every date, amount and number in it comes from the repair.').waitFor();
    await reply.getByRole('button', { name: 'Cancel' }).click();

    // A new mail: with only the adjuster on To, Draft writes for the adjuster.
    const composer = page.getByRole('region', { name: 'Email about this repair' });
    await composer.getByRole('button', { name: 'Write an email' }).click();
    // Zoe has no email address, so only the adjuster can be on it.
    await composer.getByLabel('Pat Adjuster (adjuster)').selectOption('to');
    await composer.getByRole('button', { name: 'Draft for the adjuster' }).click();
    // Pat's mail is the last word in the conversation, so the draft answers it.
    await expect.poll(() => composer.getByLabel('Subject').inputValue()).toBe('Re: Photos for CLM-4410');
    expect(await composer.getByLabel('Email text').inputValue()).toMatch(/^Hi Pat,\n\n.*I'll send the photos you asked for today\./s);
    await composer.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'drafting-email-adjuster');
    // Nothing was written, saved or sent by drafting mail.
    expect(outgoing()).toEqual(before);
    expect(errors).toEqual([]);
  }, 60_000);

  it('Settings › Drafts: says what a provider receives, keeps the tone and signature, and shares amounts only when asked', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const drafts = page.getByRole('region', { name: 'Drafts' });
    await drafts.getByText(/not connected to one\): Draft writes from your templates/).waitFor();
    await drafts.getByText(/What the model’s provider receives/).waitFor();
    await drafts.getByText(/Internal notes are never sent for a customer draft/).waitFor();
    await drafts.getByLabel('The shop’s tone, in a few words').fill('Warm, short, no exclamation marks');
    await drafts.getByLabel('Email signature').fill('Dana Park\nLakeside Collision');
    await drafts.getByLabel(/Put the estimate total and deductible/).check();
    await drafts.getByText(/and the estimate total and deductible\. Internal notes/).waitFor();
    await drafts.getByRole('button', { name: 'Save draft settings' }).click();
    await drafts.getByText('Draft settings saved.').waitFor();
    expect(await t.call('drafting-settings-get', {})).toEqual({
      enabled: true,
      tone: 'Warm, short, no exclamation marks',
      examples: [],
      signature: 'Dana Park\nLakeside Collision',
      shareAmountsWithCustomer: true,
    });
    await drafts.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await screenshot(page, 'drafting-settings');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
