// Time-based rule occurrences (issue 20): when a "no customer contact for N business days",
// "an appointment is tomorrow" or "N days after delivery" rule is due for a repair, worked out
// from the shop's data and its calendar (src-shared/reports/shop-calendar.ts: opening hours minus
// the days it marked closed). The relay arms its timers from `pendingTimed` and, when one is due,
// checks with the same function that it still stands; the desk's dry run lists `timedInWindow`.
//
// What counts as contact with the customer: a text or portal message from them; a text to them
// that went out (sent or delivered); a portal message from the shop; an email from their address
// or sent to it; a call with them on the repair (logged, answered, or theirs that was missed — a
// call the shop made that nobody answered is not contact). Drafts, held and failed texts, mail to
// the adjuster and staff notes are not. With no contact yet, the silence counts from check-in.
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { loadShopCalendar, type ShopCalendar } from '../reports/shop-calendar.js';
import type { WorkspaceDatabase } from '../sync/rows.js';
import type { ChangeEvent, TimedTriggerKind, Trigger } from './rules.js';

type Db = Kysely<WorkspaceDatabase>;
type TimedTrigger = Extract<Trigger, { kind: TimedTriggerKind }>;

export interface TimedOccurrence {
  roId: string;
  /** The occurrence key: one rule fires once per key, ever; a new contact or a moved appointment makes a new key. */
  occurrence: string;
  /** When the rule is due (UTC ISO). */
  dueAt: string;
  event: ChangeEvent;
}

/** An appointment-tomorrow rule fires the day before, at this hour of the shop's day. */
export const APPOINTMENT_EVE_HOUR = 10;

const DAY = 86_400_000;

/** N business days after an instant: the same local time on the N-th business day after its day. */
export function businessDaysAfter(calendar: ShopCalendar, ms: number, n: number): number {
  let at = ms;
  for (let i = 0; i < n; i++) at = calendar.oneBusinessDayAfter(at);
  return at;
}

/** The calendar for timers around `now`: closed days from 45 days back to 120 days ahead. */
export function calendarAround(db: Db, now: Date): Promise<ShopCalendar> {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return loadShopCalendar(db, day(now.getTime() - 75 * DAY), day(now.getTime() + 120 * DAY));
}

interface RepairSpan {
  id: string;
  customerId: string | null;
  checkedInAt: string;
  closedAt: string | null;
}

const lower = (v: string | null | undefined) => (v ?? '').trim().toLowerCase();

function addresses(json: string | null): string[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    const list = Array.isArray(v) ? v : [v];
    return list.map((p) => lower((p as { address?: string } | null)?.address)).filter(Boolean);
  } catch {
    return [];
  }
}

/** Every moment of contact with the customer on these repairs, oldest first, per repair. */
export async function contactTimes(db: Db, repairs: readonly RepairSpan[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(repairs.map((r) => [r.id, []]));
  if (repairs.length === 0) return out;
  const ids = repairs.map((r) => r.id);
  const customerIds = [...new Set(repairs.map((r) => r.customerId).filter((c): c is string => c !== null))];
  const emails = new Map<string, string>();
  for (let i = 0; i < customerIds.length; i += 500) {
    for (const c of await db.selectFrom('customers').select(['id', 'email']).where('id', 'in', customerIds.slice(i, i + 500)).execute()) {
      if (c.email) emails.set(c.id, lower(c.email));
    }
  }
  const customerOf = new Map(repairs.map((r) => [r.id, r.customerId]));
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const messages = await db
      .selectFrom('messages')
      .select(['ro_id', 'channel', 'direction', 'status', 'at', 'email_from', 'email_to', 'email_cc'])
      .where('ro_id', 'in', chunk)
      .where('at', 'is not', null)
      .execute();
    for (const m of messages) {
      const email = emails.get(customerOf.get(m.ro_id!) ?? '') ?? null;
      let counts = false;
      if (m.channel === 'sms') counts = m.direction === 'in' || m.status === 'sent' || m.status === 'delivered';
      else if (m.channel === 'portal') counts = m.direction === 'in' || m.status === null || m.status === 'sent';
      else if (m.channel === 'email' && email) {
        counts = m.direction === 'in' ? addresses(m.email_from).includes(email) : m.status === 'sent' && [...addresses(m.email_to), ...addresses(m.email_cc)].includes(email);
      }
      if (counts) out.get(m.ro_id!)!.push(m.at!);
    }
    const calls = await db.selectFrom('calls').select(['ro_id', 'direction', 'party', 'state', 'started_at']).where('ro_id', 'in', chunk).where('started_at', 'is not', null).execute();
    for (const c of calls) {
      if (c.party && c.party !== 'customer') continue;
      if (c.direction === 'out' && c.state === 'missed') continue;
      out.get(c.ro_id!)!.push(c.started_at!);
    }
  }
  for (const list of out.values()) list.sort();
  return out;
}

function quietStretches(r: RepairSpan, contacts: readonly string[], calendar: ShopCalendar, businessDays: number, onlyLast: boolean): TimedOccurrence[] {
  const points = [r.checkedInAt, ...contacts.filter((c) => c > r.checkedInAt)];
  const out: TimedOccurrence[] = [];
  for (let i = onlyLast ? points.length - 1 : 0; i < points.length; i++) {
    const since = points[i]!;
    const due = new Date(businessDaysAfter(calendar, Date.parse(since), businessDays)).toISOString();
    const next = points[i + 1];
    if (next !== undefined && next <= due) continue;
    if (r.closedAt !== null && r.closedAt <= due) continue;
    out.push({ roId: r.id, occurrence: `quiet:${r.id}:${since}`, dueAt: due, event: { kind: 'no-contact', since } });
  }
  return out;
}

