// A group's reports across its locations (issue 20, item 5): each location's figures computed by
// the desk's own engine (src-shared/reports: loadReportFacts + computeFigures) against that shop's
// workspace store on the relay, so a location's column is exactly what its own Reports screen
// shows for the same days; then a group total combined from the locations' figures (sums, and
// averages weighted by what each average was taken over). Only the group's own members are read.
import { computeFigures, type ReportFigures } from '../../src-shared/reports/figures.js';
import { loadReportFacts } from '../../src-shared/reports/load.js';
import { STAGE_LABELS, STAGES, type Stage } from '../../src-shared/stages.js';
import { readSettings } from '../portal/portal-view.js';
import type { RelayStorage } from '../storage/types.js';
import type { GroupRecord } from './group-records.js';

const DAY = 86_400_000;

export interface LocationFigures {
  workspaceId: string;
  slug: string;
  name: string;
  figures: ReportFigures;
}

/** The group total: what adds up is added; an average is weighted by its count; a median cannot be combined and is left out. */
export interface GroupTotal {
  delivered: number;
  keysToKeysDays: number | null;
  fromFirstNoticeDays: number | null;
  onTimePercent: number | null;
  onTimeCounted: number;
  dwellHours: Array<{ stage: Stage; label: string; count: number; averageHours: number | null }>;
  csiResponses: number;
  csiOverall: number | null;
  nps: number | null;
  inbound: number;
  outbound: number;
  answered: number;
  firstResponseAverageMinutes: number | null;
  reclaimedMinutes: number;
}

export interface GroupReport {
  from: string;
  to: string;
  locations: LocationFigures[];
  total: GroupTotal;
}

export class GroupReportError extends Error {}

