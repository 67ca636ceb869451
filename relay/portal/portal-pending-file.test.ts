// A photo added at the desk reaches the relay in two parts: its row by sync, its file by the
// desk's upload. The customer's page shows the photo only once the file is there (never a broken
// image), and an open page learns of it when the upload lands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBlob } from '../../src-main/blobs/local-blobs.js';
import type { Desk } from '../../src-main/desk.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { jpegWithGps } from '../uploads/test-images.js';

describe('a desk photo whose file is still on its way', () => {
  let f: RelayFixture;
  let desk: Desk;

  beforeAll(async () => {
    f = await startRelayFixture('sqlite', { blobs: true });
    desk = (await f.pairNewDesk('Front desk')).desk;
  });

  afterAll(async () => {
    await f?.cleanup();
  });

  it('is left off the status page until the file reaches the relay, then the open page is told', async () => {
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', { customer: { firstName: 'Ana', lastName: 'Silva' }, vehicle: { plate: 'PEND 1' } });
    const photo = await jpegWithGps(640, 480);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(photo).digest('hex');
    // The row first, while the desk does not hold the file yet (as when it is still being copied).
    await call(desk, 'attachment-add', { roId: ro.id, kind: 'photo', blobHash: hash, fileName: 'door.jpg', mimeType: 'image/jpeg', sizeBytes: photo.length, published: true });
    await eventually('the row on the relay', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const url = ro.portal.url!;
    const page = await eventually('the page', async () => {
      const res = await fetch(url);
      return res.status === 200 ? res.text() : false;
    });
    expect(page).not.toContain('/files/');
    expect(page).toContain('Photos of your car will appear here');
    const before = await (await fetch(`${url}/version`)).text();

    await importBlob(desk.dataDir, photo, 'image/jpeg');
    desk.blobSync!.kick();
    await eventually('the page to change', async () => (await (await fetch(`${url}/version`)).text()) !== before);
    const after = await (await fetch(url)).text();
    expect(after.match(/\/files\/[^"/]+\/thumb/g)?.length).toBe(1);
    const thumb = await fetch(`${url.replace(/\/t\/.*/, '')}${after.match(/\/t\/[^"]+\/thumb/)![0]}`);
    expect(thumb.status).toBe(200);
  });
});
