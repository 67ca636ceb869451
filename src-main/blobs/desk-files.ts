// Files from the person at the desk (a photo dragged in from the PC) into the desk's file store,
// and files out of it for the screens. Shared by the browser host's /files routes and Electron's
// IPC, so both transports check the same things.
import fsp from 'node:fs/promises';
import { ApiError } from '../../src-shared/api/errors.js';
import { deskPhotoForStorage } from './desk-heic.js';
import { importBlob, isBlobHash, LocalBlobError, localBlobPath, MAX_IMPORT_BYTES, sniffMimeType } from './local-blobs.js';

/**
 * Stores `bytes` as a blob. The type is decided from the first bytes, not from what the sender
 * claims, so a renamed file is refused with a sentence a person understands.
 */
export async function importDeskFile(dataDir: string, bytes: Buffer): Promise<{ hash: string; sizeBytes: number; mimeType: string }> {
  if (bytes.length === 0) throw new ApiError('file-refused', 'The file is empty.');
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new ApiError('file-refused', `The file is larger than ${Math.round(MAX_IMPORT_BYTES / (1024 * 1024))} MB, the most a photo or PDF may be.`);
  }
  const sniffed = sniffMimeType(bytes.subarray(0, 16));
  if (!sniffed) throw new ApiError('file-refused', 'Only photos (JPEG, PNG, WebP, HEIC) and PDF documents can be added to a repair.');
  // An iPhone's HEIC is stored as a JPEG (screens cannot show HEIC); the answer names the stored type.
  const { bytes: stored, mimeType } = await deskPhotoForStorage(bytes, sniffed);
  bytes = stored;
  try {
    const { hash, sizeBytes } = await importBlob(dataDir, bytes, mimeType);
    return { hash, sizeBytes, mimeType };
  } catch (err) {
    if (err instanceof LocalBlobError) throw new ApiError('file-refused', err.message);
    throw err;
  }
}

/** A file the desk holds, or null when it is not here (yet: other desks' photos arrive in the background). */
export async function readDeskFile(dataDir: string, hash: string): Promise<Buffer | null> {
  if (!isBlobHash(hash)) return null;
  return fsp.readFile(localBlobPath(dataDir, hash)).catch(() => null);
}
