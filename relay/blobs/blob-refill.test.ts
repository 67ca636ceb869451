// Photos in a bucket shared by two relay processes on one PostgreSQL database: a desk uploads
// through relay A and the customer's portal page served by relay B shows the same bytes. When the
// bucket loses the photo, the desk that still has it sends it again: noticed by a portal read on
// the other relay, and by the check at start after both relays restart. On a folder with SQLite:
// a desk that lacks a lost photo says so and sends nothing, is not asked again and again, and the
// desk that was offline when the loss was noticed sends it once it reconnects.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortalLink, RepairOrderDetail } from '../../src-shared/domain.js';
import type { RelayFrame } from '../../src-shared/sync/protocol.js';
import { Desk } from '../../src-main/desk.js';
import { launchChromium } from '../../src-main/testing/browser-kit.js';
import { importBlob, localBlobPath } from '../../src-main/blobs/local-blobs.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { type RunningRelay, startRelay } from '../server.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { freePort, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { type LocalS3, startLocalS3 } from '../testing/s3.js';
import { call, eventually } from '../testing/sync-fixture.js';
import type { FastifyBaseLogger } from 'fastify';
import { BlobRefill } from './blob-refill.js';
import { BlobStore } from './blob-store.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A real JPEG (the portal re-encodes photos for its thumbnails), different per colour. */
async function jpeg(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: { r, g, b } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function openDesk(dataDir: string): Promise<Desk> {
  return Desk.open({ dataDir, syncOptions: { minBackoffMs: 50, maxBackoffMs: 500, heartbeatMs: 1000 } });
}

/** Checks in a car, attaches `photo` as a published photo and issues the customer's portal link. */
async function photoOnPortal(desk: Desk, photo: Buffer, dir: string): Promise<{ ro: RepairOrderDetail; hash: string; link: URL }> {
  await eventually('the desk to have the shop from the relay', async () => (await call<{ name: string }>(desk, 'workspace-get', {})).name !== '');
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
    customer: { firstName: 'Marisol', lastName: 'Ortega', mobile: '(512) 555-0142' },
    vehicle: { vin: '1HGCM82633A004352', plate: 'TX-9087', year: 2019, make: 'Honda', model: 'Accord' },
  });
  const file = path.join(dir, 'IMG_0412.JPG');
  fs.writeFileSync(file, photo);
  const { hash, sizeBytes } = await importBlob(desk, file, 'image/jpeg');
  await call(desk, 'attachment-add', {
    roId: ro.id,
    kind: 'photo',
    blobHash: hash,
    fileName: 'IMG_0412.JPG',
    mimeType: 'image/jpeg',
    sizeBytes,
    published: true,
    caption: 'Left rear quarter panel',
  });
  const link = await call<PortalLink>(desk, 'portal-link-issue', { roId: ro.id, rotate: false });
  return { ro, hash, link: new URL(link.url!) };
}

/** The portal page at `base` (another relay than the one that issued the link) and its photo's original bytes. */
async function portalPhoto(base: string, link: URL): Promise<{ page: string; file: Response; thumb: string }> {
  const pageUrl = new URL(link.pathname, base);
  const page = await (await fetch(pageUrl)).text();
  const id = new RegExp(`${link.pathname}/files/([^/"]+)/thumb`).exec(page)?.[1];
  if (!id) throw new Error('the portal page shows no photo');
  const file = await fetch(new URL(`${link.pathname}/files/${id}/file`, base));
  return { page, file, thumb: new URL(`${link.pathname}/files/${id}/thumb`, base).toString() };
}

async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}

