// The free slots of one appointment kind, in the shop's IANA time zone (issue 17). Shared by the
// relay (the authority on capacity: it offers slots and books them) and the desk (its calendar
// and "propose another time"). Slots are local wall-clock times: 09:00 is 09:00 local on both
// sides of a daylight-saving change. A wall-clock time that does not exist that day (02:30 on the
// spring-forward day in New York) is never offered; one that happens twice (01:30 on the
// fall-back day) is offered once, at its first occurrence. Time-zone arithmetic is luxon's (the
// IANA database the runtime ships), never a hand-made offset.
import type { CustomerWords } from '../i18n/index.js';
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import type { RowOf } from '../sync/rows.js';
import {
  APPOINTMENT_KINDS,
  WEEKDAYS,
  type AppointmentKind,
  type Availability,
  type FreeSlotsInput,
  type ScheduleException,
  type Slot,
  type TakenPlace,
  type TimeRange,
  type Weekday,
} from './types.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Wall clock ↔ instant

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  return typeof timeZone === 'string' && timeZone.length > 0 && IANAZone.isValidZone(timeZone);
}

/** "HH:MM" → minutes after local midnight ("24:00" allowed as the end of a day). */
export function minutesOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(time);
  if (!m) return Number.NaN;
  return Number(m[1]) * 60 + Number(m[2]);
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * The UTC instant (ms) at which the wall clock in `timeZone` reads `date` `time`, or null when
 * that reading never happens (the hour skipped on the spring-forward day). When it happens twice
 * (the fall-back day), the first occurrence.
 */
export function localToInstant(date: string, time: string, timeZone: string): number | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const minutes = minutesOfDay(time);
  if (!d || !Number.isFinite(minutes)) return null;
  const zone = IANAZone.create(timeZone);
  if (!zone.isValid) return null;
  const asUtc = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), 0, minutes);
  // Every offset the zone uses within a day of this reading; an instant is right when the wall
  // clock there reads exactly what was asked.
  const offsets = new Set([zone.offset(asUtc - DAY), zone.offset(asUtc), zone.offset(asUtc + DAY)]);
  const found: number[] = [];
  for (const offset of offsets) {
    const instant = asUtc - offset * MINUTE;
    if (instant + zone.offset(instant) * MINUTE === asUtc) found.push(instant);
  }
  return found.length === 0 ? null : Math.min(...found);
}

/** The shop-local date ("YYYY-MM-DD") and time ("HH:MM") at an instant. */
export function instantToLocal(at: number | string | Date, timeZone: string): { date: string; time: string; weekday: Weekday } {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();
  const dt = DateTime.fromMillis(ms, { zone: timeZone });
  return { date: dt.toFormat('yyyy-MM-dd'), time: dt.toFormat('HH:mm'), weekday: WEEKDAYS[dt.weekday - 1]! };
}

/** Today's date in the shop. */
export function localToday(now: Date, timeZone: string): string {
  return instantToLocal(now, timeZone).date;
}

/** A local date plus whole days (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  return new Date(utcMidnight(date) + days * DAY).toISOString().slice(0, 10);
}

function utcMidnight(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function weekdayOf(date: string): Weekday {
  // getUTCDay: 0 is Sunday; WEEKDAYS starts on Monday.
  return WEEKDAYS[(new Date(utcMidnight(date)).getUTCDay() + 6) % 7]!;
}

/**
 * How a customer reads a slot in a zone, in their words (src-shared/i18n customerWords): "Tue, Mar
 * 10, 9:00 AM" / "Tue 10 Mar, 09:00" / "mar, 10 de mar, 9:00 a.m." (the customer's zone, which may
 * differ from the shop's; `withZone` then adds the zone's name as their locale writes it: "PDT" for
 * an American reader, "GMT-7" for a British one).
 */
