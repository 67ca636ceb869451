// The numbers a shop owner looks at (the Reports screen, issue 20) and sends to an insurer (the
// scorecard, issue 18), computed the same way everywhere: a pure function over plain facts read
// from the synced tables (./load.ts), so the desk, the relay's group view and the tests agree.
//
// Which repairs a period holds: those DELIVERED in it (the first "Delivered" stage event falls on
// a shop-local day from `from` to `to`). Cycle times, on-time delivery, dwell times and CSI are
// over those repairs. Stage changes, messages and exceptions are counted where they HAPPENED in
// the period, on every repair that matches the insurer and staff filter.
import { DELAY_REASONS, isDelayReason } from '../exceptions.js';
import type { OpeningHours } from '../domain.js';
import { STAGE_LABELS, STAGES, type Stage } from '../stages.js';
import type { ReportSettings } from './settings.js';
import { bucketStart, ShopCalendar } from './shop-calendar.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface RepairFact {
  id: string;
  roNumber: number | null;
  insurer: string | null;
  /** Who checked it in (the advisor) and who it is assigned to: the staff filter matches either. */
  checkedInBy: string | null;
  assignedStaffId: string | null;
  checkedInAt: string | null;
  firstNoticeAt: string | null;
  promisedDate: string | null;
  closedAt: string | null;
}

export interface StageEventFact {
  roId: string;
  stage: string;
  at: string;
}

export interface PromisedChangeFact {
  roId: string;
  toDate: string | null;
  at: string;
}

export interface ExceptionFact {
  roId: string;
  reason: string | null;
  openedAt: string;
}

export interface MessageFact {
  roId: string | null;
  direction: string | null;
  channel: string | null;
  at: string;
  status: string | null;
  staffId: string | null;
  automated: boolean;
}

export interface PortalCountFact {
  roId: string;
  source: string | null;
  views: number;
}

export interface CsiFact {
  roId: string;
  overall: number | null;
  recommend: number | null;
  /** JSON as stored: { [questionId]: number | string }. */
  answers: string | null;
  /** JSON as stored: the questions as worded when answered. */
  questions: string | null;
  submittedAt: string;
}

export interface ReportFacts {
  timeZone: string;
  hours: OpeningHours;
  /** Shop-local days the shop was closed (schedule_exceptions). */
  closedDays: string[];
  settings: ReportSettings;
  repairs: RepairFact[];
  stageEvents: StageEventFact[];
  promisedChanges: PromisedChangeFact[];
  exceptions: ExceptionFact[];
  messages: MessageFact[];
  portal: PortalCountFact[];
  csi: CsiFact[];
  /** Measured status calls (src-shared/calls/counts.ts): used instead of the estimate when the shop counted calls. */
  calls: { measured: boolean; callsSavedPerDay: number | null } | null;
}

export interface ReportQuery {
  /** Shop-local days, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  insurer?: string | null;
  staffId?: string | null;
}

export interface DaysFigure {
  count: number;
  averageDays: number | null;
  medianDays: number | null;
}

export interface ReportFigures {
  from: string;
  to: string;
  timeZone: string;
  businessDays: number;
  delivered: number;
  cycle: { keysToKeys: DaysFigure; fromFirstNotice: DaysFigure; targetDays: number };
  onTime: { counted: number; onTime: number; late: number; noPromise: number; percent: number | null; targetPercent: number };
  /** Average hours a delivered car spent in each stage before it moved on (where cars wait). */
  dwell: Array<{ stage: Stage; label: string; count: number; averageHours: number | null }>;
  csi: {
    responses: number;
    responseRate: number | null;
    overall: number | null;
    recommend: number | null;
    nps: number | null;
    promoters: number;
    passives: number;
    detractors: number;
    questions: Array<{ id: string; label: string; count: number; average: number | null }>;
  };
  communication: { stageChanges: number; followedUp: number; percent: number | null };
  exceptions: Array<{ reason: string; label: string; count: number }>;
  messages: { inbound: number; outbound: number; automated: number; answered: number; unanswered: number; firstResponseAverageMinutes: number | null; firstResponseMedianMinutes: number | null };
  reclaimed: Reclaimed;
  trendUnit: 'week' | 'month';
  trend: TrendPoint[];
  staff: StaffFigure[];
}

