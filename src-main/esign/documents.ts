// The documents a customer signs, drawn at the desk from the repair order with the printing
// stack (pdfkit, our embedded fonts, the shop's letterhead and colours, the portal QR): repair
// authorization, betterment acknowledgement, supplement approval and pickup sign-off. Each is a
// plain Letter document that reads the same on paper (it has signature lines for a wet
// signature) and on a phone in the portal, where every page is shown before signing. The exact
// bytes made here are what the customer signs: their SHA-256 is fixed on the request.
import { printedDateTime, printedMoney } from '../printing/format.js';
import { writeField, writeText } from '../printing/layout.js';
import { finishPdf, newPdf } from '../printing/pdf.js';
import type { PrintData } from '../printing/print-data.js';
import { drawCustomerQr, drawLetterhead } from '../printing/shared-blocks.js';
import { mm, PAPERS } from '../../src-shared/printing.js';
import { formatPhone } from '../../src-shared/phone.js';
import type { DocumentDetail, DocumentLine, SupplementDiffLine } from '../../src-shared/esign/desk.js';
import { vehicleLabel } from '../repair-orders/queries.js';

const MARGIN = 48;
const { width: W, height: H } = PAPERS.letter;
const INNER = W - 2 * MARGIN;
const FOOT = 40;

export interface MadeDocument {
  pdf: Buffer;
  pages: number;
}

const TITLES: Record<Exclude<DocumentDetail['kind'], 'custom'>, string> = {
  authorization: 'REPAIR AUTHORIZATION',
  betterment: 'BETTERMENT ACKNOWLEDGEMENT',
  supplement: 'SUPPLEMENT APPROVAL',
  pickup: 'VEHICLE PICKUP SIGN-OFF',
};

