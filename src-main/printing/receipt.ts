// The check-in receipt: what the shop received, when and from whom, with the customer's QR.
// On an 80 mm thermal roll the page is exactly as long as the receipt (it is drawn once to
// measure, then again on a page of that length); on Letter or A4 it is a column on the sheet.
import { printedDate, printedDateTime } from './format.js';
import { writeField, writeText } from './layout.js';
import type { PlacedQr, PrintedDocument } from './printed-document.js';
import { mm, PAPERS } from '../../src-shared/printing.js';
import { finishPdf, newPdf } from './pdf.js';
import type { PrintData } from './print-data.js';
import { customerPrintedLine, drawCustomerQr, drawLetterhead } from './shared-blocks.js';
import { vehicleLabel } from '../repair-orders/queries.js';

export async function renderReceipt(data: PrintData, paper: 'receipt-80mm' | 'letter' | 'a4'): Promise<PrintedDocument> {
  const info = { title: `Check-in receipt ${data.ro.roNumber}`, subject: `${data.shop.name}: vehicle received` };
  if (paper === 'receipt-80mm') {
    const W = PAPERS['receipt-80mm'].width;
    const margin = mm(4);
    // First pass on a long scratch page, to learn the length.
    const scratch = newPdf([W, 4000], info);
    const length = drawReceipt(scratch, data, margin, margin, W - 2 * margin, 1).bottom + margin;
    scratch.end();
    const page = { width: W, height: Math.ceil(length) };
    const doc = newPdf([page.width, page.height], info);
    const { qrCodes } = drawReceipt(doc, data, margin, margin, W - 2 * margin, 1);
    return { pdf: await finishPdf(doc), page, qrCodes };
  }
  // On a sheet: a column a little larger than the roll's, smaller again if the texts are long.
  const { width: W, height: H } = PAPERS[paper];
  const margin = 54;
  let scale = 1.25;
  for (; scale > 0.8; scale -= 0.05) {
    const scratch = newPdf([W, 4000], info);
    const fits = drawReceipt(scratch, data, margin, margin, columnWidth(W, margin, scale), scale).bottom <= H - margin;
    scratch.end();
    if (fits) break;
  }
  const doc = newPdf([W, H], info);
  const width = columnWidth(W, margin, scale);
  const { qrCodes } = drawReceipt(doc, data, (W - width) / 2, margin, width, scale);
  return { pdf: await finishPdf(doc), page: { width: W, height: H }, qrCodes };
}

function columnWidth(pageWidth: number, margin: number, scale: number): number {
  return Math.min(pageWidth - 2 * margin, 272 * scale);
}

function drawReceipt(doc: PDFKit.PDFDocument, data: PrintData, x: number, top: number, width: number, s: number) {
  const { ro, shop } = data;
  // The receipt is the customer's: their language, their locale's formats.
  const { t } = data.words;
  const intl = data.words.locale.intl;
  let y = top;
  const rule = (weight = 0.8) => {
    doc.rect(x, y, width, weight * s).fill('#111111');
    y += weight * s + 6 * s;
  };
  const field = (label: string, value: string | null | undefined, size = 9.5, maxLines = 2, bold = false) => {
    y += writeField(doc, label, value, x, y, width, { size: size * s, minSize: 6.5 * s, maxLines, bold }) + 4 * s;
  };

  y += drawLetterhead(doc, data, x, y, width, 0.8 * s) + 6 * s;
  rule(1.5);
  y += writeText(doc, t('printed.vehicleReceived'), x, y, width, { bold: true, size: 11 * s, align: 'center', spacing: 1 });
  y += writeText(doc, t('printed.roNumber', { ro: String(ro.roNumber) }), x, y, width, { bold: true, size: 22 * s, minSize: 12 * s, align: 'center' });
  y += 4 * s;
  rule();
  field(t('printed.received'), printedDateTime(ro.checkedInAt, shop.timeZone, shop.country, intl));
  field(t('printed.receivedBy'), data.checkedInBy ?? t('printed.frontDesk'));
  field(t('printed.from'), ro.customerName, 11, 2, true);
  rule();
  field(t('printed.vehicle'), vehicleLabel(ro.vehicleDetail), 10.5, 2, true);
  field(t('printed.plate'), ro.vehicleDetail.plate, 11, 1, true);
  field(t('printed.vin'), ro.vehicleDetail.vin, 9, 2);
  if (ro.insurer || ro.claimNumber) {
    field(t('printed.insurer'), ro.insurer, 9.5, 2);
    field(t('printed.claimNumber'), ro.claimNumber, 9.5, 2);
  }
  field(t('printed.promisedFor'), printedDate(ro.promisedDate, shop.country, intl) ?? t('printed.willTell'), 10.5, 1, true);
  if (ro.courtesyCar) field(t('printed.courtesyCar'), ro.courtesyCar, 9, 3);
  rule();
  const qr = drawCustomerQr(doc, data, x, y, width, { qrSize: mm(30) * s, scale: s });
  y += qr.height + 8 * s;
  y += writeText(doc, customerPrintedLine(data), x, y, width, { size: 7 * s, align: 'center', color: '#555555' });
  const qrCodes: PlacedQr[] = qr.qr ? [{ box: qr.qr, url: data.customerUrl!, who: 'customer' }] : [];
  return { bottom: y, qrCodes };
}
