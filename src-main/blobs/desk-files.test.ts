// Files chosen at the desk stream to disk: a 20 MB PDF posted to the browser host, or read from
// its path as Electron does, is stored without the process holding it in memory; a file over the
// limit is refused and nothing of it is kept.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, startBrowserHost } from '../host/browser-host.js';
import { openTestDesk, type TestDesk, tempDir } from '../testing/temp-desk.js';
import { decideDeskFileType, importDeskFile, importDeskFileFromPath } from './desk-files.js';
import { blobsDir, incomingDir, localBlobPath, MAX_IMPORT_BYTES } from './local-blobs.js';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Live memory (heap and buffers) after a full collection, so only what is still held counts. */
function liveBytes(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Samples live memory while `work` runs; answers how far it rose above where it started. */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const base = liveBytes();
  let peak = base;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, liveBytes());
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const result = await work();
    peak = Math.max(peak, liveBytes());
    return { result, growth: peak - base };
  } finally {
    running = false;
    await sampler;
  }
}

/** A PDF-looking body of `size` bytes made chunk by chunk (never whole in memory), and its SHA-256. */
function pdfChunks(size: number): { chunks: () => Generator<Buffer>; hash: string } {
  const make = function* () {
    const pattern = Buffer.alloc(CHUNK);
    for (let i = 0; i < CHUNK; i++) pattern[i] = (i * 31 + 7) & 0xff;
    for (let offset = 0; offset < size; offset += CHUNK) {
      const chunk = Buffer.from(pattern.subarray(0, Math.min(CHUNK, size - offset)));
      if (offset === 0) chunk.write('%PDF-1.7\n', 0, 'latin1');
      chunk.writeUInt32BE(offset / CHUNK, Math.min(12, chunk.length - 4));
      yield chunk;
    }
  };
  const hasher = createHash('sha256');
  for (const chunk of make()) hasher.update(chunk);
  return { chunks: make, hash: hasher.digest('hex') };
}

function bodyStream(chunks: Generator<Buffer>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    pull(controller) {
      const next = chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(new Uint8Array(next.value));
    },
  });
}

function writeChunks(file: string, chunks: Generator<Buffer>): void {
  const out = fs.openSync(file, 'w');
  for (const chunk of chunks) fs.writeSync(out, chunk);
  fs.closeSync(out);
}

/** POSTs a file from disk in a child process, streamed without a length (chunked), as a browser may. */
function uploadFromChild(url: string, secret: string, file: string): Promise<{ status: number; body: string }> {
  const script = `
    const http = require('node:http'); const fs = require('node:fs');
    const req = http.request(process.argv[1], { method: 'POST', headers: { authorization: 'Bearer ' + process.argv[2] } }, (res) => {
      let body = ''; res.setEncoding('utf8'); res.on('data', (c) => (body += c));
      res.on('end', () => { process.stdout.write(JSON.stringify({ status: res.statusCode, body })); });
    });
    req.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
    fs.createReadStream(process.argv[3]).pipe(req);`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, url, secret, file], { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`upload failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as { status: number; body: string });
    });
  });
}

function storedFiles(dataDir: string): string[] {
  if (!fs.existsSync(blobsDir(dataDir))) return [];
  return (fs.readdirSync(blobsDir(dataDir), { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(blobsDir(dataDir), f)).isFile());
}

describe('files chosen at the desk stream to disk', () => {
  let t: TestDesk;
  let host: BrowserHost;
  let base: string;

  beforeAll(async () => {
    t = await openTestDesk();
    host = await startBrowserHost({ desk: t.desk, port: 0, rendererDir: t.dataDir });
    base = `http://127.0.0.1:${host.port}`;
  });

  afterAll(async () => {
    await host?.close();
    await t?.close();
  });

  const post = (body: ReadableStream<Uint8Array>) =>
    fetch(`${base}/files`, { method: 'POST', body, headers: { authorization: `Bearer ${host.secret}` }, duplex: 'half' } as RequestInit);

  it('takes a 20 MB PDF over the browser host without holding it in memory', async () => {
    // The sender is another process (as the browser is), so only the desk's memory is measured here.
    const dir = tempDir('bayline-desk-file-');
    const file = path.join(dir, 'estimate.pdf');
    const size = 20 * MiB;
    const pdf = pdfChunks(size);
    writeChunks(file, pdf.chunks());
    try {
      const { result: res, growth } = await peakGrowth(() => uploadFromChild(`${base}/files`, host.secret, file));
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ hash: pdf.hash, sizeBytes: size, mimeType: 'application/pdf' });
      expect(fs.statSync(localBlobPath(t.dataDir, pdf.hash)).size).toBe(size);
      // Read whole, the file alone would be 20 MB (and twice that while joined); streamed, the
      // desk holds a few chunks at a time. The margin allows for the HTTP machinery.
    expect(growth).toBeLessThan(8 * MiB);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads a 20 MB file from its path (Electron) without holding it in memory', async () => {
    const dir = tempDir('bayline-desk-file-');
    const file = path.join(dir, 'estimate.pdf');
    const pdf = pdfChunks(20 * MiB + 123);
    writeChunks(file, pdf.chunks());
    try {
      const { result, growth } = await peakGrowth(() => importDeskFileFromPath(t.dataDir, file));
      expect(result).toEqual({ hash: pdf.hash, sizeBytes: 20 * MiB + 123, mimeType: 'application/pdf' });
    expect(growth).toBeLessThan(8 * MiB);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a file over the limit sent without a length, and keeps nothing of it', async () => {
    const before = storedFiles(t.dataDir);
    const res = await post(bodyStream(pdfChunks(MAX_IMPORT_BYTES + CHUNK).chunks())).catch(() => null);
    // The 413 answer, or the connection cut mid-upload; never a stored file.
    if (res) {
      expect(res.status).toBe(413);
      expect(((await res.json()) as { message: string }).message).toBe('The file is larger than 25 MB, the most a photo or PDF may be.');
    }
    expect(storedFiles(t.dataDir)).toEqual(before);
    expect(fs.readdirSync(incomingDir(t.dataDir))).toEqual([]);
  }, 60_000);

  it('decides the type from the first bytes, even when they arrive in pieces, and refuses what is not a photo or PDF', async () => {
    expect(decideDeskFileType(Buffer.from('%PDF-1.4'))).toBe('application/pdf');
    async function* trickle() {
      for (const piece of ['%P', 'DF', '-1.', '4\n', 'rest of the document']) yield Buffer.from(piece);
    }
    expect((await importDeskFile(t.dataDir, trickle())).mimeType).toBe('application/pdf');
    const before = storedFiles(t.dataDir);
    await expect(importDeskFile(t.dataDir, Buffer.from('MZ\x90\x00 a Windows program'))).rejects.toThrow(/Only photos/);
    await expect(importDeskFile(t.dataDir, Buffer.alloc(0))).rejects.toThrow('The file is empty.');
    expect(storedFiles(t.dataDir)).toEqual(before);
    expect(fs.readdirSync(incomingDir(t.dataDir))).toEqual([]);
  });
});
