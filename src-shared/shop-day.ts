// The shop's calendar day. A promised date is a day, not an instant: it has passed once that day
// is over where the shop is, whatever zone the relay or a phone runs in. Computed with Intl, so
// daylight-saving days come out right. The clock is always passed in (tests hold it still).

const dayFormats = new Map<string, Intl.DateTimeFormat>();
const partFormats = new Map<string, Intl.DateTimeFormat>();

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

function wallClock(at: number, timeZone: string): number {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
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
  for (let i = 0; i < 3; i++) guess += wall - wallClock(guess, timeZone);
  // A skipped midnight lands the guess an hour early, still in the old day: move to the new one.
  while (shopToday(timeZone, new Date(guess)) <= date) guess += 60_000;
  return guess;
}
