// The Reports screen's figures for two weeks around the end of daylight saving (Sunday 1 November
// 2026, America/Chicago: 02:00 CDT becomes 01:00 CST, that day has 25 hours), on a small shop read
// back from a real desk's SQLite; every expected number is worked out by hand in the comments.
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../../src-main/testing/temp-desk.js';
import { computeFigures } from './figures.js';
import { reportsFixture } from './fixtures.js';
import { loadReportFacts } from './load.js';
import { readReportSettings, reportSettingsSchema } from './settings.js';
import { writeFacts } from './testing.js';

const PERIOD = { from: '2026-10-26', to: '2026-11-08' };

let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the Reports screen figures', () => {
  it('match the hand-worked numbers for two weeks across the end of daylight saving', async () => {
    t = await openTestDesk();
    await writeFacts(t.desk.store, reportsFixture());
    const f = computeFigures(await loadReportFacts(t.desk.db, PERIOD), PERIOD);

    // 14 days; business days Mon–Fri = 10, less Wednesday 4 November (closed) = 9.
    expect(f.businessDays).toBe(9);
    expect(f.delivered).toBe(2);

    // Keys-to-keys: r1 Mon 26 Oct 08:00 CDT (13:00Z) → Mon 2 Nov 14:00 CST (20:00Z) = 7 d 7 h = 175 h;
    // r2 Tue 27 Oct 09:00 CDT (14:00Z) → Wed 4 Nov 15:00 CST (21:00Z) = 8 d 7 h = 199 h.
    // Average (175 + 199) / 2 = 187 h = 7.791666… days.
    expect(f.cycle.keysToKeys.count).toBe(2);
    expect(f.cycle.keysToKeys.averageDays).toBeCloseTo(187 / 24, 9);

    // On time: r1 delivered on its promised 2 Nov; r2 on 4 Nov, promised 3 Nov → 1 / 2.
    expect(f.onTime).toMatchObject({ counted: 2, onTime: 1, late: 1, percent: 50 });

    // Where cars wait (hours until the next stage; a sub-status move stays in its stage):
    // Pictures  r1 08:00→14:00 = 6, r2 09:00→11:00 = 2 → 4
    // Estimate  r1 26 Oct 14:00→27 Oct 14:00 = 24, r2 = 24 → 24
    // Repair    r1 27 Oct 14:00→30 Oct 14:00 = 72, r2 28 Oct 11:00 CDT→3 Nov 11:00 CST = 6 d + 1 h = 145 → 108.5
    // Completed r1 30 Oct 14:00 CDT→2 Nov 14:00 CST = 73, r2 3 Nov 11:00→4 Nov 15:00 = 28 → 50.5
    const dwell = Object.fromEntries(f.dwell.map((d) => [d.stage, d.averageHours]));
    expect(dwell).toMatchObject({ pictures: 4, estimate: 24, 'repair-started': 108.5, completed: 50.5, teardown: null });

    // Messages in the period: in r1 ×3 + r2 ×2 = 5 (r3's October text is before it); out r1 ×3 + r2 ×1
    // = 4, one automated (the draft is not a message sent).
    // First replies by a person: r1 10:00 (first of a run of two) → 10:30 = 30 min; r1 Thu 18:00 → the
    // automated 18:01 does not count → Fri 08:00 = 14 h = 840 min; r2 16:00 → 16:20 = 20 min;
    // r2 Fri 6 Nov 12:00 never answered. Average (30 + 840 + 20) / 3 = 296.666…, median 30.
    expect(f.messages).toMatchObject({ inbound: 5, outbound: 4, automated: 1, answered: 3, unanswered: 1, firstResponseMedianMinutes: 30 });
    expect(f.messages.firstResponseAverageMinutes).toBeCloseTo(890 / 3, 9);

    // Exceptions opened in the period, by reason; an unknown reason counts as Other.
    expect(f.exceptions.map((x) => [x.label, x.count])).toEqual([
      ['Customer request', 1],
      ['Other', 1],
      ['Waiting for parts', 1],
    ]);

    // CSI: overall (4 + 2) / 2 = 3; recommend 9 (promoter) and 5 (detractor) → NPS 0, 100 % answered.
    expect(f.csi).toMatchObject({ responses: 2, responseRate: 100, overall: 3, recommend: 7, nps: 0 });

    // Time reclaimed (estimate): portal views 12 + 8 + 3 = 23, QR scans 5 + 2 = 7, answered messages 3
    // → 33, capped at 3 calls a day × 9 business days = 27 → 27 × 4 min = 108 min.
    expect(f.reclaimed).toMatchObject({ portalViews: 23, qrScans: 7, answeredMessages: 3, measured: false, callsAvoided: 27, minutes: 108 });
    expect(f.reclaimed.formula).toBe(
      'Estimate: min(23 portal views + 7 QR scans + 3 answered messages, 3 calls a day before the portal × 9 business days) × 4 min a call = 108 min',
    );

    // Weekly trend (14 days): week of 26 Oct has no delivery and r1's 3 texts in, 3 out; week of
    // 2 Nov both deliveries (average 187 h), r2's 2 in and 1 out, CSI 3 and NPS 0.
    expect(f.trendUnit).toBe('week');
    expect(f.trend).toEqual([
      { start: '2026-10-26', delivered: 0, averageCycleDays: null, onTimePercent: null, csiOverall: null, nps: null, inbound: 3, outbound: 3 },
      { start: '2026-11-02', delivered: 2, averageCycleDays: expect.closeTo(187 / 24, 9), onTimePercent: 50, csiOverall: 3, nps: 0, inbound: 2, outbound: 1 },
    ]);

    // Per staff member: Ann checked in r1 (175 h, on time) and answered 30 and 20 min (sent 2);
    // Bo checked in r2 (199 h, late) and answered in 840 min (sent 1; the automated one is not his).
    expect(f.staff).toEqual([
      { staffId: 'staff-ann', delivered: 1, averageCycleDays: expect.closeTo(175 / 24, 9), onTimePercent: 100, messagesSent: 2, firstResponseAverageMinutes: 25 },
      { staffId: 'staff-bo', delivered: 1, averageCycleDays: expect.closeTo(199 / 24, 9), onTimePercent: 0, messagesSent: 1, firstResponseAverageMinutes: 840 },
    ]);
  });

  it('filters by staff member and insurer, and uses measured calls when the shop counted them', () => {
    const facts = reportsFixture();
    // Bo's repairs: r2 only → 2 texts in, 1 out; its exception; its portal views 8 + QR 2 + 1 answered = 11 ≤ 27 → 44 min.
    const bo = computeFigures(facts, { ...PERIOD, staffId: 'staff-bo' });
    expect(bo.delivered).toBe(1);
    expect(bo.messages).toMatchObject({ inbound: 2, outbound: 1 });
    expect(bo.exceptions.map((x) => x.reason)).toEqual(['parts-delay']);
    expect(bo.reclaimed).toMatchObject({ callsAvoided: 11, minutes: 44 });
    // The technician both repairs are assigned to sees both.
    expect(computeFigures(facts, { ...PERIOD, staffId: 'staff-tech' }).delivered).toBe(2);
    // Acme: r1 delivered; r3 open (its portal views still count: it was at the shop).
    const acme = computeFigures(facts, { ...PERIOD, insurer: 'Acme Mutual' });
    expect(acme.delivered).toBe(1);
    expect(acme.reclaimed).toMatchObject({ portalViews: 15, qrScans: 5 });

    // Measured: 2.5 fewer status calls a day × 14 days × 4 min = 140 min.
    const measured = computeFigures({ ...facts, calls: { measured: true, callsSavedPerDay: 2.5 } }, PERIOD);
    expect(measured.reclaimed).toMatchObject({ measured: true, callsAvoided: 35, minutes: 140 });
    expect(measured.reclaimed.formula).toBe('Measured: 2.5 fewer status calls a day since portal links × 14 days × 4 min a call = 140 min');

    expect(() => computeFigures(facts, { from: '2026-11-08', to: '2026-10-26' })).toThrow('The period starts (2026-11-08) after it ends (2026-10-26).');
    expect(() => computeFigures(facts, { from: '26/10/2026', to: '2026-11-08' })).toThrow('Not a date range');
  });

  it('report settings fill defaults, keep what validates and refuse a bad value by name', () => {
    expect(readReportSettings(null)).toEqual({ minutesPerCall: 4, callsPerDayBefore: 15, onTimeTargetPercent: 90, cycleTargetDays: 10 });
    expect(readReportSettings('{"minutesPerCall":6,"callsPerDayBefore":-3}')).toMatchObject({ minutesPerCall: 6, callsPerDayBefore: 15 });
    expect(readReportSettings('not json').minutesPerCall).toBe(4);
    const refused = reportSettingsSchema.safeParse({ onTimeTargetPercent: 140 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['onTimeTargetPercent'], message: 'must be a percentage (0 to 100)' });
  });
});
