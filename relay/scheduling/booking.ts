// Booking on the relay, the authority on capacity (issue 17). A request is checked and stored in
// one workspace write transaction: the free places are counted and the appointment inserted
// under the workspace's writers' lock (PostgreSQL: the advisory lock every workspace transaction
// takes at BEGIN, the same in every relay process; SQLite: one process, one connection, one
// transaction at a time), so two phones asking for the last place at once get one place between
// them, and the other is told "that time was just taken" with the next free times.
import type { Kysely } from 'kysely';
import { parsePhone, type ShopCountry } from '../../src-shared/phone.js';
import { availabilityFromRow, checkSlot, defaultAvailability, exceptionsFromRows, freeSlots, localToday, addDays, takenFromRows, type SlotProblem } from '../../src-shared/scheduling/slots.js';
import { APPOINTMENT_KINDS, type AppointmentKind, type Availability, type ScheduleException, type Slot, type TakenPlace } from '../../src-shared/scheduling/types.js';
import type { WorkspaceDatabase } from '../../src-shared/sync/rows.js';
import type { WriteTx } from '../../src-shared/sync/store.js';

type Db = Kysely<WorkspaceDatabase>;

export interface Schedule {
  availability: Availability;
  exceptions: ScheduleException[];
  taken: TakenPlace[];
  timeZone: string;
}

export function isKind(value: unknown): value is AppointmentKind {
  return typeof value === 'string' && (APPOINTMENT_KINDS as readonly string[]).includes(value);
}

/** What the schedule of one kind is right now, read from the workspace (or inside a write). */
export async function loadSchedule(db: Db, kind: AppointmentKind, timeZone: string, now: Date): Promise<Schedule> {
  const row = await db.selectFrom('appointment_availability').selectAll().where('kind', '=', kind).orderBy('updated_at', 'desc').executeTakeFirst();
  const parsed = row ? availabilityFromRow(row) : null;
  const availability = parsed?.ok ? parsed.value : defaultAvailability(kind);
  const yesterday = addDays(localToday(now, timeZone), -1);
  const exceptionRows = await db.selectFrom('schedule_exceptions').selectAll().where('date', '>=', yesterday).execute();
  const since = new Date(now.getTime() - 2 * 86_400_000).toISOString();
  const appointments = await db
    .selectFrom('appointments')
    .select(['kind', 'state', 'starts_at', 'hold_until', 'proposed_starts_at'])
    .where('kind', '=', kind)
    .where('state', 'in', ['confirmed', 'requested', 'proposed'])
    .where((eb) => eb.or([eb('starts_at', '>=', since), eb('proposed_starts_at', '>=', since)]))
    .execute();
  return { availability, exceptions: exceptionsFromRows(exceptionRows), taken: takenFromRows(appointments, now), timeZone };
}

export function slotsOf(schedule: Schedule, now: Date, limitDays?: number): Slot[] {
  return freeSlots({ ...schedule, now, days: limitDays });
}

export class BookingRefused extends Error {
  constructor(
    readonly problem: SlotProblem | 'field' | 'gone' | 'cancelled',
    message: string,
    readonly field: string | null = null,
    /** The sentence in the customer's catalogue (booking.*), said in the reader's language. */
    readonly say?: { key: string; values?: Record<string, unknown> },
  ) {
    super(message);
    this.name = 'BookingRefused';
  }
}

// ---- what a new customer types ---------------------------------------------------------------

export const LIMITS = { name: 120, email: 254, vehicle: 120, description: 2000, insurer: 120, claimNumber: 60 } as const;

