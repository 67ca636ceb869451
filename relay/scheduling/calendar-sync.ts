// Calendar write-through (issue 17): confirmed appointments written to the calendar of each
// connected Google mailbox (googleapis' Calendar v3, the primary calendar), moved when their time
// changes and removed when they are cancelled, declined or lapse. `appointments.calendar_events`
// keeps `{ <mailboxId>: <eventId>, "_at:<mailboxId>": <the start written there> }`, so a round after a restart
// knows what is already in each calendar and never writes an event twice. When Google refuses
// for want of the calendar scope, the mailbox's entry becomes CALENDAR_PERMISSION_MISSING and the
// desk shows "Reconnect with calendar permission"; a later round (after the reconnect) retries.
// Outlook (Microsoft 365) mailboxes get Graph events (`/me/events`) the same way, through the
// Graph client the mail hub makes (graphClient with the mailbox's token source).
// Calendar's own module of googleapis (the index loads every Google API; see relay/email/gmail/sdk.ts).
import { calendar as calendarClient, type calendar_v3 } from 'googleapis/build/src/apis/calendar/index.js';
import { CALENDAR_PERMISSION_MISSING } from '../../src-shared/scheduling/desk-api.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { GoogleApp, MicrosoftApp } from '../email/config.js';
import { oauthClient, statusOf } from '../email/gmail/sdk.js';
import { graphClient, graphStatus, type TokenSource } from '../email/outlook/sdk.js';

export const GOOGLE_CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar.events';
export const GRAPH_CALENDAR_SCOPE = 'Calendars.ReadWrite';

export interface CalendarEventInput {
  summary: string;
  description: string;
  location: string;
  startsAt: string;
  endsAt: string;
  timeZone: string;
}

/** The provider refused because the mailbox was connected without calendar permission. */
export class CalendarPermissionMissing extends Error {}

/** One mailbox's calendar, as the sync needs it. */
export interface CalendarWriter {
  create(event: CalendarEventInput): Promise<string>;
  move(eventId: string, event: CalendarEventInput): Promise<void>;
  /** Removing an event already gone counts as done. */
  remove(eventId: string): Promise<void>;
}

function scopeRefusal(err: unknown): boolean {
  const e = err as { response?: { data?: { error?: { errors?: Array<{ reason?: string }>; status?: string } } } };
  const reasons = e?.response?.data?.error?.errors?.map((x) => x.reason) ?? [];
  return statusOf(err) === 403 && (reasons.includes('insufficientPermissions') || e?.response?.data?.error?.status === 'PERMISSION_DENIED');
}

/** The primary Google calendar of the mailbox whose refresh token this is. */
export function googleCalendarWriter(config: GoogleApp, refreshToken: string): CalendarWriter {
  const auth = oauthClient(config);
  auth.setCredentials({ refresh_token: refreshToken });
  const calendar = calendarClient({
    version: 'v3',
    auth: auth as unknown as calendar_v3.Options['auth'],
    retry: false,
    timeout: 20_000,
    ...(config.apiUrl ? { rootUrl: config.apiUrl } : {}),
  });
  const body = (e: CalendarEventInput): calendar_v3.Schema$Event => ({
    summary: e.summary,
    description: e.description,
    location: e.location,
    start: { dateTime: e.startsAt, timeZone: e.timeZone },
    end: { dateTime: e.endsAt, timeZone: e.timeZone },
  });
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (scopeRefusal(err)) throw new CalendarPermissionMissing('The mailbox was connected without calendar permission.');
      throw err;
    }
  };
  return {
    create: (e) =>
      guard(async () => {
        const res = await calendar.events.insert({ calendarId: 'primary', requestBody: body(e) });
        if (!res.data.id) throw new Error('Google Calendar answered without an event id');
        return res.data.id;
      }),
    move: (id, e) => guard(async () => void (await calendar.events.patch({ calendarId: 'primary', eventId: id, requestBody: body(e) }))),
    remove: (id) =>
      guard(async () => {
        try {
          await calendar.events.delete({ calendarId: 'primary', eventId: id });
        } catch (err) {
          const status = statusOf(err);
          if (status !== 404 && status !== 410) throw err;
        }
      }),
  };
}

/** The calendar of an Outlook (Microsoft 365) mailbox: Graph events, times in UTC. */
export function graphCalendarWriter(app: MicrosoftApp, tokens: TokenSource): CalendarWriter {
  const client = graphClient(app, tokens);
  const utc = (iso: string) => ({ dateTime: iso.replace(/Z$/, ''), timeZone: 'UTC' });
  const body = (e: CalendarEventInput) => ({
    subject: e.summary,
    body: { contentType: 'text', content: e.description },
    location: { displayName: e.location },
    start: utc(e.startsAt),
    end: utc(e.endsAt),
  });
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (graphStatus(err) === 403) throw new CalendarPermissionMissing('The mailbox was connected without calendar permission.');
      throw err;
    }
  };
  return {
    create: (e) =>
      guard(async () => {
        const created = (await client.api('/me/events').post(body(e))) as { id?: string };
        if (!created.id) throw new Error('Microsoft Graph answered without an event id');
        return created.id;
      }),
    move: (id, e) => guard(async () => void (await client.api(`/me/events/${encodeURIComponent(id)}`).patch(body(e)))),
    remove: (id) =>
      guard(async () => {
        try {
          await client.api(`/me/events/${encodeURIComponent(id)}`).delete();
        } catch (err) {
          if (graphStatus(err) !== 404) throw err;
        }
      }),
  };
}