describe('two relays, one PostgreSQL database, one S3-compatible bucket', () => {
  let s3: LocalS3 | null = null;
  let database: TestDatabase | null = null;
  const relays: RelayProcess[] = [];
  const desks: Desk[] = [];

  afterEach(async () => {
    await Promise.all(desks.splice(0).map((d) => d.close().catch(() => undefined)));
    await Promise.all(relays.splice(0).map((r) => r.kill()));
    await database?.drop();
    database = null;
    await s3?.stop();
    s3 = null;
  });

  it('a photo uploaded through relay A shows on the portal of relay B; lost from the bucket, the desk sends it again', async () => {
    s3 = await startLocalS3();
    database = await createTestDatabase();
    const setup = await openPostgresStorage(database.url);
    const workspace = await setup.createWorkspace({ slug: 'twin-bays', name: 'Twin Bays Auto Body' });
    const { code } = await issuePairingCode(setup, workspace.id);
    await setup.close();

    const [portA, portB] = [await freePort(), await freePort()];
    const scratch = { [portA]: tempDir('bayline-relay-a-'), [portB]: tempDir('bayline-relay-b-') };
    const start = async (port: number) => {
      const relay = await spawnRelay(database!.url, port, {
        extraArgs: ['--blobs', scratch[port]!, '--s3-bucket', s3!.bucket, '--s3-endpoint', s3!.endpoint, '--s3-region', 'us-east-1'],
        env: { AWS_ACCESS_KEY_ID: s3!.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3!.credentials.secretAccessKey, BAYLINE_BLOB_REASK_SECONDS: '1' },
        timeoutMs: 60_000,
      });
      relays.push(relay);
      return relay;
    };
    let relayA = await start(portA);
    let relayB = await start(portB);
    expect(relayA.output()).toContain(`Photos and documents: bucket ${s3.bucket} at ${s3.endpoint}`);

    // The desk talks only to relay A.
    const dataDir = tempDir('bayline-desk-');
    await pairDesk({ dataDir, relayUrl: relayA.url, code, deviceName: 'Front desk' });
    const desk = await openDesk(dataDir);
    desks.push(desk);
    const photo = await jpeg(180, 40, 30);
    const { hash, link } = await photoOnPortal(desk, photo, tempDir('bayline-camera-'));
    expect(link.origin).toBe(relayA.url);

    // The customer's phone reaches relay B (a load balancer chose it): same page, same photo.
    const onB = await eventually('the photo on the portal of relay B', async () => {
      const seen = await portalPhoto(relayB.url, link);
      return seen.file.status === 200 ? seen : undefined;
    }, 30_000);
    expect(onB.page).toContain('Left rear quarter panel');
    expect(sha256(await bytesOf(onB.file))).toBe(hash);
    const thumb = await fetch(onB.thumb);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(await bytesOf(thumb)).metadata()).format).toBe('jpeg');
    // In a real browser, relay B's page draws the photo (an image that failed has no width).
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(new URL(link.pathname, relayB.url).toString());
      const drawn = await page
        .waitForFunction(() => [...document.images].some((i) => i.src.includes('/thumb') && i.complete && i.naturalWidth > 0), null, { timeout: 30_000 })
        .then(
          () => 'drawn',
          async () => `not drawn; page: ${(await page.content()).slice(0, 3000)}`,
        );
      expect(drawn).toBe('drawn');
    } finally {
      await browser.close();
    }
    // Relay B holds nothing of its own: the photo is in the bucket, under the shop and its hash.
    const bucket = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: s3.credentials });
    const key = `${workspace.id}/${hash.slice(0, 2)}/${hash}`;
    const listed = await bucket.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([key]);
    const inBucket = async () =>
      bucket.send(new HeadObjectCommand({ Bucket: s3!.bucket, Key: key })).then(
        () => true,
        () => false,
      );

    // The bucket loses it. Relay B notices on the customer's next look; the desk, connected to
    // relay A, is asked by A within its re-ask round and sends it again.
    await bucket.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(await inBucket()).toBe(false);
    expect((await portalPhoto(relayB.url, link)).file.status).toBe(404);
    await eventually('the desk to send the lost photo again', inBucket, 30_000);
    const back = await portalPhoto(relayB.url, link);
    expect(back.file.status).toBe(200);
    expect(sha256(await bytesOf(back.file))).toBe(hash);

    // Lost again, and both relays restart: the check at start finds it missing and the desk,
    // reconnecting, sends it before any customer asked for it.
    await bucket.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
    await relayA.kill();
    await relayB.kill();
    relayA = await start(portA);
    relayB = await start(portB);
    await eventually('the desk to send the photo again after the restart', inBucket, 60_000);
    const afterRestart = await portalPhoto(relayB.url, link);
    expect(afterRestart.file.status).toBe(200);
    expect(sha256(await bytesOf(afterRestart.file))).toBe(hash);
    expect(fs.readFileSync(localBlobPath(dataDir, hash)).equals(photo)).toBe(true);
    bucket.destroy();
  }, 240_000);
});

