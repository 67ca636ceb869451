// The demo shop as a person opening it would see it: a busy board, delivered history, late cars,
// open problems, accent-blind search and an intact audit trail, all in a real SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiMethod, ArgsOf, ResultOf } from '../../src-shared/api/contract.js';
import { checkVin } from '../../src-shared/vin.js';
import type { Session } from '../api/dispatch.js';
import sharp from 'sharp';
import { readDeskFile } from '../blobs/desk-files.js';
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

  it('shows delivered repairs with answered surveys, one low score waiting for a call, and a referral', async () => {
    const list = await call('csi-follow-ups-list', { include: 'open' });
    expect(list.open).toBe(1);
    expect(list.followUps[0]).toMatchObject({ overall: 2, recommend: 4, firstContactAt: null });
    const answered = await desk.db.selectFrom('csi_responses').select(['ro_id', 'overall']).where('submitted_at', 'is not', null).execute();
    expect(answered.length).toBeGreaterThanOrEqual(3);
    const referrals = await call('csi-referrals-list', {});
    expect(referrals).toHaveLength(1);
    expect(referrals[0]!.roNumber).not.toBeNull();
  });

  describe('looks lived in, as after a month of work', () => {
    const local = (at: string) => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
          .formatToParts(new Date(at))
          .map((p) => [p.type, p.value]),
      );
      return { day: parts.weekday!, date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute) };
    };
    /** Lakeside's opening hours: Mon–Thu 7:30–17:30, Fri 7:30–17:00, Sat 9–12, closed Sunday. */
    const open = (at: string) => {
      const t = local(at);
      if (t.day === 'Sun') return false;
      if (t.day === 'Sat') return t.minute >= 540 && t.minute <= 720;
      return t.minute >= 450 && t.minute <= (t.day === 'Fri' ? 1020 : 1050);
    };
    let details: Awaited<ReturnType<typeof detailsOf>>;
    const detailsOf = async () => {
      const all = await call('ro-board', { includeClosed: true });
      return Promise.all(all.map((r) => call('ro-get', { id: r.id })));
    };
    beforeAll(async () => {
      details = await detailsOf();
    });

    it('spreads stage moves over many working days and hours, none in the future', () => {
      const events = details.flatMap((d) => d.timeline);
      expect(events.length).toBeGreaterThan(100);
      for (const e of events) {
        expect(open(e.at), `${e.stage} at ${e.at} (${JSON.stringify(local(e.at))})`).toBe(true);
        expect(Date.parse(e.at)).toBeLessThanOrEqual(Date.now());
      }
      expect(new Set(events.map((e) => local(e.at).date)).size).toBeGreaterThan(25);
      // Not every stage at the same minute: within one repair, moves are hours or days apart.
      for (const d of details) {
        const minutes = new Set(d.timeline.map((e) => e.at.slice(0, 16)));
        expect(minutes.size, `RO ${d.roNumber}`).toBe(d.timeline.length);
      }
    });

    it('gives delivered repairs plausible cycle times, and open ones a check-in in the past weeks', () => {
      const closed = details.filter((d) => d.closed);
      const days = closed.map((d) => (Date.parse(d.closedAt!) - Date.parse(d.checkedInAt)) / 86_400_000);
      for (const n of days) {
        expect(n).toBeGreaterThan(0.2);
        expect(n).toBeLessThan(60);
      }
      const sorted = [...days].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      expect(median).toBeGreaterThan(4);
      expect(median).toBeLessThan(30);
      // The check-in date on the RO is the first stage event's.
      for (const d of details) expect(d.timeline[0]!.at).toBe(d.checkedInAt);
      const open = details.filter((d) => !d.closed);
      expect(new Set(open.map((d) => local(d.checkedInAt).date)).size).toBeGreaterThan(5);
      expect(open.every((d) => Date.now() - Date.parse(d.checkedInAt) < 90 * 86_400_000)).toBe(true);
    });

    it('has promised dates moved later, each with the reason the customer reads', () => {
      const moved = details.flatMap((d) => d.promisedDateHistory.filter((c) => c.fromDate !== null).map((c) => ({ d, c })));
      expect(moved.length).toBeGreaterThanOrEqual(3);
      for (const { c } of moved) {
        expect(c.reason.length).toBeGreaterThan(20);
        expect(c.reason).not.toBe('Promised at check-in');
        expect(open(c.at)).toBe(true);
      }
      expect(moved.some(({ c }) => c.toDate > c.fromDate!)).toBe(true);
      // Never a day the shop is closed.
      for (const d of details) {
        for (const c of d.promisedDateHistory) expect(new Date(`${c.toDate}T12:00:00Z`).getUTCDay(), `RO ${d.roNumber}: ${c.toDate}`).not.toBe(0);
      }
    });

    it('has photos on most open cars, real JPEGs that differ from car to car', async () => {
      const openRos = details.filter((d) => !d.closed);
      const withPhotos = openRos.filter((d) => d.attachments.some((a) => a.kind === 'photo'));
      expect(withPhotos.length / openRos.length).toBeGreaterThanOrEqual(0.7);
      const photos = withPhotos.flatMap((d) => d.attachments);
      expect(new Set(photos.map((p) => p.blobHash)).size).toBe(photos.length);
      expect(photos.some((p) => p.published)).toBe(true);
      const sample = photos[0]!;
      const bytes = await readDeskFile(dataDir, sample.blobHash);
      const meta = await sharp(bytes!).metadata();
      expect(meta.format).toBe('jpeg');
      expect(meta.width).toBe(960);
      // A picture, not a blank panel: its colours vary across the frame.
      const stats = await sharp(bytes!).stats();
      expect(stats.channels[0]!.stdev).toBeGreaterThan(20);
    });

    it('has conversations both ways, on the portal and by text, with a few messages nobody has read', async () => {
      const messages = details.flatMap((d) => d.messages);
      const kinds = new Set(messages.map((m) => `${m.channel}:${m.direction}`));
      expect(kinds).toEqual(new Set(['portal:in', 'portal:out', 'sms:in', 'sms:out']));
      expect(messages.filter((m) => m.channel === 'sms' && m.direction === 'out').every((m) => m.status === 'delivered')).toBe(true);
      const board = await call('ro-board', {});
      const unread = board.filter((r) => r.unreadMessages > 0);
      expect(unread.length).toBeGreaterThanOrEqual(1);
      expect(unread.length).toBeLessThan(board.length / 2);
      expect(messages.filter((m) => m.direction === 'in' && m.read).length).toBeGreaterThan(unread.length);
      for (const d of details) {
        const times = d.messages.map((m) => m.at);
        expect(times.every((t) => t >= d.checkedInAt && Date.parse(t) <= Date.now())).toBe(true);
      }
    });
  });

  it('refuses to seed a workspace that already has repairs', async () => {
    await expect(seedDemoShop(desk, { openRos: 1, closedRos: 0 })).rejects.toThrow(/already has repair orders/);
  });
});