const KIND_NAMES: Record<string, string> = { estimate: 'Estimate', 'drop-off': 'Drop-off', pickup: 'Pickup' };

export interface CalendarSyncReport {
  created: number;
  moved: number;
  removed: number;
  /** Mailboxes that refused for want of calendar permission. */
  permissionMissing: string[];
  /** Other failures (the provider down): left for the next round, nothing recorded. */
  failed: number;
  /** Appointments whose `calendar_events` changed (synced rows written). */
  written: number;
}

function parseEvents(json: string | null): Record<string, string> {
  if (!json) return {};
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  } catch {
    return {};
  }
}

/**
 * Whether a round would write anything to this mailbox's calendar (cheap, no provider call): an
 * appointment confirmed with no event yet or with its event at another time, or an event left for
 * one no longer confirmed. A mailbox waiting for calendar permission is left to the periodic round.
 */
export async function calendarWorkPending(store: WorkspaceStore, mailboxId: string): Promise<boolean> {
  const rows = await store.db
    .selectFrom('appointments')
    .select(['state', 'starts_at', 'ends_at', 'calendar_events'])
    .where((eb) => eb.or([eb('state', '=', 'confirmed'), eb('calendar_events', 'is not', null)]))
    .execute();
  for (const row of rows) {
    const events = parseEvents(row.calendar_events);
    const current = events[mailboxId];
    const wanted = row.state === 'confirmed' && !!row.starts_at && !!row.ends_at;
    if (wanted && !current) return true;
    if (wanted && current !== CALENDAR_PERMISSION_MISSING && events[`_at:${mailboxId}`] !== row.starts_at) return true;
    if (!wanted && current) return true;
  }
  return false;
}

/**
 * One round: every appointment whose calendars differ from what it should be is brought in line,
 * one appointment at a time, each recorded before the next (a relay killed mid-round leaves at most
 * the event it was writing unrecorded).
 */
export async function syncAppointmentCalendars(
  store: WorkspaceStore,
  writers: ReadonlyMap<string, CalendarWriter>,
  shop: { name: string; address: string; timeZone: string },
): Promise<CalendarSyncReport> {
  const report: CalendarSyncReport = { created: 0, moved: 0, removed: 0, permissionMissing: [], failed: 0, written: 0 };
  const missing = new Set<string>();
  const rows = await store.db
    .selectFrom('appointments as a')
    .leftJoin('repair_orders as r', 'r.id', 'a.ro_id')
    .leftJoin('customers as c', 'c.id', 'a.customer_id')
    .selectAll('a')
    .select(['r.ro_number', 'c.first_name', 'c.last_name', 'c.mobile as c_mobile'])
    .where((eb) => eb.or([eb('a.state', '=', 'confirmed'), eb('a.calendar_events', 'is not', null)]))
    .orderBy('a.starts_at')
    .execute();
  for (const row of rows) {
    const events = parseEvents(row.calendar_events);
    const wanted = row.state === 'confirmed' && !!row.starts_at && !!row.ends_at;
    const next = { ...events };
    const name = [row.first_name, row.last_name].filter(Boolean).join(' ') || row.name || 'Customer';
    const input: CalendarEventInput = {
      summary: `${KIND_NAMES[row.kind ?? ''] ?? 'Appointment'}: ${name}${row.vehicle ? ` (${row.vehicle})` : ''}`,
      description: [row.ro_number ? `RO ${row.ro_number}` : null, row.c_mobile ?? row.mobile, row.description, `${shop.name} · Bayline`].filter(Boolean).join('\n'),
      location: shop.address,
      startsAt: row.starts_at ?? '',
      endsAt: row.ends_at ?? '',
      timeZone: row.time_zone || shop.timeZone,
    };
    for (const [mailboxId, writer] of writers) {
      const current = events[mailboxId];
      const real = current && current !== CALENDAR_PERMISSION_MISSING ? current : null;
      // The start written to this mailbox's calendar: each mailbox keeps its own, so mailboxes
      // synced in separate rounds (each under its own lease) each move their event.
      const atKey = `_at:${mailboxId}`;
      try {
        if (wanted && !real) {
          next[mailboxId] = await writer.create(input);
          next[atKey] = row.starts_at!;
          report.created += 1;
        } else if (wanted && real && events[atKey] !== row.starts_at) {
          await writer.move(real, input);
          next[atKey] = row.starts_at!;
          report.moved += 1;
        } else if (!wanted && current) {
          if (real) {
            await writer.remove(real);
            report.removed += 1;
          }
          delete next[mailboxId];
          delete next[atKey];
        }
      } catch (err) {
        if (err instanceof CalendarPermissionMissing) {
          missing.add(mailboxId);
          if (wanted || current === CALENDAR_PERMISSION_MISSING) next[mailboxId] = CALENDAR_PERMISSION_MISSING;
        } else {
          report.failed += 1;
        }
      }
    }
    // Nothing left but stale markers: the appointment has no event anywhere.
    if (!wanted && Object.keys(next).every((k) => k.startsWith('_at:'))) for (const k of Object.keys(next)) delete next[k];
    const json = Object.keys(next).length ? JSON.stringify(next) : null;
    if (json !== (row.calendar_events ?? null)) {
      await store.write({ actor: 'relay', action: 'calendar-sync', summary: 'Shop calendar updated' }, (tx) => tx.update('appointments', row.id, { calendar_events: json }));
      report.written += 1;
    }
  }
  report.permissionMissing = [...missing];
  return report;
}
