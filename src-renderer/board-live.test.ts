// The board follows another desk card by card: with many repairs on screen, a stage move made on
// another desk (through a real relay) moves that one card and draws no other card again, and a
// change that touches no card (an internal note) draws none. Cards' renders are counted by the
// page itself (`window.baylineCardRenders`, set before the app loads).
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import type { Desk } from '../src-main/desk.js';
import { type BrowserHost, startBrowserHost } from '../src-main/host/browser-host.js';
import { buildRenderer, launchChromium, watchedPage } from '../src-main/testing/browser-kit.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';

const CARS = 40;

describe('the board repaints only the cards another desk changed', () => {
  let tmp: string;
  let f: RelayFixture;
  let deskA: Desk;
  let deskB: Desk;
  let hostB: BrowserHost;
  let browser: Browser;
  let b: Page;
  let errors: string[];
  const ros: RepairOrderDetail[] = [];

  beforeAll(async () => {
    tmp = tempDir('bayline-board-live-');
    const rendererDir = path.join(tmp, 'renderer');
    await buildRenderer(rendererDir);
    f = await startRelayFixture('sqlite');
    deskA = (await f.pairNewDesk('Front desk 1')).desk;
    deskB = (await f.pairNewDesk('Front desk 2')).desk;
    for (let i = 0; i < CARS; i++) {
      ros.push(
        await call<RepairOrderDetail>(deskA, 'ro-check-in', {
          customer: { firstName: 'Driver', lastName: `Number${i}`, mobile: `(512) 555-${String(1000 + i)}` },
          vehicle: { plate: `BRD ${100 + i}`, make: 'Ford', model: 'Focus' },
        }),
      );
    }
    hostB = await startBrowserHost({ desk: deskB, port: 0, rendererDir });
    browser = await launchChromium();
    const watched = await watchedPage(await browser.newContext({ viewport: { width: 1366, height: 768 } }));
    b = watched.page;
    errors = watched.errors;
    await b.addInitScript(() => {
      window.baylineCardRenders = new Map();
      // The link to the desk opens a moment late (a busy desk), after the screens asked for their data.
      const onopen = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onopen')!;
      Object.defineProperty(WebSocket.prototype, 'onopen', {
        get(this: WebSocket) {
          return onopen.get!.call(this) as unknown;
        },
        set(this: WebSocket, fn: ((e: Event) => void) | null) {
          onopen.set!.call(this, fn ? (e: Event) => setTimeout(() => fn.call(this, e), 300) : null);
        },
      });
      // The whole-board reads this page asks the desk for.
      const send = WebSocket.prototype.send;
      (window as unknown as { boardReads: number }).boardReads = 0;
      WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        if (typeof data === 'string' && data.includes('"method":"ro-board"')) (window as unknown as { boardReads: number }).boardReads += 1;
        send.call(this, data);
      };
    });
    await b.goto(hostB.url);
    await b.waitForFunction((n) => document.querySelectorAll('main[aria-label="Repair board"] article').length === n, CARS, { timeout: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hostB?.close();
    await f?.cleanup();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const inColumn = (stage: string, roNumber: number) =>
    b.locator(`#stage-cards-${stage} article[aria-label^="RO ${roNumber},"]`);
  const renders = () => b.evaluate(() => Object.fromEntries(window.baylineCardRenders!));
  const forget = () => b.evaluate(() => window.baylineCardRenders!.clear());

  // React's StrictMode renders twice per draw when the renderer is built for development (as
  // under vitest): one draw of a card is this many counted renders.
  let perDraw = 0;

  it('every card was drawn once when the board opened', async () => {
    const counted = await renders();
    expect(Object.keys(counted)).toHaveLength(CARS);
    const counts = new Set(Object.values(counted));
    expect(counts.size).toBe(1);
    perDraw = [...counts][0]!;
    expect([1, 2]).toContain(perDraw);
  });

  it('the board was read from the desk once when it opened (not again when the link first opened)', async () => {
    // Anything pending from the opening has had time to arrive.
    await b.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    // A development build's StrictMode mounts the board twice (perDraw 2), each mount reading once.
    expect(await b.evaluate(() => (window as unknown as { boardReads: number }).boardReads)).toBe(perDraw);
  });

  it('a stage move on the other desk moves that card and draws no other', async () => {
    await forget();
    const [first, second] = [ros[3]!, ros[27]!];
    await call(deskA, 'ro-move-stage', { id: first.id, stage: 'teardown' });
    await inColumn('teardown', first.roNumber).waitFor({ timeout: 30_000 });
    // A second move, so anything the first one set off has been drawn before we count.
    await call(deskA, 'ro-move-stage', { id: second.id, stage: 'supplement-sent' });
    await inColumn('supplement-sent', second.roNumber).waitFor({ timeout: 30_000 });
    expect(await inColumn('pictures', first.roNumber).count()).toBe(0);
    expect(await b.getByRole('region', { name: 'Teardown', exact: true }).locator('.stage-count [aria-hidden]').textContent()).toBe('1');
    expect(await renders()).toEqual({ [first.id]: perDraw, [second.id]: perDraw });
  });

  it('a customer renamed on the other desk redraws that customer\'s card only', async () => {
    await forget();
    const ro = ros[11]!;
    await call(deskA, 'customer-update', { id: ro.customer.id, lastName: 'Okonkwo' });
    await b.locator(`article[aria-label="RO ${ro.roNumber}, Driver Okonkwo"]`).waitFor({ timeout: 30_000 });
    const marker = ros[30]!;
    await call(deskA, 'ro-move-stage', { id: marker.id, stage: 'teardown' });
    await inColumn('teardown', marker.roNumber).waitFor({ timeout: 30_000 });
    expect(await renders()).toEqual({ [ro.id]: perDraw, [marker.id]: perDraw });
  });

  it('a note, which no card shows, draws no card', async () => {
    await forget();
    const ro = ros[5]!;
    await call(deskA, 'note-add', { roId: ro.id, body: 'Customer asked for the old bumper back.' });
    const marker = ros[31]!;
    await call(deskA, 'ro-move-stage', { id: marker.id, stage: 'teardown' });
    await inColumn('teardown', marker.roNumber).waitFor({ timeout: 30_000 });
    expect(await renders()).toEqual({ [marker.id]: perDraw });
    expect(errors).toEqual([]);
  });
});
