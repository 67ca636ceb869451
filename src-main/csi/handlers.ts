// After the repair at the desk (issue 18): Settings › After the repair (survey, low-score
// threshold, review sites and wording), the follow-up list the relay fills when a customer scores
// low (contacts recorded, closed as resolved — each write audited), and referrals with the shop's
// thank-you. Every write goes through the mutation layer; the relay sends and receives the survey.
import { ApiError } from '../../src-shared/api/errors.js';
import type { AfterRepairSettings, FollowUp, FollowUpList, ReferralEntry } from '../../src-shared/csi/desk-api.js';
import { incentiveMessage, incentiveWordsIn, readCsiSettings, readReviewSettings, type SurveyQuestion } from '../../src-shared/csi/settings.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { actorOf, intent } from '../api/actor.js';
import type { HandlerContext, HandlerMap } from '../api/dispatch.js';
import type { DeskContext as Desk } from '../api/desk-context.js';

async function readSettings(desk: Desk): Promise<AfterRepairSettings> {
  const row = await desk.db.selectFrom('workspace_settings').select(['csi_settings', 'review_settings']).where('id', '=', SETTINGS_ID).executeTakeFirst();
  return { csi: readCsiSettings(row?.csi_settings), review: readReviewSettings(row?.review_settings) };
}

