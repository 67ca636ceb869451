// In Chromium, the installed desk's own lines: opened by a bayline:// pairing link (the relay's
// /pair/open page hands it over), the desk shows the relay settings with the relay and code filled
// in and pairs with one press; a downloaded update shows "Restart and install now" and restarts
// only when pressed. window.baylineDesktop (Electron's preload) is stood in by a page script that
// plays the main process; the desk, the relay and the pairing are real.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePairingCode } from '../relay/pairing.js';
import { type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { openTestDesk, type TestDesk, tempDir } from '../src-main/testing/temp-desk.js';
import { axeProblems, buildRenderer, launchChromium, screenshot, watchedPage } from '../src-main/testing/browser-kit.js';
import { parsePairingLink } from '../src-shared/pairing-link.js';

/** What the preload would expose, driven by the test through window.__desktop. */
const BRIDGE = (link: unknown) => `
  (() => {
    const pairingListeners = new Set();
    const stateListeners = new Set();
    let pending = ${JSON.stringify(link)};
    let state = { phase: 'idle', version: null, percent: null, problem: null, refused: false, checkedAt: null };
    window.__desktop = {
      restarts: 0,
      setState(next) { state = next; stateListeners.forEach((l) => l(next)); },
    };
    window.baylineDesktop = {
      takePairingLink: async () => { const l = pending; pending = null; return l; },
      onPairingLink: (l) => { pairingListeners.add(l); return () => pairingListeners.delete(l); },
      updates: {
        state: async () => state,
        onState: (l) => { stateListeners.add(l); return () => stateListeners.delete(l); },
        restartNow: async () => { if (state.phase !== 'ready') return false; window.__desktop.restarts++; return true; },
      },
    };
  })();
`;

describe('the installed desk opened by a pairing link, and a downloaded update', () => {
  let f: RelayFixture;
  let host: BrowserHost;
  let browser: Browser;
  let rendererDir: string;
  let alone: TestDesk;

  beforeAll(async () => {
    rendererDir = path.join(tempDir('bayline-desktop-ui-'), 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite');
    alone = await openTestDesk();
    host = await startBrowserHost({ desk: alone.desk, port: 0, rendererDir });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await alone?.close();
    await f?.cleanup();
  });

  it('the relay\'s pairing page gives the link; the desk opens its pairing form filled in and pairs with one press', async () => {
    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    const { page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } }));

    // The page the operator sends the shop: its button is the bayline:// link.
    await page.goto(`${f.relay.url}/pair/open?code=${code.toLowerCase()}`);
    const href = await page.getByRole('link', { name: 'Open in Bayline' }).getAttribute('href');
    await screenshot(page, 'pairing-page');
    const link = parsePairingLink(href!);
    expect(link).toEqual({ relayUrl: f.relay.url, code });
    // A link whose code was cut or tampered with says so and links nowhere.
    const bad = await fetch(`${f.relay.url}/pair/open?code=%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toContain('This link has no pairing code in it.');
    expect(badPage).not.toContain('<script>');
    expect(badPage).not.toContain('bayline://');

    // Windows starts the desk with that link; the desk's screens take it.
    await page.addInitScript(BRIDGE(link));
    await page.goto(host.url);
    const relayUrl = page.getByLabel('Relay address');
    await relayUrl.waitFor();
    expect(await relayUrl.inputValue()).toBe(f.relay.url);
    expect(await page.getByLabel('Pairing code').inputValue()).toBe(code);
    await page.getByRole('heading', { name: /Relay \(other desks/ }).waitFor();
    await screenshot(page, 'pairing-link-filled');
    await page.getByRole('button', { name: 'Pair', exact: true }).click();
    await page.getByText(`Connected to ${f.relay.url}`, { exact: false }).waitFor();
    expect((await alone.desk.syncStatus()).paired).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('a downloaded update offers a restart and restarts only when pressed; Later hides it', async () => {
    const { page, errors } = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } }));
    await page.addInitScript(BRIDGE(null));
    await page.goto(host.url);
    await page.getByRole('button', { name: 'Board' }).waitFor();
    expect(await page.getByText('Restart and install now').count()).toBe(0);

    await page.evaluate(() => (window as any).__desktop.setState({ phase: 'ready', version: '0.2.0', percent: 100, problem: null, refused: false, checkedAt: null }));
    const banner = page.getByRole('status').filter({ hasText: 'Bayline 0.2.0 is downloaded' });
    await banner.waitFor();
    expect(await banner.textContent()).toContain('installed the next time Bayline is closed and opened again');
    expect(await axeProblems(page)).toEqual([]);
    await screenshot(page, 'update-ready');
    expect(await page.evaluate(() => (window as any).__desktop.restarts)).toBe(0);
    await banner.getByRole('button', { name: 'Restart and install now' }).click();
    await banner.getByRole('button', { name: 'Restarting…' }).waitFor();
    expect(await page.evaluate(() => (window as any).__desktop.restarts)).toBe(1);

    // A refused download is said (and can be dismissed); an unreachable relay is not.
    await page.evaluate(() => (window as any).__desktop.setState({ phase: 'failed', version: '0.3.0', percent: null, problem: 'Bayline could not check for updates (connect ECONNREFUSED). It tries again tomorrow.', refused: false, checkedAt: null }));
    await page.getByRole('button', { name: 'Restart and install now' }).waitFor({ state: 'detached' });
    expect(await page.getByText('could not check for updates').count()).toBe(0);
    await page.evaluate(() => (window as any).__desktop.setState({ phase: 'failed', version: '0.3.0', percent: null, problem: 'The downloaded update did not match its SHA-512 checksum, so it was refused and nothing was installed. The desk tries again tomorrow.', refused: true, checkedAt: null }));
    const refused = page.getByRole('alert').filter({ hasText: 'did not match its SHA-512 checksum' });
    await refused.waitFor();
    await screenshot(page, 'update-refused');
    await refused.getByRole('button', { name: 'Dismiss' }).click();
    await refused.waitFor({ state: 'detached' });

    // Another window: Later puts it away until the next version.
    const other = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } }));
    await other.page.addInitScript(BRIDGE(null));
    await other.page.goto(host.url);
    await other.page.evaluate(() => (window as any).__desktop.setState({ phase: 'ready', version: '0.2.0', percent: 100, problem: null, refused: false, checkedAt: null }));
    await other.page.getByRole('button', { name: 'Later' }).click();
    expect(await other.page.getByText('Bayline 0.2.0 is downloaded').count()).toBe(0);
    expect(await other.page.evaluate(() => (window as any).__desktop.restarts)).toBe(0);
    expect([...errors, ...other.errors]).toEqual([]);
  }, 60_000);
});