export interface Reclaimed {
  portalViews: number;
  qrScans: number;
  answeredMessages: number;
  measured: boolean;
  callsAvoided: number;
  minutes: number;
  /** The arithmetic, in words the owner can check. */
  formula: string;
}

export interface TrendPoint {
  start: string;
  delivered: number;
  averageCycleDays: number | null;
  onTimePercent: number | null;
  csiOverall: number | null;
  nps: number | null;
  inbound: number;
  outbound: number;
}

export interface StaffFigure {
  staffId: string;
  delivered: number;
  averageCycleDays: number | null;
  onTimePercent: number | null;
  messagesSent: number;
  firstResponseAverageMinutes: number | null;
}

export interface Scorecard {
  insurer: string;
  figures: ReportFigures;
}

/** The label for repairs with no insurer on them. */
export const NO_INSURER = 'Customer pay';

const NOT_SENT = new Set(['draft', 'refused', 'failed']);
const COUNTED_OUT = (m: MessageFact) => m.direction === 'out' && !NOT_SENT.has(m.status ?? '');

interface Prepared {
  facts: ReportFacts;
  calendar: ShopCalendar;
  repairs: Map<string, RepairFact>;
  events: Map<string, Array<{ stage: string; ms: number }>>;
  delivered: Map<string, number>;
  lastPromise: Map<string, Array<{ toDate: string | null; ms: number }>>;
  csi: Map<string, CsiFact>;
  messages: Map<string, Array<MessageFact & { ms: number }>>;
  portal: Map<string, PortalCountFact[]>;
  exceptions: Map<string, ExceptionFact[]>;
  /** Repair ids per insurer name (as scorecards name them). */
  byInsurer: Map<string, string[]>;
}

