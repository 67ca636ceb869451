// The desk's scheduling methods (Settings › Appointments, the calendar, the RO's "ask for a
// time", the calendar feed), spread into the typed API in ../api/contract.ts, and what they answer.
import { z } from 'zod';
import type { AppointmentKind, AppointmentState, Availability, ScheduleException, Slot } from './types.js';
import { APPOINTMENT_KINDS, WEEKDAYS } from './types.js';

function method<A extends z.ZodType>(args: A) {
  return { returns: <R>() => ({ args, result: undefined as unknown as R }) };
}

const id = z.string().min(1, 'is required').max(64);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD');
const instant = z.iso.datetime({ message: 'must be a time as an ISO instant' });
const kind = z.enum(APPOINTMENT_KINDS);
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time like 08:00');
const range = z.tuple([time, time]);
const ranges = z.array(range).max(12, 'may hold at most 12 ranges');

export const availabilityArgs = z
  .object({
    kind,
    active: z.boolean(),
    weeklyHours: z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, ranges])) as Record<(typeof WEEKDAYS)[number], typeof ranges>).strict(),
    slotMinutes: z.number(),
    capacity: z.number(),
    leadMinutes: z.number(),
    horizonDays: z.number(),
    holdMinutes: z.number(),
  })
  .strict();

export interface AvailabilitySetting extends Availability {
  /** False while the kind still has the defaults (never saved). */
  saved: boolean;
}

export interface ScheduleExceptionEntry extends ScheduleException {
  id: string;
}

export interface SchedulingSettings {
  /** The shop's IANA zone (workspace_settings.time_zone): every hour here is local to it. */
  timeZone: string;
  kinds: AvailabilitySetting[];
  /** Closures and days with their own hours, from today on, by date. */
  exceptions: ScheduleExceptionEntry[];
}

export interface AppointmentEntry {
  id: string;
  kind: AppointmentKind;
  state: AppointmentState;
  startsAt: string | null;
  endsAt: string | null;
  /** Shop-local date and time of the start ("2026-12-07", "09:30"). */
  localDate: string | null;
  localTime: string | null;
  roId: string | null;
  roNumber: number | null;
  customerId: string | null;
  /** The customer's name (from the customer, or as a new customer typed it). */
  name: string;
  mobile: string | null;
  email: string | null;
  vehicle: string | null;
  description: string | null;
  insurer: string | null;
  claimNumber: string | null;
  source: string | null;
  requestedAt: string | null;
  holdUntil: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  declineReason: string | null;
  proposedStartsAt: string | null;
  /** A new customer's request not checked in yet. */
  lead: boolean;
  /**
   * Why this confirmed or pending time cannot happen any more (a closure added meanwhile, the
   * hours changed, more confirmed than places), said to the desk; null when it can.
   */
  problem: string | null;
  /** Calendar write-through: per mailbox, whether the event is there. */
  calendarEvents: Record<string, string>;
}

export interface CalendarSlot extends Slot {
  /** Places taken: confirmed and pending requests still holding their place. */
  used: number;
}

export interface CalendarView {
  timeZone: string;
  from: string;
  days: number;
  kinds: AppointmentKind[];
  slots: CalendarSlot[];
  appointments: AppointmentEntry[];
  /** Days closed for every kind shown, with the reason ("Thanksgiving"). */
  closed: Array<{ date: string; reason: string }>;
}

export interface CalendarFeed {
  /** The feed address while this desk holds its secret (it created it), else null. */
  url: string | null;
  active: boolean;
  issuedAt: string | null;
  /** The shop is not paired with a relay, so there is nowhere to serve a feed from. */
  paired: boolean;
}

export interface CalendarAccount {
  mailboxId: string;
  address: string;
  provider: string;
  /** The mailbox was connected without calendar permission: reconnect to write the calendar. */
  needsCalendarPermission: boolean;
}

