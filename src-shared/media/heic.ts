// HEIC/HEIF photos (an iPhone's default format) turned into pixels and JPEGs, for the relay (phone
// uploads, the bay camera, MMS) and the desk (files chosen at the PC). Node only: the renderer
// never imports this folder (checked by heic.test.ts).
//
// sharp's prebuilt libvips cannot decode HEVC, so the decoder is heic-decode (libheif compiled to
// WebAssembly: no native build, the same on every PC and server). Its decoding is synchronous, so
// it runs in a worker thread that is terminated when it takes too long; the pixel count is read
// from the file's header and checked before anything is decoded, so a few bytes claiming a
// gigapixel picture never allocate it, and at most two decodes run at once in a process (each may
// hold a 50 MP picture, 200 MB of pixels; more wait their turn). libheif applies the file's own rotation and mirroring
// (irot/imir, how iPhones store an upright photo), so the pixels come out upright; no metadata
// survives decoding.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';

export type HeicProblem = 'too-large' | 'damaged' | 'too-slow';

export class HeicError extends Error {
  constructor(
    readonly problem: HeicProblem,
    message: string,
  ) {
    super(message);
    this.name = 'HeicError';
  }
}

export interface HeicLimits {
  /** Most pixels (width × height) the photo may declare; checked before decoding. */
  maxPixels: number;
  /** Longest a decode may take before the worker is stopped. */
  timeoutMs: number;
}

export const DEFAULT_HEIC_LIMITS: HeicLimits = { maxPixels: 50_000_000, timeoutMs: 30_000 };

export interface DecodedHeic {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, rows top to bottom, upright. */
  data: Buffer;
}

/** True when the first bytes are an ISO-BMFF `ftyp` box naming a HEIF/HEIC brand (not AVIF). */
export function looksLikeHeic(head: Buffer): boolean {
  if (head.length < 12 || head.toString('latin1', 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(head.toString('latin1', at, at + 4));
  if (brands.includes('avif') || brands.includes('avis')) return false;
  return brands.some((b) => HEIF_BRANDS.has(b));
}

const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'mif2', 'msf1']);

const decoderPath = createRequire(import.meta.url).resolve('heic-decode');

// CommonJS run by the worker (eval: no file to find in a bundle). It answers the size first, the
// parent says whether to go on, then it decodes the first image and sends its pixels.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// libheif writes its complaints about a damaged file to the console; the answer says enough.
console.log = console.warn = console.error = () => {};
const decode = require(workerData.decoderPath);
(async () => {
  let images;
  try {
    images = await decode.all({ buffer: new Uint8Array(workerData.bytes) });
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String(err && err.message || err) });
    return;
  }
  const first = images[0];
  if (!first) {
    parentPort.postMessage({ type: 'failed', message: 'no image in the file' });
    return;
  }
  if (first.width * first.height > workerData.maxPixels || !(first.width > 0) || !(first.height > 0)) {
    parentPort.postMessage({ type: 'too-large', width: first.width, height: first.height });
    return;
  }
  try {
    const { width, height, data } = await first.decode();
    parentPort.postMessage({ type: 'pixels', width, height, data: data.buffer }, [data.buffer]);
  } catch (err) {
    parentPort.postMessage({ type: 'failed', message: String(err && err.message || err) });
  } finally {
    try { images.dispose(); } catch {}
  }
})();
`;

type WorkerAnswer =
  | { type: 'pixels'; width: number; height: number; data: ArrayBuffer }
  | { type: 'too-large'; width: number; height: number }
  | { type: 'failed'; message: string };

const MAX_RUNNING = 2;
let running = 0;
const waiting: Array<() => void> = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>((go) => waiting.push(go));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Decodes the first image of a HEIC/HEIF file to upright RGBA pixels, within `limits`. */
export async function decodeHeic(bytes: Buffer, limits: HeicLimits = DEFAULT_HEIC_LIMITS): Promise<DecodedHeic> {
  if (!looksLikeHeic(bytes.subarray(0, 64))) throw new HeicError('damaged', 'not a HEIC/HEIF file');
  return inTurn(() => decodeInWorker(bytes, limits));
}

function decodeInWorker(bytes: Buffer, limits: HeicLimits): Promise<DecodedHeic> {
  return new Promise((resolve, reject) => {
    // The worker gets its own copy; a 25 MB file copied once is cheap beside decoding it.
    const copy = new Uint8Array(bytes).buffer;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { decoderPath, bytes: copy, maxPixels: limits.maxPixels },
      transferList: [copy],
      // The JS heap of the worker (the wasm memory is bounded by the pixel limit instead).
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new HeicError('too-slow', `decoding took longer than ${limits.timeoutMs} ms`))), limits.timeoutMs);
    worker.once('message', (answer: WorkerAnswer) =>
      finish(() => {
        if (answer.type === 'pixels') {
          const data = Buffer.from(answer.data);
          if (data.length !== answer.width * answer.height * 4) reject(new HeicError('damaged', 'the decoder gave an unexpected pixel count'));
          else resolve({ width: answer.width, height: answer.height, data });
        } else if (answer.type === 'too-large') {
          reject(new HeicError('too-large', `the photo declares ${answer.width}×${answer.height} pixels`));
        } else {
          reject(new HeicError('damaged', answer.message));
        }
      }),
    );
    worker.once('error', (err) => finish(() => reject(new HeicError('damaged', err.message))));
    worker.once('exit', (code) => finish(() => reject(new HeicError('damaged', `the decoder stopped (${code})`))));
  });
}

/**
 * A HEIC/HEIF file as a JPEG: upright, at most `maxSide` pixels a side (never enlarged), no
 * metadata (EXIF, GPS, XMP) at all. For photos chosen at the desk; the relay re-encodes through
 * its own intake with the same decoder.
 */
export async function heicToJpeg(
  bytes: Buffer,
  options: { limits?: HeicLimits; maxSide?: number; quality?: number } = {},
): Promise<{ data: Buffer; width: number; height: number }> {
  const limits = options.limits ?? DEFAULT_HEIC_LIMITS;
  const pixels = await decodeHeic(bytes, limits);
  const side = options.maxSide ?? 4096;
  const { data, info } = await sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 4 }, limitInputPixels: limits.maxPixels })
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: options.quality ?? 90, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
