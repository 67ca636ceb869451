// Two paired desks of one shop: a photo attached on the front desk ends up, byte for byte, on
// the estimator's desk — also when the relay goes down in the middle of the upload.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issuePairingCode } from '../../relay/pairing.js';
import { type RunningRelay, startRelay } from '../../relay/server.js';
import { openSqliteStorage } from '../../relay/storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../../relay/storage/types.js';
import type { ApiMethod, ArgsOf, ResultOf } from '../../src-shared/api/contract.js';
import { Desk } from '../desk.js';
import { pairDesk } from '../sync/pair.js';
import { tempDir } from '../testing/temp-desk.js';
import { importBlob, incomingDir, localBlobPath } from './local-blobs.js';

const MiB = 1024 * 1024;

let relayDir: string;
let storage: RelayStorage;
let relay: RunningRelay;
let workspace: WorkspaceRecord;
const cleanups: Array<() => Promise<void> | void> = [];

async function bootRelay(port = 0): Promise<void> {
  storage = await openSqliteStorage(relayDir);
  relay = await startRelay({ storage, port, logger: false, blobDir: path.join(relayDir, 'blobs') });
}

async function stopRelay(): Promise<void> {
  await relay.close();
  await storage.close();
}

async function pairedDesk(name: string) {
  const dataDir = tempDir('bayline-blob-desk-');
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const { code } = await issuePairingCode(storage, workspace.id);
  await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: name });
  const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 50, maxBackoffMs: 1000 } });
  cleanups.push(() => desk.close());
  const session = desk.newSession();
  const call = async <M extends ApiMethod>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>> => {
    const outcome = await desk.call(method, args, session);
    if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result as ResultOf<M>;
  };
  return { desk, dataDir, call };
}

/** Polls until `check` is true; fails with `what` once the deadline passes. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A JPEG-looking photo file in a folder of its own, as a camera import would leave it. */
function photoFile(size: number): { file: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0], 0);
  const dir = tempDir('bayline-camera-');
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'IMG_0412.JPG');
  fs.writeFileSync(file, bytes);
  return { file, bytes };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function filesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

async function checkInAndAttach(front: Awaited<ReturnType<typeof pairedDesk>>, file: string, caption: string) {
  await eventually('the front desk has the shop settings from the relay', async () => (await front.call('workspace-get', {})).name === 'Harbor Collision');
  const ro = await front.call('ro-check-in', {
    customer: { firstName: 'Marisol', lastName: 'Ortega', mobile: '(512) 555-0142' },
    vehicle: { vin: '1HGCM82633A004352', plate: 'TX-9087', year: 2019, make: 'Honda', model: 'Accord' },
  });
  const { hash, sizeBytes } = await importBlob(front.desk, file, 'image/jpeg');
  await front.call('attachment-add', {
    roId: ro.id,
    kind: 'photo',
    blobHash: hash,
    fileName: path.basename(file),
    mimeType: 'image/jpeg',
    sizeBytes,
    published: true,
    caption,
  });
  return { ro, hash, sizeBytes };
}

beforeEach(async () => {
  relayDir = tempDir('bayline-blob-relay-');
  await bootRelay();
  workspace = await storage.createWorkspace({ slug: 'harbor-collision', name: 'Harbor Collision' });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await stopRelay().catch(() => undefined);
  fs.rmSync(relayDir, { recursive: true, force: true });
});

