// Pieces more than one printed document draws: the shop's letterhead and the customer's QR
// block with its plain-words instruction and the address to type.
import { printedDateTime, typedUrl } from './format.js';
import { type Box, writeText } from './layout.js';
import type { PrintData } from './print-data.js';
import { drawQr } from './qr.js';

/** Logo, name, address and phone in a box `width` wide; returns the height used. */
export function drawLetterhead(doc: PDFKit.PDFDocument, data: PrintData, x: number, y: number, width: number, scale = 1): number {
  // Beside the text on a sheet; above it, centred, on a narrow receipt.
  const narrow = width < 260;
  let textX = x;
  let top = y;
  let logoHeight = 0;
  if (data.logo) {
    const box = { width: Math.min(110 * scale, width * (narrow ? 0.6 : 0.35)), height: (narrow ? 40 : 52) * scale };
    doc.image(data.logo, narrow ? x + (width - box.width) / 2 : x, y, { fit: [box.width, box.height], align: 'center', valign: 'center' });
    if (narrow) top = y + box.height + 6 * scale;
    else textX = x + box.width + 10 * scale;
    logoHeight = box.height;
  }
  const textWidth = x + width - textX;
  const align = narrow ? 'center' : 'left';
  let h = writeText(doc, data.shop.name || 'Body shop', textX, top, textWidth, { bold: true, size: 15 * scale, minSize: 9 * scale, maxLines: 2, align });
  h += writeText(doc, data.shop.address, textX, top + h, textWidth, { size: 8.5 * scale, minSize: 6.5 * scale, maxLines: 2, color: '#333333', align });
  const contact = [data.shop.phone, data.shop.email].filter(Boolean).join('  ·  ');
  h += writeText(doc, contact, textX, top + h, textWidth, { size: 8.5 * scale, minSize: 6.5 * scale, maxLines: 2, color: '#333333', align });
  return narrow ? top - y + h : Math.max(h, logoHeight);
}

export interface QrBlockOptions {
  /** Width of the QR code with its quiet zone, in points. */
  qrSize: number;
  scale?: number;
  heading?: string;
  align?: 'left' | 'center';
}

/**
 * The customer's way in: a heading, the QR code, one sentence in plain words, and the address
 * for people who cannot scan. Returns the height used and where the code went.
 */
export function drawCustomerQr(
  doc: PDFKit.PDFDocument,
  data: PrintData,
  x: number,
  y: number,
  width: number,
  options: QrBlockOptions,
): { height: number; qr: Box | null } {
  const s = options.scale ?? 1;
  const align = options.align ?? 'center';
  const { t } = data.words;
  let h = writeText(doc, options.heading ?? t('printed.followRepair'), x, y, width, { bold: true, size: 12 * s, minSize: 8 * s, align });
  h += 4 * s;
  if (!data.customerUrl) {
    h += writeText(doc, t(data.customerUrlProblemKey ?? 'printed.noRelay'), x, y + h, width, { size: 9 * s, maxLines: 4, align, color: '#555555' });
    return { height: h, qr: null };
  }
  const qrX = align === 'center' ? x + (width - options.qrSize) / 2 : x;
  const qr = drawQr(doc, data.customerUrl, qrX, y + h, options.qrSize);
  h += options.qrSize + 4 * s;
  h += writeText(
    doc,
    t('printed.scan'),
    x,
    y + h,
    width,
    { size: 8.5 * s, minSize: 7 * s, maxLines: 4, align },
  );
  h += 3 * s;
  h += writeText(doc, t('printed.cantScan'), x, y + h, width, { size: 7 * s, align, color: '#555555' });
  h += writeText(doc, typedUrl(data.customerUrl), x, y + h, width, { size: 7.5 * s, minSize: 6 * s, maxLines: 3, align });
  return { height: h, qr };
}

/** The printed line in the customer's words, in the shop's time zone: "Printed Dec 1, 2026, 3:45 PM" / "Impreso el 4 dic 2026, 3:45 p.m.". */
export function customerPrintedLine(data: PrintData): string {
  return data.words.t('printed.printedAt', { when: printedDateTime(data.printedAt.toISOString(), data.shop.timeZone, data.shop.country, data.words.locale.intl) ?? '' });
}
