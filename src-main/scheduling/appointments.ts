// Reading the shop's scheduling at the desk: each kind's hours, the closures, the appointments as
// the calendar shows them, and — for every confirmed or pending time — whether it can still take
// place (a closure another desk added while this one confirmed offline, hours changed, more
// confirmed than places). That check lives here, on read: whatever order the changes arrived in
// (before or after a reconnect), the desk shows the notice as soon as both sides are in its data.
import { ApiError } from '../../src-shared/api/errors.js';
import { DateTime } from 'luxon';
import { KIND_LABELS, minutesOf } from '../../src-shared/scheduling/availability-rules.js';
import {
  CALENDAR_PERMISSION_MISSING,
  type AppointmentEntry,
  type AvailabilitySetting,
  type ScheduleExceptionEntry,
  type SchedulingSettings,
} from '../../src-shared/scheduling/desk-api.js';
import { availabilityFromRow, defaultAvailability, exceptionFromRow, hoursOn, instantToLocal, takenFromRows } from '../../src-shared/scheduling/slots.js';
import { APPOINTMENT_KINDS, APPOINTMENT_STATES, type AppointmentKind, type AppointmentState, type Availability, type ScheduleException } from '../../src-shared/scheduling/types.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { readSettings } from '../workspace/handlers.js';

export const availabilityId = (kind: AppointmentKind) => `availability:${kind}`;

export async function loadSchedulingSettings(desk: Desk): Promise<SchedulingSettings> {
  const shop = await readSettings(desk);
  const rows = await desk.db.selectFrom('appointment_availability').selectAll().execute();
  const kinds: AvailabilitySetting[] = APPOINTMENT_KINDS.map((kind) => {
    const row = rows.filter((r) => r.kind === kind).sort((a, b) => (b.updated_at ?? '').localeCompare(a.updated_at ?? ''))[0];
    const parsed = row ? availabilityFromRow(row) : null;
    return parsed?.ok ? { ...parsed.value, saved: true } : { ...defaultAvailability(kind), saved: false };
  });
  const exceptionRows = await desk.db.selectFrom('schedule_exceptions').selectAll().where('removed_at', 'is', null).orderBy('date').orderBy('id').execute();
  const exceptions: ScheduleExceptionEntry[] = [];
  for (const row of exceptionRows) {
    const r = exceptionFromRow(row);
    if (r?.ok) exceptions.push({ ...r.value, id: row.id });
  }
  return { timeZone: shop.timeZone, kinds, exceptions };
}

export function availabilityOf(settings: SchedulingSettings, kind: AppointmentKind): Availability {
  const { saved: _saved, ...a } = settings.kinds.find((k) => k.kind === kind)!;
  return a;
}

function asKind(value: string | null): AppointmentKind | null {
  return value && (APPOINTMENT_KINDS as readonly string[]).includes(value) ? (value as AppointmentKind) : null;
}

function asState(value: string | null): AppointmentState {
  return value && (APPOINTMENT_STATES as readonly string[]).includes(value) ? (value as AppointmentState) : 'requested';
}

/** The time an appointment stands at: what the shop proposed while a proposal is open. */
export function standingStart(row: Pick<RowOf<'appointments'>, 'state' | 'starts_at' | 'proposed_starts_at'>): string | null {
  return row.state === 'proposed' && row.proposed_starts_at ? row.proposed_starts_at : row.starts_at;
}

type AppointmentRow = RowOf<'appointments'> & { ro_number: number | null; first_name: string | null; last_name: string | null; c_mobile: string | null; c_email: string | null };