describe('lost blobs on a folder store with SQLite', () => {
  let relayDir: string;
  let storage: RelayStorage;
  let relay: RunningRelay;
  let workspace: WorkspaceRecord;
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await relay?.close();
    await storage?.close();
    fs.rmSync(relayDir, { recursive: true, force: true });
  });

  it('a desk lacking the lost photo says so and is not asked again and again; the desk that was offline sends it when it reconnects', async () => {
    relayDir = tempDir('bayline-refill-relay-');
    storage = await openSqliteStorage(relayDir);
    const blobDir = path.join(relayDir, 'blobs');
    relay = await startRelay({ storage, port: 0, logger: false, blobDir, blobRefill: { reaskMs: 100 } });
    workspace = await storage.createWorkspace({ slug: 'harbor-collision', name: 'Harbor Collision' });

    const pairAndOpen = async (name: string) => {
      const dataDir = tempDir('bayline-refill-desk-');
      cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
      const { code } = await issuePairingCode(storage, workspace.id);
      await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: name });
      const desk = await openDesk(dataDir);
      let open = true;
      cleanups.push(() => (open ? desk.close() : undefined));
      return { desk, dataDir, close: async () => ((open = false), await desk.close()) };
    };

    const front = await pairAndOpen('Front desk');
    const photo = await jpeg(20, 90, 160);
    const { hash, link } = await photoOnPortal(front.desk, photo, tempDir('bayline-camera-'));
    const store = new BlobStore(blobDir);
    await eventually('the photo on the relay', async () => store.has(workspace.id, hash), 20_000);
    // The front desk goes home for the night; then the relay's disk loses the photo.
    await front.close();
    fs.rmSync(store.pathOf(workspace.id, hash));

    // A desk paired now never had the photo: the relay notices the loss when this desk asks for
    // it, asks it back, and the desk answers that it lacks it (nothing is sent).
    const estimator = await pairAndOpen('Estimator');
    const asked: string[][] = [];
    estimator.desk.syncClient!.onRelayFrame((frame: RelayFrame) => {
      if (frame.t === 'blobs-wanted') asked.push(frame.hashes);
    });
    await eventually('the estimator desk to be asked for the lost photo', async () => estimator.desk.blobSync!.relayAsked().lacking.includes(hash), 20_000);
    expect(estimator.desk.blobSync!.relayAsked()).toEqual({ sending: [], lacking: [hash] });
    expect(estimator.desk.blobSync!.counts().lostOnRelayNotHere).toBe(1);
    expect(await storage.missingBlobs(workspace.id)).toEqual([hash]);
    // The relay asks again every 100 ms, but not this desk for what it already asked it on this connection.
    await new Promise((r) => setTimeout(r, 1500));
    expect(asked.length).toBeLessThanOrEqual(1);
    expect(asked.flat().every((h) => h === hash)).toBe(true);
    // The desk said it lacks it (`blobs-lacking`): its sync state says so, and the relay notes it.
    expect((await estimator.desk.syncStatus()).filesLostElsewhere).toBe(1);
    await eventually('the relay to note that the estimator lacks it', async () => relay.hub.blobLacks.desksLacking(workspace.id, hash) === 1, 20_000);
    // Reconnecting does not bring the same question back: the relay remembers the answer. (A
    // third desk, so the estimator keeps its count for the end of the test.)
    const paint = await pairAndOpen('Paint booth');
    await eventually('the paint desk to be asked and say it lacks the photo', async () => relay.hub.blobLacks.desksLacking(workspace.id, hash) === 2, 20_000);
    await paint.close();
    const paintAgain = await openDesk(paint.dataDir);
    cleanups.push(() => paintAgain.close());
    // (Its blob sync hears every frame from the first; the relay still counts the photo as lost.)
    await paintAgain.syncClient!.whenCaughtUp(20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await storage.missingBlobs(workspace.id)).toEqual([hash]);
    expect(paintAgain.blobSync!.relayAsked()).toEqual({ sending: [], lacking: [] });
    expect((await portalPhoto(relay.url, link)).file.status).toBe(404);
    // What no connected desk sent is reported by hash, once an hour per shop, not at every round.
    const reports: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const log = { error: (fields: Record<string, unknown>, message: string) => reports.push({ fields, message }) } as unknown as FastifyBaseLogger;
    const watcher = new BlobRefill(storage, store, relay.hub, log, { checkAtStart: false });
    const t0 = Date.now();
    await watcher.reask(t0);
    await watcher.reask(t0 + 60_000);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.fields).toMatchObject({ workspace: workspace.id, blobs: 1, saidNotHeld: 1, hashes: [hash] });
    expect(reports[0]!.message).toContain('still missing');
    await watcher.reask(t0 + 61 * 60_000);
    expect(reports).toHaveLength(2);
    await watcher.close();

    // The front desk comes back in the morning: asked at its hello, it sends the photo.
    const frontAgain = await openDesk(front.dataDir);
    cleanups.push(() => frontAgain.close());
    // The file lands in the store a moment before the upload is recorded (and the loss cleared).
    await eventually('the front desk to send the lost photo again', async () => (await store.has(workspace.id, hash)) && (await storage.missingBlobs(workspace.id)).length === 0, 20_000);
    const served = await portalPhoto(relay.url, link);
    expect(served.file.status).toBe(200);
    expect((await bytesOf(served.file)).equals(photo)).toBe(true);
    // And the estimator desk now gets it too, the same bytes.
    await eventually('the estimator desk to fetch the photo', async () => fs.existsSync(localBlobPath(estimator.dataDir, hash)), 20_000);
    expect(fs.readFileSync(localBlobPath(estimator.dataDir, hash)).equals(photo)).toBe(true);
    await eventually('the estimator desk to stop counting it as lost', async () => estimator.desk.blobSync!.counts().lostOnRelayNotHere === 0, 20_000);
  }, 120_000);
});
