// The relay's blob files: photos and PDFs named by their SHA-256, one folder per workspace
// (`<root>/<workspaceId>/<hash[0..2]>/<hash>`). `Blobs` is what every part of the relay uses;
// `BlobStore` (this folder) and `S3BlobStore` (a bucket, ./s3-blob-store.ts) implement it. An upload is hashed and counted while it streams
// to a temp file and only renamed into place once it proved to be the bytes it claims to be, so
// a blob file that exists is always complete and correct.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export const BLOB_HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Workspace ids are our own UUIDs; anything else never becomes part of a path. */
const WORKSPACE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Temp files of uploads in progress; a dot name cannot collide with a two-hex-digit folder. */
const INCOMING = '.incoming';

export function isBlobHash(value: string): boolean {
  return BLOB_HASH_PATTERN.test(value);
}

export type BlobErrorCode = 'invalid-hash' | 'too-large' | 'hash-mismatch' | 'aborted';

export class BlobError extends Error {
  constructor(
    readonly code: BlobErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PutResult {
  sizeBytes: number;
  /** False when the file was there already: the upload was checked and discarded. */
  created: boolean;
}

/** Where the relay keeps blobs: a folder (`BlobStore`) or an S3-compatible bucket (`S3BlobStore`). */
export interface Blobs {
  readonly kind: 'folder' | 's3';
  /** A local folder for uploads being received and checked (and other scratch files); never shared state. */
  readonly incomingDir: string;
  has(workspaceId: string, hash: string): Promise<boolean>;
  /** Stores `source` under its hash once it proved to be those bytes; see `BlobStore.put`. */
  put(workspaceId: string, expectedHash: string, source: Readable, maxBytes: number): Promise<PutResult>;
  /** The blob's bytes and size; null when the store does not hold it. */
  open(workspaceId: string, hash: string): Promise<{ stream: Readable; sizeBytes: number } | null>;
  /** Every blob the store holds for the workspace (the check for lost blobs compares it with the records). */
  list(workspaceId: string): Promise<Set<string>>;
  /** Removes old temp files a crash left behind; answers how many. */
  sweepIncoming(olderThanMs?: number, now?: number): Promise<number>;
}

/** The whole blob in memory (a mail attachment); null when the store does not hold it. */
export async function readBlob(blobs: Blobs, workspaceId: string, hash: string): Promise<Buffer | null> {
  const opened = await blobs.open(workspaceId, hash);
  if (!opened) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export class BlobStore implements Blobs {
  readonly kind = 'folder' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Where a blob lives; refuses anything that is not a workspace id and a SHA-256 before a path is built. */
  pathOf(workspaceId: string, hash: string): string {
    if (!WORKSPACE_ID_PATTERN.test(workspaceId)) throw new BlobError('invalid-hash', `"${workspaceId}" is not a workspace id.`);
    if (!isBlobHash(hash)) throw new BlobError('invalid-hash', 'A blob is named by its SHA-256: 64 lower-case hex digits.');
    return path.join(this.root, workspaceId, hash.slice(0, 2), hash);
  }

  /** The folder a test can watch to see an upload land on disk while it is still arriving. */
  get incomingDir(): string {
    return path.join(this.root, INCOMING);
  }

  async has(workspaceId: string, hash: string): Promise<boolean> {
    return (await sizeOf(this.pathOf(workspaceId, hash))) !== null;
  }

  /**
   * Streams `source` to a temp file while hashing and counting it. Over `maxBytes` it stops
   * reading and fails with `too-large`; bytes that hash to anything but `expectedHash` fail with
   * `hash-mismatch`; a source that ends early fails with `aborted`. The temp file is removed on
   * every failure. A blob already stored is not written again, but the upload is still read to
   * its end (and checked), so the connection can carry the answer and the next request.
   *
   * On `too-large` the source is left paused, not destroyed: destroying an HTTP request kills
   * its socket, and the caller still has to send the 413.
   */
  async put(workspaceId: string, expectedHash: string, source: Readable, maxBytes: number): Promise<PutResult> {
    const finalPath = this.pathOf(workspaceId, expectedHash);
    const exists = (await sizeOf(finalPath)) !== null;
    const hash = createHash('sha256');
    let size = 0;
    const account = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      hash.update(chunk);
    };

    if (exists) {
      await consume(source, account);
      checkHash(hash.digest('hex'), expectedHash);
      return { sizeBytes: size, created: false };
    }

    await fsp.mkdir(this.incomingDir, { recursive: true });
    const tempPath = path.join(this.incomingDir, `${randomUUID()}.part`);
    const file = await fsp.open(tempPath, 'wx');
    let closed = false;
    try {
      await consume(source, async (chunk) => {
        account(chunk);
        await writeAll(file, chunk);
      });
      checkHash(hash.digest('hex'), expectedHash);
      // Flushed before it gets its real name: a blob the relay acknowledged survives a power cut.
      await file.sync();
      await file.close();
      closed = true;
      await fsp.mkdir(path.dirname(finalPath), { recursive: true });
      // Two uploads of the same bytes may race here; both files are identical, so the last rename wins harmlessly.
      await fsp.rename(tempPath, finalPath);
      await syncDir(path.dirname(finalPath));
      return { sizeBytes: size, created: true };
    } catch (err) {
      if (!closed) await file.close().catch(() => undefined);
      await fsp.rm(tempPath, { force: true });
      throw err;
    }
  }

  /** The blob's bytes as a stream, and its size; null when this workspace has no such file. */
  async open(workspaceId: string, hash: string): Promise<{ stream: fs.ReadStream; sizeBytes: number } | null> {
    const file = this.pathOf(workspaceId, hash);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    // Size and stream come from the same open file, so they always agree.
    const { size } = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    return { stream: handle.createReadStream({ autoClose: true }), sizeBytes: size };
  }

  async list(workspaceId: string): Promise<Set<string>> {
    const dir = path.dirname(path.dirname(this.pathOf(workspaceId, '0'.repeat(64))));
    const found = new Set<string>();
    let prefixes: string[];
    try {
      prefixes = await fsp.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return found;
      throw err;
    }
    for (const prefix of prefixes) {
      const names = await fsp.readdir(path.join(dir, prefix)).catch(() => [] as string[]);
      for (const name of names) if (isBlobHash(name)) found.add(name);
    }
    return found;
  }

  /**
   * Removes temp files left by a crash mid-upload. Only old ones: another relay process sharing
   * this folder may be receiving an upload right now.
   */
  async sweepIncoming(olderThanMs = 24 * 60 * 60 * 1000, now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.incomingDir);
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const file = path.join(this.incomingDir, name);
      const stat = await fsp.stat(file).catch(() => null);
      if (stat && now - stat.mtimeMs > olderThanMs) {
        await fsp.rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }
}

export function tooLarge(maxBytes: number): BlobError {
  return new BlobError('too-large', `The file is larger than ${formatBytes(maxBytes)}, the most this relay accepts.`);
}

export function checkHash(actual: string, expected: string): void {
  if (actual !== expected) {
    throw new BlobError('hash-mismatch', `The uploaded bytes have SHA-256 ${actual}, not ${expected}; nothing was stored.`);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Makes a rename durable on Linux; other systems cannot open a folder for fsync, and need not. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported here (Windows): the file itself was synced before the rename.
  }
}

/**
 * Reads `source` chunk by chunk, waiting for `sink` before asking for more (so a slow disk slows
 * the sender instead of filling memory). A throwing sink stops the reading and leaves the source
 * paused; a source that closes or errors before its end fails with `aborted`.
 */
export function consume(source: Readable, sink: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    // The last chunk's write; the end waits for it so the caller never sees a half-written file.
    let inFlight: Promise<void> = Promise.resolve();
    const detach = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      detach();
      source.pause();
      reject(err);
    };
    const onData = (chunk: Buffer | string) => {
      let pending: void | Promise<void>;
      try {
        pending = sink(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (err) {
        fail(err);
        return;
      }
      if (pending) {
        source.pause();
        inFlight = pending;
        pending.then(() => {
          if (!settled) source.resume();
        }, fail);
      }
    };
    const onEnd = () => {
      if (settled) return;
      detach();
      inFlight.then(() => {
        if (settled) return;
        settled = true;
        resolve();
      }, fail);
    };
    const onError = (err: Error) => fail(new BlobError('aborted', `The upload broke off: ${err.message}`));
    const onClose = () => fail(new BlobError('aborted', 'The upload broke off before its end.'));
    if (source.readableEnded) {
      settled = true;
      resolve();
      return;
    }
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
    source.on('close', onClose);
    source.resume();
  });
}

/** A write may take less than the whole buffer (a full disk, a signal); the rest is written or the error surfaces. */
export async function writeAll(file: fsp.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
