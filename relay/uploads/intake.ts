// A file a customer or technician sends from a phone, checked before anything keeps it.
//
// The bytes stream to a temp file while they are counted (over the limit, reading stops at once)
// and their first bytes decide what the file is: the name and the declared type are never
// trusted, because both come from the sender. Photos (JPEG, PNG, WebP, and HEIC/HEIF from iPhones
// through src-shared/media/heic.ts, since sharp's prebuilt libvips cannot decode HEVC) are decoded and encoded
// again as a plain JPEG — turned upright, at most 3000 px a side, with no EXIF, GPS, XMP or ICC
// left — so a stored photo never tells where it was taken and never carries a crafted payload
// past the decoder. PDFs are kept byte for byte once they start like a PDF and end like one.
// Every refusal is an `UploadRefused` whose message is written for a person on a phone.
import { createHash, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import sharp, { type OutputInfo } from 'sharp';
import { decodeHeic, type DecodedHeic, HeicError } from '../../src-shared/media/heic.js';
import { consume } from '../blobs/blob-store.js';

export type UploadKind = 'image' | 'pdf';

export interface AcceptUploadOptions {
  /** Largest upload read, in bytes; the sender is stopped as soon as it passes this. */
  maxBytes: number;
  /** What this place accepts (a status-portal photo slot: `['image']`). */
  allow: readonly UploadKind[];
  /** Where the temp file and the final file go; the caller moves or deletes the final file. */
  tempDir: string;
  /** How long an iPhone photo (HEIC) may take to decode before it is stopped (default 30 s; tests set less). */
  heicTimeoutMs?: number;
}

export interface AcceptedUpload {
  /** Path of the final bytes in `tempDir`; the caller moves or deletes it. */
  file: string;
  /** SHA-256 (hex) of the final bytes: for a photo, of the re-encoded JPEG. */
  sha256: string;
  sizeBytes: number;
  mimeType: 'image/jpeg' | 'application/pdf';
  /** Photos only: the stored JPEG's size in pixels, upright. */
  width?: number;
  height?: number;
}

export type UploadRefusedCode = 'too-large' | 'unsupported-type' | 'damaged' | 'empty';

/** The refusal as a customer reads it: a key of the customer catalogues' `upload` group and its values. */
export interface UploadSaid {
  key: string;
  values?: Record<string, string | number>;
}

export class UploadRefused extends Error {
  constructor(
    readonly code: UploadRefusedCode,
    message: string,
    /** The same sentence for a customer page, in the reader's language (src-shared/i18n). */
    readonly say?: UploadSaid,
  ) {
    super(message);
    this.name = 'UploadRefused';
  }
}

/** Longest side of a stored photo; phone photos (4032×3024) are scaled down, never up. */
export const MAX_PHOTO_SIDE = 3000;
/**
 * Pixels a photo may declare before it is decoded. A few bytes of PNG or WebP can claim a
 * 60000×60000 picture; this refuses it from the header alone. 50 MP admits every phone's normal
 * mode; the 108/200 MP modes of some Android phones are refused with a sentence saying why.
 */
export const MAX_INPUT_PIXELS = 50_000_000;
/** A damaged or hostile photo may not hold a decoder longer than this. */
const DECODE_TIMEOUT_SECONDS = 30;
/** Enough of the start to tell the formats apart, including an ISO-BMFF `ftyp` box with its brands. */
const HEAD_BYTES = 64;
/** Readers accept `%%EOF` anywhere in the last 1024 bytes (Acrobat's rule); a cut-off upload has none. */
const PDF_TAIL_BYTES = 1024;

type Detected = 'jpeg' | 'png' | 'webp' | 'heic' | 'pdf' | 'unknown';

/**
 * Reads `source` into `tempDir` and returns the file to keep, or fails with `UploadRefused`.
 * A source that breaks off before its end fails with the `BlobError` `aborted` of `consume`
 * (nobody is left to read a sentence). On any failure nothing is left in `tempDir`; on a refusal
 * while reading, the source is left paused, not destroyed, so an HTTP caller can still answer.
 */
export async function acceptUpload(source: Readable, options: AcceptUploadOptions): Promise<AcceptedUpload> {
  const { maxBytes, allow, tempDir } = options;
  await fsp.mkdir(tempDir, { recursive: true });
  const rawPath = path.join(tempDir, `${randomUUID()}.part`);
  const hash = createHash('sha256');
  let size = 0;
  let head: Buffer = Buffer.alloc(0);
  let tail: Buffer = Buffer.alloc(0);
  let kind: Detected | null = null;

  const file = await fsp.open(rawPath, 'wx');
  let closed = false;
  try {
    await consume(source, async (chunk) => {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      if (kind === null) {
        head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        // Decided as soon as the start is in: a zip or a web page is refused after its first packet.
        if (head.length >= HEAD_BYTES) kind = admit(detect(head), allow);
      }
      if (kind === 'pdf' || kind === null) tail = keepTail(tail, chunk);
      hash.update(chunk);
      await writeAll(file, chunk);
    });
    await file.close();
    closed = true;
    if (size === 0) throw new UploadRefused('empty', 'That file is empty. Please choose the photo or document again.', { key: 'upload.empty' });
    kind ??= admit(detect(head), allow);

    if (kind === 'pdf') {
      if (!tail.includes('%%EOF')) throw damagedPdf();
      const finalPath = path.join(tempDir, `${randomUUID()}.pdf`);
      await fsp.rename(rawPath, finalPath);
      return { file: finalPath, sha256: hash.digest('hex'), sizeBytes: size, mimeType: 'application/pdf' };
    }
    if (kind === 'heic') return await reencodePhoto(await heicPixels(rawPath, options.heicTimeoutMs), tempDir);
    return await reencodePhoto(rawPath, tempDir);
  } catch (err) {
    if (!closed) await file.close().catch(() => undefined);
    throw err;
  } finally {
    // After a rename this finds nothing; after any failure it removes the partial upload.
    await fsp.rm(rawPath, { force: true });
  }
}

/** What the first bytes say the file is (exported for a caller that must tell a stored blob's kind). */
export function detect(head: Buffer): Detected {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (ascii(head, 0, 5) === '%PDF-') return 'pdf';
  if (isHeif(head)) return 'heic';
  return 'unknown';
}

/** HEIC/HEIF photos (an iPhone's default) are ISO-BMFF files whose `ftyp` box names a HEIF brand. */
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'mif2', 'msf1']);

