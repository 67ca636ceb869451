// When an automated text may go: between 08:00 and 21:00 in the customer's local time, or the
// shop's narrower window. Times are computed with Intl in the zone, so daylight-saving days
// come out right; the clock is always passed in (tests hold it still).
import { wallClockMillis } from '../zoned-time.js';

export const LEGAL_WINDOW = { start: '08:00', end: '21:00' } as const;

export interface SendWindow {
  start: string;
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function minutes(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`Not a time of day: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The shop's window, never wider than 08:00–21:00. */
export function sendWindow(shopStart: string | null | undefined, shopEnd: string | null | undefined): SendWindow {
  const legalStart = minutes(LEGAL_WINDOW.start);
  const legalEnd = minutes(LEGAL_WINDOW.end);
  const start = shopStart && HHMM.test(shopStart) && minutes(shopStart) > legalStart ? shopStart : LEGAL_WINDOW.start;
  const end = shopEnd && HHMM.test(shopEnd) && minutes(shopEnd) < legalEnd ? shopEnd : LEGAL_WINDOW.end;
  return minutes(start) < minutes(end) ? { start, end } : { ...LEGAL_WINDOW };
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  minutes: number;
}

export function localParts(at: Date, timeZone: string): LocalParts {
  const wall = new Date(wallClockMillis(at.getTime(), timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate(), minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes() };
}

/** The instant a local wall-clock time in `timeZone` happens (the first, on a repeated hour). */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(guess), timeZone);
    const seen = Date.UTC(p.year, p.month - 1, p.day, Math.floor(p.minutes / 60), p.minutes % 60);
    guess += wall - seen;
  }
  return new Date(guess);
}

/** Null when `now` is inside the window in `timeZone`; otherwise the instant the window next opens. */
export function nextSendTime(now: Date, timeZone: string, window: SendWindow): Date | null {
  const local = localParts(now, timeZone);
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (local.minutes >= start && local.minutes < end) return null;
  if (local.minutes < start) return zonedInstant(local.year, local.month, local.day, start, timeZone);
  const tomorrow = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
  return zonedInstant(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), start, timeZone);
}

export function isTimeZone(zone: string | null | undefined): zone is string {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