async function appointmentOccurrences(db: Db, calendar: ShopCalendar, fromStart: string, toStart: string): Promise<TimedOccurrence[]> {
  const rows = await db
    .selectFrom('appointments')
    .select(['id', 'ro_id', 'starts_at', 'state'])
    .where('starts_at', '>=', fromStart)
    .where('starts_at', '<=', toStart)
    .where('ro_id', 'is not', null)
    .where('cancelled_at', 'is', null)
    .where('state', 'in', ['confirmed', 'completed', 'no-show'])
    .execute();
  return rows.map((a) => {
    const eve = DateTime.fromISO(a.starts_at!, { zone: calendar.timeZone }).minus({ days: 1 }).set({ hour: APPOINTMENT_EVE_HOUR, minute: 0, second: 0, millisecond: 0 });
    return {
      roId: a.ro_id!,
      occurrence: `appointment:${a.id}:${a.starts_at}`,
      dueAt: eve.toUTC().toISO()!,
      event: { kind: 'appointment-tomorrow', appointmentId: a.id, startsAt: a.starts_at! },
    };
  });
}

function afterDelivery(r: RepairSpan, calendar: ShopCalendar, days: number): TimedOccurrence | null {
  if (!r.closedAt) return null;
  const due = DateTime.fromISO(r.closedAt, { zone: calendar.timeZone }).plus({ days });
  return { roId: r.id, occurrence: `delivered:${r.id}:${r.closedAt}`, dueAt: due.toUTC().toISO()!, event: { kind: 'after-delivery', deliveredAt: r.closedAt } };
}

/**
 * What a timed rule waits for now, one per repair (and appointment): the current silence of each
 * open repair, tomorrow's-and-later appointments, deliveries of the last year. Past-due ones are
 * included; the caller decides what was before the rule was switched on.
 */
export async function pendingTimed(db: Db, trigger: TimedTrigger, calendar: ShopCalendar, now: Date, onlyRepairs: readonly string[] | null = null): Promise<TimedOccurrence[]> {
  if (trigger.kind === 'appointment-tomorrow') {
    const rows = await appointmentOccurrences(db, calendar, new Date(now.getTime() - 2 * DAY).toISOString(), new Date(now.getTime() + 120 * DAY).toISOString());
    return onlyRepairs ? rows.filter((o) => onlyRepairs.includes(o.roId)) : rows;
  }
  if (trigger.kind === 'after-delivery') {
    let q = db.selectFrom('repair_orders').select(['id', 'customer_id', 'checked_in_at', 'closed_at']).where('closed_at', '>=', new Date(now.getTime() - (trigger.days + 3) * DAY).toISOString());
    if (onlyRepairs) q = q.where('id', 'in', onlyRepairs.length > 0 ? onlyRepairs : ['-']);
    const out: TimedOccurrence[] = [];
    for (const r of await q.execute()) {
      const o = afterDelivery({ id: r.id, customerId: r.customer_id, checkedInAt: r.checked_in_at ?? '', closedAt: r.closed_at }, calendar, trigger.days);
      if (o) out.push(o);
    }
    return out;
  }
  let q = db.selectFrom('repair_orders').select(['id', 'customer_id', 'checked_in_at', 'closed_at']).where('closed_at', 'is', null).where('checked_in_at', 'is not', null);
  if (onlyRepairs) q = q.where('id', 'in', onlyRepairs.length > 0 ? onlyRepairs : ['-']);
  const repairs = (await q.execute()).map((r) => ({ id: r.id, customerId: r.customer_id, checkedInAt: r.checked_in_at!, closedAt: r.closed_at }));
  const contacts = await contactTimes(db, repairs);
  return repairs.flatMap((r) => quietStretches(r, contacts.get(r.id) ?? [], calendar, trigger.businessDays, true));
}

/** Every time a timed rule would have been due from `from` to `to` (the dry run): past silences, appointments, deliveries. */
export async function timedInWindow(db: Db, trigger: TimedTrigger, calendar: ShopCalendar, from: Date, to: Date): Promise<TimedOccurrence[]> {
  const inWindow = (o: TimedOccurrence) => o.dueAt >= from.toISOString() && o.dueAt <= to.toISOString();
  if (trigger.kind === 'appointment-tomorrow') {
    return (await appointmentOccurrences(db, calendar, from.toISOString(), new Date(to.getTime() + 2 * DAY).toISOString())).filter(inWindow);
  }
  const rows = await db
    .selectFrom('repair_orders')
    .select(['id', 'customer_id', 'checked_in_at', 'closed_at'])
    .where('checked_in_at', 'is not', null)
    .where('checked_in_at', '<=', to.toISOString())
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', new Date(from.getTime() - 366 * DAY).toISOString())]))
    .execute();
  const repairs = rows.map((r) => ({ id: r.id, customerId: r.customer_id, checkedInAt: r.checked_in_at!, closedAt: r.closed_at }));
  if (trigger.kind === 'after-delivery') return repairs.map((r) => afterDelivery(r, calendar, trigger.days)).filter((o): o is TimedOccurrence => o !== null && inWindow(o));
  const contacts = await contactTimes(db, repairs.filter((r) => r.closedAt === null || r.closedAt >= from.toISOString()));
  return repairs.flatMap((r) => (contacts.has(r.id) ? quietStretches(r, contacts.get(r.id)!, calendar, trigger.businessDays, false) : [])).filter(inWindow);
}

/** Whether a timer's occurrence still stands now (the customer did not reply, the appointment did not move, …). */
export async function stillStands(db: Db, trigger: TimedTrigger, calendar: ShopCalendar, now: Date, roId: string, occurrence: string): Promise<TimedOccurrence | null> {
  const current = await pendingTimed(db, trigger, calendar, now, [roId]);
  return current.find((o) => o.occurrence === occurrence) ?? null;
}
