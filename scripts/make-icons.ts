// `npm run icons`: every picture the Windows installer needs, drawn from ONE source image
// (resources/logo.svg), into build/ (electron-builder's resources folder). The results are
// committed, so packaging never needs this script; a new logo is one file and one run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pngToIco from 'png-to-ico';
import sharp from 'sharp';
import { encodeBmp } from './bmp.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const LOGO = path.join(ROOT, 'resources', 'logo.svg');
/** The sizes Windows picks from: title bar and lists (16, 24, 32), Explorer views (48, 64, 128, 256). */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const;
/** PNGs beside the .ico: the same sizes plus 512 for build/icon.png (electron-builder's default for other systems). */
export const PNG_SIZES = [...ICO_SIZES, 512] as const;
/** NSIS's own bitmap sizes (Modern UI): the welcome/finish sidebar and the page header. */
export const SIDEBAR = { width: 164, height: 314 } as const;
export const HEADER = { width: 150, height: 57 } as const;
const BRAND = '#1d4f91';

/** The logo drawn at exactly `size` pixels (rendered from the vector at that size, not scaled down from a big PNG). */
export async function logoPng(svg: Buffer, size: number): Promise<Buffer> {
  const density = Math.max(1, (72 * size) / viewBoxWidth(svg));
  return sharp(svg, { density }).resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } }).png().toBuffer();
}

function viewBoxWidth(svg: Buffer): number {
  const match = /viewBox="[\d.\s-]+?\s([\d.]+)\s[\d.]+"/.exec(svg.toString('utf8'));
  if (!match) throw new Error(`${LOGO} needs a viewBox="0 0 W H" so it can be drawn at any size.`);
  return Number(match[1]);
}

/** A bitmap for NSIS: the logo on a background, no transparency (NSIS draws BMPs as they are). */
async function artwork(svg: Buffer, width: number, height: number, background: string, logoSize: number, left: number, top: number): Promise<Buffer> {
  const logo = await logoPng(svg, logoSize);
  const { data, info } = await sharp({ create: { width, height, channels: 3, background } })
    .composite([{ input: logo, left, top }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return encodeBmp(data, info.width, info.height);
}

export async function makeIcons(outDir: string, source = LOGO): Promise<string[]> {
  const svg = fs.readFileSync(source);
  fs.mkdirSync(path.join(outDir, 'icons'), { recursive: true });
  const written: string[] = [];
  const write = (name: string, bytes: Buffer) => {
    fs.writeFileSync(path.join(outDir, name), bytes);
    written.push(name);
  };
  const pngs = new Map<number, Buffer>();
  for (const size of PNG_SIZES) {
    const png = await logoPng(svg, size);
    pngs.set(size, png);
    write(path.join('icons', `${size}x${size}.png`), png);
  }
  write('icon.png', pngs.get(512)!);
  write('icon.ico', await pngToIco(ICO_SIZES.map((s) => pngs.get(s)!)));
  const sidebar = await artwork(svg, SIDEBAR.width, SIDEBAR.height, BRAND, 112, (SIDEBAR.width - 112) / 2, 48);
  write('installerSidebar.bmp', sidebar);
  write('uninstallerSidebar.bmp', sidebar);
  write('installerHeader.bmp', await artwork(svg, HEADER.width, HEADER.height, '#ffffff', 45, HEADER.width - 45 - 8, 6));
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.join(ROOT, 'build');
  const written = await makeIcons(outDir);
  console.log(`Made from ${path.relative(ROOT, LOGO)} into build/: ${written.join(', ')}`);
}
