// The sizes of a photo the status portal shows: `thumb` (fits 480×480, for lists) and `full`
// (fits 2048×2048, for a phone's screen). Each is a JPEG made from the stored photo — upright,
// never enlarged, with no metadata at all — because photos the desk uploads from a PC arrive
// untouched and may carry the GPS position of a customer's home in their EXIF.
//
//   photoVariant(source, variant, cacheFile): Promise<string | null>
//
// `source` is a file path, or anything with `open()` giving a stream or null (a `BlobStore`
// blob: `{ open: async () => (await store.open(ws, hash))?.stream ?? null }`). The variant is
// made once, written to `cacheFile` through a temp file and a rename (a reader never sees half
// a file, and concurrent makers of the same file cannot corrupt it: the last identical rename
// wins), and reused from then on. The result is `cacheFile`, or null when the source is missing
// or is not a photo that decodes (a PDF, a damaged file). A HEIC a desk stored before desks
// converted them is decoded by src-shared/media/heic.ts (sharp's prebuilt libvips cannot). A cache that cannot be written, or a source stream that breaks off, is thrown: those are
// the server's problem, not the photo's.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import sharp, { type SharpOptions } from 'sharp';
import { decodeHeic, looksLikeHeic } from '../../src-shared/media/heic.js';
import { MAX_INPUT_PIXELS } from './intake.js';

export type PhotoVariant = 'thumb' | 'full';

export type PhotoSource = string | { open(): Promise<Readable | null> };

const VARIANTS: Record<PhotoVariant, { side: number; quality: number }> = {
  thumb: { side: 480, quality: 80 },
  full: { side: 2048, quality: 85 },
};

/**
 * Formats a stored photo may be in. Others that sharp could read (SVG, which references other
 * files; PDF; RAW) are not photos and get no variant.
 */
const PHOTO_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);

/** Makes in progress in this process, so a burst of requests for one new thumbnail decodes it once. */
const inFlight = new Map<string, Promise<string | null>>();

export function photoVariant(source: PhotoSource, variant: PhotoVariant, cacheFile: string): Promise<string | null> {
  const key = path.resolve(cacheFile);
  const running = inFlight.get(key);
  if (running) return running;
  const made = makeOnce(source, variant, key).finally(() => inFlight.delete(key));
  inFlight.set(key, made);
  return made;
}

async function makeOnce(source: PhotoSource, variant: PhotoVariant, cacheFile: string): Promise<string | null> {
  if (await exists(cacheFile)) return cacheFile;
  await fsp.mkdir(path.dirname(cacheFile), { recursive: true });
  // Temp names sit next to the cache file (same folder, so the rename is atomic) and are unique
  // per call, so other processes making the same variant never write into each other's file.
  const temp = `${cacheFile}.${randomUUID()}`;
  const input = `${temp}.in`;
  const output = `${temp}.tmp`;
  try {
    let from: string;
    if (typeof source === 'string') {
      if (!(await exists(source))) return null;
      from = source;
    } else {
      const stream = await source.open();
      if (!stream) return null;
      // On disk rather than in memory: a desk photo may be tens of MB, and sharp reads a file
      // without buffering it whole. `pipeline` also turns a source that breaks off into an error.
      await pipeline(stream, fs.createWriteStream(input, { flags: 'wx' }));
      from = input;
    }
    const jpeg = await render(from, variant);
    if (!jpeg) return null;
    await fsp.writeFile(output, jpeg, { flag: 'wx' });
    await fsp.rename(output, cacheFile);
    return cacheFile;
  } finally {
    await Promise.all([fsp.rm(input, { force: true }), fsp.rm(output, { force: true })]);
  }
}

/** The variant's bytes, or null when `file` is not a photo sharp can decode. */
async function render(file: string, variant: PhotoVariant): Promise<Buffer | null> {
  const { side, quality } = VARIANTS[variant];
  const options: SharpOptions = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' };
  try {
    const bytes = await headOf(file);
    if (looksLikeHeic(bytes)) {
      const pixels = await decodeHeic(await fsp.readFile(file), { maxPixels: MAX_INPUT_PIXELS, timeoutMs: 30_000 });
      return await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 4 }, limitInputPixels: MAX_INPUT_PIXELS })
        .resize(side, side, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer();
    }
    const { format } = await sharp(file, options).metadata();
    if (!PHOTO_FORMATS.has(format)) return null;
    // No keepMetadata/withMetadata: sharp then writes no EXIF, GPS, XMP, IPTC or ICC profile.
    return await sharp(file, options)
      .timeout({ seconds: 30 })
      .rotate()
      .resize(side, side, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality, mozjpeg: true })
      .toBuffer();
  } catch {
    // Decoding failed: a damaged file, a format this build cannot decode, too many pixels.
    return null;
  }
}

async function headOf(file: string): Promise<Buffer> {
  const handle = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, 64, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
