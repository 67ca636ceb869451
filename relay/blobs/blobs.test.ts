// Photos and PDFs on the relay: a desk uploads and downloads them by hash with its device
// credential; wrong, oversized and foreign requests are refused and leave nothing on disk.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../../src-shared/sync/protocol.js';
import { issuePairingCode, redeem } from '../pairing.js';
import { type RunningRelay, startRelay } from '../server.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { DEFAULT_MAX_BLOB_BYTES } from './blobs-plugin.js';

const MiB = 1024 * 1024;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let dataDir: string;
let blobDir: string;
let storage: RelayStorage;
let relay: RunningRelay;
let harbor: WorkspaceRecord;
let bayside: WorkspaceRecord;
let frontDesk: { deviceId: string; secret: string; auth: string };
let baysideDesk: { deviceId: string; secret: string; auth: string };

async function pairedDesk(workspace: WorkspaceRecord, name: string) {
  const { code } = await issuePairingCode(storage, workspace.id);
  const paired = await redeem(storage, { code, deviceName: name });
  return { deviceId: paired.deviceId, secret: paired.secret, auth: bearer(paired.deviceId, paired.secret) };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A photo-sized buffer that starts like a JPEG. */
function photo(size: number): Buffer {
  const bytes = randomBytes(size);
  bytes[0] = 0xff;
  bytes[1] = 0xd8;
  bytes[2] = 0xff;
  return bytes;
}

/** One HTTP request to the relay; `body` is sent with a Content-Length unless `headers` says otherwise. */
function request(method: string, urlPath: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${relay.url}${urlPath}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function put(hash: string, body: Buffer, auth: string, mimeType = 'image/jpeg'): Promise<Answer> {
  return request('PUT', `/blobs/${hash}`, { authorization: auth, 'content-type': mimeType }, body);
}

/**
 * Streams a body with chunked encoding (no Content-Length), a chunk at a time, and stops sending
 * once the relay answers. `onChunk` runs after each chunk has been handed to the socket.
 */
function putChunked(
  hash: string,
  auth: string,
  chunks: { count: number; size: number },
  onChunk?: (sentBytes: number) => Promise<void>,
): Promise<Answer & { sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = http.request(
      `${relay.url}/blobs/${hash}`,
      { method: 'PUT', headers: { authorization: auth, 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' } },
      (res) => {
        answered = true;
        const body: Buffer[] = [];
        res.on('data', (c: Buffer) => body.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(body), sentBytes }));
      },
    );
    // Once the relay has answered (say 413 and closed), further writes may fail; that is expected.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    void (async () => {
      const chunk = photo(chunks.size);
      for (let i = 0; i < chunks.count && !answered; i++) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        sentBytes += chunk.length;
        await onChunk?.(sentBytes);
      }
      if (!answered) req.end();
    })().catch(reject);
  });
}

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const incoming = () => filesUnder(path.join(blobDir, '.incoming'));

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-blobs-'));
  blobDir = path.join(dataDir, 'blobs');
  storage = await openSqliteStorage(dataDir);
  relay = await startRelay({ storage, port: 0, logger: false, blobDir });
  harbor = await storage.createWorkspace({ slug: 'harbor-collision', name: 'Harbor Collision' });
  bayside = await storage.createWorkspace({ slug: 'bayside-auto-body', name: 'Bayside Auto Body' });
  frontDesk = await pairedDesk(harbor, 'Front desk');
  baysideDesk = await pairedDesk(bayside, 'Bayside front desk');
});

