// Scheduling at the desk (issue 17): Settings › Appointments, the calendar and its decisions
// (confirm, decline with a reason, propose another time), "Ask for a drop-off/pickup time" on a
// repair, and the shop's private calendar feed. Every write goes through the one mutation layer;
// the relay sees the new states by sync and texts the customer.
import { sql } from 'kysely';
import { ApiError } from '../../src-shared/api/errors.js';
import { availabilityProblems, exceptionProblems, KIND_LABELS } from '../../src-shared/scheduling/availability-rules.js';
import { calendarFeedUrl, type CalendarFeed, type CalendarSlot } from '../../src-shared/scheduling/desk-api.js';
import { addDays, availabilityToRow, checkSlot, freeSlots, localToday, localToInstant, takenFromRows } from '../../src-shared/scheduling/slots.js';
import type { AppointmentKind } from '../../src-shared/scheduling/types.js';
import { hashToken, newToken } from '../../src-shared/portal/token.js';
import { actorOf, intent } from '../api/actor.js';
import type { HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';
import { NOT_PAIRED, portalBase } from '../portal/portal-links.js';
import {
  appointmentRows,
  availabilityId,
  availabilityOf,
  loadEntry,
  loadSchedulingSettings,
  mailboxesMissingCalendar,
  takenExcept,
  toEntries,
} from './appointments.js';

function refuse(problems: Array<{ field: string; message: string }>): never {
  const first = problems[0]!;
  throw new ApiError('invalid-args', first.message, first.field, problems);
}

async function requireAppointment(desk: Desk, id: string) {
  const row = await desk.db.selectFrom('appointments').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'That appointment is not in this workspace.', 'id');
  return row;
}

function whoDecided(actor: string): string {
  return actor;
}

async function readFeed(desk: Desk): Promise<CalendarFeed> {
  const where = portalBase(desk);
  const row = desk.sqlite
    .prepare(
      `SELECT t.id, t.issued_at, s.token FROM portal_tokens t LEFT JOIN token_secrets s ON s.token_id = t.id
       WHERE t.kind = 'calendar' AND t.revoked_at IS NULL ORDER BY t.issued_at DESC LIMIT 1`,
    )
    .get() as { id: string; issued_at: string | null; token: string | null } | undefined;
  return {
    url: row?.token && where ? calendarFeedUrl(where.base, row.token) : null,
    active: !!row,
    issuedAt: row?.issued_at ?? null,
    paired: !!where,
  };
}

async function revokeFeeds(tx: Parameters<Parameters<Desk['store']['write']>[1]>[0], now: string): Promise<void> {
  const live = await tx.trx.selectFrom('portal_tokens').select('id').where('kind', '=', 'calendar').where('revoked_at', 'is', null).execute();
  for (const t of live) await tx.update('portal_tokens', t.id, { revoked_at: now });
}

