// The desk and languages in Chromium (issue 22): the Spanish tab of a text template with its
// preview in Spanish ("jueves, 3 de diciembre") at phone size, the shop's choice of customer
// languages in Settings, and the long-strings run: every label of the board, check-in, a repair
// and Settings made about 40% longer and accented at 1366×768, with nothing clipped or spilling
// (src-main/testing/overflow.ts). Screenshots in /tmp/langdesk-*.png and test-output/.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import { screenshot } from '../src-main/testing/browser-kit.js';
import { type DeskPage, PHONE_SIZE, startDeskPage } from '../src-main/testing/desk-page.js';
import { clippedText, lengthenPageText } from '../src-main/testing/overflow.js';

async function shot(page: Page, name: string, fullPage = false) {
  await page.screenshot({ path: `/tmp/langdesk-${name}.png`, fullPage });
  await screenshot(page, `langdesk-${name}`);
}

describe('the desk in more than one language', () => {
  let d: DeskPage;

  beforeAll(async () => {
    d = await startDeskPage({
      prefix: 'bayline-langdesk-',
      setup: async (t) => {
        await seedDemoShop(t.desk);
        await t.call('workspace-update', { phone: '(512) 555-0100' });
      },
    });
  }, 180_000);

  afterAll(async () => {
    await d?.close();
  });

  it('the Spanish tab of a text template shows the Spanish default and a preview with a Spanish date, at phone size', async () => {
    const { page, errors } = await d.newPage(PHONE_SIZE);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    const templates = page.getByRole('list', { name: 'Text templates' });
    await templates.getByRole('button', { name: 'Edit Supplement approved' }).click();
    const editor = page.getByRole('form', { name: 'Edit template Supplement approved' });
    const preview = editor.getByRole('group', { name: 'Template preview' });
    await expect.poll(() => preview.innerText()).toContain('We expect it ready Thursday, December 3.');

    await editor.getByRole('tab', { name: 'Español' }).click();
    const spanish = editor.getByLabel('Template text in Español');
    expect(await spanish.inputValue()).toContain('la aseguradora aprobó las reparaciones adicionales de su {vehicle}');
    await expect.poll(() => preview.innerText()).toContain('Esperamos tenerlo listo el jueves, 3 de diciembre.');
    expect(await preview.getAttribute('lang')).toBe('es');
    await editor.getByText('This is Bayline’s standard wording until you change it.').waitFor();
    await preview.scrollIntoViewIfNeeded();
    await editor.scrollIntoViewIfNeeded();
    await shot(page, 'template-es-phone');
    // The desk is laid out for a PC; at phone width the template editor itself must still read whole.
    expect(await clippedText(page, '.template-editor')).toEqual([]);

    // The shop's own Spanish wording is kept and previewed.
    await spanish.fill('Hola {first_name}: su {vehicle} estará listo el {promised_date}. {portal_link}');
    await expect.poll(() => preview.innerText()).toContain('Hola Zoë: su 2019 Honda Accord estará listo el jueves, 3 de diciembre.');
    await editor.getByRole('button', { name: 'Save the Español wording' }).click();
    await editor.getByText('The Español wording is saved.').waitFor();
    const saved = (await d.t.call('sms-template-list', {})).find((x) => x.id === 'tpl:supplement-approved')!;
    expect(saved.wordings).toEqual([{ language: 'es', body: 'Hola {first_name}: su {vehicle} estará listo el {promised_date}. {portal_link}', own: true }]);

    // The email template editor has the same tab for a mail a customer receives.
    await page.getByRole('region', { name: 'Email templates' }).getByRole('button', { name: /^Edit Your car is ready/ }).click();
    const mail = page.getByRole('form', { name: 'Edit email template Your car is ready' });
    await mail.getByRole('tab', { name: 'Español' }).click();
    await mail.getByLabel('Subject in Español').fill('Su {vehicle} está listo');
    await mail.getByLabel('Email text in Español').fill('Hola {first_name}:\n\nSu {vehicle} estará listo el {promised_date}.');
    await expect.poll(() => mail.getByRole('group', { name: 'Email preview' }).innerText()).toContain('Su 2019 Honda Accord estará listo el jueves, 3 de diciembre.');
    await mail.getByRole('button', { name: 'Save the Español wording' }).click();
    await mail.getByText('The Español wording is saved.').waitFor();
    await mail.getByText('This is the shop’s own.').waitFor();
    await mail.scrollIntoViewIfNeeded();
    await shot(page, 'email-template-es-phone');
    expect(await clippedText(page, '.template-editor')).toEqual([]);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('Settings says which languages customers read; a UK shop offers English only until Spanish is turned on', async () => {
    const { page, errors } = await d.newPage();
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    const panel = page.getByRole('form', { name: 'Languages customers read' });
    const spanish = panel.getByRole('checkbox', { name: 'Español' });
    expect(await spanish.isChecked()).toBe(true);
    expect(await panel.getByRole('checkbox', { name: /English/ }).isDisabled()).toBe(true);

    await page.getByLabel('Country').selectOption('GB');
    await page.getByRole('button', { name: 'Save shop details' }).click();
    await expect.poll(async () => (await d.t.call('workspace-get', {})).customerLanguages).toEqual(['en']);
    // The template list follows the country at once (no reload): British names and wording.
    await page.getByRole('list', { name: 'Text templates' }).getByRole('button', { name: 'Edit Ready for collection' }).waitFor();
    // The editor then has no Spanish tab, and the UK preview reads day-first.
    await page.getByRole('list', { name: 'Text templates' }).getByRole('button', { name: 'Edit Supplement approved' }).click();
    const editor = page.getByRole('form', { name: 'Edit template Supplement approved' });
    await expect.poll(() => editor.getByRole('group', { name: 'Template preview' }).innerText()).toContain('We expect it ready Thursday 3 December.');
    expect(await editor.getByRole('tab').count()).toBe(0);
    await editor.getByRole('button', { name: 'Cancel' }).click();

    await page.reload();
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    // A UK bodyshop's list names the standard template as it says it, and its wording is British.
    await page.getByRole('list', { name: 'Text templates' }).getByRole('button', { name: 'Edit Ready for collection' }).click();
    const collect = page.getByRole('form', { name: 'Edit template Ready for collection' });
    await expect.poll(() => collect.getByRole('group', { name: 'Template preview' }).innerText()).toContain('Hi Zoë, your 2019 Honda Accord is ready to collect at Lakeside Collision.');
    await collect.scrollIntoViewIfNeeded();
    await shot(page, 'template-uk');
    await collect.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => panel.getByRole('checkbox', { name: 'Español' }).isChecked()).toBe(false);
    await panel.getByRole('checkbox', { name: 'Español' }).check();
    await panel.getByRole('button', { name: 'Save customer languages' }).click();
    await expect.poll(async () => (await d.t.call('workspace-get', {})).customerLanguages).toEqual(['en', 'es']);
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'settings-languages');
    await d.t.call('workspace-update', { country: 'US' });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('with every label 40% longer and accented, the board, check-in, a repair and Settings clip nothing at 1366×768', async () => {
    const { page, errors } = await d.newPage();
    const board = page.getByRole('main', { name: 'Repair board' });
    await board.getByRole('article').first().waitFor();
    const check = async (name: string) => {
      await lengthenPageText(page);
      // The lengthened labels really are on the page (the run is not vacuous).
      expect(await page.locator('body').innerText()).toMatch(/[áéíöü].* ẋẍ/);
      await shot(page, `pseudo-${name}`);
      expect(await clippedText(page), name).toEqual([]);
    };
    await check('board');

    // Each screen is opened from a fresh page (the lengthened labels no longer match their names).
    await page.reload();
    await board.getByRole('article').first().waitFor();
    await page.getByRole('button', { name: 'Check in', exact: true }).click();
    await page.getByLabel('First name').waitFor();
    await check('checkin');

    await page.reload();
    await board.getByRole('article').first().waitFor();
    const first = board.getByRole('button', { name: /^RO \d+$/ }).first();
    const ro = (await first.innerText()).trim();
    await first.click();
    await board.waitFor({ state: 'detached' });
    await page.locator('.screen-area').getByText(ro).first().waitFor();
    await check('repair');

    await page.reload();
    await board.getByRole('article').first().waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Languages customers read' }).waitFor();
    await check('settings');
    expect(errors).toEqual([]);
    await page.context().close();
    expect(fs.existsSync('/tmp/langdesk-pseudo-settings.png')).toBe(true);
  }, 180_000);
});
