// Phone calls on the record at the desk (issue 24): the one place calls are written (logged by a
// person, sorted, marked handled, texted back) and read (a repair's calls, the unassigned ones,
// the missed ones nobody has dealt with, the counts). Every write goes through the workspace store
// with an intent, so it lands in the audit trail and syncs to the relay and the other desks.
import { ApiError } from '../../src-shared/api/errors.js';
import { type CallCounts, countCalls } from '../../src-shared/calls/counts.js';
import type { CallEntry, CallerMatch, CallParty, CallReason, CallSettings, CallState } from '../../src-shared/calls/words.js';
import { PARTY_LABELS, REASON_SHORT } from '../../src-shared/calls/words.js';
import { formatPhone, normalizePhone, type ShopCountry, shopCountry } from '../../src-shared/phone.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { shopToday } from '../../src-shared/shop-day.js';
import type { RowOf } from '../../src-shared/sync/rows.js';
import { actorOf, intent } from '../api/actor.js';
import type { DeskContext as Desk, HandlerContext } from '../api/desk-context.js';
import { vehicleLabel } from '../repair-orders/queries.js';

/** E.164 as the relay and Telnyx want it, or null (a number too short or too long to be one). */
export function toE164(input: string | null | undefined, country: ShopCountry = 'US'): string | null {
  const n = normalizePhone(input ?? '', country);
  return n && /^\+[1-9]\d{7,14}$/.test(n) ? n : null;
}

async function staffName(ctx: HandlerContext): Promise<string | null> {
  if (!ctx.session.staffId) return null;
  const row = await ctx.desk.db.selectFrom('staff').select('name').where('id', '=', ctx.session.staffId).executeTakeFirst();
  return row?.name ?? null;
}

export async function toEntries(desk: Desk, rows: Array<RowOf<'calls'>>): Promise<CallEntry[]> {
  const roIds = [...new Set(rows.map((r) => r.ro_id).filter((x): x is string => !!x))];
  const custIds = [...new Set(rows.map((r) => r.customer_id).filter((x): x is string => !!x))];
  const staffIds = [...new Set(rows.map((r) => r.staff_id).filter((x): x is string => !!x))];
  const ros = roIds.length ? await desk.db.selectFrom('repair_orders').select(['id', 'ro_number']).where('id', 'in', roIds).execute() : [];
  const custs = custIds.length ? await desk.db.selectFrom('customers').select(['id', 'first_name', 'last_name']).where('id', 'in', custIds).execute() : [];
  const staff = staffIds.length ? await desk.db.selectFrom('staff').select(['id', 'name']).where('id', 'in', staffIds).execute() : [];
  const roNumber = new Map(ros.map((r) => [r.id, r.ro_number]));
  const custName = new Map(custs.map((c) => [c.id, [c.first_name, c.last_name].filter(Boolean).join(' ')]));
  const staffName = new Map(staff.map((s) => [s.id, s.name]));
  return rows.map((r) => ({
    id: r.id,
    roId: r.ro_id,
    roNumber: r.ro_id ? (roNumber.get(r.ro_id) ?? null) : null,
    customerId: r.customer_id,
    customerName: r.customer_id ? (custName.get(r.customer_id) ?? null) : null,
    direction: r.direction === 'out' ? 'out' : 'in',
    party: (r.party as CallParty | null) ?? null,
    reason: (r.reason as CallReason | null) ?? null,
    outcome: r.outcome ?? '',
    note: r.note ?? '',
    peerNumber: r.peer_number,
    startedAt: r.started_at ?? '',
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    durationSeconds: r.duration_seconds,
    state: ((r.state ?? 'logged') as CallState),
    source: r.source === 'phone' ? 'phone' : 'desk',
    loggedBy: r.staff_id ? (staffName.get(r.staff_id) ?? null) : null,
    handled: r.handled_at !== null,
  }));
}

async function entry(desk: Desk, id: string): Promise<CallEntry> {
  const row = await desk.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'That call is not in this workspace.', 'id');
  return (await toEntries(desk, [row]))[0]!;
}

/** The shop's country, in which a number typed without "+" is read. */
async function countryOfDesk(desk: Desk): Promise<ShopCountry> {
  const row = await desk.db.selectFrom('workspace_settings').select('country').where('id', '=', SETTINGS_ID).executeTakeFirst();
  return shopCountry(row?.country);
}

