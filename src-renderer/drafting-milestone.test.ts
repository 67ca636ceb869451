// Milestone moments in Chromium at 1366x768: a repair moved to Completed on its page offers "Draft a
// message to the customer"; pressing it streams the shop's model's draft (the real relay, the fake
// OpenAI-compatible model) into the text box, where it stays a draft until a person presses Send.
// Screenshots in test-output/.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../relay/drafting/fake-openai/fake-openai.js';
import { hideDraftingSecrets } from '../relay/drafting/config.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import type { Desk } from '../src-main/desk.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

describe('a milestone move offers a draft to the customer', () => {
  let tmp: string;
  let f: RelayFixture;
  let fake: FakeOpenAI;
  let desk: Desk;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ro: RepairOrderDetail;

  beforeAll(async () => {
    tmp = tempDir('bayline-milestone-');
    await buildRenderer(path.join(tmp, 'renderer'));
    // The model writes two words at a time, 40 ms apart, so the draft visibly arrives in pieces.
    fake = new FakeOpenAI({ apiKey: 'sk-fake-milestone-000000000', chunkMs: 40, wordsPerChunk: 2 });
    await fake.start();
    const config = hideDraftingSecrets({ baseUrl: fake.baseUrl, apiKey: 'sk-fake-milestone-000000000', model: 'fake-drafter', provider: 'fake-openai', monthlyTokens: 2_000_000, timeoutMs: 10_000, firstTokenMs: 5_000, maxRetries: 0 });
    f = await startRelayFixture('sqlite', { draftingConfig: config });
    ({ desk } = await f.pairNewDesk('Front desk'));
    await call(desk, 'workspace-update', { phone: '(512) 555-0100', timeZone: 'America/Chicago' });
    ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0147' },
      vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
      promisedDate: '2037-12-04',
    });
    await eventually('the desk online', async () => (await desk.syncStatus()).online);
    host = await startBrowserHost({ desk, port: 0, rendererDir: path.join(tmp, 'renderer') });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } })));
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await f?.cleanup();
    await fake?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const outgoing = () => desk.sqlite.prepare(`SELECT status, approved_by, body FROM messages WHERE direction = 'out'`).all() as Array<{ status: string; approved_by: string | null; body: string }>;

  it('moving to Completed offers the draft; pressing it streams the draft into the text box, kept a draft', async () => {
    await page.getByRole('button', { name: `RO ${ro.roNumber}`, exact: true }).click();
    await page.getByRole('heading', { name: `RO ${ro.roNumber} · Zoe Nguyen` }).waitFor();
    const offer = page.getByRole('group', { name: 'Tell the customer' });
    // A move to a stage that is no milestone offers nothing.
    const stage = page.getByRole('region', { name: 'Stage' });
    await stage.locator('select').first().selectOption('estimate');
    await stage.getByRole('button', { name: 'Move' }).click();
    await stage.getByRole('listitem').filter({ hasText: 'Estimate' }).waitFor();
    expect(await offer.count()).toBe(0);

    await stage.locator('select').first().selectOption('completed');
    await stage.getByRole('button', { name: 'Move' }).click();
    await offer.getByText(/Completed is a moment Zoe will want to hear about/).waitFor();
    await offer.scrollIntoViewIfNeeded();
    await screenshot(page, 'drafting-milestone-offer');
    expect(outgoing()).toEqual([]);
    expect(fake.requests).toHaveLength(0);

    // Watch the text box while the model writes: it fills in pieces, not all at once.
    const composer = page.getByRole('region', { name: 'Text Zoe' });
    const box = composer.getByLabel(/^Text to/);
    await box.evaluate((el: HTMLTextAreaElement) => {
      const seen: string[] = [];
      (window as unknown as { seenDraft: string[] }).seenDraft = seen;
      const tick = () => {
        if (seen.at(-1) !== el.value) seen.push(el.value);
        requestAnimationFrame(tick);
      };
      tick();
    });
    await offer.getByRole('button', { name: 'Draft a message to the customer' }).click();
    const facts = composer.getByRole('group', { name: 'Draft facts' });
    await facts.getByText('Draft by fake-openai / fake-drafter.').waitFor();
    const final = await box.inputValue();
    expect(final).toBe('Hi Zoe, this is Lakeside Collision. Your 2019 Honda Accord is at Completed. We expect it ready December 4, 2037.');
    const seen = await page.evaluate(() => (window as unknown as { seenDraft: string[] }).seenDraft);
    const partial = seen.filter((v) => v !== '' && v !== final && final.startsWith(v));
    expect(partial.length).toBeGreaterThan(1);
    // The model was asked for the Completed milestone.
    expect(fake.requests).toHaveLength(1);
    expect(JSON.stringify(fake.requests[0]!.body.messages)).toContain('Completed');
    await facts.getByText('Every date, amount and number in it comes from the repair.').waitFor();
    await composer.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'drafting-milestone-draft');
    expect(await axeProblems(page)).toEqual([]);

    // It is a draft on the repair and nothing else: no one approved it, nothing waits to go out.
    expect(outgoing()).toEqual([{ status: 'draft', approved_by: null, body: final }]);
    const audit = desk.sqlite.prepare(`SELECT detail FROM audit_events WHERE action = 'sms-draft-save'`).all() as Array<{ detail: string }>;
    expect(audit.map((a) => JSON.parse(a.detail).summary)).toEqual(['Draft made by fake-openai/fake-drafter']);
    // "Not now" puts the offer away.
    await offer.getByRole('button', { name: 'Not now' }).click();
    await offer.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  }, 90_000);

  it('a board drag to Completed offers the draft too; pressing it opens the repair with the draft streaming into its text box', async () => {
    const second = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Sam', lastName: 'Ortiz', mobile: '(512) 555-0190' },
      vehicle: { year: 2020, make: 'Toyota', model: 'Camry' },
      promisedDate: '2037-12-05',
    });
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    const card = page.getByRole('button', { name: `RO ${second.roNumber}`, exact: true });
    await card.waitFor();
    const asked = fake.requests.length;
    await card.dragTo(page.getByRole('region', { name: 'Completed' }));
    const offer = page.getByRole('group', { name: 'Tell the customer' });
    await offer.getByText(new RegExp(`RO ${second.roNumber} is at Completed: a moment Sam Ortiz will want to hear about`)).waitFor();
    await screenshot(page, 'drafting-milestone-board-offer');
    expect(fake.requests).toHaveLength(asked);

    await offer.getByRole('button', { name: 'Draft a message to the customer' }).click();
    await page.getByRole('heading', { name: `RO ${second.roNumber} · Sam Ortiz` }).waitFor();
    const composer = page.getByRole('region', { name: 'Text Sam' });
    await composer.getByRole('group', { name: 'Draft facts' }).getByText('Draft by fake-openai / fake-drafter.').waitFor();
    expect(await composer.getByLabel(/^Text to/).inputValue()).toBe('Hi Sam, this is Lakeside Collision. Your 2020 Toyota Camry is at Completed. We expect it ready December 5, 2037.');
    expect(JSON.stringify(fake.requests.at(-1)!.body.messages)).toContain('Completed');
    // Still only drafts: nothing approved, nothing waiting to go out.
    expect(outgoing().map((m) => [m.status, m.approved_by])).toEqual([['draft', null], ['draft', null]]);
    expect(errors).toEqual([]);
  }, 90_000);
});