afterAll(async () => {
  await relay?.close();
  await storage?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('blobs on the relay', () => {
  it('a desk uploads a photo and gets the same bytes back, with headers for a private, immutable file', async () => {
    const bytes = photo(300 * 1024);
    const hash = sha256(bytes);

    const stored = await put(hash, bytes, frontDesk.auth);
    expect(stored.status).toBe(201);
    expect(JSON.parse(stored.body.toString())).toMatchObject({ hash, sizeBytes: bytes.length, mimeType: 'image/jpeg' });

    const head = await request('HEAD', `/blobs/${hash}`, { authorization: frontDesk.auth });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    expect(head.body.length).toBe(0);

    const got = await request('GET', `/blobs/${hash}`, { authorization: frontDesk.auth });
    expect(got.status).toBe(200);
    expect(got.body.equals(bytes)).toBe(true);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(got.headers['content-length']).toBe(String(bytes.length));
    expect(got.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(got.headers['x-content-type-options']).toBe('nosniff');

    expect(await storage.findBlob(harbor.id, hash)).toMatchObject({ sizeBytes: bytes.length, mimeType: 'image/jpeg' });
    expect(filesUnder(path.join(blobDir, harbor.id))).toContain(path.join(hash.slice(0, 2), hash));
  });

  it('a PDF estimate keeps its type', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(4000)]);
    const hash = sha256(bytes);
    expect((await put(hash, bytes, frontDesk.auth, 'application/pdf')).status).toBe(201);
    const got = await request('GET', `/blobs/${hash}`, { authorization: frontDesk.auth });
    expect(got.headers['content-type']).toBe('application/pdf');
    expect(got.body.equals(bytes)).toBe(true);
  });

  it('bytes that do not match their name are refused and nothing is stored', async () => {
    const bytes = photo(50 * 1024);
    const claimed = sha256(photo(10));
    const answer = await put(claimed, bytes, frontDesk.auth);
    expect(answer.status).toBe(422);
    expect(JSON.parse(answer.body.toString()).error).toBe('hash-mismatch');
    expect((await request('HEAD', `/blobs/${claimed}`, { authorization: frontDesk.auth })).status).toBe(404);
    expect(await storage.findBlob(harbor.id, claimed)).toBeNull();
    expect(filesUnder(blobDir).filter((f) => f.includes(claimed))).toEqual([]);
    expect(incoming()).toEqual([]);
  });

  it('a file declared larger than the limit is refused before any of it is sent', async () => {
    const hash = sha256(Buffer.from('too big'));
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        `${relay.url}/blobs/${hash}`,
        {
          method: 'PUT',
          headers: {
            authorization: frontDesk.auth,
            'content-type': 'image/jpeg',
            'content-length': String(DEFAULT_MAX_BLOB_BYTES + 1),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      // Headers only: the answer must come without the relay waiting for a single body byte.
      req.flushHeaders();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body.toString()).message).toMatch(/larger than 25 MiB/);
    expect(await storage.findBlob(harbor.id, hash)).toBeNull();
    expect(incoming()).toEqual([]);
  });

  it('a streamed upload without a Content-Length is cut off once it passes the limit', async () => {
    const hash = sha256(Buffer.from('endless'));
    const answer = await putChunked(hash, frontDesk.auth, { count: 100, size: 512 * 1024 }); // up to 50 MiB
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body.toString()).error).toBe('too-large');
    // The relay answered while the sender was still going: it did not read the whole 50 MiB.
    expect(answer.sentBytes).toBeLessThan(50 * MiB);
    expect(await storage.findBlob(harbor.id, hash)).toBeNull();
    expect(incoming()).toEqual([]);
  });

  it('an upload that breaks off mid-way leaves no partial file', async () => {
    const bytes = photo(4 * MiB);
    const hash = sha256(bytes);
    await new Promise<void>((resolve) => {
      const req = http.request(`${relay.url}/blobs/${hash}`, {
        method: 'PUT',
        headers: { authorization: frontDesk.auth, 'content-type': 'image/jpeg', 'content-length': String(bytes.length) },
      });
      req.on('error', () => resolve());
      req.write(bytes.subarray(0, MiB), () => setTimeout(() => req.destroy(), 50));
    });
    const deadline = Date.now() + 5000;
    while (incoming().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(incoming()).toEqual([]);
    expect((await request('HEAD', `/blobs/${hash}`, { authorization: frontDesk.auth })).status).toBe(404);
    expect(filesUnder(blobDir).filter((f) => f.includes(hash))).toEqual([]);
  });

  it('the same photo uploaded twice is stored once', async () => {
    const bytes = photo(200 * 1024);
    const hash = sha256(bytes);
    expect((await put(hash, bytes, frontDesk.auth)).status).toBe(201);
    const before = fs.statSync(path.join(blobDir, harbor.id, hash.slice(0, 2), hash));
    expect((await put(hash, bytes, frontDesk.auth)).status).toBe(200);
    expect(filesUnder(blobDir).filter((f) => f.includes(hash))).toEqual([path.join(harbor.id, hash.slice(0, 2), hash)]);
    // Not rewritten: the file is the very same one.
    const after = fs.statSync(path.join(blobDir, harbor.id, hash.slice(0, 2), hash));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('only photos and PDFs are accepted', async () => {
    const bytes = Buffer.from('<script>alert(1)</script>');
    const hash = sha256(bytes);
    for (const type of ['text/html', 'application/json', 'image/svg+xml']) {
      const answer = await put(hash, bytes, frontDesk.auth, type);
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body.toString()).error).toBe('unsupported-type');
    }
    const untyped = await request('PUT', `/blobs/${hash}`, { authorization: frontDesk.auth }, bytes);
    expect(untyped.status).toBe(415);
    expect(await storage.findBlob(harbor.id, hash)).toBeNull();
  });

  it('a name that is not a SHA-256 never reaches the disk', async () => {
    for (const name of ['ABCDEF'.padEnd(64, '0'), '..%2F..%2Frelay.sqlite', '0'.repeat(63)]) {
      expect((await request('GET', `/blobs/${name}`, { authorization: frontDesk.auth })).status).toBe(400);
    }
  });

  it('without a credential nothing is served or stored', async () => {
    const bytes = photo(1000);
    const hash = sha256(bytes);
    expect((await put(hash, bytes, frontDesk.auth)).status).toBe(201);

    expect((await request('GET', `/blobs/${hash}`)).status).toBe(401);
    expect((await request('HEAD', `/blobs/${hash}`)).status).toBe(401);
    const wrongSecret = bearer(frontDesk.deviceId, 'x'.repeat(43));
    expect((await request('GET', `/blobs/${hash}`, { authorization: wrongSecret })).status).toBe(401);
    const other = photo(1000);
    expect((await request('PUT', `/blobs/${sha256(other)}`, { 'content-type': 'image/jpeg' }, other)).status).toBe(401);
    expect(await storage.findBlob(harbor.id, sha256(other))).toBeNull();
  });

  it('a revoked desk is told so (403)', async () => {
    const bytes = photo(1000);
    const hash = sha256(bytes);
    expect((await put(hash, bytes, frontDesk.auth)).status).toBe(201);
    const oldLaptop = await pairedDesk(harbor, 'Old laptop');
    expect((await request('GET', `/blobs/${hash}`, { authorization: oldLaptop.auth })).status).toBe(200);
    await storage.revokeDevice(oldLaptop.deviceId, new Date().toISOString());
    const refused = await request('GET', `/blobs/${hash}`, { authorization: oldLaptop.auth });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body.toString()).error).toBe('revoked');
    expect((await put(sha256(photo(10)), photo(10), oldLaptop.auth)).status).toBe(403);
  });

  it("another shop's desk cannot see a photo it does not have, even by its hash", async () => {
    const bytes = photo(64 * 1024);
    const hash = sha256(bytes);
    expect((await put(hash, bytes, frontDesk.auth)).status).toBe(201);

    expect((await request('GET', `/blobs/${hash}`, { authorization: baysideDesk.auth })).status).toBe(404);
    expect((await request('HEAD', `/blobs/${hash}`, { authorization: baysideDesk.auth })).status).toBe(404);

    // Bayside uploading the same bytes gets its own copy, recorded for Bayside only.
    expect((await put(hash, bytes, baysideDesk.auth, 'image/png')).status).toBe(201);
    expect(await storage.findBlob(bayside.id, hash)).toMatchObject({ mimeType: 'image/png' });
    expect(await storage.findBlob(harbor.id, hash)).toMatchObject({ mimeType: 'image/jpeg' });
    expect(filesUnder(path.join(blobDir, bayside.id))).toEqual([path.join(hash.slice(0, 2), hash)]);
    const got = await request('GET', `/blobs/${hash}`, { authorization: baysideDesk.auth });
    expect(got.body.equals(bytes)).toBe(true);
    expect(got.headers['content-type']).toBe('image/png');
  });

  it('a 20 MiB upload streams to disk while it arrives instead of piling up in memory', async () => {
    const size = 512 * 1024;
    const count = 40; // 20 MiB
    const whole = Buffer.alloc(size * count);
    // The same chunk content each time would not let us name the blob, so build it up front.
    for (let i = 0; i < count; i++) photo(size).copy(whole, i * size);
    const hash = sha256(whole);
    let partialSeenAt: number | null = null;
    let largestPartial = 0;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;

    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        `${relay.url}/blobs/${hash}`,
        { method: 'PUT', headers: { authorization: frontDesk.auth, 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' } },
        (res) => {
          const body: Buffer[] = [];
          res.on('data', (c: Buffer) => body.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(body) }));
        },
      );
      req.on('error', reject);
      void (async () => {
        for (let i = 0; i < count; i++) {
          if (!req.write(whole.subarray(i * size, (i + 1) * size))) await new Promise((r) => req.once('drain', r));
          // Halfway through, give the relay a moment and look at its temp folder.
          if (i === count / 2) {
            const deadline = Date.now() + 5000;
            while (Date.now() < deadline) {
              const part = incoming()[0];
              const partSize = part ? fs.statSync(path.join(blobDir, '.incoming', part)).size : 0;
              if (partSize > 0) {
                partialSeenAt = i * size;
                largestPartial = partSize;
                break;
              }
              await new Promise((r) => setTimeout(r, 10));
            }
          }
          rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        }
        req.end();
      })().catch(reject);
    });

    expect(answer.status).toBe(201);
    // The relay had written part of the file to disk while half of it had not been sent yet.
    expect(partialSeenAt).not.toBeNull();
    expect(largestPartial).toBeGreaterThan(0);
    expect(largestPartial).toBeLessThan(whole.length);
    // Client and relay share this process; together they held far less than the blob's size.
    expect(rssPeak - rssBefore).toBeLessThan(15 * MiB);
    const stored = fs.readFileSync(path.join(blobDir, harbor.id, hash.slice(0, 2), hash));
    expect(sha256(stored)).toBe(hash);
    expect(incoming()).toEqual([]);
  });
});
