// Test and bench support for reports: shop-local times as UTC instants, and writing plain facts
// into a workspace store through the mutation layer (so the loader reads them back as synced rows).
import { DateTime } from 'luxon';
import type { WorkspaceStore } from '../sync/store.js';
import type { ReportFacts } from './figures.js';

/** "2026-03-07" 09:00 in `zone`, plus `days` calendar days at the same wall-clock time, as an ISO instant. */
export function localAt(zone: string, day: string, time: string, days = 0): string {
  const d = DateTime.fromISO(`${day}T${time}`, { zone }).plus({ days });
  if (!d.isValid) throw new Error(`Not a local time: ${day} ${time} in ${zone}`);
  return d.toUTC().toISO({ suppressMilliseconds: true })!;
}

/** The shop-local day of an instant plus `days`. */
export function localDay(zone: string, iso: string, days = 0): string {
  return DateTime.fromISO(iso, { zone }).plus({ days }).toISODate()!;
}

/** Writes the facts' rows (repairs, history, messages, counts, responses, closed days, settings) as synced rows. */
export async function writeFacts(store: WorkspaceStore, facts: ReportFacts): Promise<void> {
  await store.write({ actor: 'system', action: 'reports-fixture', audit: false }, async (tx) => {
    await tx.insert('workspace_settings', {
      id: 'workspace',
      name: 'Lakeside Collision',
      time_zone: facts.timeZone,
      hours: JSON.stringify(facts.hours),
      report_settings: JSON.stringify(facts.settings),
    });
    for (const day of facts.closedDays) await tx.insert('schedule_exceptions', { date: day, kind: null, closed: 1, reason: 'Closed' });
    for (const r of facts.repairs) {
      await tx.insert('repair_orders', {
        id: r.id,
        ro_number: r.roNumber,
        insurer: r.insurer,
        checked_in_by: r.checkedInBy,
        assigned_staff_id: r.assignedStaffId,
        checked_in_at: r.checkedInAt,
        first_notice_at: r.firstNoticeAt,
        promised_date: r.promisedDate,
        closed_at: r.closedAt,
        stage: 'delivered',
      });
    }
    for (const e of facts.stageEvents) await tx.insert('stage_events', { ro_id: e.roId, stage: e.stage, at: e.at });
    for (const p of facts.promisedChanges) await tx.insert('promised_date_changes', { ro_id: p.roId, to_date: p.toDate, at: p.at });
    for (const x of facts.exceptions) await tx.insert('ro_exceptions', { ro_id: x.roId, reason: x.reason, opened_at: x.openedAt });
    for (const m of facts.messages) {
      await tx.insert('messages', { ro_id: m.roId, direction: m.direction, channel: m.channel, at: m.at, status: m.status, staff_id: m.staffId, automated: m.automated ? 1 : 0 });
    }
    for (const c of facts.portal) await tx.insert('portal_counts', { ro_id: c.roId, source: c.source, views: c.views });
    for (const c of facts.csi) {
      await tx.insert('csi_responses', { ro_id: c.roId, overall: c.overall, recommend: c.recommend, answers: c.answers, questions: c.questions, submitted_at: c.submittedAt });
    }
  });
}
