// The shop's calendar for reports: which days are business days (its opening hours, minus the
// days Settings › Appointments marks closed), the shop-local day of an instant, and "one business
// day later" for communication consistency. All in the shop's time zone with luxon, so a repair
// that crosses a daylight-saving change is measured in real elapsed time and wall-clock deadlines
// stay at the same local hour.
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { OpeningHours } from '../domain.js';
import { SETTINGS_ID, toSettings } from '../settings.js';
import type { WorkspaceDatabase } from '../sync/rows.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export class ShopCalendar {
  private readonly closed: Set<string>;
  private readonly dayCache = new Map<number, string>();
  private readonly businessCache = new Map<string, boolean>();
  private readonly nextBusinessCache = new Map<string, number>();
  private readonly offsetCache = new Map<number, number>();

  constructor(
    readonly timeZone: string,
    private readonly hours: OpeningHours,
    closedDays: Iterable<string>,
  ) {
    if (!DateTime.local().setZone(timeZone).isValid) throw new Error(`Not a time zone: ${timeZone}`);
    this.closed = new Set(closedDays);
  }

  /** The shop-local day (YYYY-MM-DD) of an instant. */
  dayOf(ms: number): string {
    const local = Math.floor((ms + this.offsetAt(ms)) / 86_400_000);
    let day = this.dayCache.get(local);
    if (day === undefined) {
      day = new Date(local * 86_400_000).toISOString().slice(0, 10);
      this.dayCache.set(local, day);
    }
    return day;
  }

  /** Open by its weekly hours and not a closed day. */
  isBusinessDay(date: string): boolean {
    let open = this.businessCache.get(date);
    if (open === undefined) {
      const d = DateTime.fromISO(date, { zone: 'UTC' });
      open = d.isValid && !this.closed.has(date) && this.hours[WEEKDAYS[d.weekday - 1]!] != null;
      this.businessCache.set(date, open);
    }
    return open;
  }

  /** How many calendar days after `date` the next business day is (1 for a Monday–Thursday of an open week). */
  private daysToNextBusinessDay(date: string): number {
    let n = this.nextBusinessCache.get(date);
    if (n === undefined) {
      const start = Date.parse(`${date}T12:00:00Z`);
      n = 1;
      while (n < 60 && !this.isBusinessDay(new Date(start + n * 86_400_000).toISOString().slice(0, 10))) n++;
      this.nextBusinessCache.set(date, n);
    }
    return n;
  }

  /**
   * The zone's offset from UTC at an instant (ms). Cached per UTC day: a day whose offset is the
   * same at its start and its end has it all day; only the day of a clock change asks per instant.
   */
  offsetAt(ms: number): number {
    const utcDay = Math.floor(ms / 86_400_000);
    let offset = this.offsetCache.get(utcDay);
    if (offset === undefined) {
      const first = this.exactOffset(utcDay * 86_400_000);
      offset = first === this.exactOffset((utcDay + 1) * 86_400_000 - 1) ? first : Number.NaN;
      this.offsetCache.set(utcDay, offset);
    }
    return Number.isNaN(offset) ? this.exactOffset(ms) : offset;
  }

  private exactOffset(ms: number): number {
    return DateTime.fromMillis(ms, { zone: this.timeZone }).offset * 60_000;
  }

  /**
   * The same local time on the next business day after the instant's day (a Friday 16:00 change →
   * Monday 16:00). Across a clock change the wall-clock time is kept: 09:00 CST Saturday → 09:00 CDT Monday.
   */
  oneBusinessDayAfter(ms: number): number {
    const days = this.daysToNextBusinessDay(this.dayOf(ms));
    const naive = ms + days * 86_400_000;
    const shifted = naive + this.offsetAt(ms) - this.offsetAt(naive);
    // A wall time that does not exist that day (skipped by the change) moves on by the gap, as luxon does.
    return this.offsetAt(shifted) === this.offsetAt(naive) ? shifted : naive + this.offsetAt(ms) - this.offsetAt(shifted);
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

/**
 * The days from `from` to `to` (YYYY-MM-DD) the shop marked closed in Settings › Appointments
 * (`schedule_exceptions`): a day closed for every kind (kind empty) is a day the shop is shut; a
 * day closed only for estimates is not.
 */
export async function readClosedDays(db: Kysely<WorkspaceDatabase>, from: string, to: string): Promise<string[]> {
  const rows = await db
    .selectFrom('schedule_exceptions')
    .select(['date', 'kind'])
    .where('closed', '=', 1)
    .where('removed_at', 'is', null)
    .where('date', '>=', from)
    .where('date', '<=', to)
    .execute();
  return rows.filter((r) => !r.kind).map((r) => r.date ?? '');
}

/** The shop's calendar (its zone, weekly hours and the closed days from `from` to `to`), read from its database. */
export async function loadShopCalendar(db: Kysely<WorkspaceDatabase>, from: string, to: string): Promise<ShopCalendar> {
  const shop = toSettings(await db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst());
  const zone = DateTime.local().setZone(shop.timeZone).isValid ? shop.timeZone : 'America/Chicago';
  return new ShopCalendar(zone, shop.hours, await readClosedDays(db, from, to));
}
