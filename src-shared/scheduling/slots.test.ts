import fc from 'fast-check';
import { customerWords } from '../i18n/index.js';
import { describe, expect, it } from 'vitest';
import {
  availabilityFromRow,
  checkSlot,
  exceptionFromRow,
  formatSlotTime,
  freeSlots,
  localToInstant,
  takenFromRows,
  validateAvailability,
  validateException,
  validateWeeklyHours,
} from './slots.js';
import type { Availability, ScheduleException, TimeRange } from './types.js';

const allDays = (ranges: readonly TimeRange[]): Availability['weeklyHours'] => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges, sat: ranges, sun: ranges });

function availability(over: Partial<Availability> = {}): Availability {
  return {
    kind: 'estimate',
    active: true,
    weeklyHours: allDays([['00:00', '04:00'], ['09:00', '10:00']]),
    slotMinutes: 30,
    capacity: 1,
    leadMinutes: 0,
    horizonDays: 60,
    holdMinutes: 60,
    ...over,
  };
}

/** The local label of an instant by Intl (not luxon): the independent check. */
const formats = new Map<string, Intl.DateTimeFormat>();
function intlLabel(iso: string, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) formats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })));
  const parts = format.formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

function day(slots: ReturnType<typeof freeSlots>, date: string) {
  return slots.filter((s) => s.localDate === date).map((s) => [s.localTime, s.startsAt] as const);
}

