// The documents a customer signs, drawn at the desk from the repair order with the printing
// stack (pdfkit, our embedded fonts, the shop's letterhead and colours, the portal QR): repair
// authorization, betterment acknowledgement, supplement approval and pickup sign-off. Each is a
// plain document on the shop's country's paper (Letter, A4) that reads the same on paper (it has
// signature lines for a wet signature) and on a phone in the portal, where every page is shown
// before signing. Every word is the customer's (src-shared/i18n: their language, the shop's
// country's wording, dates and money); the PDF names its language (/Lang) and the request's
// document_detail records it. The exact bytes made here are what the customer signs: their
// SHA-256 is fixed on the request.
import { printedDateTime, printedMoney } from '../printing/format.js';
import { writeField, writeText } from '../printing/layout.js';
import { finishPdf, newPdf } from '../printing/pdf.js';
import type { PrintData } from '../printing/print-data.js';
import { drawCustomerQr, drawLetterhead } from '../printing/shared-blocks.js';
import { mm, PAPERS } from '../../src-shared/printing.js';
import { formatPhone } from '../../src-shared/phone.js';
import type { DocumentDetail, DocumentLine, EsignTerms, SupplementDiffLine } from '../../src-shared/esign/desk.js';
import { DEFAULT_ESIGN_TERMS } from '../../src-shared/esign/desk-args.js';
import { countryProfile } from '../../src-shared/locale/country.js';
import type { CustomerWords } from '../../src-shared/i18n/index.js';
import { vehicleLabel } from '../repair-orders/queries.js';

const MARGIN = 48;
const FOOT = 40;
// Set per document from the shop's country's paper (Letter in the US and Canada, A4 in the UK);
// drawing is synchronous from there to finishPdf, so one document's size holds for all of it.
let W: number = PAPERS.letter.width;
let H: number = PAPERS.letter.height;
let INNER = W - 2 * MARGIN;

export interface MadeDocument {
  pdf: Buffer;
  pages: number;
}

const KIND_KEYS: Record<Exclude<DocumentDetail['kind'], 'custom'>, string> = {
  authorization: 'signDoc.kindAuthorization',
  betterment: 'signDoc.kindBetterment',
  supplement: 'signDoc.kindSupplement',
  pickup: 'signDoc.kindPickup',
};

/** A desk document's name in the reader's words: "Repair authorization", "Autorización de reparación". */
export function kindName(kind: Exclude<DocumentDetail['kind'], 'custom'>, words: CustomerWords): string {
  return words.t(KIND_KEYS[kind]);
}

/**
 * The shop's terms as the customer reads them: a term the shop never reworded (still the American
 * English default) is the catalogue's own wording in the customer's language and country (£40, "excess");
 * a term the shop wrote itself is printed as the shop wrote it.
 */
export function customerTerms(terms: EsignTerms, words: CustomerWords): EsignTerms {
  const t = words.t;
  const same = (a: string, b: string) => a.trim() === b.trim();
  return {
    ...terms,
    storageTerms: same(terms.storageTerms, DEFAULT_ESIGN_TERMS.storageTerms) ? t('signDoc.defaultStorage', { amount: words.money(40) }) : terms.storageTerms,
    paymentTerms: same(terms.paymentTerms, DEFAULT_ESIGN_TERMS.paymentTerms) ? t('signDoc.defaultPayment') : terms.paymentTerms,
    authorizationText: same(terms.authorizationText, DEFAULT_ESIGN_TERMS.authorizationText) ? t('signDoc.defaultAuthorization') : terms.authorizationText,
    pickupAcceptanceText: same(terms.pickupAcceptanceText, DEFAULT_ESIGN_TERMS.pickupAcceptanceText) ? t('signDoc.defaultAcceptance') : terms.pickupAcceptanceText,
  };
}