export function formatSlotTime(startsAt: string, timeZone: string, words: Pick<CustomerWords, 'when' | 'locale'>, options: { withZone?: boolean } = {}): string {
  const text = words.when(startsAt, timeZone);
  if (!options.withZone || !text) return text;
  return `${text} ${DateTime.fromISO(startsAt, { zone: timeZone }).setLocale(words.locale.intl).toFormat('ZZZZ')}`;
}

// ---------------------------------------------------------------------------------------------
// The hours of one day

/** The hours `kind` is open on `date`: the day's exceptions over the weekly hours. */
export function hoursOn(date: string, availability: Availability, exceptions: readonly ScheduleException[]): { hours: readonly TimeRange[]; closedBy: ScheduleException | null } {
  const onDate = exceptions.filter((e) => e.date === date && (e.kind === null || e.kind === availability.kind));
  // The exception for this kind wins over the one for every kind (a holiday closes the shop, but
  // pickups 10–12 were kept open); among equals a closure wins and open hours are joined.
  const specific = onDate.filter((e) => e.kind !== null);
  const chosen = specific.length > 0 ? specific : onDate;
  if (chosen.length > 0) {
    const closure = chosen.find((e) => e.closed);
    if (closure) return { hours: [], closedBy: closure };
    return { hours: chosen.flatMap((e) => e.hours ?? []), closedBy: null };
  }
  return { hours: availability.weeklyHours[weekdayOf(date)] ?? [], closedBy: null };
}

// ---------------------------------------------------------------------------------------------
// Free slots

interface Window {
  first: string;
  last: string;
  earliest: number;
}

function window(input: FreeSlotsInput): Window {
  const today = localToday(input.now, input.timeZone);
  const from = input.fromDate && input.fromDate > today ? input.fromDate : today;
  const horizonEnd = addDays(today, input.availability.horizonDays);
  const wanted = input.days === undefined ? horizonEnd : addDays(from, Math.max(0, input.days - 1));
  return { first: from, last: wanted < horizonEnd ? wanted : horizonEnd, earliest: input.now.getTime() + input.availability.leadMinutes * MINUTE };
}

function takenCounter(taken: readonly TakenPlace[], kind: AppointmentKind): (start: number, end: number) => number {
  const starts = taken
    .filter((t) => t.kind === kind)
    .map((t) => Date.parse(t.startsAt))
    .filter((ms) => Number.isFinite(ms))
    .sort((a, b) => a - b);
  return (start, end) => {
    // Binary search the first place at or after `start`, then count those before `end`.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    for (let i = lo; i < starts.length && starts[i]! < end; i++) n++;
    return n;
  };
}

