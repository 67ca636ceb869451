// What a renderer hands back: the PDF and where its QR codes are (a leaf, so the renderers and
// the entry point that picks one do not import each other).
import type { Box } from './layout.js';

/** A QR code on the page: where it is and what it says (tests decode the printed image against it). */
export interface PlacedQr {
  box: Box;
  url: string;
  who: 'customer' | 'staff';
}

export interface PrintedDocument {
  pdf: Buffer;
  qrCodes: PlacedQr[];
  /** Page size in points. */
  page: { width: number; height: number };
}