export interface LeadInput {
  name: string;
  mobile: string;
  email: string;
  vehicle: string;
  description: string;
  insurer: string;
  claimNumber: string;
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function clean(value: string | undefined, max: number, field: string, label: string, multiline = false): string {
  let v = String(value ?? '').replace(/\r\n/g, '\n').replace(CONTROL, '');
  if (!multiline) v = v.replace(/\s+/g, ' ');
  v = v.trim();
  if (v.length > max) throw new BookingRefused('field', `Please keep ${label} under ${max} characters.`, field, { key: 'booking.tooLong', values: { fieldKey: `booking.${field}`, max } });
  return v;
}

/** A mobile number as the project keeps them (E.164), or a clear refusal. */
export function validMobile(input: string, country: ShopCountry = 'US'): string {
  const read = parsePhone(input, country);
  if (!read.ok || /[a-z]/i.test(input)) {
    const example = country === 'GB' ? '07400 123456' : '(512) 555-0147';
    throw new BookingRefused('field', `Please enter your mobile number with its ${country === 'GB' ? 'full dialling code' : 'area code'}, e.g. ${example}.`, 'mobile', {
      key: country === 'GB' ? 'booking.badMobileFull' : 'booking.badMobile',
      // The example number kept on one line.
      values: { example: example.replace(/ /g, '\u00a0') },
    });
  }
  return read.e164;
}

/** Checks and cleans a new customer's details; the first problem, naming the field, is thrown. */
/** A refused slot's sentence in the customer's catalogue. */
function slotSay(check: { problem: SlotProblem; days?: number; reason?: string; closedDay?: boolean }): { key: string; values?: Record<string, unknown> } {
  switch (check.problem) {
    case 'too-far':
      return { key: 'booking.slotTooFar', values: { count: check.days ?? 0 } };
    case 'closed':
      return check.reason ? { key: 'booking.slotClosedFor', values: { reason: check.reason } } : { key: check.closedDay ? 'booking.slotClosed' : 'booking.slotNotThatDay' };
    default:
      return { key: SLOT_KEYS[check.problem] ?? 'booking.slotInvalid' };
  }
}

const SLOT_KEYS: Partial<Record<SlotProblem, string>> = {
  invalid: 'booking.slotInvalid',
  inactive: 'booking.slotInactive',
  past: 'booking.slotPast',
  'too-soon': 'booking.slotTooSoon',
  'outside-hours': 'booking.slotOutside',
  full: 'booking.slotFull',
};

export function validateLead(fields: Record<string, string | undefined>, country: ShopCountry = 'US'): LeadInput {
  const name = clean(fields.name, LIMITS.name, 'name', 'your name');
  if (name === '') throw new BookingRefused('field', 'Please enter your name.', 'name', { key: 'booking.enterName' });
  const mobile = validMobile(String(fields.mobile ?? ''), country);
  const email = clean(fields.email, LIMITS.email, 'email', 'the email address');
  if (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new BookingRefused('field', 'Please check the email address (or leave it empty).', 'email', { key: 'booking.badEmail' });
  const vehicle = clean(fields.vehicle, LIMITS.vehicle, 'vehicle', 'the vehicle');
  if (vehicle === '') throw new BookingRefused('field', 'Please tell us the vehicle (year, make, model).', 'vehicle', { key: 'booking.needVehicle' });
  const description = clean(fields.description, LIMITS.description, 'description', 'the description', true);
  return {
    name,
    mobile,
    email,
    vehicle,
    description,
    insurer: clean(fields.insurer, LIMITS.insurer, 'insurer', 'the insurer'),
    claimNumber: clean(fields.claim, LIMITS.claimNumber, 'claim', 'the claim number'),
  };
}

// ---- storing a request -------------------------------------------------------------------------

export interface BookingResult {
  appointmentId: string;
  slot: Slot;
  customerId: string | null;
}

/**
 * Checks the slot and takes its place, inside the caller's write transaction: anything refused
 * throws BookingRefused, which rolls the whole write back (nothing stored).
 */
export async function takeSlot(tx: WriteTx, kind: AppointmentKind, startsAt: string, timeZone: string, now: Date): Promise<{ slot: Slot; holdUntil: string }> {
  const schedule = await loadSchedule(tx.trx, kind, timeZone, now);
  const check = checkSlot({ ...schedule, now }, startsAt);
  if (!check.ok) throw new BookingRefused(check.problem, check.message, null, slotSay(check));
  return { slot: check.slot, holdUntil: new Date(now.getTime() + schedule.availability.holdMinutes * 60_000).toISOString() };
}

/** A new customer's estimate request: a customer row, and the appointment carrying the lead. */
export async function requestEstimate(
  tx: WriteTx,
  input: { lead: LeadInput; startsAt: string; timeZone: string; now: Date; photos: Array<{ sha256: string; fileName: string; mimeType: string; sizeBytes: number }>; language?: string | null },
): Promise<BookingResult> {
  const { slot, holdUntil } = await takeSlot(tx, 'estimate', input.startsAt, input.timeZone, input.now);
  const at = input.now.toISOString();
  const [first, ...rest] = input.lead.name.split(' ');
  const customerId = await tx.insert('customers', {
    first_name: first ?? input.lead.name,
    last_name: rest.join(' '),
    mobile: input.lead.mobile,
    email: input.lead.email || null,
    preferred_channel: 'sms',
    // The language the customer chose on the form (null: the shop's), so the texts follow it.
    language: input.language ?? null,
    created_at: at,
  });
  const appointmentId = await tx.insert('appointments', {
    kind: 'estimate',
    state: 'requested',
    starts_at: slot.startsAt,
    ends_at: slot.endsAt,
    time_zone: input.timeZone,
    ro_id: null,
    customer_id: customerId,
    source: 'shop-page',
    requested_at: at,
    hold_until: holdUntil,
    name: input.lead.name,
    mobile: input.lead.mobile,
    email: input.lead.email || null,
    vehicle: input.lead.vehicle,
    description: input.lead.description,
    insurer: input.lead.insurer || null,
    claim_number: input.lead.claimNumber || null,
  });
  for (const p of input.photos) {
    await tx.insert('attachments', {
      ro_id: null,
      appointment_id: appointmentId,
      kind: 'photo',
      blob_hash: p.sha256,
      file_name: p.fileName,
      mime_type: p.mimeType,
      size_bytes: p.sizeBytes,
      published: 0,
      source: 'customer',
      added_at: at,
    });
  }
  return { appointmentId, slot, customerId };
}

/** The customer of an RO answers the shop's invitation: the invited appointment becomes a request. */
export async function answerInvitation(tx: WriteTx, input: { appointmentId: string; roId: string; startsAt: string; timeZone: string; now: Date }): Promise<BookingResult> {
  const row = await tx.get('appointments', input.appointmentId);
  if (!row || row.ro_id !== input.roId || !isKind(row.kind)) throw new BookingRefused('gone', 'This request is no longer open. Please call the shop.', null, { key: 'booking.gone' });
  if (row.state !== 'invited') throw new BookingRefused('gone', row.state === 'cancelled' ? 'The shop withdrew this request. Please call the shop.' : 'You have already chosen a time for this.', null, { key: row.state === 'cancelled' ? 'booking.withdrawn' : 'booking.alreadyChosen' });
  const { slot, holdUntil } = await takeSlot(tx, row.kind, input.startsAt, input.timeZone, input.now);
  await tx.update('appointments', row.id, {
    state: 'requested',
    starts_at: slot.startsAt,
    ends_at: slot.endsAt,
    time_zone: input.timeZone,
    source: 'portal',
    requested_at: input.now.toISOString(),
    hold_until: holdUntil,
  });
  return { appointmentId: row.id, slot, customerId: row.customer_id };
}

/** Rescheduling from the manage link: a new request replaces the old appointment, which is cancelled. */
export async function reschedule(tx: WriteTx, input: { tokenHash: string; startsAt: string; timeZone: string; now: Date }): Promise<BookingResult> {
  const row = await manageable(tx, input.tokenHash);
  const at = input.now.toISOString();
  // The old place is given up first, so moving within the same slot's day works when it was the last.
  await tx.update('appointments', row.id, { state: 'cancelled', cancelled_at: at, cancelled_by: 'customer', manage_token_hash: null });
  const { slot, holdUntil } = await takeSlot(tx, row.kind as AppointmentKind, input.startsAt, input.timeZone, input.now);
  const appointmentId = await tx.insert('appointments', {
    kind: row.kind,
    state: 'requested',
    starts_at: slot.startsAt,
    ends_at: slot.endsAt,
    time_zone: input.timeZone,
    ro_id: row.ro_id,
    customer_id: row.customer_id,
    source: row.source,
    requested_at: at,
    hold_until: holdUntil,
    name: row.name,
    mobile: row.mobile,
    email: row.email,
    vehicle: row.vehicle,
    description: row.description,
    insurer: row.insurer,
    claim_number: row.claim_number,
    replaces_id: row.id,
    manage_token_hash: input.tokenHash,
  });
  return { appointmentId, slot, customerId: row.customer_id };
}

export async function cancelByCustomer(tx: WriteTx, input: { tokenHash: string; now: Date }): Promise<void> {
  const row = await manageable(tx, input.tokenHash);
  await tx.update('appointments', row.id, { state: 'cancelled', cancelled_at: input.now.toISOString(), cancelled_by: 'customer' });
}

const OPEN_STATES = new Set(['requested', 'confirmed', 'proposed']);

async function manageable(tx: WriteTx, tokenHash: string) {
  const row = await tx.trx.selectFrom('appointments').selectAll().where('manage_token_hash', '=', tokenHash).executeTakeFirst();
  if (!row || !isKind(row.kind)) throw new BookingRefused('gone', 'This link does not work any more. Please call the shop.', null, { key: 'booking.linkGone' });
  if (row.state === 'cancelled') throw new BookingRefused('cancelled', 'This appointment was cancelled, so this link can no longer change it. To come in, please book a new time or call the shop.', null, { key: 'booking.cancelledLink' });
  if (!OPEN_STATES.has(row.state ?? '')) throw new BookingRefused('gone', 'This appointment can no longer be changed online. Please call the shop.', null, { key: 'booking.cannotChange' });
  return row;
}