describe('free slots around daylight-saving changes', () => {
  it('America/New_York, spring forward (Sun 8 Mar 2026): no 02:xx, 09:00 stays 09:00 local', () => {
    const slots = freeSlots({ availability: availability(), exceptions: [], taken: [], timeZone: 'America/New_York', now: new Date('2026-03-05T12:00:00Z'), fromDate: '2026-03-07', days: 3 });
    expect(day(slots, '2026-03-07')).toEqual([
      ['00:00', '2026-03-07T05:00:00.000Z'], ['00:30', '2026-03-07T05:30:00.000Z'], ['01:00', '2026-03-07T06:00:00.000Z'], ['01:30', '2026-03-07T06:30:00.000Z'],
      ['02:00', '2026-03-07T07:00:00.000Z'], ['02:30', '2026-03-07T07:30:00.000Z'], ['03:00', '2026-03-07T08:00:00.000Z'], ['03:30', '2026-03-07T08:30:00.000Z'],
      ['09:00', '2026-03-07T14:00:00.000Z'], ['09:30', '2026-03-07T14:30:00.000Z'],
    ]);
    expect(day(slots, '2026-03-08')).toEqual([
      ['00:00', '2026-03-08T05:00:00.000Z'], ['00:30', '2026-03-08T05:30:00.000Z'], ['01:00', '2026-03-08T06:00:00.000Z'], ['01:30', '2026-03-08T06:30:00.000Z'],
      ['03:00', '2026-03-08T07:00:00.000Z'], ['03:30', '2026-03-08T07:30:00.000Z'],
      ['09:00', '2026-03-08T13:00:00.000Z'], ['09:30', '2026-03-08T13:30:00.000Z'],
    ]);
    expect(day(slots, '2026-03-09').find(([t]) => t === '09:00')).toEqual(['09:00', '2026-03-09T13:00:00.000Z']);
    expect(localToInstant('2026-03-08', '02:30', 'America/New_York')).toBeNull();
  });

  it('America/New_York, fall back (Sun 1 Nov 2026): 01:xx once (the first, EDT), 09:00 stays 09:00 local', () => {
    const slots = freeSlots({ availability: availability(), exceptions: [], taken: [], timeZone: 'America/New_York', now: new Date('2026-10-28T12:00:00Z'), fromDate: '2026-10-31', days: 3 });
    const sunday = day(slots, '2026-11-01');
    expect(sunday).toEqual([
      ['00:00', '2026-11-01T04:00:00.000Z'], ['00:30', '2026-11-01T04:30:00.000Z'], ['01:00', '2026-11-01T05:00:00.000Z'], ['01:30', '2026-11-01T05:30:00.000Z'],
      ['02:00', '2026-11-01T07:00:00.000Z'], ['02:30', '2026-11-01T07:30:00.000Z'], ['03:00', '2026-11-01T08:00:00.000Z'], ['03:30', '2026-11-01T08:30:00.000Z'],
      ['09:00', '2026-11-01T14:00:00.000Z'], ['09:30', '2026-11-01T14:30:00.000Z'],
    ]);
    expect(day(slots, '2026-10-31').find(([t]) => t === '09:00')).toEqual(['09:00', '2026-10-31T13:00:00.000Z']);
    expect(day(slots, '2026-11-02').find(([t]) => t === '09:00')).toEqual(['09:00', '2026-11-02T14:00:00.000Z']);
  });

  it('Europe/London, both changes (29 Mar and 25 Oct 2026)', () => {
    const spring = freeSlots({ availability: availability(), exceptions: [], taken: [], timeZone: 'Europe/London', now: new Date('2026-03-27T12:00:00Z'), fromDate: '2026-03-28', days: 3 });
    expect(day(spring, '2026-03-29').map(([t]) => t)).toEqual(['00:00', '00:30', '02:00', '02:30', '03:00', '03:30', '09:00', '09:30']);
    expect(day(spring, '2026-03-28').find(([t]) => t === '09:00')).toEqual(['09:00', '2026-03-28T09:00:00.000Z']);
    expect(day(spring, '2026-03-30').find(([t]) => t === '09:00')).toEqual(['09:00', '2026-03-30T08:00:00.000Z']);
    const autumn = freeSlots({ availability: availability(), exceptions: [], taken: [], timeZone: 'Europe/London', now: new Date('2026-10-22T12:00:00Z'), fromDate: '2026-10-24', days: 3 });
    expect(day(autumn, '2026-10-25')).toEqual([
      ['00:00', '2026-10-24T23:00:00.000Z'], ['00:30', '2026-10-24T23:30:00.000Z'], ['01:00', '2026-10-25T00:00:00.000Z'], ['01:30', '2026-10-25T00:30:00.000Z'],
      ['02:00', '2026-10-25T02:00:00.000Z'], ['02:30', '2026-10-25T02:30:00.000Z'], ['03:00', '2026-10-25T03:00:00.000Z'], ['03:30', '2026-10-25T03:30:00.000Z'],
      ['09:00', '2026-10-25T09:00:00.000Z'], ['09:30', '2026-10-25T09:30:00.000Z'],
    ]);
  });

  it('every slot reads back to its label, no label twice, none in a gap, none missing (random zones and dates)', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const time = fc.integer({ min: 0, max: 47 }).map((h) => `${String(Math.floor(h / 2)).padStart(2, '0')}:${h % 2 ? '30' : '00'}`);
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2032-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(10, 15, 20, 30, 45, 60, 90),
        fc.array(fc.tuple(time, time).filter(([a, b]) => a < b), { minLength: 1, maxLength: 3 }),
        (timeZone, now, slotMinutes, ranges) => {
          const a = availability({ slotMinutes, weeklyHours: allDays([...ranges, ['00:00', '04:00']]), horizonDays: 4 });
          const slots = freeSlots({ availability: a, exceptions: [], taken: [], timeZone, now });
          const labels = slots.map((s) => `${s.localDate} ${s.localTime}`);
          expect(new Set(labels).size).toBe(labels.length);
          for (const s of slots) {
            expect(intlLabel(s.startsAt, timeZone)).toBe(`${s.localDate} ${s.localTime}`);
            expect(Date.parse(s.endsAt) - Date.parse(s.startsAt)).toBe(slotMinutes * 60_000);
            expect(Date.parse(s.startsAt)).toBeGreaterThanOrEqual(now.getTime());
          }
          // Sorted by instant, and every wall-clock start that exists after now is there.
          expect([...slots].sort((x, y) => x.startsAt.localeCompare(y.startsAt))).toEqual(slots);
          const offered = new Set(labels);
          for (const date of new Set(slots.map((s) => s.localDate))) {
            for (let m = 0; m + slotMinutes <= 240; m += slotMinutes) {
              const t = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
              if (offered.has(`${date} ${t}`)) continue;
              // Not offered: then it does not exist that day, or it is already past.
              const base = Date.parse(`${date}T${t}:00Z`);
              for (let off = -15 * 60; off <= 15 * 60; off += 15) {
                const instant = base - off * 60_000;
                if (instant >= now.getTime()) expect(intlLabel(new Date(instant).toISOString(), timeZone)).not.toBe(`${date} ${t}`);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('free slots: lead time, horizon, closures, capacity', () => {
  const zone = 'America/New_York';
  const weekdays: Availability['weeklyHours'] = { mon: [['09:00', '11:00']], tue: [['09:00', '11:00']], wed: [['09:00', '11:00']], thu: [['09:00', '11:00']], fri: [['09:00', '11:00']], sat: [], sun: [] };
  // Monday 2026-06-01, 08:00 local (12:00Z).
  const now = new Date('2026-06-01T12:00:00Z');

  it('offers nothing sooner than the lead time and nothing past the horizon', () => {
    const slots = freeSlots({ availability: availability({ weeklyHours: weekdays, slotMinutes: 60, leadMinutes: 26 * 60, horizonDays: 3 }), exceptions: [], taken: [], timeZone: zone, now });
    // Lead: not before Tue 10:00 local. Horizon: today + 3 = Thu.
    expect(slots.map((s) => `${s.localDate} ${s.localTime}`)).toEqual(['2026-06-02 10:00', '2026-06-03 09:00', '2026-06-03 10:00', '2026-06-04 09:00', '2026-06-04 10:00']);
  });

  it('a closure for every kind closes the day; one for another kind does not; open hours for this kind replace the week', () => {
    const a = availability({ kind: 'drop-off', weeklyHours: weekdays, slotMinutes: 60, horizonDays: 4 });
    const exceptions: ScheduleException[] = [
      { date: '2026-06-02', kind: null, closed: true, hours: null, reason: 'Staff training' },
      { date: '2026-06-03', kind: 'estimate', closed: true, hours: null, reason: 'Estimator away' },
      { date: '2026-06-04', kind: null, closed: true, hours: null, reason: 'Holiday' },
      { date: '2026-06-04', kind: 'drop-off', closed: false, hours: [['07:00', '08:00']], reason: 'Early drop-offs only' },
    ];
    const slots = freeSlots({ availability: a, exceptions, taken: [], timeZone: zone, now });
    expect(slots.map((s) => `${s.localDate} ${s.localTime}`)).toEqual(['2026-06-01 09:00', '2026-06-01 10:00', '2026-06-03 09:00', '2026-06-03 10:00', '2026-06-04 07:00', '2026-06-05 09:00', '2026-06-05 10:00']);
  });

  it('capacity minus places taken; a full slot only shows for the desk', () => {
    const a = availability({ weeklyHours: weekdays, slotMinutes: 60, capacity: 2, horizonDays: 0 });
    const taken = [
      { kind: 'estimate' as const, startsAt: '2026-06-01T13:00:00.000Z' },
      { kind: 'estimate' as const, startsAt: '2026-06-01T13:00:00Z' },
      { kind: 'estimate' as const, startsAt: '2026-06-01T14:15:00.000Z' }, // inside the 10:00 slot
      { kind: 'pickup' as const, startsAt: '2026-06-01T14:00:00.000Z' }, // another kind
    ];
    expect(freeSlots({ availability: a, exceptions: [], taken, timeZone: zone, now }).map((s) => [s.localTime, s.free])).toEqual([['10:00', 1]]);
    expect(freeSlots({ availability: a, exceptions: [], taken, timeZone: zone, now, includeFull: true }).map((s) => [s.localTime, s.free])).toEqual([['09:00', 0], ['10:00', 1]]);
  });

  it('an inactive kind or an unknown zone offers nothing', () => {
    expect(freeSlots({ availability: availability({ active: false }), exceptions: [], taken: [], timeZone: zone, now })).toEqual([]);
    expect(freeSlots({ availability: availability(), exceptions: [], taken: [], timeZone: 'Mars/Olympus', now })).toEqual([]);
  });

  it('held requests and proposals take a place; lapsed holds, declines and cancellations do not', () => {
    const rows = [
      { kind: 'estimate', state: 'confirmed', starts_at: 'A', hold_until: null, proposed_starts_at: null },
      { kind: 'estimate', state: 'requested', starts_at: 'B', hold_until: '2026-06-01T13:00:00.000Z', proposed_starts_at: null },
      { kind: 'estimate', state: 'requested', starts_at: 'C', hold_until: '2026-06-01T11:00:00.000Z', proposed_starts_at: null },
      { kind: 'estimate', state: 'proposed', starts_at: 'D', hold_until: null, proposed_starts_at: 'E' },
      { kind: 'estimate', state: 'declined', starts_at: 'F', hold_until: null, proposed_starts_at: null },
      { kind: 'estimate', state: 'cancelled', starts_at: 'G', hold_until: null, proposed_starts_at: null },
      { kind: 'estimate', state: 'invited', starts_at: null, hold_until: null, proposed_starts_at: null },
    ];
    expect(takenFromRows(rows, now).map((t) => t.startsAt)).toEqual(['A', 'B', 'E']);
  });

  it('checkSlot says what is wrong: past, too soon, too far, closed day, outside hours, full', () => {
    const a = availability({ weeklyHours: weekdays, slotMinutes: 60, capacity: 1, leadMinutes: 60, horizonDays: 10 });
    const exceptions: ScheduleException[] = [{ date: '2026-06-03', kind: null, closed: true, hours: null, reason: 'Holiday' }];
    const taken = [{ kind: 'estimate' as const, startsAt: '2026-06-02T13:00:00.000Z' }];
    const check = (at: string) => checkSlot({ availability: a, exceptions, taken, timeZone: zone, now }, at);
    expect(check('2026-05-29T13:00:00.000Z')).toMatchObject({ ok: false, problem: 'past', message: expect.stringContaining('already passed') });
    expect(check('2026-06-01T12:30:00.000Z')).toMatchObject({ ok: false, problem: 'too-soon' });
    expect(check('2026-06-30T13:00:00.000Z')).toMatchObject({ ok: false, problem: 'too-far', message: expect.stringContaining('10 days') });
    expect(check('2026-06-03T13:00:00.000Z')).toMatchObject({ ok: false, problem: 'closed', message: expect.stringContaining('closed that day (Holiday)') });
    expect(check('2026-06-06T13:00:00.000Z')).toMatchObject({ ok: false, problem: 'closed' }); // Saturday
    expect(check('2026-06-02T20:00:00.000Z')).toMatchObject({ ok: false, problem: 'outside-hours' });
    expect(check('2026-06-02T13:30:00.000Z')).toMatchObject({ ok: false, problem: 'outside-hours' });
    expect(check('2026-06-02T13:00:00.000Z')).toMatchObject({ ok: false, problem: 'full', message: 'That time was just taken. Please choose another time.' });
    expect(check('not a time')).toMatchObject({ ok: false, problem: 'invalid' });
    expect(check('2026-06-02T14:00:00.000Z')).toMatchObject({ ok: true, slot: { localDate: '2026-06-02', localTime: '10:00', free: 1 } });
  });

  it('formats a slot in the customer’s zone and words', () => {
    const us = customerWords('US', 'en');
    expect(formatSlotTime('2026-06-02T13:00:00.000Z', 'America/New_York', us)).toBe('Tue, Jun 2, 9:00 AM');
    expect(formatSlotTime('2026-06-02T13:00:00.000Z', 'America/Los_Angeles', us, { withZone: true })).toBe('Tue, Jun 2, 6:00 AM PDT');
    // A UK reader: day first, 24-hour clock, and the zone as en-GB names it.
    expect(formatSlotTime('2026-06-02T13:00:00.000Z', 'America/Los_Angeles', customerWords('GB', 'en'), { withZone: true })).toBe('Tue 2 Jun, 06:00 GMT-7');
    expect(formatSlotTime('2026-06-02T13:00:00.000Z', 'America/Los_Angeles', customerWords('US', 'es'))).toMatch(/^mar, 2 de jun\.?, 6:00\s?a\.\s?m\.$/);
  });
});

describe('availability and exception rows: validation names the field', () => {
  it('accepts a good availability and refuses bad ones with the field named', () => {
    expect(validateAvailability(availability()).ok).toBe(true);
    expect(validateAvailability({ ...availability(), slotMinutes: 0 })).toEqual({ ok: false, field: 'slotMinutes', message: 'slotMinutes must be at least 5 minutes' });
    expect(validateAvailability({ ...availability(), capacity: 1.5 })).toMatchObject({ field: 'capacity', message: 'capacity must be a whole number' });
    expect(validateAvailability({ ...availability(), weeklyHours: { ...allDays([]), tue: [['12:00', '09:00']] } })).toMatchObject({ field: 'weeklyHours.tue.0', message: expect.stringContaining('must start before it ends') });
    expect(validateAvailability({ ...availability(), weeklyHours: { ...allDays([]), wed: [['9am', '12:00']] } })).toMatchObject({ field: 'weeklyHours.wed.0.0', message: expect.stringContaining('"HH:MM"') });
    expect(validateAvailability({ ...availability(), kind: 'repair' })).toMatchObject({ field: 'kind', message: 'kind must be one of estimate, drop-off, pickup' });
  });

  it('weekly-hours JSON: bad JSON, an unknown day', () => {
    expect(validateWeeklyHours('{')).toEqual({ ok: false, field: 'weekly_hours', message: 'weekly_hours is not valid JSON' });
    expect(validateWeeklyHours(JSON.stringify({ ...allDays([]), funday: [] }))).toMatchObject({ ok: false, field: 'weekly_hours' });
  });

  it('reads a row, filling what was never set, and names the column that is wrong', () => {
    const row = { id: 'estimate', kind: 'estimate', active: 1, weekly_hours: JSON.stringify(allDays([['08:00', '12:00']])), slot_minutes: 45, capacity: 2, lead_minutes: null, horizon_days: null, hold_minutes: null, updated_at: null };
    const r = availabilityFromRow(row);
    expect(r).toMatchObject({ ok: true, value: { kind: 'estimate', active: true, slotMinutes: 45, capacity: 2, horizonDays: 30 } });
    expect(availabilityFromRow({ ...row, horizon_days: -1 })).toEqual({ ok: false, field: 'horizon_days', message: 'horizon_days must not be negative' });
    expect(availabilityFromRow({ ...row, kind: 'tow' })).toMatchObject({ ok: false, field: 'kind' });
  });

  it('exceptions: an open day needs hours; removed rows do not count', () => {
    expect(validateException({ date: '2026-12-24', kind: null, closed: false, hours: null, reason: '' })).toMatchObject({ ok: false, field: 'hours' });
    expect(validateException({ date: '2026-02-30', kind: null, closed: true, hours: null, reason: '' })).toMatchObject({ ok: false, field: 'date', message: 'date must be a real date' });
    const row = { id: 'x', date: '2026-12-25', kind: '', closed: 1, hours: null, reason: 'Christmas', created_at: null, removed_at: null };
    expect(exceptionFromRow(row)).toEqual({ ok: true, value: { date: '2026-12-25', kind: null, closed: true, hours: null, reason: 'Christmas' } });
    expect(exceptionFromRow({ ...row, removed_at: '2026-12-01T00:00:00Z' })).toBeNull();
  });
});