/** The slots of one day, before lead time and capacity: every wall-clock start that exists. */
function daySlots(date: string, hours: readonly TimeRange[], availability: Availability, timeZone: string, offsets: Map<number, number>): Array<{ start: number; end: number; time: string }> {
  const out: Array<{ start: number; end: number; time: string }> = [];
  if (hours.length === 0) return out;
  const seen = new Set<string>();
  const step = availability.slotMinutes;
  // Most days have one offset throughout: read it once (the day's instants lie within a day
  // either side of its UTC midnight). A day where the samples differ is worked out slot by slot.
  const zone = IANAZone.create(timeZone);
  // Consecutive days share samples (this midnight + a day is the next one's midnight).
  const offsetAt = (t: number) => {
    let o = offsets.get(t);
    if (o === undefined) offsets.set(t, (o = zone.offset(t)));
    return o;
  };
  const midnight = utcMidnight(date);
  const offset = offsetAt(midnight);
  const steady = [midnight - DAY, midnight + DAY, midnight + 2 * DAY].every((t) => offsetAt(t) === offset);
  for (const [from, to] of hours) {
    const open = minutesOfDay(from);
    const close = minutesOfDay(to);
    for (let m = open; m + step <= close; m += step) {
      const time = hhmm(m);
      if (seen.has(time)) continue; // overlapping ranges offer a time once
      const start = steady ? midnight + (m - offset) * MINUTE : localToInstant(date, time, timeZone);
      if (start === null) continue; // skipped by the spring-forward change
      seen.add(time);
      out.push({ start, end: start + step * MINUTE, time });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The slots a customer may choose for `availability.kind`: local wall-clock starts within the
 * day's hours, not sooner than the lead time, not beyond the horizon, not on a closed day, with a
 * place left (capacity minus the places taken by appointments starting within the slot).
 */
export function freeSlots(input: FreeSlotsInput): Slot[] {
  const { availability, timeZone } = input;
  if (!availability.active || !isValidTimeZone(timeZone)) return [];
  const { first, last, earliest } = window(input);
  const count = takenCounter(input.taken, availability.kind);
  const slots: Slot[] = [];
  const offsets = new Map<number, number>();
  for (let date = first; date <= last; date = addDays(date, 1)) {
    const { hours } = hoursOn(date, availability, input.exceptions);
    for (const s of daySlots(date, hours, availability, timeZone, offsets)) {
      if (s.start < earliest) continue;
      const free = Math.max(0, availability.capacity - count(s.start, s.end));
      if (free === 0 && !input.includeFull) continue;
      slots.push({
        kind: availability.kind,
        startsAt: new Date(s.start).toISOString(),
        endsAt: new Date(s.end).toISOString(),
        localDate: date,
        localTime: s.time,
        capacity: availability.capacity,
        free,
      });
    }
  }
  return slots;
}

export type SlotProblem = 'invalid' | 'past' | 'too-soon' | 'too-far' | 'closed' | 'outside-hours' | 'full' | 'inactive';

export type SlotCheck = { ok: true; slot: Slot } | { ok: false; problem: SlotProblem; message: string; days?: number; reason?: string; closedDay?: boolean };

/**
 * Whether a customer may book the slot starting at `startsAt` — the check the relay makes, under
 * its lock, before it stores a request; the message says what is wrong in the customer's words.
 */
export function checkSlot(input: Omit<FreeSlotsInput, 'fromDate' | 'days' | 'includeFull'>, startsAt: string): SlotCheck {
  const { availability, timeZone, now } = input;
  const at = Date.parse(startsAt);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(startsAt) || !Number.isFinite(at)) return { ok: false, problem: 'invalid', message: 'That is not a time we offer. Please choose one of the times shown.' };
  if (!availability.active) return { ok: false, problem: 'inactive', message: 'This shop is not taking these bookings online right now. Please call the shop.' };
  if (at <= now.getTime()) return { ok: false, problem: 'past', message: 'That time has already passed. Please choose one of the times shown.' };
  if (at < now.getTime() + availability.leadMinutes * MINUTE) return { ok: false, problem: 'too-soon', message: 'That time is too soon to book online. Please choose a later time.' };
  const local = instantToLocal(at, timeZone);
  const today = localToday(now, timeZone);
  if (local.date > addDays(today, availability.horizonDays)) return { ok: false, problem: 'too-far', message: `That date is too far ahead; times are offered up to ${availability.horizonDays} days ahead.`, days: availability.horizonDays };
  const { hours, closedBy } = hoursOn(local.date, availability, input.exceptions);
  if (closedBy) return { ok: false, problem: 'closed', message: `The shop is closed that day${closedBy.reason ? ` (${closedBy.reason})` : ''}. Please choose another day.`, reason: closedBy.reason ?? undefined, closedDay: true };
  if (hours.length === 0) return { ok: false, problem: 'closed', message: 'The shop does not take these appointments that day. Please choose another day.' };
  const slot = freeSlots({ ...input, fromDate: local.date, days: 1, includeFull: true }).find((s) => Date.parse(s.startsAt) === at);
  if (!slot) return { ok: false, problem: 'outside-hours', message: 'That time is outside the hours we take these appointments. Please choose one of the times shown.' };
  if (slot.free === 0) return { ok: false, problem: 'full', message: 'That time was just taken. Please choose another time.' };
  return { ok: true, slot };
}

// ---------------------------------------------------------------------------------------------
// Parsing and validating the synced rows' JSON

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time "HH:MM" (00:00–24:00)');

export const timeRangeSchema = z
  .tuple([timeOfDay, timeOfDay])
  .refine(([a, b]) => minutesOfDay(a) < minutesOfDay(b), 'must start before it ends (e.g. ["08:00", "12:00"])');

export const rangesSchema = z
  .array(timeRangeSchema)
  .max(12, 'may hold at most 12 ranges a day');

export const weeklyHoursSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, rangesSchema])) as Record<Weekday, typeof rangesSchema>)
  .strict();

