// The typefaces of the signature page and the certificate of completion: the project's Noto Sans
// (resources/fonts, the same files the desk prints with; relay code may not import src-main, so
// they are read here), embedded as a subset by pdf-lib, so a signer called Nguyễn Thị Hương or
// Øyvind is printed as written. pdf-lib was written against its own fontkit fork
// (@pdf-lib/fontkit), whose subsets stream out (`encodeStream`); fontkit 2, which the project
// already has for pdfkit, returns the subset's bytes from `encode()`. The adapter below gives
// pdf-lib the stream it expects and parses each font file once per process.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';
import type { PDFDocument } from 'pdf-lib';

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0];

/** resources/ of this checkout, or BAYLINE_RESOURCES where a packaged relay keeps it. */
function resourcesDir(): string {
  if (process.env.BAYLINE_RESOURCES) return process.env.BAYLINE_RESOURCES;
  return fileURLToPath(new URL('../../resources', import.meta.url));
}

let files: { regular: Buffer; bold: Buffer } | null = null;

/** The Noto Sans files' bytes, read once. */
export function fontFiles(): { regular: Buffer; bold: Buffer } {
  if (!files) {
    const dir = path.join(resourcesDir(), 'fonts');
    files = { regular: fs.readFileSync(path.join(dir, 'NotoSans-Regular.ttf')), bold: fs.readFileSync(path.join(dir, 'NotoSans-Bold.ttf')) };
  }
  return files;
}

interface Fontkit2Subset {
  encode(): Uint8Array;
  encodeStream?: () => EventEmitter;
}
interface Fontkit2Font {
  createSubset(): Fontkit2Subset;
}

const parsed = new WeakMap<Uint8Array, Fontkit2Font>();

function withStreamedSubsets(font: Fontkit2Font): Fontkit2Font {
  const createSubset = font.createSubset.bind(font);
  font.createSubset = () => {
    const subset = createSubset();
    subset.encodeStream = () => {
      const stream = new EventEmitter();
      setImmediate(() => {
        try {
          stream.emit('data', subset.encode());
          stream.emit('end');
        } catch (err) {
          stream.emit('error', err);
        }
      });
      return stream;
    };
    return subset;
  };
  return font;
}

/** What pdf-lib's `registerFontkit` takes, over fontkit 2. */
export const fontkitForPdfLib: Fontkit = {
  create(data: Uint8Array) {
    let font = parsed.get(data);
    if (!font) {
      font = withStreamedSubsets(fontkit.create(data) as unknown as Fontkit2Font);
      parsed.set(data, font);
    }
    return font;
  },
} as unknown as Fontkit;
