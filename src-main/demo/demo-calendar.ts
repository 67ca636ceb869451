// The demo shop's working time: its opening hours in its time zone, counted as "working minutes"
// so a repair's history can be laid out as work (an estimate takes a morning, parts take days)
// and turned into real moments that fall inside opening hours on working days.

export type ShopHours = Partial<Record<'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat', { open: string; close: string } | null>>;

const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

interface WorkDay {
  date: string;
  open: number;
  length: number;
  start: number;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function addDays(isoDate: string, days: number): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000);
}

function localParts(at: Date, timeZone: string): { date: string; minute: number; offsetMs: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minute: Number(parts.hour) * 60 + Number(parts.minute), offsetMs: asUtc - Math.floor(at.getTime() / 1000) * 1000 };
}

/** The real moment of `minute` past midnight on `date` in `timeZone` (daylight saving included). */
export function zonedMoment(date: string, minute: number, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, 0, minute);
  let t = guess - localParts(new Date(guess), timeZone).offsetMs;
  const again = guess - localParts(new Date(t), timeZone).offsetMs;
  if (again !== t) t = again;
  return new Date(t);
}

export class ShopCalendar {
  private readonly days: WorkDay[] = [];
  /** Working minutes from the first day counted to `now` (or to the last close before it). */
  readonly nowW: number;
  readonly today: string;

  constructor(
    readonly timeZone: string,
    hours: ShopHours,
    readonly now: Date,
    daysBack: number,
  ) {
    const here = localParts(now, timeZone);
    this.today = here.date;
    let start = 0;
    for (let i = daysBack; i >= 0; i--) {
      const date = addDays(here.date, -i);
      const h = hours[DAY_KEYS[new Date(`${date}T12:00:00Z`).getUTCDay()]!];
      if (!h) continue;
      const open = minutes(h.open);
      const length = minutes(h.close) - open;
      if (length <= 0) continue;
      this.days.push({ date, open, length, start });
      start += length;
    }
    const last = this.days.at(-1);
    if (!last) throw new Error('Demo calendar: the shop is never open.');
    if (last.date !== here.date) this.nowW = last.start + last.length;
    else this.nowW = last.start + Math.max(0, Math.min(last.length, here.minute - last.open));
  }

  get firstW(): number {
    return 0;
  }

  private dayAt(w: number): WorkDay {
    const days = this.days;
    let lo = 0;
    let hi = days.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (days[mid]!.start <= w) lo = mid;
      else hi = mid - 1;
    }
    return days[lo]!;
  }

  /** The real moment of working minute `w` (clamped to the calendar). */
  toDate(w: number): Date {
    const clamped = Math.max(0, Math.min(w, this.nowW));
    const day = this.dayAt(clamped);
    return zonedMoment(day.date, day.open + Math.min(day.length, clamped - day.start), this.timeZone);
  }

  /** The shop's date of working minute `w`. */
  dateOf(w: number): string {
    return this.dayAt(Math.max(0, Math.min(w, this.nowW))).date;
  }

  /** Working minute of the opening of the first working day on or after `date` (clamped to the calendar). */
  openingOf(date: string): number {
    const day = this.days.find((d) => d.date >= date);
    return day ? day.start : this.nowW;
  }
}