/** Draws one of the desk's documents in the customer's words (`data.words`); `version` is printed on supplements. */
export async function renderSignatureDocument(
  data: PrintData,
  detail: Exclude<DocumentDetail, { kind: 'custom' }>,
  version: number,
): Promise<MadeDocument> {
  const { ro, shop, words } = data;
  const { t } = words;
  const intl = words.locale.intl;
  const paper = PAPERS[countryProfile(shop.country).paper];
  W = paper.width;
  H = paper.height;
  INNER = W - 2 * MARGIN;
  const name = kindName(detail.kind, words);
  const title = name.toLocaleUpperCase(intl);
  const money = (cents: number | null) => printedMoney(cents, shop.country, intl);
  const doc = newPdf([W, H], { title: t('signDoc.pdfTitle', { title: name, number: ro.roNumber }), subject: t('signDoc.pdfSubject', { shop: shop.name, number: ro.roNumber }), lang: intl });
  let pages = 1;
  let y = MARGIN;
  const bottom = H - MARGIN - FOOT;

  const footer = () => {
    writeText(
      doc,
      t('signDoc.footer', { shop: shop.name || t('signDoc.bodyShop'), number: ro.roNumber, title: detail.kind === 'supplement' ? t('signDoc.numbered', { kind: name, version }) : name, page: pages }),
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
  r += writeText(doc, detail.kind === 'supplement' ? t('signDoc.roVersion', { number: ro.roNumber, version }) : t('printed.roNumber', { ro: String(ro.roNumber) }), W - MARGIN - rightWidth, MARGIN + r, rightWidth, {
    bold: true,
    size: 18,
    minSize: 10,
    align: 'right',
  });
  r += writeText(doc, printedDateTime(data.printedAt.toISOString(), shop.timeZone, shop.country, intl), W - MARGIN - rightWidth, MARGIN + r, rightWidth, {
    size: 8.5,
    align: 'right',
    color: '#333333',
  });
  y = MARGIN + Math.max(headLeft, r) + 10;
  doc.rect(MARGIN, y, INNER, 3).fill(shop.colorPrimary);
  y += 16;

  section(t('signDoc.customerVehicle'));
  pair([t('signDoc.customer'), `${ro.customer.firstName} ${ro.customer.lastName}`.trim()], [t('printed.mobile'), ro.customer.mobile ? formatPhone(ro.customer.mobile, shop.country) : null]);
  pair([t('printed.vehicle'), vehicleLabel(ro.vehicleDetail) || null], [t('printed.vin'), ro.vehicleDetail.vin]);

  switch (detail.kind) {
    case 'authorization': {
      section(t('signDoc.insuranceEstimate'));
      pair([t('printed.insurer'), detail.insurer ?? t('signDoc.customerPay')], [t('printed.claimNumber'), detail.claimNumber]);
      pair([t('signDoc.estimateTotal'), money(detail.estimateTotalCents) ?? t('signDoc.toFollow')], [t('printed.deductible'), money(detail.deductibleCents)], 13);
      section(t('signDoc.storage'));
      paragraph(detail.storageTerms || t('signDoc.noStorage'));
      section(t('signDoc.payment'));
      paragraph(detail.paymentTerms || t('signDoc.paymentDefault'));
      section(t('signDoc.authorization'));
      paragraph(detail.authorizationText, 10.5);
      break;
    }
    case 'betterment': {
      section(t('signDoc.bettermentHeading'));
      paragraph(t('signDoc.bettermentExplain'), 9.5);
      y = moneyTable(doc, detail.lines, { room, get: () => y, set: (v) => (y = v) }, money, words);
      room(30);
      y += totalLine(doc, t('signDoc.youPay'), detail.totalCents, y, true, money) + 8;
      paragraph(t('signDoc.bettermentAgree'), 10.5);
      break;
    }
    case 'supplement': {
      section(detail.comparedWithVersion ? t('signDoc.changedSinceVersion', { version: detail.comparedWithVersion }) : t('signDoc.changedSinceEstimate'));
      y = diffTable(doc, detail.diff, { room, get: () => y, set: (v) => (y = v) }, shop.colorPrimary, money, words);
      room(60);
      y += totalLine(doc, detail.comparedWithVersion ? t('signDoc.approvedBefore') : t('signDoc.estimateBefore'), detail.oldTotalCents, y, false, money) + 2;
      y += totalLine(doc, t('signDoc.newTotal'), detail.newTotalCents, y, true, money) + 2;
      const delta = detail.newTotalCents - detail.oldTotalCents;
      y += writeText(doc, t(delta >= 0 ? 'signDoc.increase' : 'signDoc.decrease', { amount: money(Math.abs(delta)) }), MARGIN, y, INNER, { size: 9.5, align: 'right', color: '#333333' }) + 10;
      paragraph(t('signDoc.supplementAgree'), 10.5);
      break;
    }
    case 'pickup': {
      section(t('signDoc.atPickup'));
      pair(
        [t('signDoc.odometer'), t('signDoc.miles', { distance: detail.odometer.toLocaleString(intl) })],
        [t('signDoc.completed'), printedDateTime(data.printedAt.toISOString(), shop.timeZone, shop.country, intl)],
      );
      section(t('signDoc.itemsReturned'));
      if (detail.itemsReturned.length === 0) paragraph(t('signDoc.noItems'), 10);
      for (const item of detail.itemsReturned) {
        room(18);
        doc.rect(MARGIN + 2, y + 3, 7, 7).lineWidth(0.8).stroke('#333333');
        y += writeText(doc, item, MARGIN + 16, y, INNER - 16, { size: 10.5, maxLines: 3 }) + 4;
      }
      y += 6;
      section(t('signDoc.acceptance'));
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
  let h = writeText(doc, t('signDoc.signOnPhone'), MARGIN, y, textWidth, { bold: true, size: 11 });
  h += writeText(
    doc,
    t('signDoc.signOnPhoneText', { toSign: t('esign.toSign') }),
    MARGIN,
    y + h + 2,
    textWidth,
    { size: 9, maxLines: 4, color: '#333333' },
  );
  const lineY = signTop + h + 52;
  doc.rect(MARGIN, lineY, textWidth * 0.62, 0.8).fill('#333333');
  doc.rect(MARGIN + textWidth * 0.7, lineY, textWidth * 0.3, 0.8).fill('#333333');
  writeText(doc, t('printed.signature'), MARGIN, lineY + 4, textWidth * 0.62, { size: 8, color: '#555555' });
  writeText(doc, t('printed.signatureDate'), MARGIN + textWidth * 0.7, lineY + 4, textWidth * 0.3, { size: 8, color: '#555555' });
  drawCustomerQr(doc, data, W - MARGIN - qrSide, signTop, qrSide, { qrSize: mm(30), scale: 0.7, heading: t('signDoc.repairLink') });
  footer();
  return { pdf: await finishPdf(doc), pages };
}

interface Cursor {
  room(h: number): void;
  get(): number;
  set(y: number): void;
}

type Money = (cents: number | null) => string | null;

function moneyTable(doc: PDFKit.PDFDocument, lines: readonly DocumentLine[], c: Cursor, money: Money, { t }: CustomerWords): number {
  const amountWidth = 110;
  c.room(20);
  let y = c.get();
  writeText(doc, t('signDoc.colPart'), MARGIN, y, INNER - amountWidth, { size: 7.5, color: '#555555', spacing: 0.4 });
  writeText(doc, t('signDoc.colYouPay'), MARGIN + INNER - amountWidth, y, amountWidth, { size: 7.5, color: '#555555', spacing: 0.4, align: 'right' });
  c.set(y + 13);
  for (const line of lines) {
    c.room(18);
    y = c.get();
    const h = writeText(doc, line.description, MARGIN, y, INNER - amountWidth - 10, { size: 10.5, maxLines: 3 });
    writeText(doc, money(line.amountCents), MARGIN + INNER - amountWidth, y, amountWidth, { size: 10.5, align: 'right' });
    doc.rect(MARGIN, y + h + 2, INNER, 0.4).fill('#d0d0d0');
    c.set(y + h + 6);
  }
  return c.get();
}

const CHANGE_KEYS: Record<SupplementDiffLine['change'], string> = { added: 'signDoc.added', removed: 'signDoc.removed', changed: 'signDoc.changed', same: 'signDoc.same' };

function diffTable(doc: PDFKit.PDFDocument, diff: readonly SupplementDiffLine[], c: Cursor, color: string, money: Money, { t }: CustomerWords): number {
  const col = { change: 70, amount: 90 };
  const descWidth = INNER - col.change - 2 * col.amount - 12;
  const x = { change: MARGIN + descWidth + 6, before: MARGIN + descWidth + 6 + col.change, now: MARGIN + INNER - col.amount };
  c.room(20);
  let y = c.get();
  writeText(doc, t('signDoc.colLine'), MARGIN, y, descWidth, { size: 7.5, color: '#555555', spacing: 0.4 });
  writeText(doc, t('signDoc.colChange'), x.change, y, col.change, { size: 7.5, color: '#555555', spacing: 0.4 });
  writeText(doc, t('signDoc.colBefore'), x.before, y, col.amount, { size: 7.5, color: '#555555', spacing: 0.4, align: 'right' });
  writeText(doc, t('signDoc.colNow'), x.now, y, col.amount, { size: 7.5, color: '#555555', spacing: 0.4, align: 'right' });
  c.set(y + 13);
  for (const line of diff) {
    c.room(18);
    y = c.get();
    const strong = line.change !== 'same';
    const h = writeText(doc, line.description, MARGIN, y, descWidth, { size: 10, maxLines: 3, bold: strong, color: line.change === 'removed' ? '#777777' : '#111111' });
    writeText(doc, t(CHANGE_KEYS[line.change]), x.change, y, col.change, { size: 9, bold: strong, color: strong ? color : '#777777' });
    writeText(doc, line.oldCents === null ? '—' : money(line.oldCents), x.before, y, col.amount, { size: 10, align: 'right', color: '#555555' });
    writeText(doc, line.newCents === null ? '—' : money(line.newCents), x.now, y, col.amount, { size: 10, align: 'right', bold: strong });
    doc.rect(MARGIN, y + h + 2, INNER, 0.4).fill('#d0d0d0');
    c.set(y + h + 6);
  }
  return c.get();
}

function totalLine(doc: PDFKit.PDFDocument, label: string, cents: number, y: number, strong: boolean, money: Money): number {
  const w = 220;
  const h = writeText(doc, label, MARGIN + INNER - w - 130, y, w, { size: strong ? 11.5 : 10, bold: strong, align: 'right' });
  writeText(doc, money(cents), MARGIN + INNER - 120, y, 120, { size: strong ? 11.5 : 10, bold: strong, align: 'right' });
  return h;
}
