// The production board in Chromium: first render of 500 open repair orders (from navigation to
// every card on screen, API round trip included) beside an empty board's first render, and
// applying a filter (insurer, then clearing it) on both, in alternating rounds of the same run.
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { buildRenderer, launchChromium } from '../src-main/testing/browser-kit.js';

const OPEN_ROS = Number(process.env.BENCH_BOARD_ROS ?? 500);
const ROUNDS = Number(process.env.BENCH_BOARD_ROUNDS ?? 5);

export interface BoardSample {
  firstRenderMs: number;
  filterMs: number;
  clearFilterMs: number;
}

export interface BoardBenchResult {
  openRos: number;
  rounds: Array<{ empty: BoardSample; full: BoardSample }>;
  empty: BoardSample;
  full: BoardSample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Navigation start → `cards` cards in the board, measured in the page (frame after the last card). */
async function firstRender(browser: Browser, host: BrowserHost, cards: number): Promise<{ page: Page; ms: number }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(host.url);
  await page.waitForFunction(
    (n) => document.querySelector('main[aria-label="Repair board"]') !== null && document.querySelectorAll('main[aria-label="Repair board"] article').length === n,
    cards,
    { polling: 'raf', timeout: 60_000 },
  );
  const ms = await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
  return { page, ms };
}

/** Choosing a value in the insurer filter until the next frame is painted. */
async function filterTo(page: Page, value: string): Promise<number> {
  return page.evaluate(async (v) => {
    const select = [...document.querySelectorAll('select')].find((s) => s.labels?.[0]?.textContent?.startsWith('Insurer'))!;
    const start = performance.now();
    Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')!.set!.call(select, v);
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - start;
  }, value);
}

async function sample(browser: Browser, host: BrowserHost, cards: number, insurer: string, expectFiltered: number): Promise<BoardSample> {
  const { page, ms } = await firstRender(browser, host, cards);
  const filterMs = await filterTo(page, insurer);
  const shown = await page.locator('main[aria-label="Repair board"] li:not([hidden]) > article').count();
  if (shown !== expectFiltered) throw new Error(`board bench: the filter showed ${shown} cards, expected ${expectFiltered}`);
  const clearFilterMs = await filterTo(page, '');
  await page.close();
  return { firstRenderMs: ms, filterMs, clearFilterMs };
}

export async function runBoardBench(root: string): Promise<BoardBenchResult> {
  const rendererDir = path.join(root, 'board-renderer');
  await buildRenderer(rendererDir);
  const emptyDesk = await Desk.open({ dataDir: path.join(root, 'board-empty'), workspace: { name: 'Empty Shop', slug: 'empty-shop' } });
  const fullDesk = await Desk.open({ dataDir: path.join(root, 'board-full'), workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  let browser: Browser | null = null;
  const hosts: BrowserHost[] = [];
  try {
    const seeded = performance.now();
    await seedDemoShop(fullDesk, { openRos: OPEN_ROS, closedRos: 0 });
    const session = fullDesk.newSession();
    const board = await fullDesk.call('ro-board', {}, session);
    if (!board.ok) throw new Error(board.error.message);
    const ros = board.result as Array<{ insurer: string | null }>;
    console.log(`  seeded ${ros.length} open repair orders in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const counts = new Map<string, number>();
    for (const r of ros) if (r.insurer) counts.set(r.insurer, (counts.get(r.insurer) ?? 0) + 1);
    const [insurer, ofInsurer] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
    const emptyHost = await startBrowserHost({ desk: emptyDesk, port: 0, rendererDir });
    const fullHost = await startBrowserHost({ desk: fullDesk, port: 0, rendererDir });
    hosts.push(emptyHost, fullHost);
    browser = await launchChromium();
    await sample(browser, fullHost, ros.length, insurer, ofInsurer); // warm-up: Chromium's caches, the desk's statements
    const rounds: BoardBenchResult['rounds'] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const empty = await sample(browser, emptyHost, 0, insurer, 0);
      const full = await sample(browser, fullHost, ros.length, insurer, ofInsurer);
      rounds.push({ empty, full });
      console.log(
        `  round ${r + 1}: empty board ${empty.firstRenderMs.toFixed(0)} ms, ${ros.length} ROs ${full.firstRenderMs.toFixed(0)} ms; ` +
          `filter ${full.filterMs.toFixed(1)} ms (empty ${empty.filterMs.toFixed(1)} ms), clear ${full.clearFilterMs.toFixed(1)} ms`,
      );
    }
    const pick = (which: 'empty' | 'full'): BoardSample => ({
      firstRenderMs: median(rounds.map((r) => r[which].firstRenderMs)),
      filterMs: median(rounds.map((r) => r[which].filterMs)),
      clearFilterMs: median(rounds.map((r) => r[which].clearFilterMs)),
    });
    return { openRos: ros.length, rounds, empty: pick('empty'), full: pick('full') };
  } finally {
    await browser?.close();
    await Promise.all(hosts.map((h) => h.close()));
    await emptyDesk.close();
    await fullDesk.close();
  }
}

export function boardSummaryLines(r: BoardBenchResult): string[] {
  return [
    `  board first render: ${r.openRos} open ROs ${r.full.firstRenderMs.toFixed(0)} ms, empty board ${r.empty.firstRenderMs.toFixed(0)} ms ` +
      `(navigation to last card painted, medians of ${r.rounds.length})`,
    `  board filter by insurer: ${r.full.filterMs.toFixed(1)} ms with ${r.openRos} ROs (empty board ${r.empty.filterMs.toFixed(1)} ms); ` +
      `clearing it ${r.full.clearFilterMs.toFixed(1)} ms (change to next painted frame)`,
  ];
}
