// An iPhone photo (HEIC) dragged onto a repair at the desk: the browser host's /files route stores
// it as a JPEG the screens can show (upright, without the phone's EXIF or GPS), and says so; a
// damaged one is refused with a sentence.
import fs from 'node:fs';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHost, startBrowserHost } from '../host/browser-host.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';
import { localBlobPath } from './local-blobs.js';

/** A real HEIC stored as an iPhone does (rotation in an irot box): relay/uploads/fixtures/README.md. */
const HEIC = fs.readFileSync(new URL('../../relay/uploads/fixtures/iphone-rotated-gps.heic', import.meta.url));

describe('an iPhone photo chosen at the desk', () => {
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
  const auth = () => ({ authorization: `Bearer ${host.secret}` });

  it('is stored as an upright JPEG without EXIF or GPS, and the answer says JPEG', async () => {
    const res = await fetch(`${base}/files`, { method: 'POST', body: new Uint8Array(HEIC), headers: { ...auth(), 'content-type': 'image/heic' } });
    expect(res.status).toBe(200);
    const stored = (await res.json()) as { hash: string; sizeBytes: number; mimeType: string };
    expect(stored.mimeType).toBe('image/jpeg');
    const jpeg = fs.readFileSync(localBlobPath(t.dataDir, stored.hash));
    expect(jpeg.length).toBe(stored.sizeBytes);
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 240, 320, undefined]);
    expect(await exifr.gps(jpeg).catch(() => undefined)).toBeUndefined();
    // Red on top, blue at the bottom, as it was taken.
    const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    expect(data[(20 * 240 + 120) * 3]).toBeGreaterThan(150);
    expect(data[(300 * 240 + 120) * 3 + 2]).toBeGreaterThan(150);
  });

  it('a damaged one is refused with a sentence', async () => {
    const cut = Buffer.concat([HEIC.subarray(0, 400), Buffer.alloc(400, 7)]);
    const res = await fetch(`${base}/files`, { method: 'POST', body: new Uint8Array(cut), headers: { ...auth(), 'content-type': 'image/heic' } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(((await res.json()) as { message: string }).message).toBe(
      'This iPhone photo (HEIC) could not be opened: it may be damaged or only partly copied. Copy it from the phone again, or export it as a JPEG.',
    );
  });
});