/** The period asked for, checked: YYYY-MM-DD days, start on or before end, at most three years; default the last 90 days to `today`. */
export function groupPeriod(args: { from?: string | undefined; to?: string | undefined }, today: string): { from: string; to: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  for (const [name, v] of [['from', args.from], ['to', args.to]] as const) {
    if (v !== undefined && v !== '' && (!day.test(v) || Number.isNaN(Date.parse(`${v}T12:00:00Z`)))) throw new GroupReportError(`"${name}" must be a date like 2026-11-30, not "${v.slice(0, 40)}".`);
  }
  const to = args.to || today;
  const from = args.from || new Date(Date.parse(`${to}T12:00:00Z`) - 89 * DAY).toISOString().slice(0, 10);
  if (from > to) throw new GroupReportError(`The period starts (${from}) after it ends (${to}). Pick a start on or before the end.`);
  if (Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`) > 3 * 366 * DAY) throw new GroupReportError('A report covers at most three years. Pick a shorter period.');
  return { from, to };
}

/** Each location's figures for the period, in the group's order, with the group total. */
export async function groupReport(storage: RelayStorage, group: GroupRecord, period: { from: string; to: string }): Promise<GroupReport> {
  const locations: LocationFigures[] = [];
  for (const id of group.members) {
    const workspace = await storage.findWorkspace(id);
    if (!workspace) continue;
    const store = await storage.workspaceStore(workspace.id);
    const settings = await readSettings(store.db);
    const figures = computeFigures(await loadReportFacts(store.db, period), { ...period, insurer: null, staffId: null });
    locations.push({ workspaceId: workspace.id, slug: workspace.slug, name: settings.name || workspace.name, figures });
  }
  return { ...period, locations, total: groupTotal(locations.map((l) => l.figures)) };
}

function weighted(parts: Array<{ value: number | null; weight: number }>): number | null {
  let sum = 0;
  let weight = 0;
  for (const p of parts) {
    if (p.value == null || p.weight === 0) continue;
    sum += p.value * p.weight;
    weight += p.weight;
  }
  return weight === 0 ? null : sum / weight;
}

export function groupTotal(all: ReportFigures[]): GroupTotal {
  const add = (pick: (f: ReportFigures) => number) => all.reduce((n, f) => n + pick(f), 0);
  const onTime = add((f) => f.onTime.onTime);
  const counted = add((f) => f.onTime.counted);
  const overallCount = (f: ReportFigures) => f.csi.questions.find((q) => q.id === 'overall')?.count ?? 0;
  const promoters = add((f) => f.csi.promoters);
  const detractors = add((f) => f.csi.detractors);
  const rated = promoters + detractors + add((f) => f.csi.passives);
  return {
    delivered: add((f) => f.delivered),
    keysToKeysDays: weighted(all.map((f) => ({ value: f.cycle.keysToKeys.averageDays, weight: f.cycle.keysToKeys.count }))),
    fromFirstNoticeDays: weighted(all.map((f) => ({ value: f.cycle.fromFirstNotice.averageDays, weight: f.cycle.fromFirstNotice.count }))),
    onTimePercent: counted === 0 ? null : (onTime / counted) * 100,
    onTimeCounted: counted,
    dwellHours: STAGES.filter((s) => s !== 'delivered').map((stage) => {
      const parts = all.map((f) => f.dwell.find((d) => d.stage === stage)).map((d) => ({ value: d?.averageHours ?? null, weight: d?.count ?? 0 }));
      return { stage, label: STAGE_LABELS[stage], count: parts.reduce((n, p) => n + p.weight, 0), averageHours: weighted(parts) };
    }),
    csiResponses: add((f) => f.csi.responses),
    csiOverall: weighted(all.map((f) => ({ value: f.csi.overall, weight: overallCount(f) }))),
    nps: rated === 0 ? null : ((promoters - detractors) / rated) * 100,
    inbound: add((f) => f.messages.inbound),
    outbound: add((f) => f.messages.outbound),
    answered: add((f) => f.messages.answered),
    firstResponseAverageMinutes: weighted(all.map((f) => ({ value: f.messages.firstResponseAverageMinutes, weight: f.messages.answered }))),
    reclaimedMinutes: add((f) => f.reclaimed.minutes),
  };
}

/** One row per figure: its label, each location's value and the group's, as shown on the page and in the CSV. */
export interface GroupRow {
  label: string;
  values: Array<number | null>;
  total: number | null;
  /** How to show it: days and hours with one decimal, a percentage, a count, minutes. */
  unit: 'days' | 'hours' | 'percent' | 'count' | 'minutes' | 'score';
  /** Rows under a heading (stage dwell) are indented on the page. */
  section: string;
}

export function groupRows(report: GroupReport): GroupRow[] {
  const f = report.locations.map((l) => l.figures);
  const t = report.total;
  const rows: GroupRow[] = [
    { section: 'Cycle time', label: 'Repairs delivered', unit: 'count', values: f.map((x) => x.delivered), total: t.delivered },
    { section: 'Cycle time', label: 'Keys to keys, average days', unit: 'days', values: f.map((x) => x.cycle.keysToKeys.averageDays), total: t.keysToKeysDays },
    { section: 'Cycle time', label: 'From first notice, average days', unit: 'days', values: f.map((x) => x.cycle.fromFirstNotice.averageDays), total: t.fromFirstNoticeDays },
    { section: 'On-time delivery', label: 'Delivered by the promised date', unit: 'percent', values: f.map((x) => x.onTime.percent), total: t.onTimePercent },
    ...t.dwellHours.map((d): GroupRow => ({ section: 'Stage dwell (where cars wait)', label: `${d.label}, average hours`, unit: 'hours', values: f.map((x) => x.dwell.find((w) => w.stage === d.stage)?.averageHours ?? null), total: d.averageHours })),
    { section: 'CSI', label: 'Survey responses', unit: 'count', values: f.map((x) => x.csi.responses), total: t.csiResponses },
    { section: 'CSI', label: 'Overall satisfaction (1–5)', unit: 'score', values: f.map((x) => x.csi.overall), total: t.csiOverall },
    { section: 'CSI', label: 'Net promoter score', unit: 'score', values: f.map((x) => x.csi.nps), total: t.nps },
    { section: 'Messages', label: 'Customer messages in', unit: 'count', values: f.map((x) => x.messages.inbound), total: t.inbound },
    { section: 'Messages', label: 'Messages sent', unit: 'count', values: f.map((x) => x.messages.outbound), total: t.outbound },
    { section: 'Messages', label: 'First response, average minutes', unit: 'minutes', values: f.map((x) => x.messages.firstResponseAverageMinutes), total: t.firstResponseAverageMinutes },
    { section: 'Front desk', label: 'Time reclaimed, hours', unit: 'hours', values: f.map((x) => x.reclaimed.minutes / 60), total: t.reclaimedMinutes / 60 },
  ];
  return rows;
}

/** A value as the page and the CSV show it. */
export function showValue(value: number | null, unit: GroupRow['unit']): string {
  if (value == null || !Number.isFinite(value)) return '—';
  if (unit === 'count') return value.toLocaleString('en-US');
  if (unit === 'percent') return `${Math.round(value)}%`;
  if (unit === 'minutes') return `${Math.round(value).toLocaleString('en-US')}`;
  return (Math.round(value * 10) / 10).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function csvCell(text: string): string {
  // Text a spreadsheet would run as a formula is quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The side-by-side report as CSV: one line per figure, a column per location, then the group. Numbers unrounded past two decimals. */
export function groupCsv(groupName: string, report: GroupReport): string {
  const plain = (v: number | null) => (v == null || !Number.isFinite(v) ? '' : String(Math.round(v * 100) / 100));
  const lines = [
    [`${groupName}: ${report.from} to ${report.to}`],
    ['Section', 'Figure', ...report.locations.map((l) => l.name), 'Group'],
    ...groupRows(report).map((r) => [r.section, r.label, ...r.values.map(plain), plain(r.total)]),
  ];
  return `${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
