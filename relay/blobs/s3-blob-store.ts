// Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2…), so every relay process on every
// machine serves every photo, whichever one the desk uploaded to. Keys are content-addressed like
// the folder's paths: `<prefix><workspaceId>/<hash[0..2]>/<hash>`. An upload is received into a
// local temp file while it is hashed and counted (the same checks as the folder), and only bytes
// that proved to be their hash are sent to the bucket: one PUT, or a multipart upload for large
// files. An object appears in S3 only once its upload completed, so an object that exists is
// always whole and correct.
//
// Settings (relay flags or the environment; see README "Relays on several machines"):
//   BAYLINE_S3_BUCKET, BAYLINE_S3_ENDPOINT (for anything but AWS), BAYLINE_S3_REGION,
//   BAYLINE_S3_PREFIX, BAYLINE_S3_SSE ('AES256' or 'aws:kms'); the credentials come from the
//   SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type ServerSideEncryption,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type Blobs, BlobStore, checkHash, consume, isBlobHash, type PutResult, tooLarge, writeAll } from './blob-store.js';

export interface S3BlobStoreOptions {
  bucket: string;
  /** For S3-compatible services; AWS itself needs none. */
  endpoint?: string;
  region?: string;
  /** Put before every key (`bayline/`), so one bucket can hold other things too. */
  prefix?: string;
  /** Asks the bucket to encrypt each object at rest. */
  serverSideEncryption?: ServerSideEncryption;
  /** Path-style addresses (`endpoint/bucket/key`), which S3-compatible services need. Default: on when an endpoint is given. */
  forcePathStyle?: boolean;
  /** Files larger than this go up in parts (default 16 MiB). */
  multipartThresholdBytes?: number;
  /** Size of each part (default 8 MiB; S3 wants at least 5 MiB but for the last). */
  partSizeBytes?: number;
  /** Local folder for uploads being checked (default: the system's temp folder). */
  scratchDir?: string;
  /** Credentials; default: the SDK's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class S3ConfigError extends Error {
  override name = 'S3ConfigError';
}

/** The bucket settings from the environment; null when no bucket is named. */
export function readS3Config(env: NodeJS.ProcessEnv): S3BlobStoreOptions | null {
  const bucket = env.BAYLINE_S3_BUCKET?.trim();
  if (!bucket) return null;
  const sse = env.BAYLINE_S3_SSE?.trim();
  if (sse && sse !== 'AES256' && sse !== 'aws:kms') {
    throw new S3ConfigError(`BAYLINE_S3_SSE is "${sse}"; use AES256 or aws:kms (or leave it empty for none).`);
  }
  const endpoint = env.BAYLINE_S3_ENDPOINT?.trim() || undefined;
  if (endpoint && !/^https?:\/\//.test(endpoint)) throw new S3ConfigError(`BAYLINE_S3_ENDPOINT is "${endpoint}"; it must start with http:// or https://.`);
  return {
    bucket,
    endpoint,
    region: env.BAYLINE_S3_REGION?.trim() || undefined,
    prefix: env.BAYLINE_S3_PREFIX?.trim() || undefined,
    serverSideEncryption: (sse || undefined) as ServerSideEncryption | undefined,
  };
}

export class S3BlobStore implements Blobs {
  readonly kind = 's3' as const;
  readonly incomingDir: string;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly sse: ServerSideEncryption | undefined;
  private readonly threshold: number;
  private readonly partSize: number;
  /** Only for its checks of workspace ids and hashes. */
  private readonly names = new BlobStore(os.tmpdir());

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ?? '';
    this.sse = options.serverSideEncryption;
    this.threshold = options.multipartThresholdBytes ?? 16 * 1024 * 1024;
    this.partSize = Math.max(options.partSizeBytes ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    this.incomingDir = path.join(options.scratchDir ?? path.join(os.tmpdir(), 'bayline-relay'), '.incoming');
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      credentials: options.credentials,
      // Checksums only where S3 requires them: S3-compatible services differ in the newer
      // streamed checksum trailers, and every blob is already checked against its SHA-256 here.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The object key; refuses anything that is not a workspace id and a SHA-256. */
  keyOf(workspaceId: string, hash: string): string {
    this.names.pathOf(workspaceId, hash);
    return `${this.prefix}${workspaceId}/${hash.slice(0, 2)}/${hash}`;
  }

  async has(workspaceId: string, hash: string): Promise<boolean> {
    return (await this.sizeOf(this.keyOf(workspaceId, hash))) !== null;
  }

  async put(workspaceId: string, expectedHash: string, source: Readable, maxBytes: number): Promise<PutResult> {
    const key = this.keyOf(workspaceId, expectedHash);
    const exists = (await this.sizeOf(key)) !== null;
    await fsp.mkdir(this.incomingDir, { recursive: true });
    const tempPath = path.join(this.incomingDir, `${randomUUID()}.part`);
    try {
      const size = await receiveChecked(source, expectedHash, maxBytes, exists ? null : tempPath);
      if (exists) return { sizeBytes: size, created: false };
      if (size > this.threshold) await this.putInParts(key, tempPath, size);
      else {
        const body = fs.createReadStream(tempPath);
        try {
          await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size, ContentType: 'application/octet-stream', ServerSideEncryption: this.sse }),
          );
        } finally {
          body.destroy();
        }
      }
      return { sizeBytes: size, created: true };
    } finally {
      await fsp.rm(tempPath, { force: true });
    }
  }

