// The shop's calendar day. A promised date is a day, not an instant: it has passed once that day
// is over where the shop is, whatever zone the relay or a phone runs in. Computed with Intl, so
// daylight-saving days come out right. The clock is always passed in (tests hold it still).
import { wallClockMillis } from './zoned-time.js';

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function shopToday(timeZone: string, now: Date): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(now);
}

/** True once the whole day `date` (YYYY-MM-DD) is over in `timeZone`. */
export function dayHasPassed(date: string, timeZone: string, now: Date): boolean {
  return date < shopToday(timeZone, now);
}

/**
 * The instant the day `date` (YYYY-MM-DD) is over in `timeZone`: the first moment of the next
 * day there (where midnight is skipped by a clock change, the moment the next day begins).
 * NaN for a date that is not one.
 */
export function dayEndsAt(date: string, timeZone: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return Number.NaN;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1);
  let guess = wall;
  for (let i = 0; i < 3; i++) guess += wall - wallClockMillis(guess, timeZone);
  // A skipped midnight lands the guess an hour early, still in the old day: move to the new one.
  while (shopToday(timeZone, new Date(guess)) <= date) guess += 60_000;
  return guess;
}