/** The customers with this number and their repairs still open; the repair when exactly one is open. */
export async function matchCaller(desk: Desk, typed: string): Promise<CallerMatch> {
  const number = toE164(typed, await countryOfDesk(desk));
  if (!number) return { number: null, customers: [], openRos: [], roId: null };
  const customers = await desk.db.selectFrom('customers').select(['id', 'first_name', 'last_name']).where('mobile', '=', number).execute();
  const open = customers.length
    ? await desk.db
        .selectFrom('repair_orders')
        .leftJoin('vehicles', 'vehicles.id', 'repair_orders.vehicle_id')
        .select(['repair_orders.id', 'repair_orders.ro_number', 'repair_orders.customer_id', 'vehicles.year', 'vehicles.make', 'vehicles.model', 'vehicles.color'])
        .where('repair_orders.customer_id', 'in', customers.map((c) => c.id))
        .where('repair_orders.closed_at', 'is', null)
        .orderBy('repair_orders.ro_number')
        .execute()
    : [];
  const name = (id: string | null) => {
    const c = customers.find((x) => x.id === id);
    return c ? [c.first_name, c.last_name].filter(Boolean).join(' ') : '';
  };
  return {
    number,
    customers: customers.map((c) => ({ id: c.id, name: name(c.id) })),
    openRos: open.map((r) => ({ id: r.id, roNumber: r.ro_number ?? 0, customerName: name(r.customer_id), vehicle: vehicleLabel({ year: r.year, make: r.make, model: r.model, color: null }) })),
    roId: open.length === 1 ? open[0]!.id : null,
  };
}

export interface LogCallInput {
  roId?: string | null;
  number?: string | null;
  direction: 'in' | 'out';
  party: CallParty;
  reason: CallReason;
  outcome: string;
  note: string;
  durationMinutes?: number | null;
}

export async function logCall(ctx: HandlerContext, input: LogCallInput): Promise<CallEntry> {
  const { desk } = ctx;
  let roId = input.roId ?? null;
  let customerId: string | null = null;
  let number = input.number ? toE164(input.number, await countryOfDesk(desk)) : null;
  if (input.number && input.number.trim() !== '' && !number) {
    throw new ApiError('invalid-args', `“${input.number}” is not a phone number Bayline can use: type it with the area code, such as (512) 555-0147.`, 'number');
  }
  if (roId) {
    const ro = await desk.db.selectFrom('repair_orders').select(['id', 'customer_id']).where('id', '=', roId).executeTakeFirst();
    if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
    customerId = input.party === 'customer' ? ro.customer_id : null;
    if (!number && input.party === 'customer' && ro.customer_id) {
      const c = await desk.db.selectFrom('customers').select('mobile').where('id', '=', ro.customer_id).executeTakeFirst();
      number = c?.mobile ?? null;
    }
  } else if (number) {
    const match = await matchCaller(desk, number);
    roId = match.roId;
    customerId = match.customers.length === 1 ? match.customers[0]!.id : roId ? (match.openRos.find((r) => r.id === roId) ? match.customers[0]?.id ?? null : null) : null;
  } else {
    throw new ApiError('invalid-args', 'Say which repair the call was about, or type the caller’s number.', 'number');
  }
  const now = desk.now();
  const started = input.durationMinutes ? new Date(now.getTime() - input.durationMinutes * 60_000) : now;
  const who = PARTY_LABELS[input.party].toLowerCase();
  const summary = `Call logged: ${REASON_SHORT[input.reason].toLowerCase()}, ${input.direction === 'in' ? `from the ${who}` : `to the ${who}`}${input.outcome ? ` — ${input.outcome}` : ''}`;
  const id = await desk.store.write(intent(ctx, 'call-log', summary, roId), (tx) =>
    tx.insert('calls', {
      ro_id: roId,
      customer_id: customerId,
      direction: input.direction,
      party: input.party,
      reason: input.reason,
      outcome: input.outcome,
      note: input.note,
      peer_number: number,
      started_at: started.toISOString(),
      ended_at: now.toISOString(),
      duration_seconds: input.durationMinutes ? input.durationMinutes * 60 : null,
      state: 'logged',
      source: 'desk',
      staff_id: ctx.session.staffId,
    }),
  );
  return entry(desk, id);
}

