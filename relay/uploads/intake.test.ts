// What a customer's upload turns into: photos come out as plain upright JPEGs that no longer say
// where they were taken, PDFs come out untouched, and everything else — too big, the wrong kind,
// damaged — is refused with the right code and leaves nothing behind. iPhone HEIC photos are
// decoded (src-shared/media/heic.ts) and come out like any other photo.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AcceptUploadOptions, type UploadRefusedCode, UploadRefused, acceptUpload, formatMb } from './intake.js';
import { jpegWithGps, pixelAt, sidewaysJpeg } from './test-images.js';

/**
 * A real HEIC as an iPhone stores an upright photo: pixels on their side plus an `irot` rotation
 * (and EXIF orientation 6, camera EXIF and GPS). Upright it is 240×320, red on top, blue below.
 * How it was made: fixtures/README.md.
 */
const HEIC_FIXTURE = new URL('./fixtures/iphone-rotated-gps.heic', import.meta.url);

const MiB = 1024 * 1024;

let root: string;
let tempDir: string;
let caseNo = 0;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bayline-intake-'));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  // A fresh folder per test, so "nothing left behind" looks at this test's files only.
  caseNo += 1;
  tempDir = path.join(root, `case-${caseNo}`);
});

function options(overrides: Partial<AcceptUploadOptions> = {}): AcceptUploadOptions {
  return { maxBytes: 25 * MiB, allow: ['image', 'pdf'], tempDir, ...overrides };
}

/** The bytes arrive in pieces of `chunk` bytes, as they would from a phone on a slow network. */
function streamOf(bytes: Buffer, chunk = 16 * 1024): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += chunk) pieces.push(bytes.subarray(at, at + chunk));
  return Readable.from(pieces);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function filesLeft(): Promise<string[]> {
  return fs.readdir(tempDir).catch(() => []);
}

async function expectRefused(source: Readable, code: UploadRefusedCode, opts = options()): Promise<UploadRefused> {
  const err = await acceptUpload(source, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UploadRefused);
  const refused = err as UploadRefused;
  expect(refused.code).toBe(code);
  expect(await filesLeft()).toEqual([]);
  return refused;
}

/** A small but real PDF; `pad` makes it longer so a cut can miss its last 1 KiB entirely. */
function pdf(pad = 0): Buffer {
  const text = `BT /F1 12 Tf 72 720 Td (Estimate RO 1042) Tj ET ${'%'.repeat(pad)}`;
  return Buffer.from(
    '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
      '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n' +
      '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n' +
      `4 0 obj << /Length ${text.length} >> stream\n${text}\nendstream endobj\n` +
      'trailer << /Root 1 0 R >>\n%%EOF\n',
    'latin1',
  );
}

