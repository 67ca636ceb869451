// Sixty days of a shop's calls, before and after it started sending portal links on 1 October,
// counted by countCalls and checked against figures worked out by hand (in the comments).
import { describe, expect, it } from 'vitest';
import { type CallToCount, countCalls, type RepairSpan } from './counts.js';

const ZONE = 'America/Chicago'; // CDT (UTC−5) all through September and October 2026
const day = (month: number, d: number) => `2026-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
/** 15:00 UTC is 10:00 in Chicago: squarely inside that shop day. */
const at = (date: string) => `${date}T15:00:00.000Z`;

function fixture(): { calls: CallToCount[]; repairs: RepairSpan[] } {
  // Four repairs open the whole 60 days; a fifth from 1 to 10 October (closed on the 10th).
  const repairs: RepairSpan[] = [
    ...['ro1', 'ro2', 'ro3', 'ro4'].map((id) => ({ id, checkedInAt: '2026-08-20T14:00:00.000Z', closedAt: null })),
    { id: 'ro5', checkedInAt: '2026-10-01T13:00:00.000Z', closedAt: '2026-10-10T22:00:00.000Z' },
  ];
  const calls: CallToCount[] = [];
  for (let d = 1; d <= 30; d++) {
    // September: three "where's my car?" calls a day, one each on ro1, ro2, ro3.
    for (const roId of ['ro1', 'ro2', 'ro3']) calls.push({ startedAt: at(day(9, d)), reason: 'status', roId });
    // October: one a day on ro4, and one a day on ro5 while it is open (1–10).
    calls.push({ startedAt: at(day(10, d)), reason: 'status', roId: 'ro4' });
    if (d <= 10) calls.push({ startedAt: at(day(10, d)), reason: 'status', roId: 'ro5' });
    // A scheduling call every third day in both months (1, 4, …, 28: ten each).
    if (d % 3 === 1) {
      calls.push({ startedAt: at(day(9, d)), reason: 'scheduling', roId: 'ro1' });
      calls.push({ startedAt: at(day(10, d)), reason: 'scheduling', roId: 'ro2' });
    }
  }
  calls.push({ startedAt: at('2026-09-15'), reason: 'payment', roId: 'ro3' }, { startedAt: at('2026-09-15'), reason: 'payment', roId: 'ro3' });
  // 22:30 on 1 September in Chicago is already the 2nd in UTC: it counts on the shop's 1 September.
  calls.push({ startedAt: '2026-09-02T03:30:00.000Z', reason: 'other', roId: null });
  calls.push({ startedAt: at('2026-10-30'), reason: 'other', roId: null });
  // A call to the Bayline number nobody has sorted yet.
  calls.push({ startedAt: at('2026-10-02'), reason: null, roId: null });
  // Outside the 60 days: not counted.
  calls.push({ startedAt: at('2026-08-31'), reason: 'status', roId: 'ro1' }, { startedAt: at('2026-10-31'), reason: 'status', roId: 'ro1' });
  return { calls, repairs };
}

describe('call counts over 60 days, before and after portal links', () => {
  const { calls, repairs } = fixture();
  const counts = countCalls({ calls, repairs, portal: { views: 412, qrScans: 37 }, portalLinksSince: '2026-10-01', timeZone: ZONE, from: '2026-09-01', to: '2026-10-30' });

  it('counts calls per day by reason', () => {
    // 30 September days + 30 October days (1–30).
    expect(counts.days).toHaveLength(60);
    // 1 Sep: 3 status + 1 scheduling + the late-evening "other" = 5.
    expect(counts.days[0]).toEqual({ date: '2026-09-01', byReason: { status: 3, supplement: 0, scheduling: 1, payment: 0, other: 1, unsorted: 0 }, total: 5, openRos: 4 });
    // 15 Sep: 3 status + 2 payment (15 is not 1 mod 3) = 5.
    expect(counts.days.find((d) => d.date === '2026-09-15')).toMatchObject({ total: 5, byReason: { status: 3, payment: 2 } });
    // 2 Oct: ro4 + ro5 status, plus the unsorted one = 3; five repairs open.
    expect(counts.days.find((d) => d.date === '2026-10-02')).toMatchObject({ total: 3, byReason: { status: 2, unsorted: 1 }, openRos: 5 });
    // 10 Oct: ro5 closed that day, still open on it (5); 11 Oct: 4 open, one status call.
    expect(counts.days.find((d) => d.date === '2026-10-10')).toMatchObject({ openRos: 5, byReason: { status: 2, scheduling: 1 } });
    expect(counts.days.find((d) => d.date === '2026-10-11')).toMatchObject({ openRos: 4, total: 1 });
    // Status 90 + 40 = 130; scheduling 10 + 10 = 20; payment 2; other 2; unsorted 1; all 155.
    expect(counts.totals).toEqual({ status: 130, supplement: 0, scheduling: 20, payment: 2, other: 2, unsorted: 1, all: 155 });
  });

  it('counts status-check calls per open repair', () => {
    // ro1–ro3: one a day through September (30 each); ro4: one a day in October (30); ro5: 10.
    expect(counts.statusByRo).toEqual([
      { roId: 'ro1', statusCalls: 30 },
      { roId: 'ro2', statusCalls: 30 },
      { roId: 'ro3', statusCalls: 30 },
      { roId: 'ro4', statusCalls: 30 },
      { roId: 'ro5', statusCalls: 10 },
    ]);
  });

  it('gives the before/after figure', () => {
    // Before (September, 30 days): 90 status calls; 4 open × 30 days = 120 open-repair days;
    // 90 / 30 = 3 a day; 90 / 120 = 0.75 per open repair a day.
    expect(counts.before).toEqual({ days: 30, statusCalls: 90, openRoDays: 120, statusCallsPerDay: 3, statusCallsPerOpenRo: 0.75 });
    // After (1–30 October, 30 days): 30 + 10 = 40 status calls; 4 × 30 + 10 = 130 open-repair days;
    // 40 / 30 = 1.333… a day; 40 / 130 = 0.30769… per open repair a day.
    expect(counts.after).toMatchObject({ days: 30, statusCalls: 40, openRoDays: 130 });
    expect(counts.after!.statusCallsPerDay).toBeCloseTo(4 / 3, 10);
    expect(counts.after!.statusCallsPerOpenRo).toBeCloseTo(0.307692, 5);
    // Change: 0.30769 / 0.75 − 1 = −0.58974: 59 % fewer status calls per open repair.
    expect(counts.change).toBeCloseTo(-0.589744, 5);
    // Saved a day at October's workload: (0.75 − 4/13) × 130/30 = 3.25 − 1.3333 = 1.91667 calls.
    expect(counts.callsSavedPerDay).toBeCloseTo(1.916667, 5);
    expect(counts.measured).toBe(true);
    expect(counts.portal).toEqual({ views: 412, qrScans: 37 });
  });

  it('without a portal links date there is no before/after, and no calls means nothing measured', () => {
    const none = countCalls({ calls: [], repairs, portal: { views: 0, qrScans: 0 }, portalLinksSince: null, timeZone: ZONE, from: '2026-09-01', to: '2026-09-30' });
    expect(none).toMatchObject({ before: null, after: null, change: null, callsSavedPerDay: null, measured: false });
    expect(none.totals.all).toBe(0);
  });
});
