// Scheduling's shared words (issue 17): the kinds of appointment, when each can be booked, the
// days that differ, and the slots a customer may choose. Wall-clock times ("09:00") and dates
// ("2026-03-08") are the shop's local ones, in its IANA zone; instants are UTC ISO strings.
// The free-slot computation (./slots.ts) is shared by the relay (the authority on capacity: it
// offers and books) and the desk (its calendar and "propose another time").

export const APPOINTMENT_KINDS = ['estimate', 'drop-off', 'pickup'] as const;
export type AppointmentKind = (typeof APPOINTMENT_KINDS)[number];

export const APPOINTMENT_STATES = ['invited', 'requested', 'confirmed', 'declined', 'proposed', 'cancelled', 'expired', 'completed', 'no-show'] as const;
export type AppointmentState = (typeof APPOINTMENT_STATES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A local wall-clock range, "HH:MM" to "HH:MM", start before end, within one day. */
export type TimeRange = readonly [start: string, end: string];

/** One kind's bookable hours (the `appointment_availability` row, parsed). */
export interface Availability {
  kind: AppointmentKind;
  active: boolean;
  weeklyHours: Readonly<Record<Weekday, readonly TimeRange[]>>;
  slotMinutes: number;
  /** How many appointments of this kind may start in one slot. */
  capacity: number;
  /** No slot starts sooner than this many minutes after now. */
  leadMinutes: number;
  /** Slots are offered up to this many local days ahead (today is day 0). */
  horizonDays: number;
  /** How long a pending request holds its place before it lapses. */
  holdMinutes: number;
}

/** A closure, holiday or per-day exception (a `schedule_exceptions` row, parsed). */
export interface ScheduleException {
  date: string;
  /** Null: every kind. */
  kind: AppointmentKind | null;
  closed: boolean;
  /** When open: the hours that replace the weekly hours that day. */
  hours: readonly TimeRange[] | null;
  reason: string;
}

/** An appointment that takes a place: confirmed, or requested/proposed and still held. */
export interface TakenPlace {
  kind: AppointmentKind;
  startsAt: string;
}

export interface Slot {
  kind: AppointmentKind;
  /** UTC instant, ISO with milliseconds and Z. */
  startsAt: string;
  endsAt: string;
  /** Shop-local date and time of the start, as the customer and the desk read it. */
  localDate: string;
  localTime: string;
  capacity: number;
  /** Places still free (capacity minus places taken). */
  free: number;
}

export interface FreeSlotsInput {
  availability: Availability;
  exceptions: readonly ScheduleException[];
  taken: readonly TakenPlace[];
  timeZone: string;
  now: Date;
  /** First local date to consider (default: today in the shop); never before today. */
  fromDate?: string;
  /** How many local days from `fromDate` (default: up to the horizon). */
  days?: number;
  /** Also return slots with no place left (free = 0), for the desk's calendar. */
  includeFull?: boolean;
}
