// The photo sizes the portal shows: small and upright, with nothing left of the original's EXIF
// (desk photos from a PC arrive untouched), made once and then served from the cache.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoVariant } from './variants.js';
import { jpegWithGps, pixelAt, sidewaysJpeg } from './test-images.js';

let root: string;
let deskPhoto: string;
let caseNo = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bayline-variants-'));
  // As a desk PC uploads it: 12 MP, taken with the phone upright (orientation 6), GPS included.
  deskPhoto = path.join(root, 'desk-photo.jpg');
  await fs.writeFile(deskPhoto, await sidewaysJpeg(4032, 3024));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A cache folder of its own per test, so leftovers of one test cannot pass another. */
async function cacheDir(): Promise<string> {
  caseNo += 1;
  return path.join(root, `cache-${caseNo}`);
}

describe('photoVariant', () => {
  it("a HEIC a desk stored before desks converted them gets portal sizes too, upright and without EXIF", async () => {
    const heic = fileURLToPath(new URL('./fixtures/iphone-rotated-gps.heic', import.meta.url));
    const cacheFile = path.join(await cacheDir(), 'heic-full.jpg');
    expect(await photoVariant(heic, 'full', cacheFile)).toBe(cacheFile);
    const meta = await sharp(cacheFile).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 240, 320, undefined]);
    expect((await pixelAt(cacheFile, 120, 20))[0]).toBeGreaterThan(150);
    expect((await pixelAt(cacheFile, 120, 300))[2]).toBeGreaterThan(150);
  });

  it('a thumbnail of a desk photo is small, upright and carries no EXIF or GPS', async () => {
    expect(await exifr.gps(deskPhoto)).toMatchObject({ latitude: expect.any(Number) }); // the original does
    const cacheFile = path.join(await cacheDir(), 'thumb.jpg');

    expect(await photoVariant(deskPhoto, 'thumb', cacheFile)).toBe(cacheFile);
    const meta = await sharp(cacheFile).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([360, 480]); // 3024×4032 upright, longer side 480
    expect(meta.orientation).toBeUndefined();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(await exifr.parse(cacheFile)).toBeUndefined();
    expect(await exifr.gps(cacheFile)).toBeUndefined();
    const [r, , b] = await pixelAt(cacheFile, 180, 20); // the red half is on top
    expect(r).toBeGreaterThan(150);
    expect(b).toBeLessThan(60);
  });

  it('the full size fits 2048×2048 and a small photo is not enlarged', async () => {
    const dir = await cacheDir();
    const full = await photoVariant(deskPhoto, 'full', path.join(dir, 'full.jpg'));
    const meta = await sharp(full ?? '').metadata();
    expect([meta.width, meta.height]).toEqual([1536, 2048]);
    expect(meta.exif).toBeUndefined();

    const small = path.join(root, 'small.jpg');
    await fs.writeFile(small, await jpegWithGps(300, 200));
    const thumb = await photoVariant(small, 'thumb', path.join(dir, 'small-thumb.jpg'));
    const smallMeta = await sharp(thumb ?? '').metadata();
    expect([smallMeta.width, smallMeta.height]).toEqual([300, 200]);
    expect(await exifr.gps(thumb ?? '')).toBeUndefined();
  });

  it('is made once: a second call returns the cached file without touching it', async () => {
    const source = path.join(root, 'once.jpg');
    await fs.writeFile(source, await jpegWithGps(1200, 900));
    const cacheFile = path.join(await cacheDir(), 'thumb.jpg');

    await photoVariant(source, 'thumb', cacheFile);
    const first = await fs.stat(cacheFile);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await fs.rm(source); // the second call must not need the original
    expect(await photoVariant(source, 'thumb', cacheFile)).toBe(cacheFile);
    const second = await fs.stat(cacheFile);
    expect(second.mtimeMs).toBe(first.mtimeMs);
    expect(second.ino).toBe(first.ino);
  });

  it('reads a source given as a stream (a blob from the blob store)', async () => {
    const bytes = await jpegWithGps(900, 600);
    const cacheFile = path.join(await cacheDir(), 'thumb.jpg');
    const made = await photoVariant({ open: async () => Readable.from([bytes]) }, 'thumb', cacheFile);
    expect(made).toBe(cacheFile);
    const meta = await sharp(cacheFile).metadata();
    expect([meta.width, meta.height]).toEqual([480, 320]);
    expect(await exifr.gps(cacheFile)).toBeUndefined();
    expect(await fs.readdir(path.dirname(cacheFile))).toEqual(['thumb.jpg']); // the streamed copy is gone
  });

  it('a missing source, or one that is not a photo (text, PDF, SVG), gives null and no cache file', async () => {
    const dir = await cacheDir();
    const text = path.join(root, 'notes.jpg');
    await fs.writeFile(text, 'not a photo, whatever the name says\n');
    const pdf = path.join(root, 'estimate.pdf');
    await fs.writeFile(pdf, '%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    // sharp could draw this one; a drawing that may point at other files is not a photo.
    const svg = path.join(root, 'drawing.svg');
    await fs.writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>');
    expect((await sharp(svg).metadata()).format).toBe('svg');

    expect(await photoVariant(path.join(root, 'no-such-file.jpg'), 'thumb', path.join(dir, 'a.jpg'))).toBeNull();
    expect(await photoVariant({ open: async () => null }, 'thumb', path.join(dir, 'b.jpg'))).toBeNull();
    expect(await photoVariant(text, 'thumb', path.join(dir, 'c.jpg'))).toBeNull();
    expect(await photoVariant(pdf, 'full', path.join(dir, 'd.jpg'))).toBeNull();
    expect(await photoVariant(svg, 'thumb', path.join(dir, 'e.jpg'))).toBeNull();
    expect(await fs.readdir(dir).catch(() => [])).toEqual([]);
  });

  it('many requests for the same new thumbnail at once leave one whole file', async () => {
    const dir = await cacheDir();
    const cacheFile = path.join(dir, 'thumb.jpg');
    const results = await Promise.all(Array.from({ length: 8 }, () => photoVariant(deskPhoto, 'thumb', cacheFile)));
    expect(new Set(results)).toEqual(new Set([cacheFile]));
    expect(await fs.readdir(dir)).toEqual(['thumb.jpg']);
    const meta = await sharp(cacheFile).metadata();
    expect([meta.width, meta.height]).toEqual([360, 480]);
  });
});
