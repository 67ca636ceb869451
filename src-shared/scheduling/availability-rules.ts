// The rules a shop's appointment hours must keep, said in the shop's words, and the defaults a
// kind starts from. Pure (no DOM, no Node): the desk's handlers refuse with these sentences and
// Settings › Appointments shows them beside the field while the person types.
import { DateTime } from 'luxon';
import type { AppointmentKind, Availability, ScheduleException, TimeRange, Weekday } from './types.js';
import { WEEKDAYS } from './types.js';

export const KIND_LABELS: Record<AppointmentKind, string> = {
  estimate: 'Estimate',
  'drop-off': 'Drop-off',
  pickup: 'Pickup',
};

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export const LIMITS = {
  slotMinutes: [5, 480],
  capacity: [1, 50],
  leadMinutes: [0, 60 * 24 * 30],
  horizonDays: [1, 365],
  holdMinutes: [5, 60 * 24 * 7],
} as const;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

export interface RuleProblem {
  /** Dotted path as the API names fields ("weeklyHours.mon.1"). */
  field: string;
  message: string;
}

/** Every problem with a day's ranges, in the order a person reads them. */
export function rangeProblems(ranges: readonly TimeRange[], where: string, fieldBase: string, slotMinutes: number | null): RuleProblem[] {
  const out: RuleProblem[] = [];
  ranges.forEach(([start, end], i) => {
    const field = `${fieldBase}.${i}`;
    if (!TIME.test(start) || !TIME.test(end)) {
      out.push({ field, message: `${where}: write times as HH:MM, such as 08:00 or 17:30.` });
      return;
    }
    if (minutesOf(end) <= minutesOf(start)) {
      out.push({ field, message: `${where}: ${start}–${end} ends before it starts.` });
      return;
    }
    if (slotMinutes !== null && minutesOf(end) - minutesOf(start) < slotMinutes) {
      out.push({ field, message: `${where}: ${start}–${end} is shorter than one ${slotMinutes}-minute slot.` });
    }
  });
  const valid = ranges
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => TIME.test(r[0]) && TIME.test(r[1]) && minutesOf(r[1]) > minutesOf(r[0]))
    .sort((a, b) => minutesOf(a.r[0]) - minutesOf(b.r[0]));
  for (let k = 1; k < valid.length; k++) {
    const prev = valid[k - 1]!;
    const cur = valid[k]!;
    if (minutesOf(cur.r[0]) < minutesOf(prev.r[1])) {
      out.push({
        field: `${fieldBase}.${cur.i}`,
        message: `${where}: ${cur.r[0]}–${cur.r[1]} overlaps ${prev.r[0]}–${prev.r[1]}.`,
      });
    }
  }
  return out;
}

function limit(value: number, [min, max]: readonly [number, number], field: string, what: string, unit: string): RuleProblem[] {
  if (!Number.isInteger(value)) return [{ field, message: `${what} must be a whole number of ${unit}.` }];
  if (value < min || value > max) return [{ field, message: `${what} must be between ${min} and ${max} ${unit}.` }];
  return [];
}

/** Every problem with one kind's settings; empty when it may be saved. */
export function availabilityProblems(a: Availability): RuleProblem[] {
  const label = KIND_LABELS[a.kind];
  const out: RuleProblem[] = [
    ...limit(a.slotMinutes, LIMITS.slotMinutes, 'slotMinutes', `${label}: the slot length`, 'minutes'),
    ...limit(a.capacity, LIMITS.capacity, 'capacity', `${label}: how many at once`, 'appointments'),
    ...limit(a.leadMinutes, LIMITS.leadMinutes, 'leadMinutes', `${label}: the lead time`, 'minutes'),
    ...limit(a.horizonDays, LIMITS.horizonDays, 'horizonDays', `${label}: how far ahead`, 'days'),
    ...limit(a.holdMinutes, LIMITS.holdMinutes, 'holdMinutes', `${label}: how long a request holds its place`, 'minutes'),
  ];
  const slot = out.some((p) => p.field === 'slotMinutes') ? null : a.slotMinutes;
  for (const day of WEEKDAYS) {
    out.push(...rangeProblems(a.weeklyHours[day] ?? [], `${label}, ${WEEKDAY_LABELS[day]}`, `weeklyHours.${day}`, slot));
  }
  if (a.active && WEEKDAYS.every((d) => (a.weeklyHours[d] ?? []).length === 0)) {
    out.push({ field: 'weeklyHours', message: `${label}: give at least one day some hours, or switch it off.` });
  }
  return out;
}

/** Every problem with a closure or a day's own hours. */
export function exceptionProblems(e: ScheduleException, timeZone: string, today: string | null): RuleProblem[] {
  const out: RuleProblem[] = [];
  const day = DateTime.fromISO(e.date, { zone: timeZone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(e.date) || !day.isValid) out.push({ field: 'date', message: `${e.date || 'The date'} is not a date (YYYY-MM-DD).` });
  else if (today && e.date < today) out.push({ field: 'date', message: `${e.date} has already passed.` });
  if (!e.closed) {
    if (!e.hours || e.hours.length === 0) out.push({ field: 'hours', message: 'Give the hours of that day, or mark it closed.' });
    else out.push(...rangeProblems(e.hours, `Hours on ${e.date}`, 'hours', null));
  }
  if (e.reason.length > 200) out.push({ field: 'reason', message: 'The reason must be at most 200 characters.' });
  return out;
}

