// Counting calls (issue 24): calls per day by reason, status-check calls per open repair, and the
// figure that proves (or not) what portal links did: status-check calls per open repair per day
// before and after the day the shop started sending portal links (Settings › Calls).
//
// A pure function over plain rows so that the desk's Calls report, the reports issue's "time
// reclaimed" (which uses these measured calls when there are any) and tests compute the same thing.
// Days are the shop's calendar days (its time zone). A repair is open on a day from its check-in
// day through the day it was closed (the car was at the shop that day).
import { shopToday } from '../shop-day.js';
import { CALL_REASONS, type CallReason } from './words.js';

export interface CallToCount {
  startedAt: string;
  reason: CallReason | null;
  roId: string | null;
}

export interface RepairSpan {
  id: string;
  checkedInAt: string | null;
  closedAt: string | null;
}

export interface CallCountsInput {
  calls: CallToCount[];
  repairs: RepairSpan[];
  /** Portal views and QR scans so far (portal_counts totals), shown beside the calls. */
  portal: { views: number; qrScans: number };
  /** YYYY-MM-DD, or null when the shop has not said when it started sending portal links. */
  portalLinksSince: string | null;
  timeZone: string;
  /** The days counted, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
}

export type ReasonCounts = Record<CallReason | 'unsorted', number>;

export interface DayCount {
  date: string;
  byReason: ReasonCounts;
  total: number;
  /** Repairs open that day. */
  openRos: number;
}

export interface PeriodFigure {
  days: number;
  statusCalls: number;
  /** Sum over the days of the repairs open that day. */
  openRoDays: number;
  statusCallsPerDay: number;
  /** Status-check calls per open repair per day; null when no repair was open. */
  statusCallsPerOpenRo: number | null;
}

export interface CallCounts {
  from: string;
  to: string;
  days: DayCount[];
  totals: ReasonCounts & { all: number };
  /** Status-check calls on each repair that was open in the period (repairs with none are left out). */
  statusByRo: Array<{ roId: string; statusCalls: number }>;
  portalLinksSince: string | null;
  /** Days before `portalLinksSince` and from it on; null when there is no such day in the range (or no date). */
  before: PeriodFigure | null;
  after: PeriodFigure | null;
  /** (after − before) ÷ before of status calls per open repair per day; −0.5 is "half as many". */
  change: number | null;
  /**
   * Status-check calls a day the portal saves at the after period's workload:
   * (before per open repair − after per open repair) × open repairs per day after. Null without both periods.
   */
  callsSavedPerDay: number | null;
  portal: { views: number; qrScans: number };
  /** True when any call was counted: reports use these measured calls rather than an estimate. */
  measured: boolean;
}

const emptyReasons = (): ReasonCounts => ({ status: 0, supplement: 0, scheduling: 0, payment: 0, other: 0, unsorted: 0 });

/** Every YYYY-MM-DD from `from` to `to` inclusive (at most ~3 years, against typos). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const start = Date.parse(`${from}T12:00:00Z`);
  const end = Date.parse(`${to}T12:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) throw new Error(`Not a date range: ${from} to ${to}`);
  for (let t = start; t <= end && out.length < 1200; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export function countCalls(input: CallCountsInput): CallCounts {
  const days = daysBetween(input.from, input.to);
  const byDay = new Map(days.map((d) => [d, { date: d, byReason: emptyReasons(), total: 0, openRos: 0 } satisfies DayCount]));
  const totals = { ...emptyReasons(), all: 0 };
  const statusByRo = new Map<string, number>();
  const dayOf = (iso: string) => shopToday(input.timeZone, new Date(iso));

  for (const c of input.calls) {
    if (Number.isNaN(Date.parse(c.startedAt))) continue;
    const day = byDay.get(dayOf(c.startedAt));
    if (!day) continue;
    const reason = c.reason && (CALL_REASONS as readonly string[]).includes(c.reason) ? c.reason : 'unsorted';
    day.byReason[reason] += 1;
    day.total += 1;
    totals[reason] += 1;
    totals.all += 1;
    if (reason === 'status' && c.roId) statusByRo.set(c.roId, (statusByRo.get(c.roId) ?? 0) + 1);
  }

  for (const r of input.repairs) {
    if (!r.checkedInAt || Number.isNaN(Date.parse(r.checkedInAt))) continue;
    const opened = dayOf(r.checkedInAt);
    const closed = r.closedAt && !Number.isNaN(Date.parse(r.closedAt)) ? dayOf(r.closedAt) : null;
    for (const d of days) if (opened <= d && (closed === null || d <= closed)) byDay.get(d)!.openRos += 1;
  }

  const list = days.map((d) => byDay.get(d)!);
  const since = input.portalLinksSince;
  const before = since ? figure(list.filter((d) => d.date < since)) : null;
  const after = since ? figure(list.filter((d) => d.date >= since)) : null;
  const bPer = before?.statusCallsPerOpenRo ?? null;
  const aPer = after?.statusCallsPerOpenRo ?? null;
  return {
    from: input.from,
    to: input.to,
    days: list,
    totals,
    statusByRo: [...statusByRo].map(([roId, statusCalls]) => ({ roId, statusCalls })).sort((a, b) => b.statusCalls - a.statusCalls || a.roId.localeCompare(b.roId)),
    portalLinksSince: since,
    before,
    after,
    change: bPer !== null && aPer !== null && bPer > 0 ? (aPer - bPer) / bPer : null,
    callsSavedPerDay: bPer !== null && aPer !== null && after ? (bPer - aPer) * (after.openRoDays / after.days) : null,
    portal: input.portal,
    measured: totals.all > 0,
  };
}

function figure(days: DayCount[]): PeriodFigure | null {
  if (days.length === 0) return null;
  const statusCalls = days.reduce((n, d) => n + d.byReason.status, 0);
  const openRoDays = days.reduce((n, d) => n + d.openRos, 0);
  return {
    days: days.length,
    statusCalls,
    openRoDays,
    statusCallsPerDay: statusCalls / days.length,
    statusCallsPerOpenRo: openRoDays > 0 ? statusCalls / openRoDays : null,
  };
}
