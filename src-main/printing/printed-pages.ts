// Test support: a PDF as a person meets it on paper. Pages rendered to PNG with poppler's
// pdftoppm, QR codes read back by zbar's zbarimg (a decoder that shares no code with ours), and
// every word with its box from pdftotext -bbox. Never imported by the desk itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Word {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

export interface PrintedPage {
  width: number;
  height: number;
  words: Word[];
}

/** Writes the PDF and its pages as PNG (at `dpi`) into `dir`; returns the PNG files. */
export function renderPages(pdf: Buffer, dir: string, name: string, dpi = 200): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-r', String(dpi), '-png', file, path.join(dir, name)]);
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Every QR code zbarimg finds in the image, as text. */
export function decodeQrCodes(png: string): string[] {
  let out = '';
  try {
    out = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', png], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    // zbarimg exits 4 when it found nothing.
    if ((err as { status?: number }).status === 4) return [];
    throw err;
  }
  return out.split('\n').filter(Boolean);
}

export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
}

export function pdfPages(pdf: Buffer): PrintedPage[] {
  const html = execFileSync('pdftotext', ['-bbox', '-', '-'], { input: pdf, encoding: 'utf8' });
  const pages: PrintedPage[] = [];
  const unescape = (s: string) =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  for (const page of html.matchAll(/<page width="([\d.]+)" height="([\d.]+)">([\s\S]*?)<\/page>/g)) {
    const words = [...page[3]!.matchAll(/<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g)].map(
      (m) => ({ xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]), text: unescape(m[5]!) }),
    );
    pages.push({ width: Number(page[1]), height: Number(page[2]), words });
  }
  return pages;
}

/** Pairs of words whose boxes overlap by more than `tolerance` points each way. */
export function overlappingWords(words: Word[], tolerance = 1): Array<[Word, Word]> {
  const found: Array<[Word, Word]> = [];
  for (let i = 0; i < words.length; i++) {
    for (let j = i + 1; j < words.length; j++) {
      const a = words[i]!;
      const b = words[j]!;
      const dx = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
      const dy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
      if (dx > tolerance && dy > tolerance) found.push([a, b]);
    }
  }
  return found;
}
