// The work order: the sheet the customer takes home at check-in. The repair's facts, the shop's
// details, and the QR code that replaces "where is my car?" calls.
import { printedDate, printedDateTime, printedMoney } from './format.js';
import { type Box, writeField, writeText } from './layout.js';
import type { PrintedDocument } from './printed-document.js';
import { finishPdf, newPdf } from './pdf.js';
import type { PrintData } from './print-data.js';
import { mm, PAPERS } from '../../src-shared/printing.js';
import { customerPrintedLine, drawCustomerQr, drawLetterhead } from './shared-blocks.js';
import { formatPhone } from '../../src-shared/phone.js';
import { vehicleLabel } from '../repair-orders/queries.js';

const MARGIN = 42;
const QR_COLUMN = 176;
const GUTTER = 22;

export async function renderWorkOrder(data: PrintData, paper: 'letter' | 'a4'): Promise<PrintedDocument> {
  const { width: W, height: H } = PAPERS[paper];
  const { ro, shop } = data;
  // The customer's sheet: their language and their locale's formats; the notes area (what the customer points out at the counter) and the printed line too.
  const { t } = data.words;
  const intl = data.words.locale.intl;
  const doc = newPdf([W, H], { title: `Work order ${ro.roNumber}`, subject: `${shop.name}: repair order ${ro.roNumber}` });
  const inner = W - 2 * MARGIN;
  const rightX = W - MARGIN - QR_COLUMN;

  // Letterhead on the left, the RO number large on the right.
  const headLeft = drawLetterhead(doc, data, MARGIN, MARGIN, inner - QR_COLUMN - GUTTER);
  let r = writeText(doc, t('printed.repairOrder'), rightX, MARGIN, QR_COLUMN, { size: 9, align: 'right', color: '#555555', spacing: 1 });
  r += writeText(doc, String(ro.roNumber), rightX, MARGIN + r, QR_COLUMN, { bold: true, size: 34, minSize: 18, align: 'right' });
  r += writeText(doc, t('printed.checkedIn', { when: printedDateTime(ro.checkedInAt, shop.timeZone, shop.country, intl) ?? '' }), rightX, MARGIN + r, QR_COLUMN, {
    size: 8.5,
    minSize: 7,
    maxLines: 2,
    align: 'right',
    color: '#333333',
  });
  let y = MARGIN + Math.max(headLeft, r) + 10;
  doc.rect(MARGIN, y, inner, 3).fill(shop.colorPrimary);
  y += 18;
  const bodyTop = y;

  // The facts, in a column beside the QR block.
  const leftWidth = inner - QR_COLUMN - GUTTER;
  const half = (leftWidth - 14) / 2;
  const x2 = MARGIN + half + 14;
  const section = (title: string) => {
    const h = writeText(doc, title, MARGIN, y, leftWidth, { bold: true, size: 9.5, color: shop.colorPrimary, spacing: 1 });
    doc.rect(MARGIN, y + h + 1, leftWidth, 0.6).fill('#bbbbbb');
    y += h + 6;
  };
  const pair = (a: () => number, b: () => number) => {
    const top = y;
    const ha = a();
    y = top;
    const hb = b();
    y = top + Math.max(ha, hb) + 8;
  };

  section(t('printed.customer'));
  y += writeField(doc, t('printed.name'), `${ro.customer.firstName} ${ro.customer.lastName}`, MARGIN, y, leftWidth, { bold: true, size: 15, minSize: 9, maxLines: 2 }) + 8;
  pair(
    () => writeField(doc, t('printed.mobile'), ro.customer.mobile ? formatPhone(ro.customer.mobile, shop.country) : null, MARGIN, y, half, { size: 10.5, minSize: 7 }),
    () => writeField(doc, t('printed.email'), ro.customer.email, x2, y, half, { size: 10.5, minSize: 6.5, maxLines: 2 }),
  );

  section(t('printed.vehicleHeading'));
  y += writeField(doc, t('printed.vehicle'), vehicleLabel(ro.vehicleDetail), MARGIN, y, leftWidth, { bold: true, size: 13, minSize: 8, maxLines: 2 }) + 8;
  pair(
    () => writeField(doc, t('printed.plate'), ro.vehicleDetail.plate, MARGIN, y, half, { bold: true, size: 15, minSize: 6.5, spacing: 1 }),
    () => writeField(doc, t('printed.vin'), ro.vehicleDetail.vin, x2, y, half, { size: 10.5, minSize: 6.5, spacing: 0.5, maxLines: 2 }),
  );

  section(t('printed.insuranceHeading'));
  y += writeField(doc, t('printed.insurer'), ro.insurer, MARGIN, y, leftWidth, { size: 11.5, minSize: 7, maxLines: 2 }) + 8;
  y += writeField(doc, t('printed.claimNumber'), ro.claimNumber, MARGIN, y, leftWidth, { bold: true, size: 11.5, minSize: 7, maxLines: 2 }) + 8;
  const adjuster = [ro.adjusterName, ro.adjusterPhone].filter(Boolean).join(' · ');
  pair(
    () => writeField(doc, t('printed.deductible'), printedMoney(ro.deductibleCents, shop.country, intl), MARGIN, y, half, { size: 10.5, minSize: 7 }),
    () => writeField(doc, t('printed.adjuster'), adjuster, x2, y, half, { size: 10, minSize: 6.5, maxLines: 3 }),
  );

  section(t('printed.datesHeading'));
  pair(
    () => writeField(doc, t('printed.promisedFor'), printedDate(ro.promisedDate, shop.country, intl) ?? t('printed.willTell'), MARGIN, y, half, { bold: true, size: 13, minSize: 8 }),
    () => writeField(doc, t('printed.courtesyCar'), ro.courtesyCar, x2, y, half, { size: 10, minSize: 6.5, maxLines: 3 }),
  );

  // The QR block, framed in the shop's colour.
  const frame: Box = { x: rightX, y: bodyTop, width: QR_COLUMN, height: 0 };
  const block = drawCustomerQr(doc, data, rightX + 10, bodyTop + 12, QR_COLUMN - 20, { qrSize: mm(38) });
  frame.height = block.height + 24;
  doc.roundedRect(frame.x, frame.y, frame.width, frame.height, 6).lineWidth(1.2).stroke(shop.colorAccent);

  // Room for what the customer points out at the counter, then signature lines at the foot.
  const footY = H - MARGIN - 64;
  const notesTop = Math.max(y, bodyTop + frame.height) + 8;
  if (footY - 30 - notesTop >= 60) {
    writeText(doc, t('printed.notesHeading'), MARGIN, notesTop, inner, { bold: true, size: 9.5, color: shop.colorPrimary, spacing: 1 });
    for (let line = notesTop + 34; line < footY - 34; line += 26) doc.rect(MARGIN, line, inner, 0.5).fill('#c8c8c8');
  }
  doc.rect(MARGIN, footY, inner * 0.6, 0.8).fill('#333333');
  doc.rect(MARGIN + inner * 0.68, footY, inner * 0.32, 0.8).fill('#333333');
  writeText(doc, t('printed.signature'), MARGIN, footY + 4, inner * 0.6, { size: 8, color: '#555555' });
  writeText(doc, t('printed.signatureDate'), MARGIN + inner * 0.68, footY + 4, inner * 0.32, { size: 8, color: '#555555' });
  writeText(
    doc,
    shop.phone ? t('printed.keepSheet', { phone: shop.phone, ro: String(ro.roNumber) }) : t('printed.keepSheetNoPhone', { ro: String(ro.roNumber) }),
    MARGIN,
    H - MARGIN - 30,
    inner,
    { size: 8, minSize: 6.5, maxLines: 2, color: '#333333' },
  );
  writeText(doc, customerPrintedLine(data), MARGIN, H - MARGIN - 8, inner, { size: 6.5, color: '#777777', align: 'right' });

  return { pdf: await finishPdf(doc), page: { width: W, height: H }, qrCodes: block.qr ? [{ box: block.qr, url: data.customerUrl!, who: 'customer' }] : [] };
}