describe('photos', () => {
  it('a phone photo with a GPS position comes out with no GPS and no EXIF at all', async () => {
    const input = await jpegWithGps(640, 480);
    const gps = await exifr.gps(input);
    expect(gps?.latitude).toBeCloseTo(47.61, 2); // the test photo really says where it was taken

    const accepted = await acceptUpload(streamOf(input), options());
    const out = await fs.readFile(accepted.file);
    expect(await exifr.parse(out)).toBeUndefined();
    expect(await exifr.gps(out)).toBeUndefined();
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(accepted).toMatchObject({ mimeType: 'image/jpeg', width: 640, height: 480, sizeBytes: out.length, sha256: sha256(out) });
    expect(path.dirname(accepted.file)).toBe(tempDir);
    expect(await filesLeft()).toEqual([path.basename(accepted.file)]); // the raw upload is gone
  });

  it('a photo taken with the phone upright comes out upright, with no orientation tag', async () => {
    const input = await sidewaysJpeg(300, 200);
    expect((await sharp(input).metadata()).orientation).toBe(6);

    const accepted = await acceptUpload(streamOf(input), options());
    const meta = await sharp(accepted.file).metadata();
    expect([meta.width, meta.height]).toEqual([200, 300]);
    expect([accepted.width, accepted.height]).toEqual([200, 300]);
    expect(meta.orientation).toBeUndefined();
    // Turned, not just relabelled: the red half is now at the top.
    const [r1, , b1] = await pixelAt(accepted.file, 100, 20);
    const [r2, , b2] = await pixelAt(accepted.file, 100, 280);
    expect(r1).toBeGreaterThan(150);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(150);
    expect(r2).toBeLessThan(60);
  });

  it('a big photo is scaled to fit 3000×3000; a small one is not enlarged', async () => {
    const big = await sharp({ create: { width: 4032, height: 3024, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const bigOut = await acceptUpload(streamOf(big), options());
    expect([bigOut.width, bigOut.height]).toEqual([3000, 2250]);

    const small = await sharp({ create: { width: 120, height: 90, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const smallOut = await acceptUpload(streamOf(small), options());
    expect([smallOut.width, smallOut.height]).toEqual([120, 90]);
  });

  it('PNG and WebP are accepted and come out as JPEG', async () => {
    const png = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#20a040' } }).png().toBuffer();
    const webp = await sharp({ create: { width: 50, height: 40, channels: 3, background: '#20a040' } }).webp().toBuffer();
    for (const input of [png, webp]) {
      const accepted = await acceptUpload(streamOf(input), options());
      expect(accepted.mimeType).toBe('image/jpeg');
      expect((await sharp(accepted.file).metadata()).format).toBe('jpeg');
      expect([accepted.width, accepted.height]).toEqual([50, 40]);
    }
  });

  it('the see-through parts of a PNG screenshot come out white, not black', async () => {
    const png = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const accepted = await acceptUpload(streamOf(png), options());
    const [r, g, b] = await pixelAt(accepted.file, 20, 20);
    expect(Math.min(r, g, b)).toBeGreaterThan(240);
  });

  it('a photo cut off half-way is refused as damaged', async () => {
    const whole = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .jpeg()
      .toBuffer();
    const refused = await expectRefused(streamOf(whole.subarray(0, whole.length / 2)), 'damaged');
    expect(refused.message).toMatch(/could not open that photo/);
  });

  it('a pixel bomb (a tiny PNG claiming 10000×10000 pixels) is refused quickly', async () => {
    const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } }).png().toBuffer());
    // IHDR starts at byte 8: length(4) "IHDR"(4) width(4) height(4) …, CRC over type+data.
    // 100 MP: under sharp's own default limit (268 MP), so only our limit can refuse it as too large.
    png.writeUInt32BE(10_000, 16);
    png.writeUInt32BE(10_000, 20);
    png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)) >>> 0, 29);
    expect((await sharp(png).metadata()).width).toBe(10_000); // sharp believes the header

    const started = Date.now();
    const refused = await expectRefused(streamOf(png), 'too-large');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(refused.message).toMatch(/50 megapixels/);
  });

  it('a real 56-megapixel PNG of 180 KB (a decompression bomb) is refused, not decoded', async () => {
    const png = await sharp({ create: { width: 8000, height: 7000, channels: 3, background: '#808080' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(png.length).toBeLessThan(1 * MiB); // small on the wire, 168 MB once decoded
    await expectRefused(streamOf(png), 'too-large');
  });
});

describe('PDFs', () => {
  it('a PDF is kept byte for byte, even when it arrives in small pieces', async () => {
    const input = pdf();
    const accepted = await acceptUpload(streamOf(input, 10), options());
    expect(accepted).toMatchObject({ mimeType: 'application/pdf', sizeBytes: input.length, sha256: sha256(input) });
    expect(accepted.width).toBeUndefined();
    expect((await fs.readFile(accepted.file)).equals(input)).toBe(true);
  });

  it('a PDF whose end never arrived is refused as damaged', async () => {
    const whole = pdf(4000);
    const refused = await expectRefused(streamOf(whole.subarray(0, whole.length - 2000)), 'damaged');
    expect(refused.message).toMatch(/PDF/);
  });

  it('a PDF where only photos are allowed is refused', async () => {
    const refused = await expectRefused(streamOf(pdf()), 'unsupported-type', options({ allow: ['image'] }));
    expect(refused.message).toMatch(/photo \(JPEG, PNG, WebP or HEIC\)\.$/);
  });
});

describe('refused by content', () => {
  it('a text file named like a photo, a zip, a web page with a script, random bytes', async () => {
    const random = Buffer.alloc(4096);
    let seed = 12345;
    for (let i = 0; i < random.length; i += 1) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      random[i] = seed >>> 16;
    }
    const zip = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'), Buffer.alloc(200, 7)]);
    const cases: Buffer[] = [
      Buffer.from('IMG_2041.jpg: these are my notes about the bumper, not a photo\n'.repeat(5)),
      zip,
      Buffer.from('<!doctype html><html><body><script>fetch("/api/steal?c="+document.cookie)</script></body></html>'),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'),
      random,
    ];
    for (const bytes of cases) {
      const refused = await expectRefused(streamOf(bytes), 'unsupported-type');
      expect(refused.message).toBe('We cannot accept that kind of file. Please send a photo (JPEG, PNG, WebP or HEIC) or a PDF.');
    }
  });

  it('an iPhone HEIC photo comes out as an upright JPEG without its EXIF or GPS', async () => {
    const heic = await fs.readFile(HEIC_FIXTURE);
    // The file carries the phone's EXIF (camera and GPS position) as an Exif item.
    expect(heic.includes(Buffer.from('iPhone 15'))).toBe(true);
    expect(heic.includes(Buffer.from('Exif'))).toBe(true);
    const accepted = await acceptUpload(streamOf(heic, 300), options({ allow: ['image'] }));
    expect(accepted.mimeType).toBe('image/jpeg');
    const jpeg = await fs.readFile(accepted.file);
    expect(sha256(jpeg)).toBe(accepted.sha256);
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    // Turned by the file's own rotation, once (its EXIF orientation is not applied a second time):
    // portrait as it was taken, red at the top, blue at the bottom.
    expect([accepted.width, accepted.height]).toEqual([240, 320]);
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height, meta.exif, meta.orientation]).toEqual([240, 320, undefined, undefined]);
    const [r1, , b1] = await pixelAt(jpeg, 120, 20);
    const [r2, , b2] = await pixelAt(jpeg, 120, 300);
    expect(r1).toBeGreaterThan(150);
    expect(b1).toBeLessThan(80);
    expect(b2).toBeGreaterThan(150);
    expect(r2).toBeLessThan(80);
    expect(await exifr.parse(jpeg).catch(() => undefined)).toBeUndefined();
    expect(jpeg.includes(Buffer.from('iPhone'))).toBe(false);
  });

  it('a damaged HEIC, one claiming too many pixels, and one that decodes too slowly are refused with a sentence', async () => {
    const heic = await fs.readFile(HEIC_FIXTURE);
    // Cut off after its header, as a phone on a dropped connection would leave it.
    const cut = Buffer.concat([heic.subarray(0, 400), Buffer.alloc(400, 7)]);
    const damaged = await expectRefused(streamOf(cut), 'damaged');
    expect(damaged.message).toBe(
      'We could not open that iPhone photo (HEIC). It may be damaged or only partly sent. Please try sending it again, or send it as a JPEG.',
    );
    // The same photo with its declared size (the ispe box) changed to 20000×20000: refused from the header, nothing decoded.
    const huge = Buffer.from(heic);
    const ispe = huge.indexOf(Buffer.from('ispe', 'latin1'));
    expect(ispe).toBeGreaterThan(0);
    huge.writeUInt32BE(20_000, ispe + 8);
    huge.writeUInt32BE(20_000, ispe + 12);
    const tooMany = await expectRefused(streamOf(huge), 'too-large');
    expect(tooMany.message).toContain('more than 50 megapixels');
    // A decoder stopped at its time limit (here 1 ms) does not hold the relay: refused like a damaged file.
    const started = Date.now();
    await expectRefused(streamOf(heic), 'damaged', options({ heicTimeoutMs: 1 }));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an empty upload is refused as empty', async () => {
    await expectRefused(Readable.from([]), 'empty');
  });
});

describe('size limit', () => {
  it('stops reading as soon as the upload passes the limit, and keeps nothing', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0xab);
    chunk.set([0xff, 0xd8, 0xff, 0xe0]); // looks like a JPEG, so only the size can stop it
    let pulled = 0;
    let finished = false;
    function* endless(): Generator<Buffer> {
      for (let i = 0; i < 1600; i += 1) {
        // 100 MiB on offer
        pulled += chunk.length;
        yield chunk;
      }
      finished = true;
    }
    const refused = await expectRefused(Readable.from(endless()), 'too-large', options({ maxBytes: 1 * MiB }));
    expect(refused.message).toBe('That file is larger than 1 MB. Please send a smaller photo or file.');
    expect(finished).toBe(false);
    // The 1 MiB allowed, the chunk that crossed it, and what the stream had buffered ahead.
    expect(pulled).toBeLessThan(4 * MiB);
  });

  it('names the limit the way a person reads it', () => {
    expect(formatMb(25 * MiB)).toBe('25 MB');
    expect(formatMb(2.5 * MiB)).toBe('2.5 MB');
  });
});