function ms(iso: string | null | undefined): number {
  return iso ? Date.parse(iso) : Number.NaN;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Indexes the facts once (per repair), so figures for many insurers or locations reuse the work. */
export function prepareFacts(facts: ReportFacts): Prepared {
  const calendar = new ShopCalendar(facts.timeZone, facts.hours, facts.closedDays);
  const events = new Map<string, Array<{ stage: string; ms: number }>>();
  for (const e of facts.stageEvents) {
    const t = ms(e.at);
    if (!Number.isNaN(t)) push(events, e.roId, { stage: e.stage, ms: t });
  }
  const delivered = new Map<string, number>();
  for (const [roId, list] of events) {
    list.sort((a, b) => a.ms - b.ms);
    const d = list.find((e) => e.stage === 'delivered');
    if (d) delivered.set(roId, d.ms);
  }
  const lastPromise = new Map<string, Array<{ toDate: string | null; ms: number }>>();
  for (const p of facts.promisedChanges) {
    const t = ms(p.at);
    if (!Number.isNaN(t)) push(lastPromise, p.roId, { toDate: p.toDate, ms: t });
  }
  for (const list of lastPromise.values()) list.sort((a, b) => a.ms - b.ms);
  const csi = new Map<string, CsiFact>();
  for (const r of facts.csi) {
    const had = csi.get(r.roId);
    if (!had || had.submittedAt < r.submittedAt) csi.set(r.roId, r);
  }
  const messages = new Map<string, Array<MessageFact & { ms: number }>>();
  for (const m of facts.messages) {
    const t = ms(m.at);
    if (!Number.isNaN(t)) push(messages, m.roId ?? '', { ...m, ms: t });
  }
  for (const list of messages.values()) list.sort((a, b) => a.ms - b.ms);
  const portal = new Map<string, PortalCountFact[]>();
  for (const p of facts.portal) push(portal, p.roId, p);
  const exceptions = new Map<string, ExceptionFact[]>();
  for (const x of facts.exceptions) push(exceptions, x.roId, x);
  const byInsurer = new Map<string, string[]>();
  for (const r of facts.repairs) push(byInsurer, r.insurer?.trim() || NO_INSURER, r.id);
  return { facts, calendar, repairs: new Map(facts.repairs.map((r) => [r.id, r])), events, delivered, lastPromise, csi, messages, portal, exceptions, byInsurer };
}

function average(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function daysFigure(values: number[]): DaysFigure {
  return { count: values.length, averageDays: average(values), medianDays: median(values) };
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100;
}

/** The promised date in force when the car was delivered: the last change made before delivery, else the repair's own. */
function promisedAtDelivery(p: Prepared, r: RepairFact, deliveredMs: number): string | null {
  const changes = p.lastPromise.get(r.id);
  if (changes) {
    for (let i = changes.length - 1; i >= 0; i--) if (changes[i]!.ms <= deliveredMs) return changes[i]!.toDate;
  }
  return r.promisedDate;
}

function matches(r: RepairFact | undefined, q: ReportQuery): boolean {
  if (!r) return false;
  if (q.insurer != null && (r.insurer?.trim() || NO_INSURER) !== q.insurer) return false;
  if (q.staffId != null && r.checkedInBy !== q.staffId && r.assignedStaffId !== q.staffId) return false;
  return true;
}

function questionLabels(json: string | null): Map<string, string> {
  const labels = new Map<string, string>();
  if (!json) return labels;
  try {
    const parsed: unknown = JSON.parse(json);
    const list: unknown[] = Array.isArray(parsed) ? parsed : parsed && typeof parsed === 'object' ? Object.entries(parsed).map(([id, v]) => (typeof v === 'string' ? { id, label: v } : { id, ...(v as object) })) : [];
    for (const q of list) {
      if (!q || typeof q !== 'object') continue;
      const o = q as Record<string, unknown>;
      const label = [o.label, o.text, o.wording, o.question].find((v) => typeof v === 'string');
      if (typeof o.id === 'string' && typeof label === 'string') labels.set(o.id, label);
    }
  } catch {
    // A response whose questions cannot be read still counts through its overall and recommend columns.
  }
  return labels;
}

interface CsiTotals {
  overall: number[];
  recommend: number[];
}

function nps(recommend: number[]): { nps: number | null; promoters: number; passives: number; detractors: number } {
  const promoters = recommend.filter((v) => v >= 9).length;
  const detractors = recommend.filter((v) => v <= 6).length;
  return { nps: recommend.length === 0 ? null : ((promoters - detractors) / recommend.length) * 100, promoters, passives: recommend.length - promoters - detractors, detractors };
}

/** The figures for one period, insurer and staff member. */
export function computeFigures(input: ReportFacts | Prepared, query: ReportQuery): ReportFigures {
  const p = 'calendar' in input ? input : prepareFacts(input);
  const { calendar, facts } = p;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(query.from) || !/^\d{4}-\d{2}-\d{2}$/.test(query.to)) throw new Error(`Not a date range: ${query.from} to ${query.to}`);
  if (query.from > query.to) throw new Error(`The period starts (${query.from}) after it ends (${query.to}).`);
  const inRange = (t: number) => {
    const day = calendar.dayOf(t);
    return day >= query.from && day <= query.to;
  };
  const days = calendar.days(query.from, query.to);
  const trendUnit: 'week' | 'month' = days.length <= 92 ? 'week' : 'month';
  const trend = new Map<string, { delivered: number; cycle: number[]; onTime: number; counted: number; csi: CsiTotals; inbound: number; outbound: number }>();
  const startOf = new Map<string, string>();
  const bucket = (day: string) => {
    let start = startOf.get(day);
    if (start === undefined) {
      // The first bucket starts with the period, not on the Monday or the 1st before it.
      const s = bucketStart(day, trendUnit);
      start = s < query.from ? query.from : s;
      startOf.set(day, start);
    }
    let b = trend.get(start);
    if (!b) {
      b = { delivered: 0, cycle: [], onTime: 0, counted: 0, csi: { overall: [], recommend: [] }, inbound: 0, outbound: 0 };
      trend.set(start, b);
    }
    return b;
  };
  for (const d of days) bucket(d);
  // The repairs the insurer and staff filter keep; every loop below walks only these.
  const ids = (query.insurer != null ? (p.byInsurer.get(query.insurer) ?? []) : facts.repairs.map((r) => r.id)).filter((id) => matches(p.repairs.get(id), query));

  // Repairs delivered in the period.
  const keysToKeys: number[] = [];
  const fromNotice: number[] = [];
  let onTime = 0;
  let late = 0;
  let noPromise = 0;
  const dwell = new Map<string, number[]>();
  const csi: CsiTotals = { overall: [], recommend: [] };
  const perQuestion = new Map<string, { label: string; values: number[] }>();
  let responses = 0;
  let delivered = 0;
  const staff = new Map<string, { delivered: number; cycle: number[]; onTime: number; counted: number; sent: number; responses: number[] }>();
  const staffOf = (id: string) => {
    let s = staff.get(id);
    if (!s) {
      s = { delivered: 0, cycle: [], onTime: 0, counted: 0, sent: 0, responses: [] };
      staff.set(id, s);
    }
    return s;
  };

  for (const roId of ids) {
    const deliveredMs = p.delivered.get(roId);
    const r = p.repairs.get(roId);
    if (deliveredMs === undefined || !r) continue;
    const day = calendar.dayOf(deliveredMs);
    if (day < query.from || day > query.to) continue;
    delivered += 1;
    const b = bucket(day);
    b.delivered += 1;
    const s = r.checkedInBy ? staffOf(r.checkedInBy) : null;
    if (s) s.delivered += 1;
    const checkedIn = ms(r.checkedInAt);
    if (!Number.isNaN(checkedIn)) {
      const k2k = (deliveredMs - checkedIn) / DAY;
      keysToKeys.push(k2k);
      b.cycle.push(k2k);
      s?.cycle.push(k2k);
    }
    const notice = Number.isNaN(ms(r.firstNoticeAt)) ? checkedIn : ms(r.firstNoticeAt);
    if (!Number.isNaN(notice)) fromNotice.push((deliveredMs - notice) / DAY);
    const promised = promisedAtDelivery(p, r, deliveredMs);
    if (!promised) noPromise += 1;
    else {
      const kept = day <= promised;
      if (kept) onTime += 1;
      else late += 1;
      b.counted += 1;
      if (kept) b.onTime += 1;
      if (s) {
        s.counted += 1;
        if (kept) s.onTime += 1;
      }
    }
    const events = p.events.get(roId) ?? [];
    for (let i = 0; i < events.length - 1; i++) {
      const e = events[i]!;
      if (e.stage === 'delivered') break;
      // Sub-status moves inside a stage keep the car in that stage.
      let j = i + 1;
      while (j < events.length && events[j]!.stage === e.stage) j++;
      if (j >= events.length) break;
      push(dwell, e.stage, (events[j]!.ms - e.ms) / HOUR);
      i = j - 1;
    }
    const response = p.csi.get(roId);
    if (response) {
      responses += 1;
      if (response.overall != null) {
        csi.overall.push(response.overall);
        b.csi.overall.push(response.overall);
      }
      if (response.recommend != null) {
        csi.recommend.push(response.recommend);
        b.csi.recommend.push(response.recommend);
      }
      const labels = questionLabels(response.questions);
      let answers: Record<string, unknown> = {};
      try {
        answers = response.answers ? (JSON.parse(response.answers) as Record<string, unknown>) : {};
      } catch {
        answers = {};
      }
      for (const [id, value] of Object.entries(answers ?? {})) {
        if (typeof value !== 'number' || !Number.isFinite(value) || id === 'overall' || id === 'recommend') continue;
        let q = perQuestion.get(id);
        if (!q) {
          q = { label: labels.get(id) ?? id, values: [] };
          perQuestion.set(id, q);
        }
        q.values.push(value);
      }
    }
  }

  // Stage changes in the period, each followed (or not) by an update to the customer within one business day.
  let stageChanges = 0;
  let followedUp = 0;
  for (const roId of ids) {
    const events = p.events.get(roId);
    if (!events) continue;
    const out = (p.messages.get(roId) ?? []).filter(COUNTED_OUT);
    for (let i = 1; i < events.length; i++) {
      const e = events[i]!;
      if (e.stage === events[i - 1]!.stage || !inRange(e.ms)) continue;
      stageChanges += 1;
      const deadline = calendar.oneBusinessDayAfter(e.ms);
      if (out.some((m) => m.ms >= e.ms && m.ms <= deadline)) followedUp += 1;
    }
  }

  // Messages in the period: volume, and the first reply to each customer message (or run of them).
  let inbound = 0;
  let outbound = 0;
  let automated = 0;
  const firstResponses: number[] = [];
  let unanswered = 0;
  let answeredMessages = 0;
  for (const roId of ids) {
    const list = p.messages.get(roId);
    if (!list) continue;
    let waiting: { ms: number; counted: boolean } | null = null;
    for (const m of list) {
      const counted = inRange(m.ms);
      if (m.direction === 'in') {
        if (counted) {
          inbound += 1;
          bucket(calendar.dayOf(m.ms)).inbound += 1;
        }
        if (!waiting) waiting = { ms: m.ms, counted };
      } else if (COUNTED_OUT(m)) {
        if (counted) {
          outbound += 1;
          bucket(calendar.dayOf(m.ms)).outbound += 1;
          if (m.automated) automated += 1;
          if (m.staffId && !m.automated) staffOf(m.staffId).sent += 1;
        }
        if (waiting && !m.automated) {
          if (waiting.counted) {
            const minutes = (m.ms - waiting.ms) / 60_000;
            firstResponses.push(minutes);
            answeredMessages += 1;
            if (m.staffId) staffOf(m.staffId).responses.push(minutes);
          }
          waiting = null;
        }
      }
    }
    if (waiting?.counted) unanswered += 1;
  }

  // Exceptions opened in the period, by delay reason.
  const byReason = new Map<string, number>();
  for (const x of ids.flatMap((id) => p.exceptions.get(id) ?? [])) {
    const t = ms(x.openedAt);
    if (Number.isNaN(t) || !inRange(t)) continue;
    const reason = x.reason && isDelayReason(x.reason) ? x.reason : 'other';
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }

  // Portal views and QR scans on the repairs at the shop during the period (portal_counts holds totals per repair).
  let portalViews = 0;
  let qrScans = 0;
  const fromMs = Date.parse(`${query.from}T00:00:00Z`) - DAY;
  const toMs = Date.parse(`${query.to}T00:00:00Z`) + 2 * DAY;
  for (const roId of ids) {
    const counts = p.portal.get(roId);
    const r = p.repairs.get(roId);
    if (!counts || !r) continue;
    const inAt = ms(r.checkedInAt);
    const end = p.delivered.get(roId) ?? ms(r.closedAt);
    if (Number.isNaN(inAt) || inAt >= toMs || (!Number.isNaN(end) && end < fromMs)) continue;
    for (const c of counts) {
      if ((c.source ?? '').startsWith('qr-')) qrScans += c.views;
      else portalViews += c.views;
    }
  }

  const businessDays = calendar.businessDays(query.from, query.to);
  const reclaimed = reclaimedTime(facts, { portalViews, qrScans, answeredMessages, businessDays, days: days.length });
  const { nps: npsValue, promoters, passives, detractors } = nps(csi.recommend);

  return {
    from: query.from,
    to: query.to,
    timeZone: facts.timeZone,
    businessDays,
    delivered,
    cycle: { keysToKeys: daysFigure(keysToKeys), fromFirstNotice: daysFigure(fromNotice), targetDays: facts.settings.cycleTargetDays },
    onTime: { counted: onTime + late, onTime, late, noPromise, percent: percent(onTime, onTime + late), targetPercent: facts.settings.onTimeTargetPercent },
    dwell: STAGES.filter((s) => s !== 'delivered').map((s) => ({ stage: s, label: STAGE_LABELS[s], count: dwell.get(s)?.length ?? 0, averageHours: average(dwell.get(s) ?? []) })),
    csi: {
      responses,
      responseRate: percent(responses, delivered),
      overall: average(csi.overall),
      recommend: average(csi.recommend),
      nps: npsValue,
      promoters,
      passives,
      detractors,
      questions: [
        { id: 'overall', label: 'Overall satisfaction (1–5)', count: csi.overall.length, average: average(csi.overall) },
        ...[...perQuestion].map(([id, q]) => ({ id, label: q.label, count: q.values.length, average: average(q.values) })),
        { id: 'recommend', label: 'Likely to recommend (0–10)', count: csi.recommend.length, average: average(csi.recommend) },
      ],
    },
    communication: { stageChanges, followedUp, percent: percent(followedUp, stageChanges) },
    exceptions: [...byReason]
      .map(([reason, count]) => ({ reason, label: DELAY_REASONS[reason as keyof typeof DELAY_REASONS] ?? reason, count }))
      .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label)),
    messages: {
      inbound,
      outbound,
      automated,
      answered: firstResponses.length,
      unanswered,
      firstResponseAverageMinutes: average(firstResponses),
      firstResponseMedianMinutes: median(firstResponses),
    },
    reclaimed,
    trendUnit,
    trend: [...trend]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([start, b]) => ({
        start,
        delivered: b.delivered,
        averageCycleDays: average(b.cycle),
        onTimePercent: percent(b.onTime, b.counted),
        csiOverall: average(b.csi.overall),
        nps: nps(b.csi.recommend).nps,
        inbound: b.inbound,
        outbound: b.outbound,
      })),
    staff: [...staff]
      .map(([staffId, s]) => ({
        staffId,
        delivered: s.delivered,
        averageCycleDays: average(s.cycle),
        onTimePercent: percent(s.onTime, s.counted),
        messagesSent: s.sent,
        firstResponseAverageMinutes: average(s.responses),
      }))
      .sort((a, b) => b.delivered - a.delivered || a.staffId.localeCompare(b.staffId)),
  };
}