export async function appointmentRows(desk: Desk, where: { ids?: string[]; roId?: string; from?: string; to?: string; states?: AppointmentState[] }): Promise<AppointmentRow[]> {
  let q = desk.db
    .selectFrom('appointments as a')
    .leftJoin('repair_orders as r', 'r.id', 'a.ro_id')
    .leftJoin('customers as c', 'c.id', 'a.customer_id')
    .selectAll('a')
    .select(['r.ro_number', 'c.first_name', 'c.last_name', 'c.mobile as c_mobile', 'c.email as c_email']);
  if (where.ids) q = q.where('a.id', 'in', where.ids.length ? where.ids : ['']);
  if (where.roId) q = q.where('a.ro_id', '=', where.roId);
  if (where.states) q = q.where('a.state', 'in', where.states);
  if (where.from && where.to) {
    const { from, to } = where;
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('a.starts_at', '>=', from), eb('a.starts_at', '<', to)]),
        eb.and([eb('a.proposed_starts_at', '>=', from), eb('a.proposed_starts_at', '<', to)]),
      ]),
    );
  }
  return (await q.orderBy('a.starts_at').orderBy('a.requested_at').orderBy('a.id').execute()) as AppointmentRow[];
}

/**
 * For every appointment that stands at a time (confirmed, requested, proposed): why that time
 * cannot take place any more, or nothing. Over capacity, the ones confirmed first keep their place.
 */