  async open(workspaceId: string, hash: string): Promise<{ stream: Readable; sizeBytes: number } | null> {
    const key = this.keyOf(workspaceId, hash);
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const body = got.Body as Readable | undefined;
      if (!body) return null;
      return { stream: body, sizeBytes: Number(got.ContentLength ?? 0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async list(workspaceId: string): Promise<Set<string>> {
    const base = this.keyOf(workspaceId, '0'.repeat(64)).split('/').slice(0, -2).join('/') + '/';
    const found = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const name = o.Key?.split('/').pop();
        if (name && isBlobHash(name)) found.add(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Temp files are local to this process's machine; old ones are removed like the folder's. */
  sweepIncoming(olderThanMs?: number, now?: number): Promise<number> {
    return new BlobStore(path.dirname(this.incomingDir)).sweepIncoming(olderThanMs, now);
  }

  close(): void {
    this.client.destroy();
  }

  private async sizeOf(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return Number(head.ContentLength ?? 0);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** A multipart upload, part by part from the checked temp file; aborted on any failure so no parts are left billed. */
  private async putInParts(key: string, file: string, size: number): Promise<void> {
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: 'application/octet-stream', ServerSideEncryption: this.sse }),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new Error(`The bucket ${this.bucket} gave no upload id for a multipart upload.`);
    try {
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      const handle = await fsp.open(file, 'r');
      try {
        for (let offset = 0, n = 1; offset < size; offset += this.partSize, n += 1) {
          const length = Math.min(this.partSize, size - offset);
          const chunk = Buffer.alloc(length);
          await handle.read(chunk, 0, length, offset);
          const part = await this.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: chunk, ContentLength: length }),
          );
          if (!part.ETag) throw new Error(`The bucket ${this.bucket} gave no ETag for part ${n}.`);
          parts.push({ ETag: part.ETag, PartNumber: n });
        }
      } finally {
        await handle.close();
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }
}

/**
 * Reads `source` to its end while hashing and counting it (into `tempPath` unless null), and
 * fails like the folder store: `too-large` (source left paused), `hash-mismatch`, `aborted`.
 */
async function receiveChecked(source: Readable, expectedHash: string, maxBytes: number, tempPath: string | null): Promise<number> {
  const hash = createHash('sha256');
  let size = 0;
  const file = tempPath ? await fsp.open(tempPath, 'wx') : null;
  try {
    await consume(source, async (chunk) => {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge(maxBytes);
      hash.update(chunk);
      if (file) await writeAll(file, chunk);
    });
  } finally {
    await file?.close();
  }
  checkHash(hash.digest('hex'), expectedHash);
  return size;
}

function isNotFound(err: unknown): boolean {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey';
  return false;
}

