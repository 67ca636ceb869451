// A pdfkit document set up the same way for every printed document: our fonts registered,
// metadata that names the shop and the repair, and the finished bytes collected in memory.
import PDFDocument from 'pdfkit';
import { BOLD, parsedFonts, REGULAR } from './fonts.js';

export function newPdf(size: [number, number], info: { title: string; subject: string; /** The language of the words (the PDF's /Lang: "es-US"). */ lang?: string }): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size,
    ...(info.lang ? { lang: info.lang } : {}),
    margin: 0,
    autoFirstPage: true,
    // Text placed past the bottom margin must never start a second page by itself.
    bufferPages: false,
    info: { Title: info.title, Subject: info.subject, Author: 'Bayline', Creator: 'Bayline', Producer: 'Bayline' },
  });
  const fonts = parsedFonts();
  // pdfkit takes a parsed fontkit font in place of the file (its types list only file forms).
  doc.registerFont(REGULAR, fonts.regular as unknown as Buffer);
  doc.registerFont(BOLD, fonts.bold as unknown as Buffer);
  doc.font(REGULAR);
  return doc;
}

/** Ends the document and resolves with its bytes. */
export function finishPdf(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

/** Black or white, whichever reads better on `background` (a shop colour like #1f4e79). */
export function textOn(background: string): string {
  const hex = background.replace('#', '');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return luminance > 0.4 ? '#111111' : '#ffffff';
}