function isHeif(head: Buffer): boolean {
  if (head.length < 12 || ascii(head, 4, 8) !== 'ftyp') return false;
  // The major brand, then the compatible brands up to the end of the box (or of what we have).
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const brands = [ascii(head, 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(ascii(head, at, at + 4));
  // An AVIF also lists mif1; it is not a HEIC, and is refused as an unsupported type instead.
  if (brands.includes('avif') || brands.includes('avis')) return false;
  return brands.some((brand) => HEIF_BRANDS.has(brand));
}

function admit(kind: Detected, allow: readonly UploadKind[]): Detected {
  const images = allow.includes('image');
  if (kind === 'pdf' && allow.includes('pdf')) return kind;
  if ((kind === 'jpeg' || kind === 'png' || kind === 'webp' || kind === 'heic') && images) return kind;
  throw new UploadRefused('unsupported-type', `We cannot accept that kind of file. Please send ${wanted(allow)}.`, { key: images && allow.includes('pdf') ? 'upload.kindPhotoOrPdf' : allow.includes('pdf') ? 'upload.kindPdf' : 'upload.kindPhoto' });
}

function wanted(allow: readonly UploadKind[]): string {
  const images = allow.includes('image');
  const pdf = allow.includes('pdf');
  if (images && pdf) return 'a photo (JPEG, PNG, WebP or HEIC) or a PDF';
  if (pdf) return 'a PDF';
  return 'a photo (JPEG, PNG, WebP or HEIC)';
}

/**
 * An iPhone's HEIC as upright pixels, within the same limits as any photo: the pixel count is
 * checked from the header before decoding, and a decode that runs past the timeout is stopped.
 */
async function heicPixels(rawPath: string, timeoutMs = DECODE_TIMEOUT_SECONDS * 1000): Promise<DecodedHeic> {
  try {
    return await decodeHeic(await fsp.readFile(rawPath), { maxPixels: MAX_INPUT_PIXELS, timeoutMs });
  } catch (err) {
    if (err instanceof HeicError && err.problem === 'too-large') throw tooManyPixels();
    throw new UploadRefused(
      'damaged',
      'We could not open that iPhone photo (HEIC). It may be damaged or only partly sent. Please try sending it again, or send it as a JPEG.',
      { key: 'upload.heicDamaged' },
    );
  }
}

function tooManyPixels(): UploadRefused {
  return new UploadRefused(
    'too-large',
    `That photo has more than ${MAX_INPUT_PIXELS / 1_000_000} megapixels, more than we can take. ` +
      'Please send a smaller photo, or a screenshot of it.',
    { key: 'upload.tooManyPixels', values: { megapixels: MAX_INPUT_PIXELS / 1_000_000 } },
  );
}

/**
 * Decodes and encodes the photo again. Only the pixels survive: sharp writes no metadata unless
 * asked to, and converts to sRGB. Transparent parts (a PNG screenshot) become white, not black.
 */
async function reencodePhoto(input: string | DecodedHeic, tempDir: string): Promise<AcceptedUpload> {
  let output: { data: Buffer; info: OutputInfo };
  try {
    const source =
      typeof input === 'string'
        ? sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' })
        : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 4 }, limitInputPixels: MAX_INPUT_PIXELS });
    output = await source
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate()
      .resize(MAX_PHOTO_SIDE, MAX_PHOTO_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/pixel limit/i.test(message)) throw tooManyPixels();
    throw new UploadRefused(
      'damaged',
      'We could not open that photo. It may be damaged or only partly sent. Please try sending it again.',
      { key: 'upload.photoDamaged' },
    );
  }
  const finalPath = path.join(tempDir, `${randomUUID()}.jpg`);
  await fsp.writeFile(finalPath, output.data, { flag: 'wx' });
  return {
    file: finalPath,
    sha256: createHash('sha256').update(output.data).digest('hex'),
    sizeBytes: output.data.length,
    mimeType: 'image/jpeg',
    width: output.info.width,
    height: output.info.height,
  };
}

function tooLarge(maxBytes: number): UploadRefused {
  return new UploadRefused('too-large', `That file is larger than ${formatMb(maxBytes)}. Please send a smaller photo or file.`, { key: 'upload.tooLarge', values: { size: formatMb(maxBytes) } });
}

function damagedPdf(): UploadRefused {
  return new UploadRefused('damaged', 'That PDF is incomplete or damaged. Please try sending it again.', { key: 'upload.pdfDamaged' });
}

/** "25 MB" for 25 MiB: a person counts in MB, and a limit set in MiB reads as a round number. */
export function formatMb(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 ? Math.round(mb) : Math.round(mb * 10) / 10} MB`;
}

function keepTail(tail: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= PDF_TAIL_BYTES) return Buffer.from(chunk.subarray(chunk.length - PDF_TAIL_BYTES));
  const joined = Buffer.concat([tail, chunk]);
  return joined.length > PDF_TAIL_BYTES ? joined.subarray(joined.length - PDF_TAIL_BYTES) : joined;
}

function ascii(bytes: Buffer, start: number, end: number): string {
  return bytes.length >= end ? bytes.toString('latin1', start, end) : '';
}

/** A write may take less than the whole buffer; the rest is written or the error surfaces. */
async function writeAll(file: fsp.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