export const SCHEDULING_API = {
  'schedule-settings-get': method(z.object({}).strict()).returns<SchedulingSettings>(),
  /** Refuses, naming the day and range, hours that end before they start, overlap, or are shorter than one slot. */
  'schedule-availability-save': method(availabilityArgs).returns<SchedulingSettings>(),
  'schedule-exception-save': method(
    z
      .object({
        id: id.optional(),
        date: isoDate,
        kind: kind.nullable(),
        closed: z.boolean(),
        hours: ranges.nullable().default(null),
        reason: z.string().trim().max(200, 'must be at most 200 characters').default(''),
      })
      .strict(),
  ).returns<SchedulingSettings>(),
  'schedule-exception-remove': method(z.object({ id }).strict()).returns<SchedulingSettings>(),

  /** Appointments and slots (with places used) from `from` for `days` local days. */
  'appointment-calendar': method(
    z
      .object({ from: isoDate, days: z.number().int().min(1).max(42).default(7), kinds: z.array(kind).min(1).default([...APPOINTMENT_KINDS]) })
      .strict(),
  ).returns<CalendarView>(),
  /** Requests waiting for a person (the badge in the bar). */
  'appointment-pending': method(z.object({}).strict()).returns<AppointmentEntry[]>(),
  /** Free slots of a kind, for "Propose another time". */
  'appointment-free-slots': method(z.object({ kind, from: isoDate.optional(), days: z.number().int().min(1).max(60).default(14) }).strict()).returns<Slot[]>(),
  'appointment-confirm': method(z.object({ id }).strict()).returns<AppointmentEntry>(),
  'appointment-decline': method(
    z.object({ id, reason: z.string().trim().min(3, 'needs a reason the customer can read').max(500, 'must be at most 500 characters') }).strict(),
  ).returns<AppointmentEntry>(),
  'appointment-propose': method(z.object({ id, startsAt: instant }).strict()).returns<AppointmentEntry>(),
  'appointment-cancel': method(z.object({ id, reason: z.string().trim().max(500).default('') }).strict()).returns<AppointmentEntry>(),
  /** "Ask for a drop-off time" / "Ask for a pickup time": the relay texts the customer the link. */
  'appointment-invite': method(z.object({ roId: id, kind: z.enum(['drop-off', 'pickup']) }).strict()).returns<AppointmentEntry[]>(),
  'appointment-for-ro': method(z.object({ roId: id }).strict()).returns<AppointmentEntry[]>(),
  /** A new customer's estimate request checked in: the request now belongs to that repair order. */
  'appointment-attach-ro': method(z.object({ id, roId: id }).strict()).returns<AppointmentEntry>(),
  /** New customers' estimate requests not checked in yet. */
  'appointment-leads': method(z.object({}).strict()).returns<AppointmentEntry[]>(),
  'appointment-get': method(z.object({ id }).strict()).returns<AppointmentEntry>(),

  'calendar-feed-get': method(z.object({}).strict()).returns<CalendarFeed>(),
  /** A new private feed address; every earlier one stops working. */
  'calendar-feed-issue': method(z.object({}).strict()).returns<CalendarFeed>(),
  'calendar-feed-revoke': method(z.object({}).strict()).returns<CalendarFeed>(),
  /** The connected Google and Microsoft mailboxes whose calendar takes confirmed appointments. */
  'calendar-accounts': method(z.object({}).strict()).returns<CalendarAccount[]>(),
} as const;

/**
 * Calendar write-through (relay/scheduling/calendar-sync.ts) keeps `appointments.calendar_events`
 * as `{ mailboxId: eventId }`; when the provider refused for want of the calendar scope it writes
 * this in place of the event id, and the desk asks for a reconnect with calendar permission.
 */
export const CALENDAR_PERMISSION_MISSING = '!calendar-permission';

/** The private calendar feed (a `portal_tokens` row of kind 'calendar', no repair): `${base}/c/<token>/calendar.ics` (served by relay/scheduling). */
export function calendarFeedUrl(base: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/c/${token}/calendar.ics`;
}
