// What a wall clock in an IANA time zone reads at an instant, by Intl (so daylight-saving days come
// out right). Shared by the shop's calendar day (shop-day.ts) and texting hours (sms/quiet-hours.ts).

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock reading in `timeZone` at `at` (ms), expressed as if it were UTC milliseconds. */
export function wallClockMillis(at: number, timeZone: string): number {
  let format = formats.get(timeZone);
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
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}