export async function updateCall(
  ctx: HandlerContext,
  input: { id: string; roId?: string | null; party?: CallParty; reason?: CallReason; outcome?: string; note?: string },
): Promise<CallEntry> {
  const row = await ctx.desk.db.selectFrom('calls').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'That call is not in this workspace.', 'id');
  let customerId = row.customer_id;
  if (input.roId) {
    const ro = await ctx.desk.db.selectFrom('repair_orders').select(['customer_id', 'ro_number']).where('id', '=', input.roId).executeTakeFirst();
    if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
    if ((input.party ?? row.party ?? 'customer') === 'customer') customerId = ro.customer_id;
  }
  const roId = input.roId === undefined ? row.ro_id : input.roId;
  const summary = input.roId && input.roId !== row.ro_id ? 'Call put on this repair' : input.reason ? `Call sorted: ${REASON_SHORT[input.reason].toLowerCase()}` : 'Call details changed';
  await ctx.desk.store.write(intent(ctx, 'call-update', summary, roId), (tx) =>
    tx.update('calls', input.id, {
      ro_id: roId,
      customer_id: customerId,
      ...(input.party ? { party: input.party } : {}),
      ...(input.reason ? { reason: input.reason } : {}),
      ...(input.outcome !== undefined ? { outcome: input.outcome } : {}),
      ...(input.note !== undefined ? { note: input.note } : {}),
    }),
  );
  return entry(ctx.desk, input.id);
}

export async function listCalls(desk: Desk, filter: { roId?: string; unassigned?: boolean; limit: number }): Promise<CallEntry[]> {
  let q = desk.db.selectFrom('calls').selectAll();
  if (filter.roId) q = q.where('ro_id', '=', filter.roId);
  else if (filter.unassigned) q = q.where('ro_id', 'is', null);
  return toEntries(desk, await q.orderBy('started_at', 'desc').orderBy('id').limit(filter.limit).execute());
}

export async function missedCalls(desk: Desk): Promise<CallEntry[]> {
  const rows = await desk.db.selectFrom('calls').selectAll().where('state', '=', 'missed').where('handled_at', 'is', null).orderBy('started_at', 'desc').limit(50).execute();
  return toEntries(desk, rows);
}

export async function handleCall(ctx: HandlerContext, id: string, how = 'Missed call dealt with'): Promise<CallEntry> {
  const row = await ctx.desk.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'That call is not in this workspace.', 'id');
  if (row.handled_at === null) {
    await ctx.desk.store.write(intent(ctx, 'call-handle', how, row.ro_id), (tx) =>
      tx.update('calls', id, { handled_at: ctx.desk.now().toISOString(), handled_by: actorOf(ctx) }),
    );
  }
  return entry(ctx.desk, id);
}

/**
 * Texts back the caller of a missed call: an approved text to the caller's number (on the call's
 * repair when it has one), which the relay sends once like any text; the call is then dealt with.
 */
export async function textBack(ctx: HandlerContext, id: string, body: string): Promise<CallEntry> {
  const { desk } = ctx;
  const row = await desk.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'That call is not in this workspace.', 'id');
  const to = toE164(row.peer_number);
  if (!to) throw new ApiError('sms-not-possible', 'This call has no number to text back.', 'id');
  const optedOut = await desk.db.selectFrom('customers').select('id').where('mobile', '=', to).where('sms_opt_out', '=', 1).executeTakeFirst();
  if (optedOut) throw new ApiError('sms-opted-out', 'Not sent: this number has opted out of texts (they replied STOP). Call them back instead.', 'id');
  const now = desk.now().toISOString();
  const name = await staffName(ctx);
  await desk.store.write(intent(ctx, 'call-text-back', `Texted back ${formatPhone(to)} after a missed call`, row.ro_id), async (tx) => {
    await tx.insert('messages', {
      ro_id: row.ro_id,
      customer_id: row.customer_id,
      channel: 'sms',
      direction: 'out',
      body,
      at: now,
      read_at: now,
      author: name,
      status: 'approved',
      approved_by: actorOf(ctx),
      approved_at: now,
      staff_id: ctx.session.staffId,
      peer_number: to,
      automated: 0,
    });
    await tx.update('calls', id, { handled_at: now, handled_by: actorOf(ctx) });
  });
  return entry(desk, id);
}

// ---- settings ----------------------------------------------------------------------------------

export async function loadCallSettings(desk: Desk): Promise<CallSettings> {
  const row = await desk.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
  return {
    enabled: row?.calls_enabled === 1,
    forwardNumber: row?.call_forward_number ?? null,
    portalLinksSince: row?.portal_links_since ?? null,
    baylineNumber: row?.sms_number ?? null,
  };
}

