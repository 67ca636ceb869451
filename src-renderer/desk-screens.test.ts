// The front desk's screens in Chromium at 1366×768 on the demo shop, as a person uses them: scan
// and filter the board, find a car with Ctrl+K, move a card by keyboard past its promised date,
// switch in with a PIN, check a car in with a mistyped VIN, and restyle the portal in settings.
// Screenshots land in test-output/ for a person to look at; axe-core must find nothing serious.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import type { TestDesk } from '../src-main/testing/temp-desk.js';
import { type DeskPage, startDeskPage } from '../src-main/testing/desk-page.js';
import type { RepairOrderSummary } from '../src-shared/domain.js';
import { jpegWithGps } from '../relay/uploads/test-images.js';
import { addDays, formatDay, setDeskCountry, today } from './shared/format.js';
import { axeProblems, screenshot } from '../src-main/testing/browser-kit.js';

const DESK_SIZE = { width: 1366, height: 768 };

describe('the front desk on the demo shop', () => {
  let d: DeskPage;
  let t: TestDesk;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    d = await startDeskPage({ prefix: 'bayline-screens-', viewport: DESK_SIZE, setup: (desk) => seedDemoShop(desk.desk) });
    ({ t, page, errors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  const board = () => page.getByRole('main', { name: 'Repair board' });
  const cards = () => board().getByRole('article');

  it('shows every open repair under its stage and filters by insurer, overdue, delays and new messages', async () => {
    const ros = await t.call('ro-board', {});
    await expect.poll(() => cards().count()).toBe(ros.length);
    expect(ros.length).toBeGreaterThan(20);
    await screenshot(page, 'desk-board');
    expect(await axeProblems(page)).toEqual([]);

    const insurer = ros.find((r) => r.insurer)!.insurer!;
    await page.getByLabel('Insurer').selectOption(insurer);
    const ofInsurer = ros.filter((r) => r.insurer === insurer).length;
    await expect.poll(() => cards().count()).toBe(ofInsurer);
    await page.getByText(`Showing ${ofInsurer} of ${ros.length} open repairs`).waitFor();
    await page.getByLabel('Insurer').selectOption('');

    await page.getByLabel('Overdue').check();
    await expect.poll(() => cards().count()).toBe(ros.filter((r) => r.overdue).length);
    // Overdue says so in words, not only in colour.
    if (ros.some((r) => r.overdue)) expect(await cards().first().innerText()).toContain('Overdue');
    await page.getByLabel('Overdue').uncheck();

    await page.getByLabel('Has a delay').check();
    await expect.poll(() => cards().count()).toBe(ros.filter((r) => r.openExceptions.length > 0).length);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => cards().count()).toBe(ros.length);

    // Sub-statuses show on the cards that have one.
    const withSub = ros.find((r) => r.subStatus);
    if (withSub) expect(await board().getByRole('article', { name: `RO ${withSub.roNumber}, ${withSub.customerName}` }).innerText()).toContain(withSub.subStatus);
    expect(errors).toEqual([]);
  });

  it('finds a repair by plate with Ctrl+K, keyboard only, and opens it', async () => {
    const ros = await t.call('ro-board', {});
    const target = ros.find((r) => r.plate)!;
    await page.keyboard.press('Control+k');
    const search = page.getByRole('combobox', { name: 'Name, phone, plate, VIN, RO or claim number' });
    await search.waitFor();
    await page.keyboard.type(target.plate!.toLowerCase().replace(/[^a-z0-9]/g, ''));
    await page.getByRole('option', { name: new RegExp(`RO ${target.roNumber}\\b`) }).waitFor();
    const hits = page.getByRole('listbox', { name: 'Repair orders found' }).getByRole('option');
    await expect.poll(() => hits.first().getAttribute('aria-selected')).toBe('true');
    expect(await hits.first().innerText()).toContain(`RO ${target.roNumber}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `RO ${target.roNumber} · ${target.customerName}` }).waitFor();
    await page.getByRole('heading', { name: 'Activity' }).waitFor();
    await page.getByRole('list', { name: 'What happened to this repair' }).getByRole('listitem').first().waitFor();
    await screenshot(page, 'desk-repair-order');
    expect(await axeProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    expect(errors).toEqual([]);
  });

  it('asks for a new date and a reason when a keyboard move makes the promised date unrealistic', async () => {
    // "Today" is the shop's day (its zone, as the desk reads it), not the test machine's.
    setDeskCountry(null, (await t.call('workspace-get', {})).timeZone);
    const ro = await t.call('ro-check-in', {
      customer: { firstName: 'Rosa', lastName: 'Linde' },
      vehicle: { plate: 'TIGHT 1', year: 2020, make: 'Mazda', model: 'CX-5' },
      promisedDate: addDays(today(), 2),
    });
    const card = board().getByRole('article', { name: `RO ${ro.roNumber}, Rosa Linde` });
    await card.waitFor();
    await card.getByRole('button', { name: `RO ${ro.roNumber}` }).focus();
    await page.keyboard.press('Alt+ArrowRight');
    const dialog = page.getByRole('dialog', { name: `New promised date for RO ${ro.roNumber}` });
    await dialog.waitFor();
    // Without a reason nothing moves.
    await dialog.getByRole('button', { name: 'Move and change the date' }).click();
    await dialog.getByText('Write the reason the customer will read').waitFor();
    expect((await t.call('ro-get', { id: ro.id })).stage).toBe('pictures');
    await dialog.getByLabel('Reason (the customer reads this)').fill('Teardown showed a bent subframe');
    await dialog.getByRole('button', { name: 'Move and change the date' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('region', { name: 'Estimate', exact: true }).getByRole('article', { name: `RO ${ro.roNumber}, Rosa Linde` }).waitFor();
    const after = await t.call('ro-get', { id: ro.id });
    expect(after.stage).toBe('estimate');
    expect(after.promisedDate).toBe(addDays(today(), 6));
    expect(after.promisedDateHistory.at(-1)).toMatchObject({ reason: 'Teardown showed a bent subframe', toDate: addDays(today(), 6) });
    // The focus followed the card, so a second press moves it on (still too tight: asks again).
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(`RO ${ro.roNumber}`);
    expect(errors).toEqual([]);
  });

  it('switches a person in by PIN, and what they do is theirs in the activity list', async () => {
    await page.getByRole('button', { name: /At the desk:/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Who is at the desk?' });
    await dialog.getByLabel('Name').selectOption({ label: 'Tomás Álvarez (advisor)' });
    await dialog.getByLabel('PIN').fill('0000');
    await dialog.getByRole('button', { name: 'Switch in' }).click();
    await dialog.getByText('That PIN is not right for Tomás Álvarez.').waitFor();
    await dialog.getByLabel('PIN').fill('1357');
    await dialog.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Tomás Álvarez' }).waitFor();

    const ro = (await t.call('ro-board', {}))[0]!;
    await board().getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    // The mobile reads as a person dials it, not as stored (+1…).
    const mobile = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(ro.customerMobile ?? '')!;
    await page.getByRole('region', { name: 'Repair', exact: true }).getByText(`(${mobile[1]}) ${mobile[2]}-${mobile[3]}`).waitFor();
    // A customer who lives elsewhere gets automated texts by her own clock.
    await page.getByLabel("Customer's time zone").selectOption('America/Denver');
    await expect.poll(async () => (await t.call('ro-get', { id: ro.id })).customer.timeZone).toBe('America/Denver');
    // The demo's history may hold notes of his already: this one is one more, and the newest.
    const activity = page.getByRole('list', { name: 'What happened to this repair' });
    await activity.getByRole('listitem').first().waitFor();
    const notesBefore = await activity.getByText('Tomás Álvarez: Internal note added').count();
    await page.getByLabel('Add a note').fill('Customer asked for the old bumper back');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => activity.getByText('Tomás Álvarez: Internal note added').count()).toBe(notesBefore + 1);
    await activity.getByRole('listitem').first().getByText('Tomás Álvarez: Internal note added').waitFor();

    // A delay by its tag, shown on the card; then resolved.
    const delays = page.getByRole('region', { name: 'Delays and exceptions' });
    await delays.getByLabel('Tag').selectOption('#partsdelay');
    await delays.getByLabel('Note (internal)').fill('Rear bumper back-ordered at Honda');
    await delays.getByRole('button', { name: 'Add' }).click();
    await delays.getByText('Rear bumper back-ordered at Honda').waitFor();
    expect((await t.call('ro-get', { id: ro.id })).openExceptions).toContain('#partsdelay');
    await delays.getByRole('button', { name: 'Resolve #partsdelay' }).click();
    await delays.getByText('Rear bumper back-ordered at Honda').waitFor({ state: 'detached' });
    expect((await t.call('ro-get', { id: ro.id })).openExceptions).not.toContain('#partsdelay');
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    expect(errors).toEqual([]);
  });

  it('checks a car in: a mistyped VIN is caught with a clear sentence, an open repair for the same plate is flagged', async () => {
    const existing: RepairOrderSummary = (await t.call('ro-board', {})).find((r) => r.plate)!;
    await page.getByRole('button', { name: 'Check in', exact: true }).click();
    await page.getByLabel('Find a customer (name or phone)').fill('zz-nobody');
    await page.getByLabel('First name').fill('Marta');
    await page.getByLabel('Last name').fill('Quist');
    await page.getByLabel('Mobile').fill('(512) 555-0188');
    await page.getByLabel('VIN').fill('1HGCM82633A004353');
    await page.locator('#f-vin-problem').waitFor();
    expect(await page.locator('#f-vin-problem').innerText()).toMatch(/check digit|mistyped|VIN/i);
    await page.getByLabel('Plate').fill(existing.plate!);
    await page.getByText('This car already has an open repair').waitFor();
    await page.getByLabel('Insurer').fill('Progressive');
    await page.getByLabel('Claim number').fill('PRG-55-1021');
    await page.getByLabel('Deductible ($)').fill('500');
    await screenshot(page, 'desk-check-in');
    expect(await axeProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Check in', exact: true }).last().click();
    await page.getByText('Some details need fixing').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(errors).toEqual([]);
  });

  it('checks a returning customer in, found as you type, with a second car', async () => {
    await page.getByRole('button', { name: 'Check in', exact: true }).click();
    await page.getByLabel('Find a customer (name or phone)').fill('Renée');
    const found = page.getByRole('list', { name: 'Customers found' });
    await found.getByRole('button', { name: /Renée Côté/ }).click();
    await page.getByText('Returning customer:').waitFor();
    await page.getByLabel('Plate').fill('NEW 777');
    await page.getByLabel('Year').fill('2022');
    await page.getByLabel('Make').fill('Subaru');
    await page.getByLabel('Model').fill('Outback');
    await page.locator('form.checkin').getByRole('button', { name: 'Check in', exact: true }).click();
    const done = page.getByRole('heading', { name: /^RO \d+ is checked in$/ });
    await done.waitFor();
    const roNumber = Number((await done.innerText()).match(/RO (\d+)/)![1]);
    const ro = (await t.call('ro-board', {})).find((r) => r.roNumber === roNumber)!;
    expect(ro).toMatchObject({ customerName: 'Renée Côté', plate: 'NEW 777', vehicle: '2022 Subaru Outback', stage: 'pictures' });
    // Not paired: the desk says why there is no portal link yet, in the shop's words.
    await page.getByRole('region', { name: 'Customer portal link' }).getByText('not connected to a relay').waitFor();
    await page.getByRole('button', { name: 'Back to the board' }).click();
    await board().getByRole('article', { name: `RO ${roNumber}, Renée Côté` }).waitFor();
    expect(errors).toEqual([]);
  });

  it('restyles the portal in settings, previewed live before saving', async () => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const preview = page.getByRole('figure', { name: 'Preview of the customer portal' });
    await preview.waitFor();
    await page.getByLabel('Main color').fill('#7a1f5c');
    await expect.poll(() => preview.locator('.pp-head').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(122, 31, 92)');
    await page.locator('#set-wording').getByLabel('Repair started', { exact: true }).fill('Our technicians are repairing your car now.');
    await preview.getByText('Our technicians are repairing your car now.').waitFor();
    // The logo from this PC shows on the preview at once (and is saved with the shop).
    await page.getByLabel('Logo (PNG or JPEG)').setInputFiles({ name: 'logo.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps(240, 80) });
    await page.getByText('Logo saved.').waitFor();
    await expect.poll(() => preview.locator('img.pp-logo').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(240);
    expect((await t.call('workspace-get', {})).logoHash).toMatch(/^[0-9a-f]{64}$/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'desk-settings');
    expect(await axeProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Save colors' }).click();
    await page.getByText('Colors saved.').waitFor();
    expect((await t.call('workspace-get', {})).colorPrimary).toBe('#7a1f5c');
    expect(errors).toEqual([]);
  });
  it('prompts for a new date on a repair whose promised date passed, leading to the date change', async () => {
    const ro = await t.call('ro-check-in', {
      customer: { firstName: 'Marcus', lastName: 'Webb' },
      vehicle: { plate: 'LATE 7', year: 2021, make: 'Toyota', model: 'RAV4' },
      promisedDate: addDays(today(), -3),
    });
    await t.call('ro-move-stage', { id: ro.id, stage: 'repair-started' });
    await page.keyboard.press('Control+k');
    await page.keyboard.type('late7');
    await page.getByRole('option', { name: new RegExp(`RO ${ro.roNumber}\\b`) }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `RO ${ro.roNumber} · Marcus Webb` }).waitFor();
    const prompt = page.getByRole('region', { name: 'Promised date passed' });
    await prompt.waitFor();
    expect(await prompt.innerText()).toContain(
      `The promised date passed on ${formatDay(addDays(today(), -3), true)}; the customer's page says you will confirm a new one.`,
    );
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'desk-date-passed');
    expect(await axeProblems(page)).toEqual([]);
    await prompt.getByRole('button', { name: 'Set a new date' }).click();
    // The existing date change opens with its date field focused; the prompt goes once a date is set.
    const dateField = page.getByLabel('New promised date');
    await expect.poll(() => dateField.evaluate((el) => el === document.activeElement)).toBe(true);
    await dateField.fill(addDays(today(), 4));
    await page.getByLabel('Reason (the customer reads this)').fill('The rear door shell arrives on Monday');
    await page.getByRole('button', { name: 'Save date' }).click();
    await page.getByRole('list', { name: 'Promised date history' }).getByText('The rear door shell arrives on Monday').waitFor();
    expect(await page.getByRole('region', { name: 'Promised date passed' }).count()).toBe(0);
    const after = await t.call('ro-get', { id: ro.id });
    expect(after.promisedDate).toBe(addDays(today(), 4));
    expect(after.overdue).toBe(false);
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    expect(errors).toEqual([]);
  });
});
