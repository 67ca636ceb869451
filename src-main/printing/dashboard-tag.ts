// The dashboard tag: hangs in the car while it is in the shop. RO number and plate big enough to
// read across the bay, the staff QR that opens the bay camera for this car, and the customer's
// QR smaller. Laid out for half letter; on a Letter or A4 sheet the same tag is drawn larger.
import { printedDate } from './format.js';
import { writeText } from './layout.js';
import type { PrintedDocument, PlacedQr } from './printed-document.js';
import { mm, PAPERS } from '../../src-shared/printing.js';
import { finishPdf, newPdf, textOn } from './pdf.js';
import type { PrintData } from './print-data.js';
import { drawQr } from './qr.js';
import { vehicleLabel } from '../repair-orders/queries.js';

/** The tag as designed, in points (half letter). */
const TAG = { width: 396, height: 612 };

export async function renderDashboardTag(data: PrintData, paper: 'half-letter' | 'letter' | 'a4'): Promise<PrintedDocument> {
  const { width: W, height: H } = PAPERS[paper];
  const { ro, shop } = data;
  const doc = newPdf([W, H], { title: `Dashboard tag ${ro.roNumber}`, subject: `${shop.name}: repair order ${ro.roNumber}` });
  // The whole tag scaled to the sheet and centred on it.
  const s = Math.min(W / TAG.width, H / TAG.height);
  const ox = (W - TAG.width * s) / 2;
  const oy = (H - TAG.height * s) / 2;
  const m = 22 * s;
  const x = ox + m;
  const width = TAG.width * s - 2 * m;
  const qrCodes: PlacedQr[] = [];

  // Band in the shop's colour with its name, inside what a printer can reach.
  const bandHeight = 30 * s;
  doc.rect(x, oy + m, width, bandHeight).fill(shop.colorPrimary);
  writeText(doc, shop.name || 'Body shop', x + 8 * s, oy + m + 7 * s, width - 16 * s, {
    bold: true,
    size: 12 * s,
    minSize: 7 * s,
    color: textOn(shop.colorPrimary),
  });
  let y = oy + m + bandHeight + 10 * s;

  y += writeText(doc, 'REPAIR ORDER', x, y, width, { size: 9 * s, align: 'center', color: '#555555', spacing: 1 });
  y += writeText(doc, String(ro.roNumber), x, y, width, { bold: true, size: 64 * s, minSize: 28 * s, align: 'center' });
  y += 6 * s;

  // The plate in a frame, the way it reads on the car.
  const plate = ro.vehicleDetail.plate?.trim() || 'NO PLATE';
  const plateTop = y;
  const plateHeight = writeText(doc, plate, x + 10 * s, y + 8 * s, width - 20 * s, { bold: true, size: 46 * s, minSize: 11 * s, align: 'center', spacing: 1.5 * s });
  doc.roundedRect(x, plateTop, width, plateHeight + 16 * s, 8 * s).lineWidth(2.5 * s).stroke('#111111');
  y = plateTop + plateHeight + 16 * s + 10 * s;

  y += writeText(doc, ro.customer.lastName || ro.customerName, x, y, width, { bold: true, size: 26 * s, minSize: 11 * s, maxLines: 2, align: 'center' });
  y += writeText(doc, vehicleLabel(ro.vehicleDetail), x, y, width, { size: 12 * s, minSize: 7 * s, maxLines: 2, align: 'center', color: '#333333' });
  y += 4 * s;
  y += writeText(doc, `Promised: ${printedDate(ro.promisedDate, data.shop.country) ?? 'not set'}`, x, y, width, { bold: true, size: 15 * s, minSize: 9 * s, align: 'center' });

  // Bottom row: the bay camera QR (large) and the customer's (smaller).
  const staffSize = mm(44) * s;
  const customerSize = mm(26) * s;
  const rowTop = oy + TAG.height * s - m - staffSize - 34 * s;
  doc.rect(x, rowTop - 10 * s, width, 0.8 * s).fill('#999999');
  const leftWidth = width * 0.55;
  const rightX = x + leftWidth + 10 * s;
  const rightWidth = width - leftWidth - 10 * s;

  let lh = writeText(doc, 'BAY CAMERA · STAFF ONLY', x, rowTop, leftWidth, { bold: true, size: 9 * s, minSize: 7 * s });
  if (data.bayUrl) {
    const box = drawQr(doc, data.bayUrl, x, rowTop + lh + 2 * s, staffSize);
    qrCodes.push({ box, url: data.bayUrl, who: 'staff' });
    lh += staffSize + 4 * s;
    writeText(doc, 'Scan to add photos of this car', x, rowTop + lh, leftWidth, { size: 8 * s, minSize: 6.5 * s, maxLines: 2, color: '#333333' });
  } else {
    writeText(doc, 'No bay camera link: this desk is not connected to the shop’s relay, or the car has left.', x, rowTop + lh + 4 * s, leftWidth, {
      size: 8.5 * s,
      maxLines: 4,
      color: '#555555',
    });
  }

  let rh = writeText(doc, 'Customer status', rightX, rowTop, rightWidth, { bold: true, size: 9 * s, minSize: 7 * s, align: 'center' });
  if (data.customerUrl) {
    const qx = rightX + (rightWidth - customerSize) / 2;
    const box = drawQr(doc, data.customerUrl, qx, rowTop + rh + 2 * s, customerSize);
    qrCodes.push({ box, url: data.customerUrl, who: 'customer' });
    rh += customerSize + 4 * s;
    writeText(doc, 'For the car’s owner', rightX, rowTop + rh, rightWidth, { size: 7.5 * s, align: 'center', color: '#333333' });
  } else {
    writeText(doc, data.customerUrlProblem ?? 'No status link.', rightX, rowTop + rh + 4 * s, rightWidth, { size: 7.5 * s, maxLines: 5, align: 'center', color: '#555555' });
  }

  return { pdf: await finishPdf(doc), page: { width: W, height: H }, qrCodes };
}
