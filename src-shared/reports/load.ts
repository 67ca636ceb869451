// Reads the facts the figures need (./figures.ts) from the synced tables with Kysely, so the same
// loader runs on the desk's SQLite and on a relay workspace store (SQLite or PostgreSQL): the
// groups view calls it once per location. Only repairs that can touch the period are read: those
// checked in before it ended and not closed before it began, with their whole history.
import type { Kysely } from 'kysely';
import { countCalls, type CallToCount } from '../calls/counts.js';
import type { CallReason } from '../calls/words.js';
import { SETTINGS_ID, toSettings } from '../settings.js';
import type { WorkspaceDatabase } from '../sync/rows.js';
import type { ReportFacts } from './figures.js';
import { readReportSettings } from './settings.js';
import { readClosedDays } from './shop-calendar.js';

const DAY = 86_400_000;

export interface FactsRange {
  from: string;
  to: string;
}

function isoDay(value: string, name: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new Error(`${name} must be a date as YYYY-MM-DD (got ${JSON.stringify(value)})`);
  return value;
}

export async function loadReportFacts(db: Kysely<WorkspaceDatabase>, range: FactsRange): Promise<ReportFacts> {
  const from = isoDay(range.from, 'from');
  const to = isoDay(range.to, 'to');
  if (from > to) throw new Error(`The period starts (${from}) after it ends (${to}).`);
  // A day either side of the shop's days, whatever its zone; the figures keep the shop's days.
  const lo = new Date(Date.parse(`${from}T00:00:00Z`) - DAY).toISOString();
  const hi = new Date(Date.parse(`${to}T00:00:00Z`) + 2 * DAY).toISOString();

  const settingsRow = await db.selectFrom('workspace_settings').selectAll().where('id', '=', SETTINGS_ID).executeTakeFirst();
  const shop = toSettings(settingsRow);
  // "One business day after" a change late in the period can reach past its end.
  const closedDays = await readClosedDays(db, from, new Date(Date.parse(`${to}T00:00:00Z`) + 21 * DAY).toISOString().slice(0, 10));

  const repairs = db
    .selectFrom('repair_orders')
    .select('id')
    .where('checked_in_at', '<', hi)
    .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', lo)]));

  const [ros, events, promises, exceptions, messages, portal, csi] = await Promise.all([
    db
      .selectFrom('repair_orders')
      .select(['id', 'ro_number', 'insurer', 'checked_in_by', 'assigned_staff_id', 'checked_in_at', 'first_notice_at', 'promised_date', 'closed_at'])
      .where('checked_in_at', '<', hi)
      .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', lo)]))
      .execute(),
    db.selectFrom('stage_events').select(['ro_id', 'stage', 'at']).where('ro_id', 'in', repairs).execute(),
    db.selectFrom('promised_date_changes').select(['ro_id', 'to_date', 'at']).where('ro_id', 'in', repairs).execute(),
    db.selectFrom('ro_exceptions').select(['ro_id', 'reason', 'opened_at']).where('opened_at', '>=', lo).where('opened_at', '<', hi).where('ro_id', 'in', repairs).execute(),
    db
      .selectFrom('messages')
      .select(['ro_id', 'direction', 'channel', 'at', 'status', 'staff_id', 'automated'])
      .where('ro_id', 'in', repairs)
      .where('at', '<', hi)
      .execute(),
    db.selectFrom('portal_counts').select(['ro_id', 'source', 'views']).where('ro_id', 'in', repairs).execute(),
    db
      .selectFrom('csi_responses')
      .select(['ro_id', 'overall', 'recommend', 'answers', 'questions', 'submitted_at'])
      .where('submitted_at', 'is not', null)
      .where('ro_id', 'in', repairs)
      .execute(),
  ]);

  // Measured calls (Settings › Calls) take the place of the estimate when the shop counted any.
  const callRows = await db.selectFrom('calls').select(['started_at', 'reason', 'ro_id']).where('started_at', '>=', lo).where('started_at', '<', hi).execute();
  let calls: ReportFacts['calls'] = null;
  if (callRows.length > 0) {
    const counted = countCalls({
      calls: callRows.map((c): CallToCount => ({ startedAt: c.started_at ?? '', reason: (c.reason as CallReason | null) ?? null, roId: c.ro_id })),
      repairs: ros.map((r) => ({ id: r.id, checkedInAt: r.checked_in_at, closedAt: r.closed_at })),
      portal: { views: 0, qrScans: 0 },
      portalLinksSince: settingsRow?.portal_links_since ?? null,
      timeZone: shop.timeZone,
      from,
      to,
    });
    calls = { measured: counted.measured, callsSavedPerDay: counted.callsSavedPerDay };
  }

  return {
    timeZone: shop.timeZone,
    hours: shop.hours,
    closedDays,
    settings: readReportSettings(settingsRow?.report_settings),
    repairs: ros.map((r) => ({
      id: r.id,
      roNumber: r.ro_number,
      insurer: r.insurer,
      checkedInBy: r.checked_in_by,
      assignedStaffId: r.assigned_staff_id,
      checkedInAt: r.checked_in_at,
      firstNoticeAt: r.first_notice_at,
      promisedDate: r.promised_date,
      closedAt: r.closed_at,
    })),
    stageEvents: events.filter((e) => e.ro_id && e.at && e.stage).map((e) => ({ roId: e.ro_id!, stage: e.stage!, at: e.at! })),
    promisedChanges: promises.filter((p) => p.ro_id && p.at).map((p) => ({ roId: p.ro_id!, toDate: p.to_date, at: p.at! })),
    exceptions: exceptions.filter((x) => x.ro_id && x.opened_at).map((x) => ({ roId: x.ro_id!, reason: x.reason, openedAt: x.opened_at! })),
    messages: messages
      .filter((m) => m.at)
      .map((m) => ({ roId: m.ro_id, direction: m.direction, channel: m.channel, at: m.at!, status: m.status, staffId: m.staff_id, automated: m.automated === 1 })),
    portal: portal.filter((c) => c.ro_id).map((c) => ({ roId: c.ro_id!, source: c.source, views: c.views ?? 0 })),
    csi: csi.filter((c) => c.ro_id && c.submitted_at).map((c) => ({ roId: c.ro_id!, overall: c.overall, recommend: c.recommend, answers: c.answers, questions: c.questions, submittedAt: c.submitted_at! })),
    calls,
  };
}
