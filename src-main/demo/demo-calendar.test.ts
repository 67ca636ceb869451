// The demo's working time: opening hours in the shop's own time zone, across daylight saving.
import { describe, expect, it } from 'vitest';
import { ShopCalendar, zonedMoment } from './demo-calendar.js';

const HOURS = {
  mon: { open: '07:30', close: '17:30' },
  tue: { open: '07:30', close: '17:30' },
  wed: { open: '07:30', close: '17:30' },
  thu: { open: '07:30', close: '17:30' },
  fri: { open: '07:30', close: '17:00' },
  sat: { open: '09:00', close: '12:00' },
  sun: null,
};

describe('demo calendar', () => {
  it('puts 7:30 in Austin at the right moment on both sides of the spring change', () => {
    expect(zonedMoment('2026-03-06', 450, 'America/Chicago').toISOString()).toBe('2026-03-06T13:30:00.000Z');
    expect(zonedMoment('2026-03-09', 450, 'America/Chicago').toISOString()).toBe('2026-03-09T12:30:00.000Z');
    expect(zonedMoment('2026-11-02', 1050, 'America/Chicago').toISOString()).toBe('2026-11-02T23:30:00.000Z');
  });

  it('counts only opening hours, skips Sundays, and never goes past now', () => {
    // Monday 2026-03-09, 10:00 in Austin.
    const now = new Date('2026-03-09T15:00:00Z');
    const cal = new ShopCalendar('America/Chicago', HOURS, now, 14);
    expect(cal.today).toBe('2026-03-09');
    expect(cal.toDate(cal.nowW).toISOString()).toBe('2026-03-09T15:00:00.000Z');
    expect(cal.toDate(cal.nowW + 500).toISOString()).toBe('2026-03-09T15:00:00.000Z');
    // 150 working minutes before Monday 10:00 is Monday's opening; one more is Saturday's closing.
    expect(cal.toDate(cal.nowW - 150).toISOString()).toBe('2026-03-09T12:30:00.000Z');
    expect(cal.toDate(cal.nowW - 151).toISOString()).toBe('2026-03-07T17:59:00.000Z');
    expect(cal.dateOf(cal.nowW - 151)).toBe('2026-03-07');
    // The Friday before: open 7:30–17:00 (570 minutes).
    expect(cal.toDate(cal.openingOf('2026-03-06')).toISOString()).toBe('2026-03-06T13:30:00.000Z');
    expect(cal.openingOf('2026-03-08')).toBe(cal.nowW - 150);
  });

  it('stops the clock at closing time when now is after hours', () => {
    const evening = new Date('2026-03-10T03:00:00Z'); // Monday 22:00 in Austin
    const cal = new ShopCalendar('America/Chicago', HOURS, evening, 7);
    expect(cal.toDate(cal.nowW).toISOString()).toBe('2026-03-09T22:30:00.000Z');
  });
});
