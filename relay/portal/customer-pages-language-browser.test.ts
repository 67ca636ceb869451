// The other customer pages in the customer's language, in Chromium at phone size (390×844): a
// Spanish reader's consent disclosure, signing page, code text and survey; a UK bodyshop's English
// reader's survey with a day-first date and signing page in British words. The relay, desk and fake Telnyx are the signing tests'
// start-up (relay/esign/testing.ts), Chromium the shared browser kit. Screenshots land in /tmp.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchedPage } from '../../src-main/testing/browser-kit.js';
import { clippedText } from '../../src-main/testing/overflow.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { call, eventually } from '../testing/sync-fixture.js';
import { DISCLOSURE_VERSION } from '../esign/disclosure.js';
import { linkFor, makeRequest, startSigningShop, type SigningShop } from '../esign/testing.js';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

describe('signing and survey pages in the customer language', () => {
  let s: SigningShop;
  let browser: Browser;

  /** Writes on the relay's copy, as the desk or the portal's switch would. */
  async function write(table: 'customers' | 'workspace_settings', id: string, row: Record<string, unknown>) {
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    await store.write({ actor: 'system', action: 'test-language' }, (tx) => tx.update(table, id, row as never));
    await s.f.storage.announceChanges(s.f.workspace.id);
  }

  async function phone(): Promise<BrowserContext> {
    return browser.newContext(PHONE);
  }

  beforeAll(async () => {
    s = await startSigningShop('sqlite');
    browser = await launchChromium();
    // The customer reads Spanish (customers.language), set at check-in or on the portal's switch.
    await write('customers', s.ro.customer.id, { language: 'es' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await s?.cleanup();
  });

  it('a Spanish reader gets the disclosure, the signing page, the refusals and the code text in Spanish', async () => {
    const made = await makeRequest(s.desk, s.dataDir, s.ro.id, { pages: 2 });
    const link = await linkFor(s.fake, made.id);
    const context = await phone();
    const { page, errors } = await watchedPage(context);
    page.setDefaultTimeout(20_000);

    await page.goto(link.url.replace(/\/sign\/.*$/, ''));
    // The document is named in the reader's words, not the desk's English kind name.
    await page.getByRole('link', { name: 'Leer y firmar: Autorización de reparación' }).click();
    await page.getByRole('heading', { name: 'Antes de firmar electrónicamente' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es-US');
    const disclosure = (await page.locator('.disclosure').textContent()) ?? '';
    for (const heading of ['Siempre puede usar papel', 'Puede retirar su consentimiento', 'Qué cubre este consentimiento', 'Mantenga sus datos de contacto al día', 'Lo que necesita']) {
      expect(disclosure).toContain(heading);
    }
    expect(disclosure).toContain('Para pedir una copia en papel, llame al (512) 555-0100, escriba a office@harbor.example.');
    expect(disclosure).not.toMatch(/\b(the|you|sign on paper)\b/);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/langcust-esign-consent-es.png', fullPage: true });
    await page.getByRole('button', { name: 'Acepto firmar electrónicamente' }).click();

    // The consent keeps the version of the Spanish words the customer read.
    const consent = await eventually('the consent on the relay', async () =>
      (await s.f.storage.workspaceStore(s.f.workspace.id)).db.selectFrom('signature_consents').selectAll().where('customer_id', '=', s.ro.customer.id).executeTakeFirst(),
    );
    expect(consent.disclosure_version).toBe(`${DISCLOSURE_VERSION}/es`);

    await page.getByRole('heading', { name: 'Firmar', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Autorización de reparación' }).waitFor();
    expect(await page.title()).toBe('Harbor Collision: Autorización de reparación');
    await page.getByText('Gracias. Ya puede leer y firmar el documento.').waitFor();
    expect(await page.locator('#doc-h + p').textContent()).toMatch(/^Orden de reparación \d+ · 2 páginas\. Lea todas las páginas antes de firmar\.$/);
    // Signing without a name or code: the refusal is in Spanish too.
    await page.getByLabel('Acepto firmar electrónicamente esta autorización de reparación').check();
    await page.getByRole('button', { name: 'Envíenme un código' }).click();
    await page.getByText(/Enviamos un código de 6 dígitos por mensaje de texto al \(512\) \*\*\*-0147/).waitFor();
    const text = await eventually('the code text', async () => s.fake.sends().find((t) => t.text.includes('código para firmar'))?.text);
    const code = /\b(\d{6})\b/.exec(text)![1]!;
    expect(text).toBe(`Harbor Collision: su código para firmar es ${code}. Es válido por 10 minutos. No se lo dé a nadie; el taller nunca se lo pedirá.`);
    await page.getByLabel('Código que le enviamos por mensaje de texto').fill(code === '000000' ? '111111' : '000000');
    await page.locator('input[name=method][value=typed]').check({ force: true });
    await eventually('the document on the relay', async () => (await fetch(`${link.url}/document.pdf`)).status === 200);
    await page.getByRole('button', { name: 'Firmar', exact: true }).click();
    const refusal = page.locator('[role="alert"], [data-status]:not(:empty)').first();
    await refusal.waitFor();
    await page.screenshot({ path: '/tmp/langcust-esign-sign-es.png', fullPage: true });
    expect(await refusal.textContent()).toMatch(/Ese código no es correcto\. Le quedan? \d+ intentos?\./);
    expect(await clippedText(page)).toEqual([]);
    expect(errors.filter((e) => !/status of 400 .*\/sign$/.test(e))).toEqual([]);
    await context.close();
  }, 180_000);

  it('a Spanish reader answers the survey in Spanish', async () => {
    await call(s.desk, 'ro-move-stage', { id: s.ro.id, stage: 'delivered' });
    const survey = `${s.ro.portal.url!}/survey`;
    await eventually('the survey open', async () => (await (await fetch(survey)).text()).includes('Pregunta 1 de'));
    const context = await phone();
    const { page, errors } = await watchedPage(context);
    page.setDefaultTimeout(20_000);
    await page.goto(survey);
    expect(await page.locator('legend').textContent()).toBe('En general, ¿qué tan satisfecho está con su reparación?');
    expect(await page.locator('.ends').textContent()).toContain('1 = muy insatisfecho');
    await page.getByRole('button', { name: 'Siguiente' }).click();
    await page.getByText('Elija un número del 1 al 5, por favor.').waitFor();
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/langcust-survey-es.png', fullPage: true });
    // The refused "Siguiente" answers 400 (the page with the sentence); nothing else went wrong.
    expect(errors.filter((e) => !/status of 400 .*\/survey$/.test(e))).toEqual([]);
    await context.close();
  }, 120_000);

  it("a UK bodyshop's English reader gets British words and a day-first date after answering", async () => {
    await write('workspace_settings', SETTINGS_ID, { country: 'GB' });
    await write('customers', s.ro.customer.id, { language: null });
    const survey = `${s.ro.portal.url!}/survey`;
    await eventually('the English survey', async () => (await (await fetch(survey)).text()).includes('Question 1 of'));
    const context = await phone();
    const { page, errors } = await watchedPage(context);
    page.setDefaultTimeout(20_000);
    await page.goto(survey);
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    // Every question: the lowest number on a scale, a word in the comment box.
    for (;;) {
      const scale = page.locator('.scale label').first();
      if ((await scale.count()) > 0) await scale.click();
      else await page.locator('textarea').fill('Friendly people.');
      const send = page.getByRole('button', { name: 'Send my answers' });
      if ((await send.count()) > 0) {
        await send.click();
        break;
      }
      await page.getByRole('button', { name: 'Next' }).click();
    }
    await page.getByRole('heading', { name: 'Thank you', exact: true }).waitFor();
    const until = (await page.getByText(/You can change them until/).textContent()) ?? '';
    // Day before month, 24-hour clock: "You can change them until Sat 5 Dec, 21:15."
    expect(until).toMatch(/until [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}, \d{2}:\d{2}\./);
    expect(await page.locator('body').textContent()).not.toMatch(/\bbody shop\b/);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/langcust-survey-thanks-gb.png', fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it("a UK bodyshop's English reader reads the signing page in British words", async () => {
    await write('workspace_settings', SETTINGS_ID, { country: 'GB' });
    await write('customers', s.ro.customer.id, { language: null });
    // The request's text may wait for the shop's hours under UK rules: the portal lists it anyway.
    await makeRequest(s.desk, s.dataDir, s.ro.id, { pages: 2 });
    const context = await phone();
    const { page, errors } = await watchedPage(context);
    page.setDefaultTimeout(20_000);
    await eventually('the request on the portal', async () => (await (await fetch(s.ro.portal.url!)).text()).includes('Read and sign: Repair authorisation'));
    await page.goto(s.ro.portal.url!);
    await page.getByRole('link', { name: 'Read and sign: Repair authorisation' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en-GB');
    // A reader who has not consented yet (this test alone) reads the disclosure first.
    await page.getByRole('heading', { name: /^(Before you sign electronically|Repair authorisation)$/ }).first().waitFor();
    if (await page.getByRole('heading', { name: 'Before you sign electronically' }).isVisible()) {
      expect((await page.locator('.disclosure').textContent()) ?? '').toContain('the repair authorisation');
      await page.screenshot({ path: '/tmp/langcust-esign-consent-gb.png', fullPage: true });
      await page.getByRole('button', { name: 'I agree to sign electronically' }).click();
    }
    await page.getByRole('heading', { name: 'Repair authorisation' }).waitFor();
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain('I agree to sign this repair authorisation electronically');
    expect(body).not.toMatch(/\bauthorization\b|\bbody shop\b/i);
    expect(await clippedText(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/langcust-esign-sign-gb.png', fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
