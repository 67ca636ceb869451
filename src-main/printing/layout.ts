// Text that must stay inside its box whatever a person typed: a name of 100 letters, a
// 300-character address, an insurer's full legal name. Each piece of text gets a width, a
// largest and smallest size and a number of lines; it shrinks first, wraps next, and is cut
// with an ellipsis only when even the smallest size cannot hold it.
import { BOLD, REGULAR } from './fonts.js';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TextStyle {
  bold?: boolean;
  /** Preferred size in points. */
  size: number;
  /** Smallest size it may shrink to (defaults to `size`: no shrinking). */
  minSize?: number;
  /** Lines it may wrap onto (default 1). */
  maxLines?: number;
  align?: 'left' | 'center' | 'right';
  color?: string;
  /** Extra space between letters (a plate or a VIN reads better spaced). */
  spacing?: number;
}

const LINE_GAP = 0;

/** The size `text` will be written at in `width` under `style`, and the height it takes. */
export function measureText(doc: PDFKit.PDFDocument, text: string, width: number, style: TextStyle) {
  const maxLines = style.maxLines ?? 1;
  const minSize = style.minSize ?? style.size;
  doc.font(style.bold ? BOLD : REGULAR);
  for (let size = style.size; ; size = Math.max(minSize, size - 0.5)) {
    doc.fontSize(size);
    const lineHeight = doc.currentLineHeight(true);
    const height = doc.heightOfString(text, options(width, style));
    const lines = Math.round(height / lineHeight);
    if (lines <= maxLines || size <= minSize) {
      return { size, lineHeight, height: Math.min(lines, maxLines) * lineHeight, cut: lines > maxLines };
    }
  }
}

/** Writes `text` at (x, y) within `width`; returns the height it took (0 for empty text). */
export function writeText(doc: PDFKit.PDFDocument, text: string | null | undefined, x: number, y: number, width: number, style: TextStyle): number {
  const value = (text ?? '').replace(/\s+/g, ' ').trim();
  if (!value) return 0;
  const fit = measureText(doc, value, width, style);
  doc.fontSize(fit.size).fillColor(style.color ?? '#111111');
  doc.text(value, x, y, { ...options(width, style), height: fit.height, ellipsis: fit.cut ? '…' : undefined });
  return fit.height;
}

/** A small grey label over a value, the way every field of a form reads. Returns the height used. */
export function writeField(
  doc: PDFKit.PDFDocument,
  label: string,
  value: string | null | undefined,
  x: number,
  y: number,
  width: number,
  style: TextStyle,
): number {
  const labelHeight = writeText(doc, label.toUpperCase(), x, y, width, { size: Math.max(6, style.size * 0.55), color: '#555555', spacing: 0.4 });
  const shown = value && value.trim() ? value : '—';
  return labelHeight + writeText(doc, shown, x, y + labelHeight, width, style);
}

function options(width: number, style: TextStyle): PDFKit.Mixins.TextOptions {
  return {
    width,
    align: style.align ?? 'left',
    lineGap: LINE_GAP,
    characterSpacing: style.spacing ?? 0,
    lineBreak: true,
  };
}
