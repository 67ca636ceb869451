// Calendar files for appointments: one event (the link in a confirmation text) or the shop's
// private feed (every confirmed appointment). Made with ical-generator, which writes DTSTART with
// the shop's TZID; the VTIMEZONE it needs is generated here from the IANA rules the runtime ships
// (luxon's zone offsets), one STANDARD/DAYLIGHT block per change in the years around the events,
// so a calendar without that zone in its own database still places the event right.
import ical, { ICalEventStatus } from 'ical-generator';
import { DateTime, IANAZone } from 'luxon';

export interface CalendarEvent {
  id: string;
  kind: string;
  startsAt: string;
  endsAt: string;
  summary: string;
  description: string;
  location: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  url?: string;
}

const HOUR = 3_600_000;

function icsOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** The instants (ms) in [from, to) at which `zone`'s offset changes. */
function transitions(zone: IANAZone, from: number, to: number): number[] {
  const out: number[] = [];
  const step = 6 * HOUR;
  for (let t = from; t < to; t += step) {
    if (zone.offset(t) === zone.offset(t + step)) continue;
    let lo = t;
    let hi = t + step;
    while (hi - lo > 60_000) {
      const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
      if (zone.offset(mid) === zone.offset(lo)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  return out;
}

/** A VTIMEZONE for `timeZone` covering the years of `instants` (and one either side). */
export function vtimezone(timeZone: string, instants: readonly number[]): string | null {
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) return null;
  const years = instants.length > 0 ? instants.map((t) => new Date(t).getUTCFullYear()) : [new Date().getUTCFullYear()];
  const from = Date.UTC(Math.min(...years) - 1, 0, 1);
  const to = Date.UTC(Math.max(...years) + 2, 0, 1);
  const lines = ['BEGIN:VTIMEZONE', `TZID:${timeZone}`];
  const changes = transitions(zone, from, to);
  if (changes.length === 0) {
    const off = icsOffset(zone.offset(from));
    lines.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${off}`, `TZOFFSETTO:${off}`, `TZNAME:${zone.offsetName(from, { format: 'short', locale: 'en-US' }) ?? timeZone}`, 'END:STANDARD');
  } else {
    // The offset in force before the first change, then every change.
    const first = changes[0]!;
    const before = zone.offset(first - 1);
    lines.push('BEGIN:STANDARD', `DTSTART:${DateTime.fromMillis(from, { zone: 'UTC' }).plus({ minutes: before }).toFormat("yyyyMMdd'T'HHmmss")}`, `TZOFFSETFROM:${icsOffset(before)}`, `TZOFFSETTO:${icsOffset(before)}`, 'END:STANDARD');
    for (const at of changes) {
      const fromOffset = zone.offset(at - 1);
      const toOffset = zone.offset(at);
      // Standard time is the smaller offset of the year's pair (DST moves clocks forward).
      const daylight = toOffset > fromOffset;
      const local = DateTime.fromMillis(at + fromOffset * 60_000, { zone: 'UTC' }).toFormat("yyyyMMdd'T'HHmmss");
      const name = zone.offsetName(at, { format: 'short', locale: 'en-US' });
      const block = daylight ? 'DAYLIGHT' : 'STANDARD';
      lines.push(`BEGIN:${block}`, `DTSTART:${local}`, `TZOFFSETFROM:${icsOffset(fromOffset)}`, `TZOFFSETTO:${icsOffset(toOffset)}`, ...(name ? [`TZNAME:${name}`] : []), `END:${block}`);
    }
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}

const STATUS = { confirmed: ICalEventStatus.CONFIRMED, tentative: ICalEventStatus.TENTATIVE, cancelled: ICalEventStatus.CANCELLED } as const;

/** An ICS calendar of `events`, times written with TZID `timeZone` and its VTIMEZONE. */
export function calendarIcs(input: { name: string; timeZone: string; events: readonly CalendarEvent[]; domain: string }): string {
  const instants = input.events.map((e) => Date.parse(e.startsAt));
  const calendar = ical({
    name: input.name,
    prodId: { company: 'Bayline', product: 'scheduling', language: 'EN' },
    timezone: { name: input.timeZone, generator: (tz) => vtimezone(tz, instants) },
  });
  for (const e of input.events) {
    calendar.createEvent({
      id: `${e.id}@${input.domain}`,
      // luxon values: ical-generator writes their wall clock in the zone (a Date would be read in
      // the relay process's own zone).
      start: DateTime.fromISO(e.startsAt).setZone(input.timeZone),
      end: DateTime.fromISO(e.endsAt).setZone(input.timeZone),
      timezone: input.timeZone,
      summary: e.summary,
      description: e.description,
      location: e.location || null,
      status: STATUS[e.status],
      url: e.url ?? null,
      stamp: DateTime.fromISO(e.startsAt).setZone(input.timeZone),
    });
  }
  return calendar.toString();
}