function parse<T>(text: string | null, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

async function staffNames(desk: Desk): Promise<Map<string, string>> {
  const rows = await desk.db.selectFrom('staff').select(['id', 'name']).execute();
  return new Map(rows.map((r) => [r.id, r.name ?? '']));
}

/** Who an actor string names, in words ("Maria", "Front desk PC"). */
function actorName(actor: string | null, names: Map<string, string>): string | null {
  if (!actor) return null;
  if (actor.startsWith('staff:')) return names.get(actor.slice(6)) ?? 'A staff member';
  if (actor.startsWith('command-line:')) return 'Command line';
  return 'This shop (no one switched in)';
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

export async function loadFollowUps(desk: Desk, include: 'open' | 'all'): Promise<FollowUpList> {
  let q = desk.db
    .selectFrom('csi_follow_ups as f')
    .leftJoin('repair_orders as r', 'r.id', 'f.ro_id')
    .leftJoin('customers as c', 'c.id', 'r.customer_id')
    .leftJoin('csi_responses as s', 's.id', 'f.response_id')
    .select([
      'f.id', 'f.ro_id', 'f.opened_at', 'f.first_contact_at', 'f.closed_at', 'f.closed_by', 'f.resolution',
      'r.ro_number', 'c.first_name', 'c.last_name', 'c.mobile', 's.overall', 's.recommend', 's.comment', 's.questions', 's.answers',
    ])
    .orderBy('f.opened_at', 'desc');
  if (include === 'open') q = q.where('f.closed_at', 'is', null);
  const rows = await q.execute();
  const entries = rows.length
    ? await desk.db.selectFrom('csi_follow_up_entries').selectAll().where('follow_up_id', 'in', rows.map((r) => r.id)).orderBy('at').execute()
    : [];
  const names = await staffNames(desk);
  const followUps: FollowUp[] = rows.map((r) => {
    const opened = r.opened_at ?? '';
    const minutes = r.first_contact_at && opened ? Math.max(0, Math.round((Date.parse(r.first_contact_at) - Date.parse(opened)) / 60_000)) : null;
    return {
      id: r.id,
      roId: r.ro_id ?? '',
      roNumber: r.ro_number ?? null,
      customerName: [r.first_name, r.last_name].filter(Boolean).join(' ') || 'Customer',
      customerPhone: r.mobile ?? null,
      overall: r.overall ?? null,
      recommend: r.recommend ?? null,
      comment: r.comment ?? null,
      questions: parse<SurveyQuestion[]>(r.questions ?? null, []),
      answers: parse<Record<string, number | string>>(r.answers ?? null, {}),
      openedAt: opened,
      firstContactAt: r.first_contact_at ?? null,
      minutesToFirstContact: minutes,
      closedAt: r.closed_at ?? null,
      closedBy: actorName(r.closed_by ?? null, names),
      resolution: r.resolution ?? null,
      entries: entries
        .filter((e) => e.follow_up_id === r.id)
        .map((e) => ({ id: e.id, at: e.at ?? '', staffName: e.staff_id ? (names.get(e.staff_id) ?? null) : null, contact: e.contact ?? '', agreed: e.agreed ?? '' })),
    };
  });
  const open = include === 'open' ? followUps.length : followUps.filter((f) => !f.closedAt).length;
  const all = include === 'all' ? followUps : (await loadFollowUps(desk, 'all')).followUps;
  return { followUps, open, medianMinutesToFirstContact: median(all.map((f) => f.minutesToFirstContact).filter((m): m is number => m !== null)) };
}

async function requireFollowUp(desk: Desk, id: string) {
  const row = await desk.db.selectFrom('csi_follow_ups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new ApiError('not-found', 'That follow-up is not in this workspace.', 'id');
  return row;
}

async function loadReferrals(desk: Desk): Promise<ReferralEntry[]> {
  const rows = await desk.db
    .selectFrom('referrals as f')
    .leftJoin('customers as c', 'c.id', 'f.referrer_customer_id')
    .leftJoin('repair_orders as r', 'r.id', 'f.ro_id')
    .select(['f.id', 'f.referrer_customer_id', 'f.name', 'f.credited_at', 'f.appointment_id', 'f.ro_id', 'f.thanked_at', 'f.thanked_by', 'f.thank_note', 'c.first_name', 'c.last_name', 'r.ro_number'])
    .orderBy('f.credited_at', 'desc')
    .execute();
  const names = await staffNames(desk);
  return rows.map((r) => ({
    id: r.id,
    referrerName: [r.first_name, r.last_name].filter(Boolean).join(' ') || 'A customer',
    referrerCustomerId: r.referrer_customer_id ?? null,
    name: r.name ?? '',
    creditedAt: r.credited_at ?? '',
    appointmentId: r.appointment_id ?? null,
    roId: r.ro_id ?? null,
    roNumber: r.ro_number ?? null,
    thankedAt: r.thanked_at ?? null,
    thankedBy: actorName(r.thanked_by ?? null, names),
    thankNote: r.thank_note ?? null,
  }));
}

function staffOf(ctx: HandlerContext): string | null {
  return ctx.session.staffId ?? null;
}

export const csiHandlers: Partial<HandlerMap> = {
  'csi-settings-get': async (_args, { desk }) => readSettings(desk),

  'csi-settings-save': async (args, ctx) => {
    // The schema already refused incentive words; checked again here so no path can store them.
    const found = args.review ? incentiveWordsIn(args.review.invitation) : [];
    if (found.length) throw new ApiError('invalid-args', incentiveMessage(found), 'review.invitation');
    const parts = [args.csi ? 'survey' : null, args.review ? 'review invitation' : null].filter(Boolean).join(' and ');
    await ctx.desk.store.write(intent(ctx, 'csi-settings-save', `After the repair: ${parts || 'nothing'} saved`), async (tx) => {
      const patch: { csi_settings?: string; review_settings?: string } = {};
      if (args.csi) patch.csi_settings = JSON.stringify(args.csi);
      if (args.review) patch.review_settings = JSON.stringify(args.review);
      if (Object.keys(patch).length) await tx.update('workspace_settings', SETTINGS_ID, patch);
    });
    return readSettings(ctx.desk);
  },

  'csi-follow-ups-list': async (args, { desk }) => loadFollowUps(desk, args.include),

  'csi-follow-up-contact': async (args, ctx) => {
    const row = await requireFollowUp(ctx.desk, args.id);
    if (row.closed_at) throw new ApiError('not-allowed', 'This follow-up is already closed.', 'id');
    const at = ctx.desk.now().toISOString();
    await ctx.desk.store.write(intent(ctx, 'csi-follow-up-contact', `Follow-up: ${args.contact}${args.agreed ? ` — agreed: ${args.agreed}` : ''}`, row.ro_id), async (tx) => {
      await tx.insert('csi_follow_up_entries', { follow_up_id: row.id, ro_id: row.ro_id, at, staff_id: staffOf(ctx), contact: args.contact, agreed: args.agreed });
      const now = await tx.get('csi_follow_ups', row.id);
      if (now && !now.first_contact_at) await tx.update('csi_follow_ups', row.id, { first_contact_at: at });
    });
    return loadFollowUps(ctx.desk, 'all');
  },

  'csi-follow-up-close': async (args, ctx) => {
    const row = await requireFollowUp(ctx.desk, args.id);
    if (row.closed_at) throw new ApiError('not-allowed', 'This follow-up is already closed.', 'id');
    await ctx.desk.store.write(intent(ctx, 'csi-follow-up-close', `Follow-up closed as resolved: ${args.resolution}`, row.ro_id), async (tx) => {
      await tx.update('csi_follow_ups', row.id, { closed_at: ctx.desk.now().toISOString(), closed_by: actorOf(ctx), resolution: args.resolution });
    });
    return loadFollowUps(ctx.desk, 'all');
  },

  'csi-referrals-list': async (_args, { desk }) => loadReferrals(desk),

  'csi-referral-thank': async (args, ctx) => {
    const row = await ctx.desk.db.selectFrom('referrals').select(['id', 'name', 'ro_id', 'thanked_at']).where('id', '=', args.id).executeTakeFirst();
    if (!row) throw new ApiError('not-found', 'That referral is not in this workspace.', 'id');
    await ctx.desk.store.write(intent(ctx, 'csi-referral-thank', `Thanked for referring ${row.name ?? 'a customer'}${args.note ? `: ${args.note}` : ''}`, row.ro_id), async (tx) => {
      await tx.update('referrals', row.id, { thanked_at: ctx.desk.now().toISOString(), thanked_by: actorOf(ctx), thank_note: args.note || null });
    });
    return loadReferrals(ctx.desk);
  },
};