describe('photos between desks', () => {
  it('a photo attached on the front desk appears on the estimator desk, identical', async () => {
    const front = await pairedDesk('Front desk');
    const estimator = await pairedDesk('Estimator');
    const { file, bytes } = photoFile(700 * 1024);

    const { hash, sizeBytes } = await checkInAndAttach(front, file, 'Left rear quarter panel');
    expect(hash).toBe(sha256(bytes));
    expect(sizeBytes).toBe(bytes.length);
    expect(fs.readFileSync(localBlobPath(front.dataDir, hash)).equals(bytes)).toBe(true);

    const onEstimator = localBlobPath(estimator.dataDir, hash);
    await eventually('the estimator desk has the photo', () => fs.existsSync(onEstimator));
    expect(fs.readFileSync(onEstimator).equals(bytes)).toBe(true);
    // The row came along too, so the estimator sees the photo on the repair order.
    const ro = (await estimator.call('ro-board', {}))[0]!;
    const detail = await estimator.call('ro-get', { id: ro.id });
    expect(detail.attachments.map((a) => a.caption)).toEqual(['Left rear quarter panel']);

    expect(await storage.findBlob(workspace.id, hash)).toMatchObject({ sizeBytes: bytes.length, mimeType: 'image/jpeg' });
    await eventually('nothing is waiting on either desk', () =>
      [front, estimator].every((d) => {
        const c = d.desk.blobSync!.counts();
        return c.uploadsWaiting === 0 && c.downloadsWaiting === 0;
      }),
    );
    expect(filesIn(incomingDir(front.dataDir))).toEqual([]);
    expect(filesIn(incomingDir(estimator.dataDir))).toEqual([]);
  });

  it('a photo whose upload broke off when the relay went down still arrives once it is back', async () => {
    const front = await pairedDesk('Front desk');
    const estimator = await pairedDesk('Estimator');
    const port = relay.port;
    const relayIncoming = path.join(relayDir, 'blobs', '.incoming');
    const { file, bytes } = photoFile(24 * MiB);
    const hash = sha256(bytes);

    // The moment the relay has written part of the upload to disk, it goes down: it stops taking
    // requests and every connection is cut mid-transfer, as in a crash or a redeploy.
    let cutAtBytes = -1;
    let relayDown: Promise<void> | null = null;
    const server = relay.app.server;
    const cutMidUpload = (req: http.IncomingMessage) => {
      if (req.method !== 'PUT') return;
      const watch = setInterval(() => {
        const part = filesIn(relayIncoming)[0];
        const size = part ? (fs.statSync(path.join(relayIncoming, part), { throwIfNoEntry: false })?.size ?? 0) : 0;
        if (size > 0 && !relayDown) {
          clearInterval(watch);
          cutAtBytes = size;
          relayDown = relay.close();
          server.closeAllConnections();
        }
      }, 1);
      req.socket.once('close', () => clearInterval(watch));
    };
    server.on('request', cutMidUpload);

    await checkInAndAttach(front, file, 'Frame damage, driver side');
    await eventually('the upload was cut off mid-way', () => relayDown !== null);
    await relayDown;
    server.off('request', cutMidUpload);
    expect(cutAtBytes).toBeLessThan(bytes.length);
    expect(await storage.findBlob(workspace.id, hash)).toBeNull();
    await storage.close();

    // While the relay is down the front desk still counts the photo as waiting.
    await eventually('the front desk counts the upload as waiting', () => front.desk.blobSync!.counts().uploadsWaiting === 1);
    // The relay drops its partial file once it notices the connection is gone.
    await eventually('the relay removed its partial file', () => filesIn(relayIncoming).length === 0);

    // Back on the same data folder and port: both desks reconnect by themselves.
    await bootRelay(port);

    const onEstimator = localBlobPath(estimator.dataDir, hash);
    await eventually('the estimator desk has the photo', () => fs.existsSync(onEstimator), 30_000);
    expect(sha256(fs.readFileSync(onEstimator))).toBe(hash);
    expect(await storage.findBlob(workspace.id, hash)).toMatchObject({ sizeBytes: bytes.length });
    await eventually('the front desk has nothing left to upload', () => front.desk.blobSync!.counts().uploadsWaiting === 0);
    expect(filesIn(incomingDir(front.dataDir))).toEqual([]);
    expect(filesIn(incomingDir(estimator.dataDir))).toEqual([]);
    expect(filesIn(relayIncoming)).toEqual([]);
  });
});

describe('importing a photo on a desk', () => {
  it('the same photo from a file or from memory is one blob, named by its SHA-256', async () => {
    const dataDir = tempDir('bayline-import-');
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const { file, bytes } = photoFile(300 * 1024);

    const fromFile = await importBlob(dataDir, file, 'image/jpeg');
    const fromMemory = await importBlob({ dataDir }, bytes, 'image/jpeg');
    expect(fromFile).toEqual({ hash: sha256(bytes), sizeBytes: bytes.length });
    expect(fromMemory).toEqual(fromFile);
    expect(fs.readdirSync(path.join(dataDir, 'blobs', fromFile.hash.slice(0, 2)))).toEqual([fromFile.hash]);
    expect(fs.readFileSync(localBlobPath(dataDir, fromFile.hash)).equals(bytes)).toBe(true);
  });

  it('a file the relay would refuse is refused on the desk and leaves nothing behind', async () => {
    const dataDir = tempDir('bayline-import-');
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const { file } = photoFile(2 * MiB);
    await expect(importBlob(dataDir, file, 'application/msword')).rejects.toThrow(/Only photos .* and PDFs/);
    await expect(importBlob(dataDir, file, 'image/jpeg', { maxBytes: MiB })).rejects.toThrow(/larger than 1 MiB/);
    await expect(importBlob(dataDir, randomBytes(2 * MiB), 'image/jpeg', { maxBytes: MiB })).rejects.toThrow(/larger than 1 MiB/);
    expect(filesIn(path.join(dataDir, 'blobs')).filter((f) => f !== '.incoming')).toEqual([]);
    expect(filesIn(incomingDir(dataDir))).toEqual([]);
  });
});