export const availabilitySchema = z
  .object({
    kind: z.enum(APPOINTMENT_KINDS, 'must be one of estimate, drop-off, pickup'),
    active: z.boolean(),
    weeklyHours: weeklyHoursSchema,
    slotMinutes: z.number().int('must be whole minutes').min(5, 'must be at least 5 minutes').max(720, 'must be at most 720 minutes (12 hours)'),
    capacity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100'),
    leadMinutes: z.number().int('must be whole minutes').min(0, 'must not be negative').max(60 * 24 * 60, 'must be at most 60 days'),
    horizonDays: z.number().int('must be whole days').min(0, 'must not be negative').max(366, 'must be at most 366 days'),
    holdMinutes: z.number().int('must be whole minutes').min(1, 'must be at least 1 minute').max(60 * 24 * 14, 'must be at most 14 days'),
  })
  .strict();

export const exceptionSchema = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date "YYYY-MM-DD"').refine((d) => DateTime.fromISO(d).isValid, 'must be a real date'),
    kind: z.enum(APPOINTMENT_KINDS, 'must be one of estimate, drop-off, pickup, or empty for every kind').nullable(),
    closed: z.boolean(),
    hours: rangesSchema.nullable(),
    reason: z.string().max(200, 'must be at most 200 characters'),
  })
  .strict()
  .refine((e) => e.closed || (e.hours !== null && e.hours.length > 0), { message: 'an open exception needs its hours (or mark the day closed)', path: ['hours'] });

export type Validated<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

function firstIssue(error: z.ZodError, prefix: string): { ok: false; field: string; message: string } {
  const issue = error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return { ok: false, field, message: `${field || 'value'} ${issue.message}` };
}

/** Validates availability as the desk's editor sends it; the message names the field. */
export function validateAvailability(value: unknown): Validated<Availability> {
  const r = availabilitySchema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : firstIssue(r.error, '');
}

/** Validates a weekly-hours JSON text (the `weekly_hours` column). */
export function validateWeeklyHours(json: string): Validated<Availability['weeklyHours']> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, field: 'weekly_hours', message: 'weekly_hours is not valid JSON' };
  }
  const r = weeklyHoursSchema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : firstIssue(r.error, 'weekly_hours');
}

export function validateException(value: unknown): Validated<ScheduleException> {
  const r = exceptionSchema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : firstIssue(r.error, '');
}

/** What each kind offers before the shop has set its own hours (inactive until it does). */
export function defaultAvailability(kind: AppointmentKind): Availability {
  const weekday: readonly TimeRange[] = kind === 'estimate' ? [['09:00', '12:00'], ['13:00', '16:00']] : [['08:00', '10:00']];
  const pickup: readonly TimeRange[] = [['14:00', '17:30']];
  const hours = kind === 'pickup' ? pickup : weekday;
  return {
    kind,
    active: false,
    weeklyHours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: [], sun: [] },
    slotMinutes: kind === 'estimate' ? 30 : 15,
    capacity: kind === 'estimate' ? 1 : 2,
    leadMinutes: 18 * 60,
    horizonDays: 30,
    holdMinutes: 240,
  };
}

