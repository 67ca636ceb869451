// A UK shop's desk in Chromium at 1366×768 (issue 22): the country chosen in Settings, dates
// day-first with a 24-hour clock and £ on the board and the repair, and a landline typed at
// check-in said to be unable to receive texts (the repair is then not offered texts).
// Screenshots land in test-output/ for a person to look at.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../src-main/testing/browser-kit.js';
import { type DeskPage, startDeskPage } from '../src-main/testing/desk-page.js';
import type { TestDesk } from '../src-main/testing/temp-desk.js';

describe('a UK bodyshop at the desk', () => {
  let d: DeskPage;
  let t: TestDesk;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    d = await startDeskPage({
      prefix: 'bayline-country-',
      workspace: { name: 'Riverside Bodyshop', slug: 'riverside' },
      setup: async (desk) => {
        await desk.call('workspace-update', { timeZone: 'Europe/London', phone: '+44 20 7946 0100' });
        await desk.call('ro-check-in', {
          customer: { firstName: 'Amy', lastName: 'Hart', mobile: '+44 7400 123456' },
          vehicle: { plate: 'AB12 CDE', year: 2020, make: 'Ford', model: 'Focus' },
          insurer: 'Aviva',
          deductibleCents: 25000,
          promisedDate: '2037-12-04',
        });
      },
    });
    ({ t, page, errors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  it('choosing the United Kingdom in Settings turns dates day-first, money to £ and numbers to UK form', async () => {
    const card = page.getByRole('main', { name: 'Repair board' }).getByRole('article', { name: /Amy Hart/ });
    await card.waitFor();
    // Still a US shop: the promised date reads month-first.
    await expect.poll(() => card.innerText()).toMatch(/Dec 4/);

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Country').selectOption('GB');
    await page.getByRole('button', { name: 'Save shop details' }).click();
    await expect.poll(async () => (await t.call('workspace-get', {})).country).toBe('GB');
    await page.getByText('UK rules: STOP (or UNSUBSCRIBE) stops texts').waitFor();
    await screenshot(page, 'uk-settings');

    await page.getByRole('button', { name: 'Board' }).click();
    await expect.poll(() => card.innerText()).toMatch(/4 Dec/);
    await screenshot(page, 'uk-board');
    await page.getByRole('main', { name: 'Repair board' }).getByRole('button', { name: 'RO 1001', exact: true }).click();
    const view = page.locator('.screen-area');
    await expect.poll(() => view.innerText()).toContain('07400 123456');
    expect(await view.innerText()).toContain('£250.00');
    // Moments read on a 24-hour clock: no AM/PM anywhere on the repair.
    expect(await view.innerText()).not.toMatch(/\d (AM|PM)\b/);
    // The staff's words follow the country too: a bodyshop's registration, work provider and excess.
    for (const word of ['Registration', 'Work provider', 'Engineer', 'Excess']) expect(await view.getByRole('term').allInnerTexts()).toContain(word);
    await screenshot(page, 'uk-repair');
    expect(errors).toEqual([]);
  }, 60_000);

  it('at check-in a landline says it cannot receive texts, and the repair is not offered texts', async () => {
    await page.getByRole('button', { name: 'Check in', exact: true }).click();
    await page.getByLabel('Find a customer (name or phone)').fill('zz-nobody');
    await page.getByLabel('First name').fill('Ben');
    await page.getByLabel('Last name').fill('Cole');
    await page.getByLabel('Mobile').fill('020 7946 0018');
    const notice = page.getByRole('status').filter({ hasText: 'cannot receive texts' });
    await notice.waitFor();
    expect(await notice.innerText()).toBe('020 7946 0018 is a landline: it cannot receive texts. This repair will not be offered texts; add a mobile number to text the customer.');
    await page.getByLabel('Registration').fill('CD34 EFG');
    await page.getByRole('group', { name: 'Work provider and dates' }).getByLabel('Work provider').fill('Direct Line');
    await page.getByLabel('Excess (£)').fill('100');
    await screenshot(page, 'uk-check-in-landline');
    // A mobile takes the notice away.
    await page.getByLabel('Mobile').fill('07400 654321');
    await expect.poll(() => notice.count()).toBe(0);
    await page.getByLabel('Mobile').fill('020 7946 0018');
    await notice.waitFor();
    await page.locator('form.checkin').getByRole('button', { name: 'Check in', exact: true }).click();
    await page.getByRole('heading', { name: /^RO \d+ is checked in$/ }).waitFor();
    const ro = (await t.call('ro-board', {})).find((r) => r.customerName === 'Ben Cole')!;
    const detail = await t.call('ro-get', { id: ro.id });
    expect(detail.customer).toMatchObject({ mobile: '+442079460018', mobileKind: 'landline' });
    const preview = await t.call('sms-preview', { roId: ro.id, body: 'Your car is ready' });
    expect(preview.canSend).toBe(false);
    expect(preview.warnings.find((w) => w.code === 'landline')).toMatchObject({ blocking: true, message: expect.stringContaining('020 7946 0018 is a landline: it cannot receive texts') });
    expect(errors).toEqual([]);
  });
});
