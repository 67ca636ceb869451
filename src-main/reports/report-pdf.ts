// The branded PDF of the figures: the scorecard a shop sends to an insurer (one page per insurer)
// and the owner's report. Drawn with pdfkit the way the desk prints its other documents (our fonts,
// the shop's logo, name and colours). Every bar carries its number and its label, so the page reads
// the same printed in black and white.
import type { WorkspaceSettings } from '../../src-shared/domain.js';
import type { ReportFigures, Scorecard } from '../../src-shared/reports/figures.js';
import { printedDate } from '../printing/format.js';
import { writeText } from '../printing/layout.js';
import { finishPdf, newPdf, textOn } from '../printing/pdf.js';

const PAGE: [number, number] = [612, 792]; // US Letter
const M = 42;
const W = PAGE[0] - 2 * M;

export interface ReportBrand {
  shop: WorkspaceSettings;
  logo: Buffer | null;
  /** The staff member's name when the figures are for one person. */
  staffName?: string | null;
}

export const fmt = {
  days: (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} days`),
  pct: (v: number | null) => (v === null ? '—' : `${Math.round(v)} %`),
  num: (v: number | null, places = 1) => (v === null ? '—' : v.toFixed(places)),
  minutes: (v: number | null) => (v === null ? '—' : v < 90 ? `${Math.round(v)} min` : `${(v / 60).toFixed(1)} h`),
  hours: (v: number | null) => (v === null ? '—' : v < 48 ? `${Math.round(v)} h` : `${(v / 24).toFixed(1)} days`),
};

function period(f: ReportFigures): string {
  return `${printedDate(f.from)} – ${printedDate(f.to)}`;
}

/** The coloured band: logo, shop name, the document's title and period. Returns the y below it. */
function header(doc: PDFKit.PDFDocument, brand: ReportBrand, title: string, subtitle: string): number {
  const band = 78;
  const ink = textOn(brand.shop.colorPrimary);
  doc.rect(0, 0, PAGE[0], band).fill(brand.shop.colorPrimary);
  doc.rect(0, band, PAGE[0], 4).fill(brand.shop.colorAccent);
  let x = M;
  if (brand.logo) {
    doc.roundedRect(M - 4, 12, 62, 54, 4).fill('#ffffff');
    doc.image(brand.logo, M, 15, { fit: [54, 48], align: 'center', valign: 'center' });
    x += 70;
  }
  writeText(doc, brand.shop.name || 'Body shop', x, 16, W - (x - M), { bold: true, size: 17, minSize: 11, color: ink });
  writeText(doc, [brand.shop.address, brand.shop.phone].filter(Boolean).join('  ·  '), x, 38, W - (x - M), { size: 8.5, minSize: 7, color: ink });
  writeText(doc, title, x, 52, W - (x - M), { bold: true, size: 11, minSize: 8, color: ink });
  writeText(doc, subtitle, M, band + 12, W, { size: 9, color: '#333333' });
  return band + 30;
}

/** A row of figure tiles (label over a big number, a small note under). Returns the y below. */
function tiles(doc: PDFKit.PDFDocument, y: number, items: Array<{ label: string; value: string; note?: string }>, accent: string): number {
  const perRow = 4;
  const gap = 8;
  const w = (W - gap * (perRow - 1)) / perRow;
  const h = 58;
  items.forEach((item, i) => {
    const x = M + (i % perRow) * (w + gap);
    const top = y + Math.floor(i / perRow) * (h + gap);
    doc.roundedRect(x, top, w, h, 4).lineWidth(0.8).stroke('#9aa5b1');
    doc.rect(x, top, 4, h).fill(accent);
    writeText(doc, item.label, x + 10, top + 7, w - 16, { size: 7.5, maxLines: 2, minSize: 6.5, color: '#333333' });
    writeText(doc, item.value, x + 10, top + 25, w - 16, { bold: true, size: 15, minSize: 10 });
    writeText(doc, item.note ?? '', x + 10, top + 44, w - 16, { size: 6.5, minSize: 5.5, color: '#444444' });
  });
  return y + Math.ceil(items.length / perRow) * (h + gap) + 4;
}

function heading(doc: PDFKit.PDFDocument, y: number, text: string): number {
  writeText(doc, text, M, y, W, { bold: true, size: 11 });
  doc.moveTo(M, y + 15).lineTo(M + W, y + 15).lineWidth(0.5).stroke('#9aa5b1');
  return y + 21;
}

/** Horizontal bars with the label at the left and the value at the end of each bar (hatched, so they read in grey). */
function bars(doc: PDFKit.PDFDocument, y: number, rows: Array<{ label: string; value: number | null; text: string }>, color: string, scaleMax?: number): number {
  const labelW = 170;
  const valueW = 70;
  const barW = W - labelW - valueW - 8;
  const max = scaleMax ?? Math.max(1e-9, ...rows.map((r) => r.value ?? 0));
  const rowH = 15;
  rows.forEach((r, i) => {
    const top = y + i * rowH;
    writeText(doc, r.label, M, top + 2, labelW - 6, { size: 8, minSize: 6.5 });
    const w = r.value ? Math.max(1.5, (r.value / max) * barW) : 0;
    if (w > 0) {
      doc.save();
      doc.rect(M + labelW, top + 2, w, rowH - 5).fillAndStroke(color, '#222222');
      doc.rect(M + labelW, top + 2, w, rowH - 5).clip();
      doc.lineWidth(0.6).strokeColor('#ffffff');
      for (let hx = -rowH; hx < w; hx += 5) doc.moveTo(M + labelW + hx, top + rowH - 3).lineTo(M + labelW + hx + rowH, top + 2).stroke();
      doc.restore();
    }
    writeText(doc, r.text, M + labelW + w + 5, top + 2, valueW + barW - w, { bold: true, size: 8 });
  });
  return y + rows.length * rowH + 8;
}

function table(doc: PDFKit.PDFDocument, y: number, header: string[], rows: string[][], widths: number[]): number {
  const rowH = 14;
  const total = widths.reduce((a, b) => a + b, 0);
  const scale = W / total;
  const xs = widths.map((_, i) => M + widths.slice(0, i).reduce((a, b) => a + b, 0) * scale);
  doc.rect(M, y, W, rowH).fill('#e8ecf0');
  header.forEach((h, i) => writeText(doc, h, xs[i]! + 3, y + 3, widths[i]! * scale - 6, { bold: true, size: 7.5, minSize: 6, align: i === 0 ? 'left' : 'right' }));
  rows.forEach((r, j) => {
    const top = y + (j + 1) * rowH;
    if (j % 2 === 1) doc.rect(M, top, W, rowH).fill('#f6f7f9');
    r.forEach((c, i) => writeText(doc, c, xs[i]! + 3, top + 3, widths[i]! * scale - 6, { size: 7.5, minSize: 6, align: i === 0 ? 'left' : 'right' }));
  });
  return y + (rows.length + 1) * rowH + 8;
}

function footer(doc: PDFKit.PDFDocument, f: ReportFigures, note: string): void {
  writeText(doc, note, M, PAGE[1] - 48, W, { size: 6.5, maxLines: 3, minSize: 5.5, color: '#444444' });
  writeText(doc, `Times in ${f.timeZone}. Made with Bayline.`, M, PAGE[1] - 24, W, { size: 6.5, color: '#444444' });
}

const DEFINITIONS =
  'Repairs counted: delivered in the period. Keys-to-keys: check-in to delivery. From first notice: the first the shop heard of the loss to delivery. ' +
  'On time: delivered on or before the last promised date. Updates: stage changes followed by a message to the customer within one business day. ' +
  'NPS: share answering 9–10 minus share answering 0–6 to "How likely are you to recommend us?".';

function scorecardPage(doc: PDFKit.PDFDocument, brand: ReportBrand, card: Scorecard): void {
  const f = card.figures;
  let y = header(doc, brand, `Scorecard for ${card.insurer}`, `${period(f)} · ${f.delivered} repairs delivered`);
  y = tiles(doc, y, [
    { label: 'CSI overall (1–5)', value: fmt.num(f.csi.overall, 2), note: `${f.csi.responses} responses` },
    { label: 'Net Promoter Score', value: f.csi.nps === null ? '—' : Math.round(f.csi.nps).toString(), note: `${f.csi.promoters} promoters · ${f.csi.detractors} detractors` },
    { label: 'Survey response rate', value: fmt.pct(f.csi.responseRate), note: `${f.csi.responses} of ${f.delivered} delivered` },
    { label: 'On-time delivery (last promised date)', value: fmt.pct(f.onTime.percent), note: `target ${f.onTime.targetPercent} % · ${f.onTime.late} late` },
    { label: 'Keys-to-keys (average)', value: fmt.days(f.cycle.keysToKeys.averageDays), note: `median ${fmt.days(f.cycle.keysToKeys.medianDays)} · target ${f.cycle.targetDays}` },
    { label: 'From first notice (average)', value: fmt.days(f.cycle.fromFirstNotice.averageDays) },
    { label: 'Customer updated within one business day', value: fmt.pct(f.communication.percent), note: `${f.communication.followedUp} of ${f.communication.stageChanges} stage changes` },
    { label: 'Exceptions opened', value: String(f.exceptions.reduce((n, x) => n + x.count, 0)) },
  ], brand.shop.colorAccent);
  y = heading(doc, y + 4, 'Customer satisfaction by question (average answer; bars to the top of each scale)');
  // Each bar is the share of its own scale (5 or 10), so a 0–10 question is not drawn twice as long.
  const top = (id: string) => (id === 'recommend' ? 10 : 5);
  y = bars(doc, y, f.csi.questions.map((q) => ({ label: q.label, value: q.average === null ? null : q.average / top(q.id), text: q.average === null ? '—' : `${q.average.toFixed(2)} of ${top(q.id)} (${q.count})` })), brand.shop.colorPrimary, 1);
  y = heading(doc, y + 4, 'Exceptions by reason');
  if (f.exceptions.length === 0) y += writeText(doc, 'None opened in the period.', M, y, W, { size: 8.5, color: '#333333' }) + 8;
  else y = bars(doc, y, f.exceptions.map((x) => ({ label: x.label, value: x.count, text: String(x.count) })), brand.shop.colorPrimary);
  y = heading(doc, y + 4, `By ${f.trendUnit}`);
  const trend = f.trend.filter((t) => t.delivered > 0).slice(-14);
  table(doc, y, ['Starting', 'Delivered', 'Keys-to-keys', 'On time', 'CSI', 'NPS'], trend.map((t) => [printedDate(t.start) ?? t.start, String(t.delivered), fmt.days(t.averageCycleDays), fmt.pct(t.onTimePercent), fmt.num(t.csiOverall, 2), t.nps === null ? '—' : String(Math.round(t.nps))]), [3, 2, 2, 2, 1.5, 1.5]);
  footer(doc, f, DEFINITIONS);
}

export async function scorecardsPdf(brand: ReportBrand, cards: Scorecard[], empty: ReportFigures): Promise<Buffer> {
  const doc = newPdf(PAGE, { title: `${brand.shop.name} insurer scorecards`, subject: `${empty.from} to ${empty.to}` });
  if (cards.length === 0) {
    header(doc, brand, 'Insurer scorecards', period(empty));
    writeText(doc, 'No repair was delivered in this period.', M, 130, W, { size: 11 });
  }
  cards.forEach((card, i) => {
    if (i > 0) doc.addPage({ size: PAGE, margin: 0 });
    scorecardPage(doc, brand, card);
  });
  return finishPdf(doc);
}

export async function reportPdf(brand: ReportBrand, f: ReportFigures, scope: string, names: Map<string, string>): Promise<Buffer> {
  const doc = newPdf(PAGE, { title: `${brand.shop.name} report`, subject: `${f.from} to ${f.to}` });
  let y = header(doc, brand, `Shop report${scope ? ` · ${scope}` : ''}`, `${period(f)} · ${f.delivered} repairs delivered · ${f.businessDays} business days`);
  y = tiles(doc, y, [
    { label: 'Front-desk time reclaimed', value: fmt.minutes(f.reclaimed.minutes), note: f.reclaimed.measured ? 'measured from counted calls' : 'estimate (formula below)' },
    { label: 'Keys-to-keys (average)', value: fmt.days(f.cycle.keysToKeys.averageDays), note: `target ${f.cycle.targetDays} days` },
    { label: 'On-time delivery', value: fmt.pct(f.onTime.percent), note: `target ${f.onTime.targetPercent} %` },
    { label: 'CSI overall · NPS', value: `${fmt.num(f.csi.overall, 2)} · ${f.csi.nps === null ? '—' : Math.round(f.csi.nps)}`, note: `${f.csi.responses} responses` },
    { label: 'Messages in / out', value: `${f.messages.inbound} / ${f.messages.outbound}`, note: `${f.messages.automated} automated` },
    { label: 'First reply to a customer (median)', value: fmt.minutes(f.messages.firstResponseMedianMinutes), note: `average ${fmt.minutes(f.messages.firstResponseAverageMinutes)} · ${f.messages.unanswered} unanswered` },
    { label: 'Customer updated within one business day', value: fmt.pct(f.communication.percent) },
    { label: 'From first notice (average)', value: fmt.days(f.cycle.fromFirstNotice.averageDays) },
  ], brand.shop.colorAccent);
  y += writeText(doc, f.reclaimed.formula, M, y, W, { size: 8, maxLines: 3, minSize: 6.5, color: '#222222' }) + 8;
  y = heading(doc, y, 'Where cars wait (average time in each stage)');
  y = bars(doc, y, f.dwell.map((d) => ({ label: d.label, value: d.averageHours, text: `${fmt.hours(d.averageHours)}${d.count ? ` (${d.count})` : ''}` })), brand.shop.colorPrimary);
  y = heading(doc, y + 2, `By ${f.trendUnit}`);
  const trend = f.trend.slice(-12);
  y = table(doc, y, ['Starting', 'Delivered', 'Keys-to-keys', 'On time', 'CSI', 'Msgs in', 'Msgs out'], trend.map((t) => [printedDate(t.start) ?? t.start, String(t.delivered), fmt.days(t.averageCycleDays), fmt.pct(t.onTimePercent), fmt.num(t.csiOverall, 2), String(t.inbound), String(t.outbound)]), [3, 1.5, 2, 1.5, 1.2, 1.4, 1.4]);
  if (y < PAGE[1] - 150 && f.staff.length > 0) {
    y = heading(doc, y + 2, 'By staff member');
    const room = Math.max(1, Math.floor((PAGE[1] - 70 - y) / 14) - 1);
    table(doc, y, ['Staff', 'Delivered', 'Keys-to-keys', 'On time', 'Sent', 'First reply'], f.staff.slice(0, room).map((s) => [names.get(s.staffId) ?? s.staffId, String(s.delivered), fmt.days(s.averageCycleDays), fmt.pct(s.onTimePercent), String(s.messagesSent), fmt.minutes(s.firstResponseAverageMinutes)]), [3, 1.5, 2, 1.5, 1.2, 1.6]);
  }
  footer(doc, f, DEFINITIONS);
  return finishPdf(doc);
}
