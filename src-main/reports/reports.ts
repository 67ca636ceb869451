// The Reports screen and the insurer scorecards at the desk (issues 18 and 20): the figures from
// src-shared/reports over this desk's synced tables, the CSV and branded PDF exports, and Settings ›
// Reports. Only the owner or a manager sees them: they name staff and compare insurers.
import { ApiError } from '../../src-shared/api/errors.js';
import type { ReportExport, ReportView } from '../../src-shared/reports/api.js';
import { reportCsv, scorecardsCsv } from '../../src-shared/reports/csv.js';
import { computeFigures, computeScorecards, prepareFacts, type ReportQuery } from '../../src-shared/reports/figures.js';
import { loadReportFacts } from '../../src-shared/reports/load.js';
import { readReportSettings, type ReportSettings, reportSettingsSchema } from '../../src-shared/reports/settings.js';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { shopToday } from '../../src-shared/shop-day.js';
import { intent } from '../api/actor.js';
import type { ParsedArgsOf } from '../../src-shared/api/contract.js';
import type { HandlerContext, HandlerMap } from '../api/dispatch.js';
import { logoImage } from '../printing/print-data.js';
import { readSettings } from '../workspace/handlers.js';
import { reportPdf, scorecardsPdf } from './report-pdf.js';

const REPORT_ROLES = ['owner', 'manager'];
const DAY = 86_400_000;

async function requireOwnerOrManager(ctx: HandlerContext): Promise<void> {
  const staffId = ctx.session.staffId;
  const staff = staffId ? await ctx.desk.db.selectFrom('staff').select(['role', 'active']).where('id', '=', staffId).executeTakeFirst() : undefined;
  if (!staffId || !staff || staff.active === 0 || !REPORT_ROLES.includes(staff.role ?? '')) {
    throw new ApiError('not-allowed', 'Reports are for the owner or a manager. Switch to one of them at the top right first.');
  }
}

type Filters = { from?: string | undefined; to?: string | undefined; insurer?: string | null | undefined; staffId?: string | null | undefined };

async function query(ctx: HandlerContext, args: Filters): Promise<ReportQuery> {
  const shop = await readSettings(ctx.desk);
  const to = args.to ?? shopToday(shop.timeZone, ctx.desk.now());
  const from = args.from ?? new Date(Date.parse(`${to}T12:00:00Z`) - 89 * DAY).toISOString().slice(0, 10);
  if (from > to) throw new ApiError('invalid-args', `The period starts (${from}) after it ends (${to}). Pick a start on or before the end.`, 'from');
  if (Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`) > 3 * 366 * DAY) {
    throw new ApiError('invalid-args', 'A report covers at most three years. Pick a shorter period.', 'from');
  }
  return { from, to, insurer: args.insurer ?? null, staffId: args.staffId ?? null };
}

async function staffNames(ctx: HandlerContext): Promise<Map<string, string>> {
  const rows = await ctx.desk.db.selectFrom('staff').select(['id', 'name']).execute();
  return new Map(rows.map((r) => [r.id, r.name ?? r.id]));
}

export async function loadReportView(ctx: HandlerContext, args: Filters): Promise<ReportView> {
  await requireOwnerOrManager(ctx);
  const q = await query(ctx, args);
  const facts = prepareFacts(await loadReportFacts(ctx.desk.db, q));
  const figures = computeFigures(facts, q);
  const scorecards = computeScorecards(facts, { ...q, insurer: null });
  const names = await staffNames(ctx);
  const active = await ctx.desk.db.selectFrom('staff').select(['id', 'name']).where('active', '=', 1).orderBy('name').execute();
  const mentioned = new Set([...active.map((s) => s.id), ...figures.staff.map((s) => s.staffId)]);
  return {
    figures,
    scorecards: q.insurer ? scorecards.filter((c) => c.insurer === q.insurer) : scorecards,
    insurers: scorecards.map((c) => c.insurer),
    staff: [...mentioned].map((id) => ({ id, name: names.get(id) ?? id })),
    settings: facts.facts.settings,
  };
}

function fileStem(shopName: string): string {
  return (shopName || 'shop').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'shop';
}

export async function exportReport(ctx: HandlerContext, args: ParsedArgsOf<'report-export'>): Promise<ReportExport> {
  await requireOwnerOrManager(ctx);
  const q = await query(ctx, args);
  const shop = await readSettings(ctx.desk);
  const facts = prepareFacts(await loadReportFacts(ctx.desk.db, q));
  const names = await staffNames(ctx);
  const stem = `${fileStem(shop.name)}-${args.view === 'scorecards' ? `scorecard${q.insurer ? `-${fileStem(q.insurer)}` : 's'}` : 'report'}-${q.from}-to-${q.to}`;
  if (args.view === 'scorecards') {
    const cards = computeScorecards(facts, q);
    if (args.format === 'csv') return { fileName: `${stem}.csv`, mimeType: 'text/csv', base64: Buffer.from(scorecardsCsv(cards, shop.name, q.from, q.to)).toString('base64') };
    const pdf = await scorecardsPdf({ shop, logo: await logoImage(ctx.desk.dataDir, shop.logoHash) }, cards, computeFigures(facts, q));
    return { fileName: `${stem}.pdf`, mimeType: 'application/pdf', base64: pdf.toString('base64') };
  }
  const figures = computeFigures(facts, q);
  if (args.format === 'csv') return { fileName: `${stem}.csv`, mimeType: 'text/csv', base64: Buffer.from(reportCsv(figures, shop.name, names)).toString('base64') };
  const scope = [q.insurer, q.staffId ? names.get(q.staffId) ?? q.staffId : null].filter(Boolean).join(' · ');
  const pdf = await reportPdf({ shop, logo: await logoImage(ctx.desk.dataDir, shop.logoHash) }, figures, scope, names);
  return { fileName: `${stem}.pdf`, mimeType: 'application/pdf', base64: pdf.toString('base64') };
}

export async function loadReportSettings(ctx: HandlerContext): Promise<ReportSettings> {
  const row = await ctx.desk.db.selectFrom('workspace_settings').select('report_settings').where('id', '=', SETTINGS_ID).executeTakeFirst();
  return readReportSettings(row?.report_settings);
}

export async function updateReportSettings(ctx: HandlerContext, args: ParsedArgsOf<'report-settings-update'>): Promise<ReportSettings> {
  await requireOwnerOrManager(ctx);
  const next = reportSettingsSchema.parse({ ...(await loadReportSettings(ctx)), ...args });
  await ctx.desk.store.write(intent(ctx, 'report-settings-update', 'Report settings changed'), (tx) => tx.update('workspace_settings', SETTINGS_ID, { report_settings: JSON.stringify(next) }));
  return next;
}

export const reportHandlers: Partial<HandlerMap> = {
  'report-view': async (args, ctx) => loadReportView(ctx, args),
  'report-export': async (args, ctx) => exportReport(ctx, args),
  'report-settings-get': async (_args, ctx) => loadReportSettings(ctx),
  'report-settings-update': async (args, ctx) => updateReportSettings(ctx, args),
};
