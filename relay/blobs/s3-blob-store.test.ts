// The bucket store against a local S3-compatible server (s3rver) through the real AWS SDK: what is
// put is there byte for byte under its hash, listed per shop; bytes that are not the hash they
// claim are refused and nothing lands in the bucket; a large file goes up in parts; bad settings
// are named.
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { type LocalS3, startLocalS3 } from '../testing/s3.js';
import { readBlob } from './blob-store.js';
import { readS3Config, S3BlobStore } from './s3-blob-store.js';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3?.stop();
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const store = (extra: Partial<ConstructorParameters<typeof S3BlobStore>[0]> = {}) =>
  new S3BlobStore({ bucket: s3.bucket, endpoint: s3.endpoint, region: 'us-east-1', credentials: s3.credentials, scratchDir: tempDir('bayline-s3-scratch-'), ...extra });

describe('the S3-compatible blob store (s3rver)', () => {
  it('stores a photo under its hash, lists it for its shop only, and gives back the same bytes', async () => {
    const blobs = store();
    const shopA = randomUUID();
    const shopB = randomUUID();
    const photo = Buffer.from('a photo of a bumper '.repeat(2000));
    const hash = sha(photo);
    expect(await blobs.has(shopA, hash)).toBe(false);
    expect(await blobs.put(shopA, hash, Readable.from([photo]), 10_000_000)).toEqual({ sizeBytes: photo.length, created: true });
    expect(await blobs.has(shopA, hash)).toBe(true);
    expect(await blobs.list(shopA)).toEqual(new Set([hash]));
    expect(await blobs.list(shopB)).toEqual(new Set());
    expect(await blobs.has(shopB, hash)).toBe(false);
    expect((await readBlob(blobs, shopA, hash))?.equals(photo)).toBe(true);
    // The same bytes again: stored once.
    expect((await blobs.put(shopA, hash, Readable.from([photo]), 10_000_000)).created).toBe(false);
  });

  it('refuses bytes that are not the hash they claim, and a file over the limit; nothing lands in the bucket', async () => {
    const blobs = store();
    const shop = randomUUID();
    const photo = Buffer.from('the real bytes');
    const claimed = sha(Buffer.from('other bytes'));
    await expect(blobs.put(shop, claimed, Readable.from([photo]), 1_000_000)).rejects.toThrow();
    const big = Buffer.alloc(5000, 7);
    await expect(blobs.put(shop, sha(big), Readable.from([big]), 1000)).rejects.toThrow();
    expect(await blobs.list(shop)).toEqual(new Set());
  });

  it('sends a large file in parts and gives it back whole', async () => {
    const blobs = store({ multipartThresholdBytes: 6 * 1024 * 1024, partSizeBytes: 5 * 1024 * 1024 });
    const shop = randomUUID();
    const video = Buffer.alloc(12 * 1024 * 1024 + 123);
    for (let i = 0; i < video.length; i += 4096) video[i] = i % 251;
    const hash = sha(video);
    expect((await blobs.put(shop, hash, Readable.from([video]), 64 * 1024 * 1024)).sizeBytes).toBe(video.length);
    expect((await readBlob(blobs, shop, hash))?.equals(video)).toBe(true);
  });

  it('reads its settings from the environment and names a bad one', () => {
    expect(readS3Config({})).toBeNull();
    expect(readS3Config({ BAYLINE_S3_BUCKET: 'shop-files', BAYLINE_S3_ENDPOINT: 'http://127.0.0.1:9000', BAYLINE_S3_SSE: 'AES256' })).toMatchObject({
      bucket: 'shop-files',
      endpoint: 'http://127.0.0.1:9000',
      serverSideEncryption: 'AES256',
    });
    expect(() => readS3Config({ BAYLINE_S3_BUCKET: 'b', BAYLINE_S3_SSE: 'rot13' })).toThrow(/BAYLINE_S3_SSE is "rot13"/);
    expect(() => readS3Config({ BAYLINE_S3_BUCKET: 'b', BAYLINE_S3_ENDPOINT: 'minio:9000' })).toThrow(/BAYLINE_S3_ENDPOINT is "minio:9000"/);
  });
});
