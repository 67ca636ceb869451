// The shop's calendar for reports: which days are business days (its opening hours, minus the
// days Settings › Appointments marks closed), the shop-local day of an instant, and "one business
// day later" for communication consistency. All in the shop's time zone with luxon, so a repair
// that crosses a daylight-saving change is measured in real elapsed time and wall-clock deadlines
// stay at the same local hour.
import { DateTime } from 'luxon';
import type { OpeningHours } from '../domain.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const QUARTER_HOUR = 900_000;

export class ShopCalendar {
  private readonly closed: Set<string>;
  private readonly dayCache = new Map<number, string>();
  private readonly format: Intl.DateTimeFormat;

  constructor(
    readonly timeZone: string,
    private readonly hours: OpeningHours,
    closedDays: Iterable<string>,
  ) {
    if (!DateTime.local().setZone(timeZone).isValid) throw new Error(`Not a time zone: ${timeZone}`);
    this.closed = new Set(closedDays);
    this.format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** The shop-local day (YYYY-MM-DD) of an instant; every zone's offset is a whole number of quarter hours, so days are cached per quarter hour. */
  dayOf(ms: number): string {
    const key = Math.floor(ms / QUARTER_HOUR);
    let day = this.dayCache.get(key);
    if (day === undefined) {
      day = this.format.format(new Date(key * QUARTER_HOUR));
      if (this.dayCache.size > 200_000) this.dayCache.clear();
      this.dayCache.set(key, day);
    }
    return day;
  }

  /** Open by its weekly hours and not a closed day. */
  isBusinessDay(date: string): boolean {
    if (this.closed.has(date)) return false;
    const d = DateTime.fromISO(date, { zone: this.timeZone });
    if (!d.isValid) return false;
    return this.hours[WEEKDAYS[d.weekday - 1]!] != null;
  }

  /** The same local time on the next business day after the instant's day (a Friday 16:00 change → Monday 16:00). */
  oneBusinessDayAfter(ms: number): number {
    let d = DateTime.fromMillis(ms, { zone: this.timeZone });
    for (let i = 0; i < 60; i++) {
      d = d.plus({ days: 1 });
      if (this.isBusinessDay(d.toISODate()!)) return d.toMillis();
    }
    return d.toMillis();
  }

  /** Every day from `from` to `to` inclusive. */
  days(from: string, to: string): string[] {
    const out: string[] = [];
    let d = DateTime.fromISO(from, { zone: 'UTC' });
    const end = DateTime.fromISO(to, { zone: 'UTC' });
    if (!d.isValid || !end.isValid) throw new Error(`Not a date range: ${from} to ${to}`);
    for (; d <= end && out.length < 1200; d = d.plus({ days: 1 })) out.push(d.toISODate()!);
    return out;
  }

  businessDays(from: string, to: string): number {
    return this.days(from, to).filter((d) => this.isBusinessDay(d)).length;
  }
}

/** The first day of the trend bucket a day falls in: its ISO week (Monday) for short ranges, its month otherwise. */
export function bucketStart(date: string, unit: 'week' | 'month'): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).startOf(unit).toISODate()!;
}