export async function timeProblems(desk: Desk, settings: SchedulingSettings, rows: readonly RowOf<'appointments'>[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const exceptions: ScheduleException[] = settings.exceptions;
  const standing = rows.filter((r) => r.state === 'confirmed' || r.state === 'requested' || r.state === 'proposed');
  if (standing.length === 0) return out;
  for (const row of standing) {
    const kind = asKind(row.kind);
    const at = standingStart(row);
    if (!kind || !at) continue;
    const problem = timeProblem(at, availabilityOf(settings, kind), exceptions, settings.timeZone);
    if (problem) out.set(row.id, problem);
  }
  // Capacity: every confirmed appointment at the same starts of the same kinds, in the order confirmed.
  const starts = [...new Set(standing.filter((r) => r.state === 'confirmed' && r.starts_at).map((r) => r.starts_at!))];
  if (starts.length === 0) return out;
  const confirmed = await desk.db.selectFrom('appointments').selectAll().where('state', '=', 'confirmed').where('starts_at', 'in', starts).execute();
  const groups = new Map<string, RowOf<'appointments'>[]>();
  for (const r of confirmed) {
    const key = `${r.kind}|${r.starts_at}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, group] of groups) {
    const kind = asKind(key.split('|')[0]!);
    if (!kind) continue;
    const capacity = availabilityOf(settings, kind).capacity;
    if (group.length <= capacity) continue;
    group.sort((a, b) => (a.decided_at ?? '').localeCompare(b.decided_at ?? '') || a.id.localeCompare(b.id));
    for (const r of group.slice(capacity)) {
      if (!out.has(r.id)) {
        out.set(r.id, `${group.length} ${KIND_LABELS[kind].toLowerCase()} appointments are confirmed at this time for ${capacity} ${capacity === 1 ? 'place' : 'places'}: another desk confirmed one first.`);
      }
    }
  }
  return out;
}

/**
 * Why an appointment at `startsAt` cannot take place under these settings (the day is closed,
 * the time is outside the hours, the kind is switched off), or null. Unlike the booking check,
 * lead time and the past do not count: an appointment confirmed for this morning stays fine.
 * Capacity is counted by the caller, which sees the other appointments.
 */
export function timeProblem(startsAt: string, availability: Availability, exceptions: readonly ScheduleException[], timeZone: string): string | null {
  const local = DateTime.fromISO(startsAt, { zone: 'utc' }).setZone(timeZone);
  if (!local.isValid) return 'The time is not a valid instant.';
  const kind = KIND_LABELS[availability.kind];
  if (!availability.active) return `${kind} appointments are switched off in Settings › Appointments.`;
  const { hours, closedBy } = hoursOn(local.toISODate()!, availability, exceptions);
  if (closedBy) return `The shop is now closed on ${local.toFormat('cccc d LLLL')}${closedBy.reason ? ` (${closedBy.reason})` : ''}.`;
  const minute = local.hour * 60 + local.minute;
  const fits = hours.some(([s, e]) => {
    const start = minutesOf(s);
    return minute >= start && minute + availability.slotMinutes <= minutesOf(e) && (minute - start) % availability.slotMinutes === 0;
  });
  return fits ? null : `${local.toFormat('ccc d LLL, HH:mm')} is now outside the ${kind.toLowerCase()} hours.`;
}

function parseEvents(json: string | null): Record<string, string> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string' && !e[0].startsWith('_')));
  } catch {
    return {};
  }
}

export async function toEntries(desk: Desk, rows: AppointmentRow[], settings?: SchedulingSettings): Promise<AppointmentEntry[]> {
  const s = settings ?? (await loadSchedulingSettings(desk));
  const problems = await timeProblems(desk, s, rows);
  const staffIds = [...new Set(rows.map((r) => r.decided_by?.replace(/^staff:/, '')).filter((x): x is string => !!x))];
  const staff = new Map(
    staffIds.length ? (await desk.db.selectFrom('staff').select(['id', 'name']).where('id', 'in', staffIds).execute()).map((x) => [x.id, x.name ?? '']) : [],
  );
  return rows.map((r) => {
    const at = standingStart(r);
    const local = at ? instantToLocal(at, s.timeZone) : null;
    const customerName = [r.first_name, r.last_name].filter(Boolean).join(' ');
    const decidedBy = r.decided_by ? (staff.get(r.decided_by.replace(/^staff:/, '')) ?? (r.decided_by.startsWith('staff:') ? 'Staff' : 'The desk')) : null;
    return {
      id: r.id,
      kind: asKind(r.kind) ?? 'estimate',
      state: asState(r.state),
      startsAt: at,
      endsAt: r.state === 'proposed' && r.proposed_starts_at && r.starts_at && r.ends_at
        ? new Date(Date.parse(r.proposed_starts_at) + Date.parse(r.ends_at) - Date.parse(r.starts_at)).toISOString()
        : r.ends_at,
      localDate: local?.date ?? null,
      localTime: local?.time ?? null,
      roId: r.ro_id,
      roNumber: r.ro_number,
      customerId: r.customer_id,
      name: customerName || r.name || 'Customer',
      mobile: r.c_mobile ?? r.mobile,
      email: r.c_email ?? r.email,
      vehicle: r.vehicle,
      description: r.description,
      insurer: r.insurer,
      claimNumber: r.claim_number,
      source: r.source,
      requestedAt: r.requested_at,
      holdUntil: r.hold_until,
      decidedAt: r.decided_at,
      decidedBy,
      declineReason: r.decline_reason,
      proposedStartsAt: r.proposed_starts_at,
      lead: r.source === 'shop-page' && !r.ro_id,
      problem: problems.get(r.id) ?? null,
      calendarEvents: parseEvents(r.calendar_events),
    };
  });
}

export async function loadEntry(desk: Desk, id: string): Promise<AppointmentEntry> {
  const rows = await appointmentRows(desk, { ids: [id] });
  if (rows.length === 0) throw new ApiError('not-found', 'That appointment is not in this workspace.', 'id');
  return (await toEntries(desk, rows))[0]!;
}

/** The mailboxes whose appointments' calendar sync found the calendar permission missing. */
export async function mailboxesMissingCalendar(desk: Desk): Promise<Set<string>> {
  const rows = await desk.db.selectFrom('appointments').select('calendar_events').where('calendar_events', 'like', `%${CALENDAR_PERMISSION_MISSING}%`).execute();
  const out = new Set<string>();
  for (const r of rows) for (const [mailbox, value] of Object.entries(parseEvents(r.calendar_events))) if (value === CALENDAR_PERMISSION_MISSING) out.add(mailbox);
  return out;
}

/** The places other appointments take (for capacity when this one is decided). */
export async function takenExcept(desk: Desk, kind: AppointmentKind, exceptId: string, now: Date) {
  const rows = await desk.db
    .selectFrom('appointments')
    .select(['id', 'kind', 'state', 'starts_at', 'hold_until', 'proposed_starts_at'])
    .where('kind', '=', kind)
    .where('state', 'in', ['confirmed', 'requested', 'proposed'])
    .where('id', '!=', exceptId)
    .execute();
  return takenFromRows(rows, now);
}