/** Draws one of the desk's documents; `version` is printed on supplements. */
export async function renderSignatureDocument(
  data: PrintData,
  detail: Exclude<DocumentDetail, { kind: 'custom' }>,
  version: number,
): Promise<MadeDocument> {
  const { ro, shop } = data;
  const title = TITLES[detail.kind];
  const doc = newPdf([W, H], { title: `${title} — RO ${ro.roNumber}`, subject: `${shop.name}: repair order ${ro.roNumber}` });
  let pages = 1;
  let y = MARGIN;
  const bottom = H - MARGIN - FOOT;

  const footer = () => {
    writeText(
      doc,
      `${shop.name || 'Body shop'} · RO ${ro.roNumber} · ${title.toLowerCase()}${detail.kind === 'supplement' ? ` version ${version}` : ''} · page ${pages}`,
      MARGIN,
      H - MARGIN - 10,
      INNER,
      { size: 7, color: '#777777', align: 'right' },
    );
  };
  const newPage = () => {
    footer();
    doc.addPage({ size: [W, H], margin: 0 });
    pages += 1;
    y = MARGIN;
  };
  /** Makes room for `h` points, starting a new page when the current one cannot hold it. */
  const room = (h: number) => {
    if (y + h > bottom) newPage();
  };
  const section = (name: string) => {
    room(40);
    const h = writeText(doc, name, MARGIN, y, INNER, { bold: true, size: 9.5, color: shop.colorPrimary, spacing: 1 });
    doc.rect(MARGIN, y + h + 1, INNER, 0.6).fill('#bbbbbb');
    y += h + 7;
  };
  const paragraph = (text: string, size = 10) => {
    for (const part of text.split(/\n+/).map((p) => p.trim()).filter(Boolean)) {
      room(size * 3);
      y += writeText(doc, part, MARGIN, y, INNER, { size, maxLines: 40, color: '#111111' }) + 6;
    }
  };
  const half = (INNER - 16) / 2;
  const pair = (a: [string, string | null], b: [string, string | null], size = 11) => {
    room(34);
    const ha = writeField(doc, a[0], a[1], MARGIN, y, half, { size, minSize: 7, maxLines: 2 });
    const hb = writeField(doc, b[0], b[1], MARGIN + half + 16, y, half, { size, minSize: 7, maxLines: 2 });
    y += Math.max(ha, hb) + 8;
  };

  // Letterhead left; the document's name, RO and date right.
  const rightWidth = 200;
  const headLeft = drawLetterhead(doc, data, MARGIN, MARGIN, INNER - rightWidth - 16);
  let r = writeText(doc, title, W - MARGIN - rightWidth, MARGIN, rightWidth, { bold: true, size: 12, minSize: 8, maxLines: 1, align: 'right', color: shop.colorPrimary });
  r += writeText(doc, `RO ${ro.roNumber}${detail.kind === 'supplement' ? ` · version ${version}` : ''}`, W - MARGIN - rightWidth, MARGIN + r, rightWidth, {
    bold: true,
    size: 18,
    minSize: 10,
    align: 'right',
  });
  r += writeText(doc, printedDateTime(data.printedAt.toISOString(), shop.timeZone, shop.country), W - MARGIN - rightWidth, MARGIN + r, rightWidth, {
    size: 8.5,
    align: 'right',
    color: '#333333',
  });
  y = MARGIN + Math.max(headLeft, r) + 10;
  doc.rect(MARGIN, y, INNER, 3).fill(shop.colorPrimary);
  y += 16;

  section('CUSTOMER AND VEHICLE');
  pair(['Customer', `${ro.customer.firstName} ${ro.customer.lastName}`.trim()], ['Mobile', ro.customer.mobile ? formatPhone(ro.customer.mobile, shop.country) : null]);
  pair(['Vehicle', vehicleLabel(ro.vehicleDetail) || null], ['VIN', ro.vehicleDetail.vin]);

  switch (detail.kind) {
    case 'authorization': {
      section('INSURANCE AND ESTIMATE');
      pair(['Insurer', detail.insurer ?? 'Customer pay'], ['Claim number', detail.claimNumber]);
      pair(['Estimate total', printedMoney(detail.estimateTotalCents, shop.country) ?? 'To follow'], ['Deductible', printedMoney(detail.deductibleCents, shop.country)], 13);
      section('STORAGE');
      paragraph(detail.storageTerms || 'No storage charge.');
      section('PAYMENT');
      paragraph(detail.paymentTerms || 'Payment is due when you collect the vehicle.');
      section('AUTHORIZATION');
      paragraph(detail.authorizationText, 10.5);
      break;
    }
    case 'betterment': {
      section('PARTS WITH BETTERMENT');
      paragraph(
        'Your insurer pays for these parts only in part, because the new part is worth more than the worn one it replaces. You pay the amounts below.',
        9.5,
      );
      y = moneyTable(doc, detail.lines, { room, get: () => y, set: (v) => (y = v) }, shop);
      room(30);
      y += totalLine(doc, 'You pay', detail.totalCents, y, true, shop) + 8;
      paragraph('I understand and agree to pay the betterment amounts listed above.', 10.5);
      break;
    }
    case 'supplement': {
      section(detail.comparedWithVersion ? `WHAT CHANGED SINCE VERSION ${detail.comparedWithVersion} YOU SIGNED` : 'WHAT CHANGED SINCE THE ESTIMATE');
      y = diffTable(doc, detail.diff, { room, get: () => y, set: (v) => (y = v) }, shop.colorPrimary, shop);
      room(60);
      y += totalLine(doc, detail.comparedWithVersion ? 'Total you approved before' : 'Estimate total before', detail.oldTotalCents, y, false, shop) + 2;
      y += totalLine(doc, 'New total', detail.newTotalCents, y, true, shop) + 2;
      const delta = detail.newTotalCents - detail.oldTotalCents;
      y += writeText(doc, `${delta >= 0 ? 'Increase' : 'Decrease'}: ${printedMoney(Math.abs(delta), shop.country)}`, MARGIN, y, INNER, { size: 9.5, align: 'right', color: '#333333' }) + 10;
      paragraph('I approve the supplement above and the new total of the repair.', 10.5);
      break;
    }
    case 'pickup': {
      section('AT PICKUP');
      pair(['Odometer', `${detail.odometer.toLocaleString('en-US')} miles`], ['Completed', printedDateTime(data.printedAt.toISOString(), shop.timeZone, shop.country)]);
      section('ITEMS RETURNED');
      if (detail.itemsReturned.length === 0) paragraph('No items were held by the shop.', 10);
      for (const item of detail.itemsReturned) {
        room(18);
        doc.rect(MARGIN + 2, y + 3, 7, 7).lineWidth(0.8).stroke('#333333');
        y += writeText(doc, item, MARGIN + 16, y, INNER - 16, { size: 10.5, maxLines: 3 }) + 4;
      }
      y += 6;
      section('ACCEPTANCE');
      paragraph(detail.acceptanceText, 10.5);
      break;
    }
  }

  // How to sign: on the phone through the repair link, or here on paper.
  room(150);
  y += 8;
  const qrSide = 120;
  const textWidth = INNER - qrSide - 20;
  const signTop = y;
  let h = writeText(doc, 'Sign on your phone', MARGIN, y, textWidth, { bold: true, size: 11 });
  h += writeText(
    doc,
    'Open your repair link (scan the code) and choose “To sign”. You will see every page of this document before you sign. Or sign below on paper.',
    MARGIN,
    y + h + 2,
    textWidth,
    { size: 9, maxLines: 4, color: '#333333' },
  );
  const lineY = signTop + h + 52;
  doc.rect(MARGIN, lineY, textWidth * 0.62, 0.8).fill('#333333');
  doc.rect(MARGIN + textWidth * 0.7, lineY, textWidth * 0.3, 0.8).fill('#333333');
  writeText(doc, 'Customer signature', MARGIN, lineY + 4, textWidth * 0.62, { size: 8, color: '#555555' });
  writeText(doc, 'Date', MARGIN + textWidth * 0.7, lineY + 4, textWidth * 0.3, { size: 8, color: '#555555' });
  drawCustomerQr(doc, data, W - MARGIN - qrSide, signTop, qrSide, { qrSize: mm(30), scale: 0.7, heading: 'Your repair link' });
  footer();
  return { pdf: await finishPdf(doc), pages };
}