/** An `appointment_availability` row → Availability; a row that does not validate says why. */
export function availabilityFromRow(row: RowOf<'appointment_availability'>): Validated<Availability> {
  const kind = row.kind;
  if (!kind || !(APPOINTMENT_KINDS as readonly string[]).includes(kind)) return { ok: false, field: 'kind', message: `kind "${kind ?? ''}" must be one of estimate, drop-off, pickup` };
  const fallback = defaultAvailability(kind as AppointmentKind);
  const hours = row.weekly_hours ? validateWeeklyHours(row.weekly_hours) : { ok: true as const, value: fallback.weeklyHours };
  if (!hours.ok) return hours;
  const r = validateAvailability({
    kind,
    active: (row.active ?? 0) === 1,
    weeklyHours: hours.value,
    slotMinutes: row.slot_minutes ?? fallback.slotMinutes,
    capacity: row.capacity ?? fallback.capacity,
    leadMinutes: row.lead_minutes ?? fallback.leadMinutes,
    horizonDays: row.horizon_days ?? fallback.horizonDays,
    holdMinutes: row.hold_minutes ?? fallback.holdMinutes,
  });
  if (r.ok) return r;
  const column: Record<string, string> = { slotMinutes: 'slot_minutes', leadMinutes: 'lead_minutes', horizonDays: 'horizon_days', holdMinutes: 'hold_minutes' };
  const field = column[r.field] ?? r.field;
  return { ok: false, field, message: r.message.replace(r.field, field) };
}

/** Availability → the row's columns (what the desk writes). */
export function availabilityToRow(a: Availability): Omit<RowOf<'appointment_availability'>, 'id' | 'updated_at'> {
  return {
    kind: a.kind,
    active: a.active ? 1 : 0,
    weekly_hours: JSON.stringify(a.weeklyHours),
    slot_minutes: a.slotMinutes,
    capacity: a.capacity,
    lead_minutes: a.leadMinutes,
    horizon_days: a.horizonDays,
    hold_minutes: a.holdMinutes,
  };
}

/** A `schedule_exceptions` row → ScheduleException; removed rows and invalid ones give null. */
export function exceptionFromRow(row: RowOf<'schedule_exceptions'>): Validated<ScheduleException> | null {
  if (row.removed_at) return null;
  let hours: unknown = null;
  if (row.hours) {
    try {
      hours = JSON.parse(row.hours);
    } catch {
      return { ok: false, field: 'hours', message: 'hours is not valid JSON' };
    }
  }
  return validateException({ date: row.date ?? '', kind: row.kind || null, closed: (row.closed ?? 0) === 1, hours, reason: row.reason ?? '' });
}

/** The exceptions that apply (valid, not removed) from a table's rows. */
export function exceptionsFromRows(rows: readonly RowOf<'schedule_exceptions'>[]): ScheduleException[] {
  const out: ScheduleException[] = [];
  for (const row of rows) {
    const r = exceptionFromRow(row);
    if (r?.ok) out.push(r.value);
  }
  return out;
}

/**
 * Whether an appointment takes a place: confirmed and proposed ones (the shop offered that time)
 * always; a pending request while its hold lasts.
 */
export function takesPlace(row: Pick<RowOf<'appointments'>, 'state' | 'hold_until'>, now: Date): boolean {
  if (row.state === 'confirmed' || row.state === 'proposed') return true;
  if (row.state === 'requested') return !row.hold_until || Date.parse(row.hold_until) > now.getTime();
  return false;
}

/** The places taken, from the appointments table's rows. */
export function takenFromRows(rows: readonly Pick<RowOf<'appointments'>, 'kind' | 'state' | 'starts_at' | 'hold_until' | 'proposed_starts_at'>[], now: Date): TakenPlace[] {
  const out: TakenPlace[] = [];
  for (const row of rows) {
    if (!row.kind || !(APPOINTMENT_KINDS as readonly string[]).includes(row.kind) || !takesPlace(row, now)) continue;
    // A proposal holds the time the shop proposed, not the one the customer first asked for.
    const at = row.state === 'proposed' && row.proposed_starts_at ? row.proposed_starts_at : row.starts_at;
    if (at) out.push({ kind: row.kind as AppointmentKind, startsAt: at });
  }
  return out;
}