function round1(n: number): string {
  return (Math.round(n * 10) / 10).toLocaleString('en-US');
}

/**
 * Front-desk time reclaimed. Measured when the shop counts its calls (Settings › Calls): the status
 * calls a day the portal saves × the days × minutes per call. Otherwise an estimate: every portal
 * view, QR scan and answered message counts as a call that did not have to happen, capped at the
 * calls a business day the shop used to get × the business days, × minutes per call.
 */
function reclaimedTime(facts: ReportFacts, c: { portalViews: number; qrScans: number; answeredMessages: number; businessDays: number; days: number }): Reclaimed {
  const { minutesPerCall, callsPerDayBefore } = facts.settings;
  if (facts.calls?.measured && facts.calls.callsSavedPerDay != null) {
    const perDay = Math.max(0, facts.calls.callsSavedPerDay);
    const callsAvoided = perDay * c.days;
    return {
      ...c,
      measured: true,
      callsAvoided,
      minutes: callsAvoided * minutesPerCall,
      formula: `Measured: ${round1(perDay)} fewer status calls a day since portal links × ${c.days} days × ${round1(minutesPerCall)} min a call = ${round1(callsAvoided * minutesPerCall)} min`,
    };
  }
  const contacts = c.portalViews + c.qrScans + c.answeredMessages;
  const cap = callsPerDayBefore * c.businessDays;
  const callsAvoided = Math.min(contacts, cap);
  return {
    portalViews: c.portalViews,
    qrScans: c.qrScans,
    answeredMessages: c.answeredMessages,
    measured: false,
    callsAvoided,
    minutes: callsAvoided * minutesPerCall,
    formula:
      `Estimate: min(${c.portalViews} portal views + ${c.qrScans} QR scans + ${c.answeredMessages} answered messages, ` +
      `${callsPerDayBefore} calls a day before the portal × ${c.businessDays} business days) × ${round1(minutesPerCall)} min a call = ${round1(callsAvoided * minutesPerCall)} min`,
  };
}

/** One scorecard per insurer with a repair delivered in the period (the DRP view), by name. */
export function computeScorecards(input: ReportFacts | Prepared, query: ReportQuery): Scorecard[] {
  const p = 'calendar' in input ? input : prepareFacts(input);
  const insurers = new Set<string>();
  for (const [roId, t] of p.delivered) {
    const r = p.repairs.get(roId);
    if (!r || (query.staffId != null && r.checkedInBy !== query.staffId && r.assignedStaffId !== query.staffId)) continue;
    const day = p.calendar.dayOf(t);
    if (day >= query.from && day <= query.to) insurers.add(r.insurer?.trim() || NO_INSURER);
  }
  const wanted = query.insurer != null ? [...insurers].filter((i) => i === query.insurer) : [...insurers].sort((a, b) => a.localeCompare(b));
  return wanted.map((insurer) => ({ insurer, figures: computeFigures(p, { ...query, insurer }) }));
}
