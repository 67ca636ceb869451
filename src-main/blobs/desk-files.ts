// Files from the person at the desk (a photo dragged in from the PC) into the desk's file store,
// and files out of it for the screens. Shared by the browser host's /files routes and Electron's
// IPC, so both transports check the same things. A file is streamed to disk (hashed and counted
// on the way, its type decided from its first bytes), never held whole in memory.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { ApiError } from '../../src-shared/api/errors.js';
import { deskPhotoForStorage } from './desk-heic.js';
import { importBlob, importBlobStream, isBlobHash, LocalBlobError, localBlobPath, MAX_IMPORT_BYTES, sniffMimeType } from './local-blobs.js';

/** How many first bytes the type is decided from. */
const HEAD_BYTES = 16;

export const TOO_LARGE_MESSAGE = `The file is larger than ${Math.round(MAX_IMPORT_BYTES / (1024 * 1024))} MB, the most a photo or PDF may be.`;
const NOT_A_PHOTO_MESSAGE = 'Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be added to a repair.';

/**
 * The type of a file chosen at the desk, from its first bytes (not from what the sender claims,
 * so a renamed file is refused); null for anything a repair may not hold.
 */
export function decideDeskFileType(head: Buffer): string | null {
  return sniffMimeType(head);
}

/** A refusal of the file itself, and whether it was for its size (the browser host answers 413 then). */
export class DeskFileRefused extends ApiError {
  constructor(
    message: string,
    readonly tooLarge = false,
  ) {
    super('file-refused', message);
  }
}

/**
 * Stores a file as a blob: `source` is the file's bytes as they arrive (an HTTP body, a file read
 * from disk) or, for small callers, a Buffer. Nothing is stored unless the whole file is a photo or
 * PDF within the size limit.
 */
export async function importDeskFile(
  dataDir: string,
  source: Buffer | AsyncIterable<Uint8Array>,
): Promise<{ hash: string; sizeBytes: number; mimeType: string }> {
  let mimeType: string | null = null;
  async function* typed(): AsyncGenerator<Buffer> {
    let head: Buffer = Buffer.alloc(0);
    for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (mimeType !== null) {
        yield bytes;
        continue;
      }
      head = head.length === 0 ? bytes : Buffer.concat([head, bytes]);
      if (head.length >= HEAD_BYTES) {
        mimeType = decide(head);
        yield head;
      }
    }
    if (mimeType === null) {
      mimeType = decide(head);
      yield head;
    }
  }
  try {
    const chunks = typed()[Symbol.asyncIterator]();
    const first = await chunks.next();
    if (mimeType === 'image/heic') {
      // An iPhone's HEIC is kept as a JPEG (screens cannot show HEIC): the decoder needs the whole
      // file, so this one type is gathered in memory (at most the size limit) instead of streamed.
      const parts: Buffer[] = first.done ? [] : [first.value];
      let size = parts[0]?.length ?? 0;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        size += next.value.length;
        if (size > MAX_IMPORT_BYTES) throw new DeskFileRefused(TOO_LARGE_MESSAGE, true);
        parts.push(next.value);
      }
      const stored = await deskPhotoForStorage(Buffer.concat(parts), 'image/heic');
      const { hash, sizeBytes } = await importBlob(dataDir, stored.bytes, stored.mimeType);
      return { hash, sizeBytes, mimeType: stored.mimeType };
    }
    async function* all(): AsyncGenerator<Buffer> {
      if (!first.done) yield first.value;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
    }
    const { hash, sizeBytes } = await importBlobStream(dataDir, all(), MAX_IMPORT_BYTES);
    return { hash, sizeBytes, mimeType: mimeType! };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'file-refused' && !(err instanceof DeskFileRefused)) throw new DeskFileRefused(err.message);
    if (err instanceof DeskFileRefused) throw err;
    if (err instanceof LocalBlobError) {
      if (err.code === 'too-large') throw new DeskFileRefused(TOO_LARGE_MESSAGE, true);
      throw new DeskFileRefused(err.message);
    }
    throw err;
  }
}

function decide(head: Buffer): string {
  if (head.length === 0) throw new DeskFileRefused('The file is empty.');
  const type = decideDeskFileType(head.subarray(0, HEAD_BYTES));
  if (!type) throw new DeskFileRefused(NOT_A_PHOTO_MESSAGE);
  return type;
}

/** Stores a file on this PC's disk, read as a stream (Electron hands the path of the file the person chose). */
export async function importDeskFileFromPath(dataDir: string, file: string): Promise<{ hash: string; sizeBytes: number; mimeType: string }> {
  const stat = await fsp.stat(file).catch(() => null);
  if (!stat?.isFile()) throw new DeskFileRefused('The file could not be read; it may have been moved or deleted.');
  if (stat.size > MAX_IMPORT_BYTES) throw new DeskFileRefused(TOO_LARGE_MESSAGE, true);
  return importDeskFile(dataDir, fs.createReadStream(file));
}

/** A file the desk holds, or null when it is not here (yet: other desks' photos arrive in the background). */
export async function readDeskFile(dataDir: string, hash: string): Promise<Buffer | null> {
  if (!isBlobHash(hash)) return null;
  return fsp.readFile(localBlobPath(dataDir, hash)).catch(() => null);
}
