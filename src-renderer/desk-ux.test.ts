// What a newcomer trying the desk tripped over (desk UX pass): moments read in the shop's time zone
// whatever the PC's zone, and a country chosen in Settings brings its zone with it.
// Screenshots land in test-output/ for a person to look at.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, watchedPage } from '../src-main/testing/browser-kit.js';
import { DESK_SIZE, type DeskPage, startDeskPage } from '../src-main/testing/desk-page.js';
import type { TestDesk } from '../src-main/testing/temp-desk.js';

describe('the desk for a newcomer', () => {
  let d: DeskPage;
  let t: TestDesk;
  let page: Page;
  let errors: string[];
  let roId = '';

  beforeAll(async () => {
    d = await startDeskPage({
      prefix: 'bayline-deskux-',
      setup: async (desk) => {
        const ro = await desk.call('ro-check-in', {
          customer: { firstName: 'Dana', lastName: 'Ruiz', mobile: '+1 512 555 0177' },
          vehicle: { year: 2019, make: 'Honda', model: 'Civic', color: 'Blue', plate: 'KTX 4410' },
          insurer: 'State Farm',
        });
        roId = ro.id;
        // A call nobody answered, from another number: its card waits on every screen.
        await desk.call('call-log', { number: '+1 512 555 0142', direction: 'in', party: 'customer', reason: 'status', outcome: '' });
        await desk.desk.db.updateTable('calls').set({ state: 'missed', handled_at: null }).execute();
      },
    });
    t = d.t;
    // The PC is in Tokyo; the shop (the default) in Chicago.
    ({ page, errors } = await watchedPage(await d.browser.newContext({ viewport: DESK_SIZE, timezoneId: 'Asia/Tokyo' })));
    await page.goto(d.host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  const openRepair = async () => {
    await tab(page, 'Board').click();
    await page.getByRole('main', { name: 'Repair board' }).getByRole('button', { name: 'RO 1001', exact: true }).click();
    const view = page.locator('.screen-area');
    await view.getByRole('term').filter({ hasText: 'Checked in' }).waitFor();
    return view;
  };

  it("reads the check-in time in the shop's zone, not the PC's, and a UK shop's zone follows the country", async () => {
    const ro = await t.call('ro-get', { id: roId });
    const at = (locale: string, timeZone: string) =>
      new Date(ro.checkedInAt).toLocaleString(locale, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone });
    let view = await openRepair();
    const checkedIn = fact(page, 'Checked in');
    expect(await checkedIn.innerText()).toBe(at('en-US', 'America/Chicago'));
    // The colour is named once.
    expect(await fact(page, 'Vehicle').innerText()).toBe('2019 Blue Honda Civic');
    await screenshot(page, 'deskux-checked-in-chicago');

    // Choosing the United Kingdom offers (and sets) London's zone, shown in Settings before saving.
    // A US shop spells "color": at check-in and in Settings.
    await tab(page, 'Check in').click();
    await page.getByLabel('Color', { exact: true }).waitFor();
    await tab(page, 'Settings').click();
    const sections = page.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'Logo and colors', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Logo and colors' }).waitFor();
    // Every section on the page has its link in the side list.
    await page.locator('#set-reports').waitFor();
    const panels = await page.locator('.settings [id^="set-"]').evaluateAll((els) => els.map((el) => el.id));
    const links = await sections.getByRole('link').evaluateAll((els) => els.map((el) => (el as HTMLAnchorElement).hash.slice(1)));
    expect(panels.filter((id) => !links.includes(id))).toEqual([]);
    for (const name of ['After the repair', 'Calls', 'Reports']) await sections.getByRole('link', { name, exact: true }).waitFor();
    const zone = page.getByLabel('Time zone');
    expect(await zone.inputValue()).toBe('America/Chicago');
    await page.getByLabel('Country').selectOption('GB');
    expect(await zone.inputValue()).toBe('Europe/London');
    expect(await zone.locator('option:checked').textContent()).toMatch(/^Europe\/London \(now \d{1,2}:\d\d( [AP]M)?\)$/);
    await screenshot(page, 'deskux-settings-uk-zone');
    await page.getByRole('button', { name: 'Save shop details' }).click();
    await expect.poll(async () => (await t.call('workspace-get', {})).timeZone).toBe('Europe/London');

    view = await openRepair();
    await expect.poll(() => checkedIn.innerText()).toBe(at('en-GB', 'Europe/London'));
    // A UK shop spells "colour".
    await tab(page, 'Check in').click();
    await page.getByLabel('Colour', { exact: true }).waitFor();
    await tab(page, 'Settings').click();
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Logo and colours', exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 60_000);

  it('a missed-call card sits in a corner: the bar stays usable and a dialog covers the card', async () => {
    await tab(page, 'Board').click();
    const card = page.getByRole('article', { name: /^Missed call from/ });
    await card.waitFor();
    const bar = (await page.locator('.shop-bar').boundingBox())!;
    const box = (await card.boundingBox())!;
    // Nothing of the card over the bar ("At the desk", the sync state).
    expect(box.y).toBeGreaterThanOrEqual(bar.y + bar.height);
    const atDesk = page.locator('.shop-bar').getByText(/At the desk/).first();
    expect(await atDesk.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return hit !== null && el.closest('.shop-bar')!.contains(hit);
    })).toBe(true);
    await screenshot(page, 'deskux-missed-call-corner');

    // A dialog (search, Ctrl+K) is above the card: what is at the card's middle is the dialog's backdrop.
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog').waitFor();
    const hitCard = await card.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    });
    expect(hitCard).toBe(false);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  }, 60_000);
});

/** The definition beside a term in the repair's facts ("Checked in" → its time). */
function fact(page: Page, term: string) {
  return page.locator('.screen-area dt', { hasText: new RegExp(`^${term}$`) }).first().locator('xpath=following-sibling::dd[1]');
}

/** A screen's button in the bar ("Board", "Settings"). */
function tab(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name, exact: true });
}
