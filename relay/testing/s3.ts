// Test support: a local S3-compatible server (s3rver) on 127.0.0.1 with one empty bucket, in a temp
// folder, driven by the real @aws-sdk/client-s3 through S3BlobStore.
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { tempDir } from '../../src-main/testing/temp-desk.js';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The folder s3rver keeps the objects in (a test may delete one to play a lost object). */
  directory: string;
  stop(): Promise<void>;
}

export async function startLocalS3(bucket = 'bayline-test'): Promise<LocalS3> {
  const directory = tempDir('bayline-s3-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    // s3rver accepts its own fixed test credentials.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    stop: () => server.close(),
  };
}