interface Cursor {
  room(h: number): void;
  get(): number;
  set(y: number): void;
}

function moneyTable(doc: PDFKit.PDFDocument, lines: readonly DocumentLine[], c: Cursor, shop: { country: string }): number {
  const amountWidth = 110;
  c.room(20);
  let y = c.get();
  writeText(doc, 'PART', MARGIN, y, INNER - amountWidth, { size: 7.5, color: '#555555', spacing: 0.4 });
  writeText(doc, 'YOU PAY', MARGIN + INNER - amountWidth, y, amountWidth, { size: 7.5, color: '#555555', spacing: 0.4, align: 'right' });
  c.set(y + 13);
  for (const line of lines) {
    c.room(18);
    y = c.get();
    const h = writeText(doc, line.description, MARGIN, y, INNER - amountWidth - 10, { size: 10.5, maxLines: 3 });
    writeText(doc, printedMoney(line.amountCents, shop.country), MARGIN + INNER - amountWidth, y, amountWidth, { size: 10.5, align: 'right' });
    doc.rect(MARGIN, y + h + 2, INNER, 0.4).fill('#d0d0d0');
    c.set(y + h + 6);
  }
  return c.get();
}

const CHANGE_WORDS: Record<SupplementDiffLine['change'], string> = { added: 'Added', removed: 'Removed', changed: 'Changed', same: 'No change' };

function diffTable(doc: PDFKit.PDFDocument, diff: readonly SupplementDiffLine[], c: Cursor, color: string, shop: { country: string }): number {
  const col = { change: 70, amount: 90 };
  const descWidth = INNER - col.change - 2 * col.amount - 12;
  const x = { change: MARGIN + descWidth + 6, before: MARGIN + descWidth + 6 + col.change, now: MARGIN + INNER - col.amount };
  c.room(20);
  let y = c.get();
  writeText(doc, 'LINE', MARGIN, y, descWidth, { size: 7.5, color: '#555555', spacing: 0.4 });
  writeText(doc, 'CHANGE', x.change, y, col.change, { size: 7.5, color: '#555555', spacing: 0.4 });
  writeText(doc, 'BEFORE', x.before, y, col.amount, { size: 7.5, color: '#555555', spacing: 0.4, align: 'right' });
  writeText(doc, 'NOW', x.now, y, col.amount, { size: 7.5, color: '#555555', spacing: 0.4, align: 'right' });
  c.set(y + 13);
  for (const line of diff) {
    c.room(18);
    y = c.get();
    const strong = line.change !== 'same';
    const h = writeText(doc, line.description, MARGIN, y, descWidth, { size: 10, maxLines: 3, bold: strong, color: line.change === 'removed' ? '#777777' : '#111111' });
    writeText(doc, CHANGE_WORDS[line.change], x.change, y, col.change, { size: 9, bold: strong, color: strong ? color : '#777777' });
    writeText(doc, line.oldCents === null ? '—' : printedMoney(line.oldCents, shop.country), x.before, y, col.amount, { size: 10, align: 'right', color: '#555555' });
    writeText(doc, line.newCents === null ? '—' : printedMoney(line.newCents, shop.country), x.now, y, col.amount, { size: 10, align: 'right', bold: strong });
    doc.rect(MARGIN, y + h + 2, INNER, 0.4).fill('#d0d0d0');
    c.set(y + h + 6);
  }
  return c.get();
}

function totalLine(doc: PDFKit.PDFDocument, label: string, cents: number, y: number, strong: boolean, shop: { country: string }): number {
  const w = 220;
  const h = writeText(doc, label, MARGIN + INNER - w - 130, y, w, { size: strong ? 11.5 : 10, bold: strong, align: 'right' });
  writeText(doc, printedMoney(cents, shop.country), MARGIN + INNER - 120, y, 120, { size: strong ? 11.5 : 10, bold: strong, align: 'right' });
  return h;
}
