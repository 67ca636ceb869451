// The desk's own photos and PDFs, named by their SHA-256 in `DATA/blobs/<aa>/<hash>`. A file
// is hashed while it is copied to a temp file and only renamed into place when complete, so a
// blob file that exists is always whole and matches its name.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BLOB_MIME_TYPES, MAX_BLOB_BYTES } from '../../src-shared/blob-types.js';

/** The relay's default limit; a bigger file could be attached here but would never reach the other desks. */
export const MAX_IMPORT_BYTES = MAX_BLOB_BYTES;

const HASH = /^[0-9a-f]{64}$/;
/** Temp files of imports and downloads in progress; a dot name never collides with a hash folder. */
const INCOMING = '.incoming';

export class LocalBlobError extends Error {
  constructor(
    readonly code: 'invalid-hash' | 'unsupported-type' | 'too-large' | 'hash-mismatch' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

export function isBlobHash(value: unknown): value is string {
  return typeof value === 'string' && HASH.test(value);
}

export function blobsDir(dataDir: string): string {
  return path.join(dataDir, 'blobs');
}

export function localBlobPath(dataDir: string, hash: string): string {
  if (!isBlobHash(hash)) throw new LocalBlobError('invalid-hash', 'A blob is named by its SHA-256: 64 lower-case hex digits.');
  return path.join(blobsDir(dataDir), hash.slice(0, 2), hash);
}

export function incomingDir(dataDir: string): string {
  return path.join(blobsDir(dataDir), INCOMING);
}

export async function hasLocalBlob(dataDir: string, hash: string): Promise<boolean> {
  return (await fsp.stat(localBlobPath(dataDir, hash)).catch(() => null))?.isFile() ?? false;
}

/** Every blob this desk holds, by listing the 256 hash folders (cheaper than a stat per referenced hash). */
export async function listLocalBlobs(dataDir: string): Promise<Set<string>> {
  const found = new Set<string>();
  let folders: string[];
  try {
    folders = await fsp.readdir(blobsDir(dataDir));
  } catch {
    return found;
  }
  for (const folder of folders) {
    if (!/^[0-9a-f]{2}$/.test(folder)) continue;
    for (const name of await fsp.readdir(path.join(blobsDir(dataDir), folder)).catch(() => [] as string[])) {
      if (isBlobHash(name) && name.startsWith(folder)) found.add(name);
    }
  }
  return found;
}

/**
 * Copies a photo or PDF into the desk's blob folder and names it by its SHA-256. A file path is
 * streamed (hashed while copied), so a large PDF is never read whole into memory. Importing the
 * same bytes again changes nothing and gives the same hash.
 */
export async function importBlob(
  deskOrDataDir: string | { dataDir: string },
  source: Buffer | string,
  mimeType: string,
  options: { maxBytes?: number } = {},
): Promise<{ hash: string; sizeBytes: number }> {
  const dataDir = typeof deskOrDataDir === 'string' ? deskOrDataDir : deskOrDataDir.dataDir;
  if (!BLOB_MIME_TYPES.includes(mimeType)) {
    throw new LocalBlobError('unsupported-type', `Only photos (JPEG, PNG, WebP, HEIC) and PDFs can be attached, not ${mimeType}.`);
  }
  const maxBytes = options.maxBytes ?? MAX_IMPORT_BYTES;
  if (Buffer.isBuffer(source)) {
    if (source.length > maxBytes) throw tooLarge(maxBytes);
    const hash = createHash('sha256').update(source).digest('hex');
    if (!(await hasLocalBlob(dataDir, hash))) {
      await writeVerified(dataDir, hash, maxBytes, async (write) => write(source));
    }
    return { hash, sizeBytes: source.length };
  }
  const stat = await fsp.stat(source);
  if (!stat.isFile()) throw new LocalBlobError('aborted', `${source} is not a file.`);
  if (stat.size > maxBytes) throw tooLarge(maxBytes);
  // The hash is not known until the copy is done, so it is named afterwards.
  return writeVerified(dataDir, null, maxBytes, (write) => pump(fs.createReadStream(source), write));
}

/**
 * Streams bytes whose hash is not known yet (a file chosen at the desk) into the blob folder:
 * hashed and counted while written to a temp file, renamed to its hash when whole. An error
 * thrown by `source` (a refused type, say) or the size limit leaves nothing behind.
 */
export async function importBlobStream(
  dataDir: string,
  source: AsyncIterable<Uint8Array>,
  maxBytes: number = MAX_IMPORT_BYTES,
): Promise<{ hash: string; sizeBytes: number }> {
  return writeVerified(dataDir, null, maxBytes, async (write) => {
    for await (const chunk of source) await write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
}

/**
 * Streams `source` into the blob folder under `expectedHash`, refusing other bytes and anything
 * over `maxBytes`; used for downloads from the relay. Nothing is left behind on failure.
 */
export async function receiveBlob(
  dataDir: string,
  expectedHash: string,
  source: Readable,
  maxBytes: number,
): Promise<{ hash: string; sizeBytes: number }> {
  localBlobPath(dataDir, expectedHash);
  return writeVerified(dataDir, expectedHash, maxBytes, (write) => pump(source, write));
}

type Write = (chunk: Buffer) => Promise<void>;

/**
 * The one way a blob file comes to be: written to a temp file while hashed and counted, synced,
 * then renamed to its hash. `expectedHash` null means "whatever it hashes to".
 */
async function writeVerified(
  dataDir: string,
  expectedHash: string | null,
  maxBytes: number,
  produce: (write: Write) => Promise<void>,
): Promise<{ hash: string; sizeBytes: number }> {
  await fsp.mkdir(incomingDir(dataDir), { recursive: true });
  const tempPath = path.join(incomingDir(dataDir), `${randomUUID()}.part`);
  const file = await fsp.open(tempPath, 'wx');
  const hasher = createHash('sha256');
  let size = 0;
  let closed = false;
  try {
    await produce(async (chunk) => {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      hasher.update(chunk);
      await writeAll(file, chunk);
    });
    const hash = hasher.digest('hex');
    if (expectedHash !== null && hash !== expectedHash) {
      throw new LocalBlobError('hash-mismatch', `The file received has SHA-256 ${hash}, not ${expectedHash}; it was not kept.`);
    }
    // Synced before it gets its real name: a blob file that exists after a power cut is whole.
    await file.sync();
    await file.close();
    closed = true;
    const finalPath = localBlobPath(dataDir, hash);
    await fsp.mkdir(path.dirname(finalPath), { recursive: true });
    // Renaming over an identical file (the same photo imported twice at once) is harmless.
    await fsp.rename(tempPath, finalPath);
    return { hash, sizeBytes: size };
  } catch (err) {
    if (!closed) await file.close().catch(() => undefined);
    await fsp.rm(tempPath, { force: true });
    throw err;
  }
}

/** Reads a stream into `write`, one chunk at a time, waiting for each write; a stream that breaks off fails. */
async function pump(source: Readable, write: Write): Promise<void> {
  try {
    for await (const chunk of source) {
      await write(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    }
  } catch (err) {
    source.destroy();
    if (err instanceof LocalBlobError) throw err;
    throw new LocalBlobError('aborted', `The file could not be read to its end: ${(err as Error).message}`);
  }
}

/**
 * Removes temp files a crash left behind. Only those older than `olderThanMs`: an import may be
 * writing one right now.
 */
export async function sweepIncoming(dataDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  const dir = incomingDir(dataDir);
  let removed = 0;
  for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const stat = await fsp.stat(file).catch(() => null);
    if (stat && now - stat.mtimeMs > olderThanMs) {
      await fsp.rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

/**
 * The type a blob's first bytes show, for blobs whose row carries no usable type (a workspace
 * logo has only its hash). Null when it is none of the accepted kinds.
 */
export function sniffMimeType(head: Buffer): string | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  if (head.length >= 5 && head.toString('latin1', 0, 5) === '%PDF-') return 'application/pdf';
  if (head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp' && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(head.toString('latin1', 8, 12))) {
    return 'image/heic';
  }
  return null;
}

export async function readBlobHead(dataDir: string, hash: string, bytes = 16): Promise<Buffer> {
  const handle = await fsp.open(localBlobPath(dataDir, hash), 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function tooLarge(maxBytes: number): LocalBlobError {
  return new LocalBlobError('too-large', `The file is larger than ${Math.round(maxBytes / (1024 * 1024))} MiB, the most a photo or PDF may be.`);
}

/** A write may take less than the whole buffer (a full disk, a signal); the rest is written or the error surfaces. */
async function writeAll(file: fsp.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