export const schedulingHandlers: Partial<HandlerMap> = {
  'schedule-settings-get': async (_args, { desk }) => loadSchedulingSettings(desk),

  'schedule-availability-save': async (args, ctx) => {
    const problems = availabilityProblems(args);
    if (problems.length) refuse(problems);
    const label = KIND_LABELS[args.kind];
    await ctx.desk.store.write(intent(ctx, 'schedule-availability-save', `${label} appointment hours saved`), async (tx) => {
      const id = availabilityId(args.kind);
      const values = { ...availabilityToRow(args), updated_at: ctx.desk.now().toISOString() };
      const exists = await tx.trx.selectFrom('appointment_availability').select('id').where('id', '=', id).executeTakeFirst();
      if (exists) await tx.update('appointment_availability', id, values);
      else await tx.insert('appointment_availability', { id, ...values });
    });
    return loadSchedulingSettings(ctx.desk);
  },

  'schedule-exception-save': async (args, ctx) => {
    const settings = await loadSchedulingSettings(ctx.desk);
    const today = localToday(ctx.desk.now(), settings.timeZone);
    const value = { date: args.date, kind: args.kind, closed: args.closed, hours: args.closed ? null : args.hours, reason: args.reason };
    const problems = exceptionProblems(value, settings.timeZone, args.id ? null : today);
    if (problems.length) refuse(problems);
    const what = args.closed ? `Closed on ${args.date}` : `Own hours on ${args.date}`;
    await ctx.desk.store.write(intent(ctx, 'schedule-exception-save', `${what}${args.reason ? ` (${args.reason})` : ''}`), async (tx) => {
      const row = { date: value.date, kind: value.kind, closed: value.closed ? 1 : 0, hours: value.hours ? JSON.stringify(value.hours) : null, reason: value.reason };
      if (args.id) {
        const exists = await tx.trx.selectFrom('schedule_exceptions').select('id').where('id', '=', args.id).executeTakeFirst();
        if (!exists) throw new ApiError('not-found', 'That closure is not in this workspace.', 'id');
        await tx.update('schedule_exceptions', args.id, row);
      } else {
        await tx.insert('schedule_exceptions', { ...row, created_at: ctx.desk.now().toISOString() });
      }
    });
    return loadSchedulingSettings(ctx.desk);
  },

  'schedule-exception-remove': async (args, ctx) => {
    const row = await ctx.desk.db.selectFrom('schedule_exceptions').select(['id', 'date']).where('id', '=', args.id).executeTakeFirst();
    if (!row) throw new ApiError('not-found', 'That closure is not in this workspace.', 'id');
    await ctx.desk.store.write(intent(ctx, 'schedule-exception-remove', `Exception on ${row.date} removed`), (tx) =>
      tx.update('schedule_exceptions', args.id, { removed_at: ctx.desk.now().toISOString() }),
    );
    return loadSchedulingSettings(ctx.desk);
  },

  'appointment-calendar': async (args, { desk }) => {
    const settings = await loadSchedulingSettings(desk);
    const zone = settings.timeZone;
    const now = desk.now();
    const fromMs = localToInstant(args.from, '00:00', zone) ?? Date.parse(`${args.from}T00:00:00Z`);
    const toMs = localToInstant(addDays(args.from, args.days), '00:00', zone) ?? fromMs + args.days * 86_400_000;
    const rows = await appointmentRows(desk, { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() });
    const shown = rows.filter((r) => ['requested', 'proposed', 'confirmed', 'completed', 'no-show'].includes(r.state ?? '') && args.kinds.includes(r.kind as AppointmentKind));
    const taken = await desk.db
      .selectFrom('appointments')
      .select(['id', 'kind', 'state', 'starts_at', 'hold_until', 'proposed_starts_at'])
      .where('state', 'in', ['confirmed', 'requested', 'proposed'])
      .execute();
    const places = takenFromRows(taken, now);
    const slots: CalendarSlot[] = [];
    for (const kind of args.kinds) {
      const availability = availabilityOf(settings, kind);
      // The whole view, past hours included: the calendar shows every slot, lead time is the customers'.
      const grid = freeSlots({
        availability: { ...availability, leadMinutes: 0, horizonDays: 400 },
        exceptions: settings.exceptions,
        taken: places,
        timeZone: zone,
        now: new Date(fromMs),
        fromDate: args.from,
        days: args.days,
        includeFull: true,
      });
      for (const s of grid) {
        const start = Date.parse(s.startsAt);
        const end = Date.parse(s.endsAt);
        const used = places.filter((p) => p.kind === kind && Date.parse(p.startsAt) >= start && Date.parse(p.startsAt) < end).length;
        slots.push({ ...s, used });
      }
    }
    const closed = settings.exceptions
      .filter((e) => e.closed && e.date >= args.from && e.date < addDays(args.from, args.days))
      .filter((e) => e.kind === null || args.kinds.every((k) => settings.exceptions.some((x) => x.closed && x.date === e.date && (x.kind === null || x.kind === k))))
      .map((e) => ({ date: e.date, reason: e.reason }))
      .filter((e, i, all) => all.findIndex((x) => x.date === e.date) === i);
    return { timeZone: zone, from: args.from, days: args.days, kinds: args.kinds, slots, appointments: await toEntries(desk, shown, settings), closed };
  },

  'appointment-pending': async (_args, { desk }) => {
    const rows = await appointmentRows(desk, { states: ['requested'] });
    return toEntries(desk, rows.sort((a, b) => (a.requested_at ?? '').localeCompare(b.requested_at ?? '')));
  },

  'appointment-free-slots': async (args, { desk }) => {
    const settings = await loadSchedulingSettings(desk);
    const taken = await takenExcept(desk, args.kind, '', desk.now());
    return freeSlots({
      availability: availabilityOf(settings, args.kind),
      exceptions: settings.exceptions,
      taken,
      timeZone: settings.timeZone,
      now: desk.now(),
      fromDate: args.from,
      days: args.days,
    });
  },

  'appointment-get': async (args, { desk }) => loadEntry(desk, args.id),

  'appointment-confirm': async (args, ctx) => {
    const row = await requireAppointment(ctx.desk, args.id);
    if (row.state === 'confirmed') return loadEntry(ctx.desk, args.id);
    if (row.state !== 'requested') throw new ApiError('invalid-args', `This appointment is ${row.state}; only a request waiting for an answer can be confirmed.`, 'id');
    const kind = row.kind as AppointmentKind;
    const settings = await loadSchedulingSettings(ctx.desk);
    const [entry] = await toEntries(ctx.desk, await appointmentRows(ctx.desk, { ids: [row.id] }), settings);
    if (entry?.problem) throw new ApiError('invalid-args', `${entry.problem} Propose another time or decline.`, 'id');
    const availability = availabilityOf(settings, kind);
    const taken = await takenExcept(ctx.desk, kind, row.id, ctx.desk.now());
    const at = Date.parse(row.starts_at ?? '');
    const end = at + availability.slotMinutes * 60_000;
    const used = taken.filter((p) => Date.parse(p.startsAt) >= at && Date.parse(p.startsAt) < end).length;
    if (used >= availability.capacity) {
      throw new ApiError(
        'invalid-args',
        `That time is full: ${used} of ${availability.capacity} ${availability.capacity === 1 ? 'place is' : 'places are'} taken. Propose another time or decline.`,
        'id',
      );
    }
    const who = whoDecided(actorOf(ctx));
    await ctx.desk.store.write(intent(ctx, 'appointment-confirm', `${KIND_LABELS[kind]} appointment confirmed for ${entry?.localDate} ${entry?.localTime}`, row.ro_id), (tx) =>
      tx.update('appointments', row.id, { state: 'confirmed', decided_at: ctx.desk.now().toISOString(), decided_by: who, decline_reason: null }),
    );
    return loadEntry(ctx.desk, args.id);
  },

  'appointment-decline': async (args, ctx) => {
    const row = await requireAppointment(ctx.desk, args.id);
    if (row.state !== 'requested' && row.state !== 'proposed' && row.state !== 'confirmed') {
      throw new ApiError('invalid-args', `This appointment is ${row.state}; there is nothing to decline.`, 'id');
    }
    await ctx.desk.store.write(intent(ctx, 'appointment-decline', `${KIND_LABELS[row.kind as AppointmentKind] ?? 'Appointment'} request declined: ${args.reason}`, row.ro_id), (tx) =>
      tx.update('appointments', row.id, { state: 'declined', decided_at: ctx.desk.now().toISOString(), decided_by: whoDecided(actorOf(ctx)), decline_reason: args.reason }),
    );
    return loadEntry(ctx.desk, args.id);
  },

  'appointment-propose': async (args, ctx) => {
    const row = await requireAppointment(ctx.desk, args.id);
    if (row.state !== 'requested' && row.state !== 'proposed') {
      throw new ApiError('invalid-args', `This appointment is ${row.state}; another time can be proposed only for a request.`, 'id');
    }
    const kind = row.kind as AppointmentKind;
    const settings = await loadSchedulingSettings(ctx.desk);
    const availability = availabilityOf(settings, kind);
    const now = ctx.desk.now();
    const check = checkSlot(
      { availability: { ...availability, leadMinutes: 0 }, exceptions: settings.exceptions, taken: await takenExcept(ctx.desk, kind, row.id, now), timeZone: settings.timeZone, now },
      args.startsAt,
    );
    if (!check.ok) throw new ApiError('invalid-args', check.message.replace('Please choose one of the times shown.', 'Choose one of the free times.'), 'startsAt');
    await ctx.desk.store.write(intent(ctx, 'appointment-propose', `Another time proposed: ${check.slot.localDate} ${check.slot.localTime}`, row.ro_id), (tx) =>
      tx.update('appointments', row.id, {
        state: 'proposed',
        proposed_starts_at: check.slot.startsAt,
        decided_at: now.toISOString(),
        decided_by: whoDecided(actorOf(ctx)),
        hold_until: new Date(now.getTime() + availability.holdMinutes * 60_000).toISOString(),
      }),
    );
    return loadEntry(ctx.desk, args.id);
  },

  'appointment-cancel': async (args, ctx) => {
    const row = await requireAppointment(ctx.desk, args.id);
    if (!['invited', 'requested', 'proposed', 'confirmed'].includes(row.state ?? '')) {
      throw new ApiError('invalid-args', `This appointment is ${row.state} already.`, 'id');
    }
    await ctx.desk.store.write(intent(ctx, 'appointment-cancel', `Appointment cancelled${args.reason ? `: ${args.reason}` : ''}`, row.ro_id), (tx) =>
      tx.update('appointments', row.id, {
        state: 'cancelled',
        cancelled_at: ctx.desk.now().toISOString(),
        cancelled_by: actorOf(ctx),
        note: args.reason || row.note,
      }),
    );
    return loadEntry(ctx.desk, args.id);
  },

  'appointment-invite': async (args, ctx) => {
    const ro = await ctx.desk.db
      .selectFrom('repair_orders as r')
      .leftJoin('customers as c', 'c.id', 'r.customer_id')
      .select(['r.id', 'r.ro_number', 'r.customer_id', 'c.mobile', 'c.sms_opt_out'])
      .where('r.id', '=', args.roId)
      .executeTakeFirst();
    if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
    if (!ro.mobile) throw new ApiError('invalid-args', 'The customer has no mobile number to text the link to. Add one to the customer first.', 'roId');
    if (ro.sms_opt_out === 1) throw new ApiError('sms-opted-out', 'The customer has stopped texts (STOP), so the link cannot be texted. Call them to agree a time.', 'roId');
    const settings = await loadSchedulingSettings(ctx.desk);
    if (!availabilityOf(settings, args.kind).active) {
      throw new ApiError('invalid-args', `${KIND_LABELS[args.kind]} appointments are switched off. Turn them on in Settings › Appointments first.`, 'kind');
    }
    const open = await ctx.desk.db
      .selectFrom('appointments')
      .select('id')
      .where('ro_id', '=', args.roId)
      .where('kind', '=', args.kind)
      .where('state', 'in', ['invited', 'requested', 'proposed'])
      .executeTakeFirst();
    if (!open) {
      await ctx.desk.store.write(intent(ctx, 'appointment-invite', `Customer asked to choose a ${KIND_LABELS[args.kind].toLowerCase()} time`, args.roId), (tx) =>
        tx.insert('appointments', {
          kind: args.kind,
          state: 'invited',
          ro_id: args.roId,
          customer_id: ro.customer_id,
          source: 'desk',
          requested_at: ctx.desk.now().toISOString(),
          time_zone: settings.timeZone,
        }),
      );
    }
    return toEntries(ctx.desk, await appointmentRows(ctx.desk, { roId: args.roId }), settings);
  },

  'appointment-for-ro': async (args, { desk }) => toEntries(desk, await appointmentRows(desk, { roId: args.roId })),

  'appointment-attach-ro': async (args, ctx) => {
    const row = await requireAppointment(ctx.desk, args.id);
    const ro = await ctx.desk.db.selectFrom('repair_orders').select(['id', 'customer_id', 'ro_number']).where('id', '=', args.roId).executeTakeFirst();
    if (!ro) throw new ApiError('not-found', 'That repair order is not in this workspace.', 'roId');
    if (row.ro_id && row.ro_id !== ro.id) throw new ApiError('invalid-args', 'This request is already checked in on another repair order.', 'id');
    await ctx.desk.store.write(intent(ctx, 'appointment-attach-ro', `Estimate request from ${row.name ?? 'a new customer'} checked in as RO ${ro.ro_number}`, ro.id), (tx) =>
      tx.update('appointments', row.id, { ro_id: ro.id, customer_id: ro.customer_id }),
    );
    return loadEntry(ctx.desk, args.id);
  },

  'appointment-leads': async (_args, { desk }) => {
    const rows = await desk.db
      .selectFrom('appointments')
      .select('id')
      .where('source', '=', 'shop-page')
      .where('ro_id', 'is', null)
      .where('state', 'in', ['requested', 'proposed', 'confirmed'])
      .execute();
    return toEntries(desk, await appointmentRows(desk, { ids: rows.map((r) => r.id) }));
  },

  'calendar-feed-get': async (_args, { desk }) => readFeed(desk),

  'calendar-feed-issue': async (_args, ctx) => {
    const where = portalBase(ctx.desk);
    if (!where) throw new ApiError('not-paired', NOT_PAIRED.replace('customer portal', 'relay to serve the calendar from').replace('issue the link', 'create the feed'));
    await ctx.desk.store.write(intent(ctx, 'calendar-feed-issue', 'Private calendar feed created; earlier feed addresses stopped working'), async (tx) => {
      const now = ctx.desk.now().toISOString();
      await revokeFeeds(tx, now);
      const token = newToken(where.workspaceId);
      const id = await tx.insert('portal_tokens', { ro_id: null, kind: 'calendar', token_hash: hashToken(token), issued_at: now, issued_by: ctx.session.staffId, expires_at: null });
      await sql`INSERT INTO token_secrets (token_id, token) VALUES (${id}, ${token})`.execute(tx.trx);
    });
    return readFeed(ctx.desk);
  },

  'calendar-feed-revoke': async (_args, ctx) => {
    await ctx.desk.store.write(intent(ctx, 'calendar-feed-revoke', 'Private calendar feed revoked'), (tx) => revokeFeeds(tx, ctx.desk.now().toISOString()));
    return readFeed(ctx.desk);
  },

  'calendar-accounts': async (_args, { desk }) => {
    const boxes = await desk.db.selectFrom('mailboxes').selectAll().where('state', '=', 'connected').where('provider', 'in', ['gmail', 'outlook']).orderBy('address').execute();
    const missing = await mailboxesMissingCalendar(desk);
    return boxes.map((b) => ({ mailboxId: b.id, address: b.address ?? '', provider: b.provider ?? '', needsCalendarPermission: missing.has(b.id) }));
  },
};
