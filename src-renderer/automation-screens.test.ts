// Settings › Automations in Chromium at 1366×768: a ready-made rule is added, switched on and to
// Automatic, its dry run shows what it would have sent for a car that passed QC this month, and a
// new rule is written in the when / if / then editor. Screenshots land in test-output/.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutomationsView } from '../src-shared/automations/desk-api.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { axeProblems, screenshot } from '../src-main/testing/browser-kit.js';
import type { TestDesk } from '../src-main/testing/temp-desk.js';
import { type DeskPage, startDeskPage } from '../src-main/testing/desk-page.js';
import { checkIn } from '../relay/sms/testing.js';

describe('Settings › Automations', () => {
  let d: DeskPage;
  let t: TestDesk;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    d = await startDeskPage({
      prefix: 'bayline-automation-screens-',
      setup: async (desk) => {
        await desk.call('workspace-update', { phone: '(512) 555-0100', timeZone: 'America/Chicago' });
        const qc = (await desk.call('substatus-save', { name: 'QC passed', stage: 'completed' })) as { id: string };
        const ro = (await desk.call('ro-check-in', checkIn())) as RepairOrderDetail;
        await desk.call('ro-move-stage', { id: ro.id, stage: 'completed', subStatusId: qc.id });
      },
    });
    ({ t, page, errors } = d);
  }, 120_000);

  afterAll(async () => {
    await d?.close();
  });

  it('adds the QC rule, switches it on and to Automatic, and shows its 30-day dry run', async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /Settings/ }).click();
    const section = page.getByRole('region', { name: 'Automations' });
    await page.evaluate(() => document.getElementById('set-automations')?.scrollIntoView());
    await section.getByRole('button', { name: 'Add' }).first().click();
    const rule = section.getByRole('listitem', { name: 'QC passed → text the customer to book pickup' });
    await rule.waitFor();
    await rule.getByLabel('On', { exact: true }).click();
    await section.getByText('saved.').waitFor();
    await rule.getByLabel('Mode', { exact: true }).selectOption('automatic');
    await expect.poll(async () => ((await t.call('automation-list', {})) as AutomationsView).rules[0]).toMatchObject({ active: true, mode: 'automatic' });
    await rule.getByRole('button', { name: 'What would it have sent? (30 days)' }).click();
    const dry = section.getByRole('region', { name: 'Dry run' });
    await dry.getByText('over the last 30 days: 1 time').waitFor();
    await dry.getByText(/Text to the customer — “Hi Zoë, your 2019 Honda Accord passed our final quality check at Lakeside Collision/).waitFor();
    await page.evaluate(() => document.getElementById('set-automations')?.scrollIntoView());
    await screenshot(page, 'desk-settings-automations');
    expect(await axeProblems(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('writes a new rule in the editor: when the promised date moves, draft a text from the shop’s template', async () => {
    const section = page.getByRole('region', { name: 'Automations' });
    await section.getByRole('button', { name: 'New rule' }).click();
    const editor = section.getByRole('form', { name: 'Rule editor' });
    await editor.getByLabel('Name', { exact: true }).fill('New date → draft for State Farm customers');
    await editor.getByLabel('When', { exact: true }).selectOption('promised-date-moved');
    await editor.getByLabel(/If the insurer is/).fill('State Farm');
    await editor.getByLabel('Then', { exact: true }).selectOption('create-draft');
    await editor.getByLabel('Template', { exact: true }).selectOption({ label: 'Supplement approved' });
    await page.evaluate(() => document.getElementById('set-automations')?.scrollIntoView({ block: 'end' }));
    await screenshot(page, 'desk-settings-automations-editor');
    await editor.getByRole('button', { name: 'Save rule' }).click();
    await section.getByRole('listitem', { name: 'New date → draft for State Farm customers' }).waitFor();
    const saved = ((await t.call('automation-list', {})) as AutomationsView).rules.find((r) => r.name.startsWith('New date'))!;
    expect(saved).toMatchObject({ active: false, mode: 'draft', trigger: { kind: 'promised-date-moved' }, conditions: { insurers: ['State Farm'], hasMobile: true }, action: { kind: 'create-draft', templateId: 'tpl:supplement-approved' } });
    expect(errors).toEqual([]);
  });
});
