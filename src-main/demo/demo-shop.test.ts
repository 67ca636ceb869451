// The demo shop as a person opening it would see it: a busy board, delivered history, late cars,
// open problems, accent-blind search and an intact audit trail, all in a real SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiMethod, ArgsOf, ResultOf } from '../../src-shared/api/contract.js';
import { checkVin } from '../../src-shared/vin.js';
import type { Session } from '../api/dispatch.js';
import { Desk } from '../desk.js';
import { seedDemoShop } from './demo-shop.js';

let dataDir: string;
let desk: Desk;
let session: Session;
let seeded: { openRos: number; closedRos: number };

async function call<M extends ApiMethod>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>> {
  const outcome = await desk.call(method, args, session);
  if (!outcome.ok) throw new Error(`${method}: ${outcome.error.message}`);
  return outcome.result as ResultOf<M>;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-demo-'));
  desk = await Desk.open({ dataDir });
  session = desk.newSession();
  seeded = await seedDemoShop(desk, { openRos: 12, closedRos: 20, seed: 7 });
});

afterAll(async () => {
  await desk?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('demo shop', () => {
  it('looks like Lakeside Collision in Austin', async () => {
    const settings = await call('workspace-get', {});
    expect(settings.name).toBe('Lakeside Collision');
    expect(settings.address).toMatch(/Austin, TX/);
    expect(settings.timeZone).toBe('America/Chicago');
    const staff = await call('staff-list', {});
    expect(staff.length).toBeGreaterThanOrEqual(4);
  });

  it('has a board of 12 open repairs spread over at least 5 stages', async () => {
    expect(seeded).toEqual({ openRos: 12, closedRos: 20 });
    const board = await call('ro-board', {});
    expect(board).toHaveLength(12);
    expect(board.every((r) => !r.closed)).toBe(true);
    expect(new Set(board.map((r) => r.stage)).size).toBeGreaterThanOrEqual(5);
  });

  it('keeps the closed repairs as delivered history', async () => {
    const all = await call('ro-board', { includeClosed: true });
    const closed = all.filter((r) => r.closed);
    expect(closed).toHaveLength(20);
    expect(closed.every((r) => r.stage === 'delivered')).toBe(true);
    // Older repairs got lower RO numbers than the cars in the shop today.
    const newestClosed = Math.max(...closed.map((r) => r.roNumber));
    expect(all.filter((r) => !r.closed).every((r) => r.roNumber > newestClosed)).toBe(true);
  });

  it('shows at least one overdue car and at least one open exception', async () => {
    const board = await call('ro-board', {});
    expect(board.some((r) => r.overdue)).toBe(true);
    expect(board.some((r) => r.openExceptions.length > 0)).toBe(true);
  });

  it('gives every car a valid VIN and no car two open repairs', async () => {
    const all = await call('ro-board', { includeClosed: true });
    for (const r of all) expect(checkVin(r.vin ?? '')).toMatchObject({ ok: true });
    const open = all.filter((r) => !r.closed);
    expect(new Set(open.map((r) => r.vin)).size).toBe(open.length);
    const plates = open.map((r) => r.plate?.replace(/[\s-]/g, '')).filter(Boolean);
    expect(new Set(plates).size).toBe(plates.length);
  });

  it('walks a repair through its stages with real reasons for date changes', async () => {
    const board = await call('ro-board', {});
    const far = board.find((r) => r.stage === 'repair-started' || r.stage === 'completed');
    expect(far).toBeDefined();
    const detail = await call('ro-get', { id: far!.id });
    const stages = detail.timeline.map((e) => e.stage);
    expect(stages[0]).toBe('pictures');
    expect(stages).toContain('estimate');
    expect(stages).toContain('teardown');
    // Moves are attributed to different people, as in a real shop.
    expect(new Set(detail.timeline.map((e) => e.staffName)).size).toBeGreaterThan(1);
    for (const change of detail.promisedDateHistory) expect(change.reason.length).toBeGreaterThan(10);
  });

  it('finds a customer with an accented surname typed without accents', async () => {
    const board = await call('ro-board', {});
    const garcia = board.find((r) => r.customerName === 'José García');
    const nguyen = board.find((r) => r.customerName.endsWith('Nguyễn'));
    expect(garcia).toBeDefined();
    expect(nguyen).toBeDefined();
    expect((await call('search-query', { q: 'garcia' })).map((r) => r.id)).toContain(garcia!.id);
    expect((await call('search-query', { q: 'Jose Garcia' })).map((r) => r.id)).toContain(garcia!.id);
    expect((await call('search-query', { q: 'nguyen' })).map((r) => r.id)).toContain(nguyen!.id);
  });

  it('leaves an audit trail that verifies', async () => {
    const verification = await call('audit-verify', {});
    expect(verification.ok).toBe(true);
    expect(verification.problems).toEqual([]);
    expect(verification.checked).toBeGreaterThan(100);
  });

  it('refuses to seed a workspace that already has repairs', async () => {
    await expect(seedDemoShop(desk, { openRos: 1, closedRos: 0 })).rejects.toThrow(/already has repair orders/);
  });
});
