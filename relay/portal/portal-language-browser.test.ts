// The portal in the customer's language, in Chromium at phone size (390×844): a customer switches
// to Spanish (the choice reaches the desk and sticks on a fresh phone), the long-strings
// pseudo-locale clips no label, and a UK bodyshop's customer reads "registration", day-first dates
// and 24-hour opening hours. Screenshots land in test-output/ for a person to look at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Desk } from '../../src-main/desk.js';
import { launchChromium, screenshot, watchedPage } from '../../src-main/testing/browser-kit.js';
import { clippedText } from '../../src-main/testing/overflow.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('the portal in the customer language', () => {
  let f: RelayFixture;
  let desk: Desk;
  let browser: Browser;
  let ro: RepairOrderDetail;

  async function pushed() {
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
  }

  /** The shop's country, as the country work will set it from the desk (here written on the relay's copy). */
  async function setCountry(country: string | null, languages: string | null = null) {
    const store = await f.storage.workspaceStore(f.workspace.id);
    await store.write({ actor: 'system', action: 'test-country' }, (tx) => tx.update('workspace_settings', SETTINGS_ID, { country, customer_languages: languages }));
    await f.storage.announceChanges(f.workspace.id);
  }

  beforeAll(async () => {
    f = await startRelayFixture('sqlite', { blobs: true });
    desk = (await f.pairNewDesk('Front desk')).desk;
    await call(desk, 'workspace-update', {
      name: 'Lakeside Collision & Paint',
      phone: '(512) 555-0100',
      address: '1200 Lakeshore Blvd, Austin, TX 78741',
      colorPrimary: '#0b5d4b',
      colorAccent: '#e0a100',
    });
    ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Marisol', lastName: 'Gutiérrez', mobile: '(512) 555-0147' },
      vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
      insurer: 'State Farm',
      promisedDate: '2037-12-04',
    });
    await call(desk, 'ro-move-stage', { id: ro.id, stage: 'teardown' });
    await call(desk, 'ro-change-promised-date', { id: ro.id, date: '2037-12-09', reason: 'The rear bumper is on back order' });
    await pushed();
    await eventually('the link', async () => (await fetch(ro.portal.url!)).status === 200);
    browser = await launchChromium();
  });

  afterAll(async () => {
    delete process.env.BAYLINE_PSEUDO_LOCALE;
    await browser?.close();
    await f?.cleanup();
  });

  it('switches to Spanish on the page; the desk learns it; a fresh phone reads Spanish too', async () => {
    const context = await browser.newContext(PHONE);
    const { page, errors } = await watchedPage(context);
    await page.goto(ro.portal.url!);
    expect(await page.locator('#now-h').textContent()).toBe('Right now');
    await page.locator('#lang').selectOption('es');
    await page.locator('#now-h', { hasText: 'En este momento' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es-US');
    expect(await page.locator('.now .stage').textContent()).toBe('Desarmado');
    expect(await page.locator('#date .date').textContent()).toBe('miércoles, 9 de diciembre de 2037');
    expect(await page.locator('.moved li .muted').textContent()).toContain('se cambió del viernes, 4 de diciembre de 2037 al miércoles, 9 de diciembre de 2037');
    expect(await page.locator('.hello').textContent()).toContain('Hola, Marisol: así va la reparación de su 2019 Blue Honda Accord (placa KLM 456).');
    expect(await page.locator('dl.hours dt').first().textContent()).toBe('Lunes');
    expect(await page.getByRole('button', { name: 'Enviar' }).count()).toBe(1);
    expect(await clippedText(page)).toEqual([]);
    await screenshot(page, 'portal-es-phone');
    const shopPage = await context.newPage();
    await shopPage.goto(`${f.relay.url}/p/lakeside`);
    expect(await shopPage.locator('h2', { hasText: 'Seguir mi reparación' }).count()).toBe(1);
    await shopPage.close();

    // Written for the shop like any change the customer makes.
    const onDesk = await eventually('the language on the desk', async () => {
      const d = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
      return d.customer.language === 'es' ? d : undefined;
    });
    expect(onDesk.customer.language).toBe('es');

    // A phone without the cookie reads Spanish from the customer's record.
    const fresh = await browser.newContext(PHONE);
    const other = await fresh.newPage();
    await other.goto(ro.portal.url!);
    expect(await other.locator('#now-h').textContent()).toBe('En este momento');
    await fresh.close();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the long-strings pseudo-locale clips no label on the status page or the shop page', async () => {
    process.env.BAYLINE_PSEUDO_LOCALE = '1';
    try {
      await pseudoPages();
    } finally {
      delete process.env.BAYLINE_PSEUDO_LOCALE;
    }
  });

  async function pseudoPages() {
    const context = await browser.newContext(PHONE);
    const { page, errors } = await watchedPage(context);
    await page.goto(ro.portal.url!);
    await page.locator('#lang').selectOption('en');
    await page.locator('#now-h', { hasText: 'Ríght ñöw' }).waitFor();
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: 'test-output/portal-pseudo-phone.png', fullPage: true });
    await page.goto(`${f.relay.url}/p/lakeside`);
    expect(await page.locator('h2').first().textContent()).toMatch(/^Tráçk mý rép/);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: 'test-output/shop-page-pseudo-phone.png', fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }

  it("a UK bodyshop's customer reads registration, day-first dates and 24-hour hours", async () => {
    // A UK shop offers English only unless it turns Spanish on; this one did, so the switch is there.
    await setCountry('GB', '["en","es"]');
    const context = await browser.newContext(PHONE);
    const { page, errors } = await watchedPage(context);
    await page.goto(ro.portal.url!);
    await page.locator('#lang').selectOption('en');
    await page.locator('#now-h', { hasText: 'Right now' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    expect(await page.locator('.hello').textContent()).toContain('(registration KLM 456)');
    expect(await page.locator('#date .date').textContent()).toBe('Wednesday, 9 December 2037');
    expect(await page.locator('.now .stage + p').textContent()).toBe('We are taking the damaged parts off to find any hidden damage.');
    const monday = await page.locator('dl.hours dd').first().textContent();
    expect(monday === 'Closed' || /^\d{2}:\d{2} – \d{2}:\d{2}$/.test(monday ?? '')).toBe(true);
    expect(await clippedText(page)).toEqual([]);
    await screenshot(page, 'portal-gb-phone');
    await page.screenshot({ path: 'test-output/portal-gb-phone-full.png', fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
    await setCountry(null);
  });
});
