// The typeface every printed document uses: Noto Sans (Regular and Bold), shipped in
// resources/fonts with its licence. PDFs embed a subset of it, so names such as José, Zoë,
// Nguyễn Thị Hương or Øyvind print as written on any printer, whatever fonts the PC has.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

export const REGULAR = 'Bayline-Regular';
export const BOLD = 'Bayline-Bold';

/**
 * resources/ of this checkout (two folders up from src-main/printing or out/main), or
 * BAYLINE_RESOURCES where a packaged app keeps them elsewhere.
 */
export function resourcesDir(): string {
  if (process.env.BAYLINE_RESOURCES) return process.env.BAYLINE_RESOURCES;
  return fileURLToPath(new URL('../../resources', import.meta.url));
}

let cached: { regular: fontkit.Font; bold: fontkit.Font } | null = null;

/**
 * The fonts, read and parsed once per process. Parsing is most of the cost of a document if
 * done per document (pdfkit would parse the file each time); each document still embeds its
 * own subset of the glyphs it uses.
 */
export function parsedFonts(): { regular: fontkit.Font; bold: fontkit.Font } {
  if (!cached) {
    const dir = path.join(resourcesDir(), 'fonts');
    cached = {
      regular: fontkit.create(fs.readFileSync(path.join(dir, 'NotoSans-Regular.ttf'))),
      bold: fontkit.create(fs.readFileSync(path.join(dir, 'NotoSans-Bold.ttf'))),
    };
  }
  return cached;
}
