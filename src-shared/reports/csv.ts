// The figures as CSV a spreadsheet opens as it is: one section per figure (a title row, a header
// row, the rows), numbers unformatted but rounded to two places, text quoted when it must be.
import type { ReportFigures, Scorecard } from './figures.js';

type Cell = string | number | null;

function cell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '';
  // A leading = + - @ would be read as a formula by a spreadsheet: quote it as text.
  const text = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function section(title: string, header: string[], rows: Cell[][]): string {
  return [[title], header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n');
}

const staffName = (names: Map<string, string>, id: string) => names.get(id) ?? id;

export function reportCsv(f: ReportFigures, shopName: string, names: Map<string, string> = new Map()): string {
  const parts = [
    section(`${shopName} — report ${f.from} to ${f.to} (${f.timeZone})`, ['Figure', 'Value'], [
      ['Repairs delivered', f.delivered],
      ['Business days', f.businessDays],
      ['Keys-to-keys average (days)', f.cycle.keysToKeys.averageDays],
      ['Keys-to-keys median (days)', f.cycle.keysToKeys.medianDays],
      ['From first notice average (days)', f.cycle.fromFirstNotice.averageDays],
      ['On-time delivery (%)', f.onTime.percent],
      ['Delivered on time', f.onTime.onTime],
      ['Delivered late', f.onTime.late],
      ['Without a promised date', f.onTime.noPromise],
      ['CSI responses', f.csi.responses],
      ['CSI response rate (%)', f.csi.responseRate],
      ['CSI overall (1-5)', f.csi.overall],
      ['NPS', f.csi.nps],
      ['Stage changes', f.communication.stageChanges],
      ['Followed by a customer update within one business day (%)', f.communication.percent],
      ['Messages in', f.messages.inbound],
      ['Messages out', f.messages.outbound],
      ['Of which automated', f.messages.automated],
      ['First reply average (minutes)', f.messages.firstResponseAverageMinutes],
      ['First reply median (minutes)', f.messages.firstResponseMedianMinutes],
      ['Customer messages not answered', f.messages.unanswered],
      ['Front-desk minutes reclaimed', f.reclaimed.minutes],
      ['How', f.reclaimed.formula],
    ]),
    section('Where cars wait', ['Stage', 'Cars', 'Average hours'], f.dwell.map((d) => [d.label, d.count, d.averageHours])),
    section('CSI by question', ['Question', 'Answers', 'Average'], f.csi.questions.map((q) => [q.label, q.count, q.average])),
    section('Exceptions by reason', ['Reason', 'Count'], f.exceptions.map((x) => [x.label, x.count])),
    section(`Trend by ${f.trendUnit}`, ['Starting', 'Delivered', 'Keys-to-keys (days)', 'On time (%)', 'CSI overall', 'NPS', 'Messages in', 'Messages out'], f.trend.map((t) => [t.start, t.delivered, t.averageCycleDays, t.onTimePercent, t.csiOverall, t.nps, t.inbound, t.outbound])),
    section('By staff member', ['Staff', 'Delivered', 'Keys-to-keys (days)', 'On time (%)', 'Messages sent', 'First reply (minutes)'], f.staff.map((s) => [staffName(names, s.staffId), s.delivered, s.averageCycleDays, s.onTimePercent, s.messagesSent, s.firstResponseAverageMinutes])),
  ];
  return `${parts.join('\r\n\r\n')}\r\n`;
}

export function scorecardsCsv(cards: Scorecard[], shopName: string, from: string, to: string): string {
  const header = [
    'Insurer', 'Delivered', 'CSI responses', 'Response rate (%)', 'CSI overall (1-5)', 'NPS',
    'Keys-to-keys (days)', 'From first notice (days)', 'On time (%)', 'Updates within one business day (%)', 'Exceptions',
  ];
  const rows = cards.map(({ insurer, figures: f }) => [
    insurer, f.delivered, f.csi.responses, f.csi.responseRate, f.csi.overall, f.csi.nps,
    f.cycle.keysToKeys.averageDays, f.cycle.fromFirstNotice.averageDays, f.onTime.percent, f.communication.percent,
    f.exceptions.map((x) => `${x.label}: ${x.count}`).join('; '),
  ]);
  const questions = cards.flatMap(({ insurer, figures: f }) => f.csi.questions.map((q) => [insurer, q.label, q.count, q.average]));
  return `${[section(`${shopName} — insurer scorecards ${from} to ${to}`, header, rows), section('CSI by question', ['Insurer', 'Question', 'Answers', 'Average'], questions)].join('\r\n\r\n')}\r\n`;
}
