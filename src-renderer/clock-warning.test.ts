// In Chromium, the desk bar of a PC whose clock is two days fast: the sync state says so in words
// and counts the change waiting for the clock; once the date is fixed, the change goes and the
// sentence leaves the bar.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';

describe('the desk bar of a PC whose clock is wrong', () => {
  let f: RelayFixture;
  let host: BrowserHost;
  let browser: Browser;
  let rendererDir: string;
  let fastBy = 2 * 86_400_000;

  beforeAll(async () => {
    rendererDir = path.join(tempDir('bayline-clock-ui-'), 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await f?.cleanup();
  });

  it('says the clock is two days ahead, keeps the change waiting, and clears once the date is fixed', async () => {
    const { desk } = await f.pairNewDesk('Front desk', undefined, { now: () => Date.now() + fastBy });
    host = await startBrowserHost({ desk, port: 0, rendererDir });
    const { page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } }));
    await page.goto(host.url);
    await call(desk, 'customer-create', { firstName: 'Ana', lastName: 'Silva', mobile: '(512) 555-0147' });

    const sync = page.getByRole('status', { name: 'Sync state' });
    await sync.getByText("This PC's clock is 2 days ahead; fix the date and time in Windows.", { exact: false }).waitFor();
    await sync.getByText('Online · 1 change waiting').waitFor();
    await screenshot(page, 'desk-clock-two-days-ahead');
    expect(await axeProblems(page)).toEqual([]);

    fastBy = 0;
    await sync.getByText('Online · everything sent').waitFor();
    expect(await sync.innerText()).not.toMatch(/clock/);
    expect(errors).toEqual([]);
  });
});
