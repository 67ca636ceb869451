// Settings › Work providers and "Share with insurer" in Chromium at 1366×768, on a desk paired to a
// real relay: the owner picks Harbor Mutual from the relay's directory, maps the insurer name as the
// shop writes it, chooses what is shared, marks a message of a repair to share, and stops sharing.
// The relay's access layer is asked after each step (what the provider would see).
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addProvider } from '../relay/providers/testing.js';
import type { WorkProvider } from '../relay/providers/records.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import type { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { buildRenderer, launchChromium, watchedPage } from '../src-main/testing/browser-kit.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';

const SHOTS = '/tmp/shots-prov-web';

describe('Settings › Work providers at the desk', () => {
  let tmp: string;
  let f: RelayFixture;
  let desk: Desk;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let harbor: WorkProvider;
  let ro: RepairOrderDetail;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = tempDir('bayline-provider-settings-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite');
    desk = (await f.pairNewDesk('Front desk')).desk;
    await call(desk, 'staff-create', { name: 'Dana Whitfield', role: 'owner', pin: '2468' });
    harbor = await addProvider(f.storage, 'harbor-mutual', 'Harbor Mutual');
    await addProvider(f.storage, 'summit-insurance', 'Summit Insurance');
    ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Maya', lastName: 'Lopez', mobile: '(512) 555-0147' },
      vehicle: { plate: '7ABC123', make: 'Honda', model: 'Civic' },
      insurer: 'Harbor Mutual Ins.',
      claimNumber: 'HM-2291-7734',
    });
    ro = await call<RepairOrderDetail>(desk, 'message-send', { roId: ro.id, body: 'The bumper cover arrives Thursday.' });
    host = await startBrowserHost({ desk, port: 0, rendererDir });
    browser = await launchChromium();
    ({ page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } })));
    page.setDefaultTimeout(15_000);
    await page.goto(host.url);
    await page.getByRole('main', { name: 'Repair board' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await f?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const sees = async () => (await f.relay.providers.access.lookup(harbor, '7abc 123')).length;
  const pushed = () => eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);

  it('the owner shares the shop\'s Harbor Mutual repairs, marks a message to share, and stops sharing', async () => {
    await page.getByRole('button', { name: /At the desk:/ }).click();
    await page.getByRole('dialog', { name: 'Who is at the desk?' }).getByLabel('PIN').fill('2468');
    await page.getByRole('button', { name: 'Switch in' }).click();
    await page.getByRole('button', { name: 'At the desk: Dana Whitfield' }).waitFor();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Work providers' });
    await panel.getByText('You share with no work provider.').waitFor();
    await panel.getByRole('button', { name: 'Share with a work provider…' }).click();
    await panel.getByRole('combobox', { name: /^Work provider/ }).selectOption({ label: 'Harbor Mutual' });
    await panel.getByLabel(/Insurer names on your repair orders/).fill('Harbor Mutual\nHarbor Mutual Ins.');
    await panel.getByLabel('Messages marked “Share with insurer”').check();
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/desk-settings-providers-form-1366.png` });
    await panel.getByRole('button', { name: 'Share', exact: true }).click();
    await panel.getByText('Harbor Mutual now follows those repairs.').waitFor();
    await panel.getByText(/Harbor Mutual Ins\. · 1 repair/).waitFor();
    await page.screenshot({ path: `${SHOTS}/desk-settings-providers-1366.png` });
    await pushed();
    await eventually('the relay to index the grant', async () => (await sees()) === 1);

    // On the repair: the message is not shared until marked.
    expect((await f.relay.providers.access.repairDetail(harbor, f.workspace.id, ro.id))!.messages).toEqual([]);
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.getByRole('article', { name: `RO ${ro.roNumber}, Maya Lopez` }).getByRole('button', { name: `RO ${ro.roNumber}` }).click();
    const conversation = page.getByRole('region', { name: /Conversation with Maya/ });
    // The box follows the saved message (it turns once the desk has stored the change), so on a
    // busy machine it may turn after the click returns: click, then wait for it.
    const share = conversation.getByLabel('Share with insurer');
    await share.click();
    await eventually('the message to be marked as shared', async () => share.isChecked(), 10_000);
    await pushed();
    await eventually('the shared message at the relay', async () => ((await f.relay.providers.access.repairDetail(harbor, f.workspace.id, ro.id))?.messages.length ?? 0) === 1);

    // Stop sharing: the provider's next question gets nothing.
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    page.once('dialog', (d) => void d.accept());
    await panel.getByRole('button', { name: 'Stop sharing' }).click();
    await panel.getByText('Harbor Mutual no longer sees your repairs.').waitFor();
    await pushed();
    expect(await sees()).toBe(0);
    expect(errors).toEqual([]);
  });
});