export async function updateCallSettings(
  ctx: HandlerContext,
  input: { enabled?: boolean; forwardNumber?: string | null; portalLinksSince?: string | null },
): Promise<CallSettings> {
  const current = await loadCallSettings(ctx.desk);
  let forward = current.forwardNumber;
  if (input.forwardNumber !== undefined) {
    if (input.forwardNumber === null || input.forwardNumber.trim() === '') forward = null;
    else {
      forward = toE164(input.forwardNumber, await countryOfDesk(ctx.desk));
      if (!forward) throw new ApiError('invalid-args', `“${input.forwardNumber}” is not a phone number calls can be forwarded to: type it with the area code, such as (512) 555-0100.`, 'forwardNumber');
    }
  }
  const enabled = input.enabled ?? current.enabled;
  if (enabled && !forward) throw new ApiError('invalid-args', 'Give the shop line calls are forwarded to before switching calls on.', 'forwardNumber');
  if (enabled && forward && current.baylineNumber && forward === current.baylineNumber) {
    throw new ApiError('invalid-args', 'Calls cannot be forwarded to the Bayline number itself: give the shop’s own line.', 'forwardNumber');
  }
  if (input.portalLinksSince && Number.isNaN(Date.parse(`${input.portalLinksSince}T12:00:00Z`))) {
    throw new ApiError('invalid-args', `${input.portalLinksSince} is not a date.`, 'portalLinksSince');
  }
  const since = input.portalLinksSince === undefined ? current.portalLinksSince : input.portalLinksSince;
  await ctx.desk.store.write(intent(ctx, 'call-settings', enabled ? `Calls to the Bayline number forwarded to ${formatPhone(forward)}` : 'Calls settings changed: calls to the Bayline number off'), (tx) =>
    tx.update('workspace_settings', SETTINGS_ID, { calls_enabled: enabled ? 1 : 0, call_forward_number: forward, portal_links_since: since }),
  );
  return loadCallSettings(ctx.desk);
}

// ---- counts ------------------------------------------------------------------------------------

/**
 * The calls report's figures from this desk's copy of the shop's records (see countCalls in
 * src-shared/calls/counts.ts). `from`/`to` default to the 60 days up to today where the shop is.
 * The reports issue's "time reclaimed" calls this and uses `measured`/`callsSavedPerDay`.
 */
export async function loadCallCounts(desk: Desk, range: { from?: string; to?: string } = {}): Promise<CallCounts> {
  const settings = await desk.db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
  const timeZone = settings?.time_zone ?? 'America/Chicago';
  const to = range.to ?? shopToday(timeZone, desk.now());
  const from = range.from ?? new Date(Date.parse(`${to}T12:00:00Z`) - 59 * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw new ApiError('invalid-args', `The report starts (${from}) after it ends (${to}).`, 'from');
  // Rows a day either side of the range (time zones); countCalls keeps the shop's days.
  const lo = new Date(Date.parse(`${from}T00:00:00Z`) - 86_400_000).toISOString();
  const hi = new Date(Date.parse(`${to}T00:00:00Z`) + 2 * 86_400_000).toISOString();
  const calls = await desk.db.selectFrom('calls').select(['started_at', 'reason', 'ro_id']).where('started_at', '>=', lo).where('started_at', '<', hi).execute();
  const repairs = await desk.db
    .selectFrom('repair_orders')
    .select(['id', 'checked_in_at', 'closed_at'])
    .where('checked_in_at', '<', hi)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', lo)]))
    .execute();
  const counts = await desk.db.selectFrom('portal_counts').select(['source', 'views']).execute();
  let views = 0;
  let qrScans = 0;
  for (const c of counts) {
    views += c.views ?? 0;
    if ((c.source ?? '').startsWith('qr-')) qrScans += c.views ?? 0;
  }
  return countCalls({
    calls: calls.map((c) => ({ startedAt: c.started_at ?? '', reason: (c.reason as CallReason | null) ?? null, roId: c.ro_id })),
    repairs: repairs.map((r) => ({ id: r.id, checkedInAt: r.checked_in_at, closedAt: r.closed_at })),
    portal: { views, qrScans },
    portalLinksSince: settings?.portal_links_since ?? null,
    timeZone,
    from,
    to,
  });
}
