// QR codes drawn as vector squares, so they stay sharp on any printer at any size. Error
// correction M (a code survives about 15% smudge or crease) and the four-module quiet zone the
// standard asks for, painted white so a coloured band behind it cannot eat into it.
import QRCode from 'qrcode';
import type { Box } from './layout.js';

export const QUIET_MODULES = 4;

/** Draws `text` as a QR code whose outer square (quiet zone included) is `size` points wide. */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): Box {
  const code = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const count = code.modules.size;
  const module = size / (count + 2 * QUIET_MODULES);
  doc.save();
  doc.rect(x, y, size, size).fill('#ffffff');
  const origin = { x: x + QUIET_MODULES * module, y: y + QUIET_MODULES * module };
  // One rectangle per run of dark modules in a row: far fewer path operations than one per module.
  for (let row = 0; row < count; row++) {
    let runStart = -1;
    for (let col = 0; col <= count; col++) {
      const dark = col < count && code.modules.get(row, col) === 1;
      if (dark && runStart < 0) runStart = col;
      if (!dark && runStart >= 0) {
        doc.rect(origin.x + runStart * module, origin.y + row * module, (col - runStart) * module, module);
        runStart = -1;
      }
    }
  }
  doc.fill('#000000');
  doc.restore();
  return { x, y, width: size, height: size };
}
