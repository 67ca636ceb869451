// Test support: one desk in Chromium the way the screen tests all start — the renderer built
// into a throw-away folder, a desk on a real SQLite file there, the browser host serving both,
// Debian's Chromium at the desk's size, a page that records errors, opened on the board.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type BrowserHost, startBrowserHost } from '../host/browser-host.js';
import type { DeskOptions } from '../desk.js';
import { buildRenderer, launchChromium, watchedPage } from './browser-kit.js';
import { openTestDesk, type TestDesk, tempDir } from './temp-desk.js';

export const DESK_SIZE = { width: 1366, height: 768 } as const;
export const PHONE_SIZE = { width: 390, height: 844 } as const;

export interface DeskPage {
  tmp: string;
  t: TestDesk;
  host: BrowserHost;
  browser: Browser;
  page: Page;
  /** Script and console errors seen so far on `page`. */
  errors: string[];
  /** Another page on the same desk (its own context), e.g. at phone size. */
  newPage(viewport?: { width: number; height: number }): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

export interface DeskPageOptions {
  /** The temp folder's prefix, e.g. 'bayline-screens-'. */
  prefix?: string;
  workspace?: DeskOptions['workspace'];
  desk?: Partial<DeskOptions>;
  viewport?: { width: number; height: number };
  /** Runs after the desk opens and before the browser loads the page (seed data, settings). */
  setup?(t: TestDesk): Promise<unknown>;
  /** Waits for the board on the first page (default true). */
  waitForBoard?: boolean;
}

/** Starts a desk page; call `close()` in afterAll (it closes whatever was started, even half-way). */
export async function startDeskPage(options: DeskPageOptions = {}): Promise<DeskPage> {
  const tmp = tempDir(options.prefix ?? 'bayline-desk-page-');
  const started: { t?: TestDesk; host?: BrowserHost; browser?: Browser } = {};
  const close = async () => {
    await started.browser?.close();
    await started.host?.close();
    await started.t?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  try {
    await buildRenderer(path.join(tmp, 'renderer'));
    const t = (started.t = await openTestDesk({
      dataDir: path.join(tmp, 'data'),
      workspace: options.workspace ?? { name: 'Lakeside Collision', slug: 'lakeside' },
      ...options.desk,
    }));
    await options.setup?.(t);
    const host = (started.host = await startBrowserHost({ desk: t.desk, port: 0, rendererDir: path.join(tmp, 'renderer') }));
    const browser = (started.browser = await launchChromium());
    const newPage = async (viewport: { width: number; height: number } = options.viewport ?? DESK_SIZE) => {
      const opened = await watchedPage(await browser.newContext({ viewport }));
      await opened.page.goto(host.url);
      return opened;
    };
    const { page, errors } = await newPage();
    if (options.waitForBoard !== false) await page.getByRole('main', { name: 'Repair board' }).waitFor();
    return { tmp, t, host, browser, page, errors, newPage, close };
  } catch (err) {
    await close();
    throw err;
  }
}
