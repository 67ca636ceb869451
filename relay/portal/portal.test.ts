// The customer portal as a customer, a technician and a stranger meet it, on both storage
// engines: a paired desk checks a car in, the link it holds opens the page on the relay, the
// page follows the desk, and the conversation goes both ways. Links that should not work all
// look the same; nothing internal reaches the page.
import { Writable } from 'node:stream';
import zlib from 'node:zlib';
import exifr from 'exifr';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortalLink, RepairOrderDetail, RepairOrderSummary, TrackRequest } from '../../src-shared/domain.js';
import { hashToken } from '../../src-shared/portal/token.js';
import type { Desk } from '../../src-main/desk.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { jpegWithGps } from '../uploads/test-images.js';
import { relayLoggerOptions } from '../server.js';
import { PORTAL_CSS, PORTAL_JS } from './assets.js';

const checkIn = (over: Record<string, unknown> = {}) => ({
  customer: { firstName: 'Zoë', lastName: 'Nguyễn', mobile: '(512) 555-0147', email: 'zoe@example.com' },
  vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
  insurer: 'State Farm',
  claimNumber: 'SF-88-1234',
  adjusterName: 'Adjuster Ayers',
  adjusterEmail: 'ayers@insurer.example',
  deductibleCents: 50000,
  promisedDate: '2037-12-04',
  ...over,
});

async function settle(f: RelayFixture, desk: Desk): Promise<void> {
  await eventually('the desk to push everything', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
  void f;
}

function tokenOf(url: string): string {
  return new URL(url).pathname.split('/')[2]!;
}

function withToken(url: string, token: string): string {
  const u = new URL(url);
  u.pathname = `/t/${token}`;
  return u.toString();
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe.each<Engine>(['sqlite', 'postgres'])('customer portal (%s)', (engine) => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  async function shopWithCar(over: Record<string, unknown> = {}) {
    f = await startRelayFixture(engine, { blobs: true, portal: { countFlushMs: 100 } });
    const { desk } = await f.pairNewDesk('Front desk');
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn(over));
    expect(ro.portal.active).toBe(true);
    expect(ro.portal.url).toMatch(new RegExp(`^${f.relay.url}/t/[A-Za-z0-9_-]{46}$`));
    await settle(f, desk);
    return { desk, ro, url: ro.portal.url! };
  }

  it('shows the shop, the car as the customer knows it, the stage and the promised date, and nothing internal', async () => {
    const { desk, ro, url } = await shopWithCar();
    await call(desk, 'note-add', { roId: ro.id, body: 'Customer was rude on the phone' });
    await call(desk, 'workspace-update', { phone: '(512) 555-0100', address: '12 Lake St, Austin, TX' });
    await settle(f, desk);
    const page = await eventually('the page to show the phone number', async () => {
      const p = await get(url);
      return p.text.includes('555-0100') && p;
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Lakeside Collision');
    expect(page.text).toContain('Hi Zoë');
    expect(page.text).toContain('2019 Blue Honda Accord');
    expect(page.text).toContain('KLM 456');
    expect(page.text).toContain('Pictures');
    expect(page.text).toContain('Friday, December 4, 2037');
    expect(page.text).toContain('href="tel:5125550100"');
    expect(page.text).toContain('https://www.google.com/maps/search/?api=1&amp;query=12%20Lake%20St');
    for (const secret of ['1HGCM82633A004352', '004352', 'Adjuster Ayers', 'ayers@insurer', 'rude on the phone', 'SF-88-1234', '500.00', 'State Farm']) {
      expect(page.text, secret).not.toContain(secret);
    }
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-robots-tag')).toContain('noindex');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(page.text).not.toMatch(/<script[^>]*src="https?:/);
    const robots = await get(`${f.relay.url}/robots.txt`);
    expect(robots.text).toContain('Disallow: /t/');
  });

  it('a modified, an expired and a revoked link all get the identical 404', async () => {
    const { desk, ro, url } = await shopWithCar();
    const second = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ vehicle: { plate: 'OLD 1' } }));
    const third = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn({ vehicle: { plate: 'GONE 2' } }));
    // Delivered 40 days ago, with links that last 30 days after delivery.
    await call(desk, 'ro-move-stage', { id: second.id, stage: 'delivered' });
    await desk.store.write({ actor: 'test', action: 'time-passes' }, (tx) =>
      tx.update('repair_orders', second.id, { closed_at: new Date(Date.now() - 40 * 86_400_000).toISOString() }),
    );
    await call(desk, 'portal-link-revoke', { roId: third.id });
    await settle(f, desk);
    const token = tokenOf(url);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const answers = [
      await get(withToken(url, flipped)),
      await eventually('the expired link to stop', async () => {
        const r = await get(second.portal.url!);
        return r.status === 404 && r;
      }),
      await eventually('the revoked link to stop', async () => {
        const r = await get(third.portal.url!);
        return r.status === 404 && r;
      }),
      await get(`${f.relay.url}/t/not-a-token`),
    ];
    const shape = (r: Awaited<ReturnType<typeof get>>) => ({
      status: r.status,
      text: r.text,
      headers: [...r.headers.entries()].filter(([k]) => !['date', 'content-length', 'keep-alive', 'connection'].includes(k)),
    });
    for (const a of answers) expect(shape(a)).toEqual(shape(answers[0]!));
    expect(answers[0]!.status).toBe(404);
    expect(answers[0]!.text).toContain('This link does not work any more');
    // The live link still works, and the desk says the revoked one is gone.
    expect((await get(url)).status).toBe(200);
    expect((await call<PortalLink>(desk, 'portal-link-get', { roId: third.id })).active).toBe(false);
    void ro;
  });

  it('throttles an address that guesses: 200 guesses, most refused with 429, and then even a good link waits', async () => {
    const { url } = await shopWithCar();
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const guess = Buffer.alloc(34, i).toString('base64url');
      statuses.push((await fetch(withToken(url, guess))).status);
    }
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(21);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(179);
    expect((await fetch(url)).status).toBe(429);
  });

  it('follows the desk live: a stage move and a new promised date reach an open page without a reload', async () => {
    const { desk, ro, url } = await shopWithCar();
    const events = await fetch(`${url}/events`);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
    const reader = events.body!.getReader();
    let seen = '';
    const started = Date.now();
    const firstVersion = await readEvent(reader, (t) => (seen += t));
    await call(desk, 'ro-move-stage', { id: ro.id, stage: 'teardown' });
    await call(desk, 'ro-change-promised-date', { id: ro.id, date: '2037-12-09', reason: 'A part is on back order from the maker' });
    const nextVersion = await readEvent(reader, (t) => (seen += t), firstVersion);
    expect(nextVersion).not.toBe(firstVersion);
    expect(Date.now() - started).toBeLessThan(5000);
    await reader.cancel();
    const page = await eventually('the page to show both changes', async () => {
      const p = await get(url, { 'x-bayline-live': '1' });
      return p.text.includes('A part is on back order') && p.text.includes('<p class="stage">Teardown</p>') && p;
    });
    expect(page.text).toContain('Wednesday, December 9, 2037');
    expect(page.text).toContain('moved from Friday, December 4, 2037 to Wednesday, December 9, 2037');
  });

  it("an iPhone's HEIC photo sent from the page is stored as an upright JPEG without EXIF or GPS", async () => {
    const { desk, ro, url } = await shopWithCar();
    const heic = await import('node:fs').then((fs) => fs.readFileSync(new URL('../uploads/fixtures/iphone-rotated-gps.heic', import.meta.url)));
    const form = new FormData();
    form.set('body', 'The dent from the other side');
    form.append('files', new Blob([new Uint8Array(heic)], { type: 'image/heic' }), 'IMG_4127.HEIC');
    const sent = await fetch(`${url}/messages`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
    expect(sent.status).toBe(200);
    const detail = await eventually('the photo on the desk', async () => {
      const d = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
      return d.messages.length === 1 && d;
    });
    const photo = detail.messages[0]!.attachments[0]!;
    expect(photo).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg', fileName: 'IMG_4127.jpg' });
    const { localBlobPath } = await import('../../src-main/blobs/local-blobs.js');
    const fs = await import('node:fs');
    await eventually('the bytes on the desk', async () => fs.existsSync(localBlobPath(desk.dataDir, photo.blobHash)));
    const jpeg = fs.readFileSync(localBlobPath(desk.dataDir, photo.blobHash));
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const sharp = (await import('sharp')).default;
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 240, 320, undefined]);
    expect(await exifr.gps(jpeg).catch(() => undefined)).toBeUndefined();
    expect(jpeg.includes(Buffer.from('iPhone'))).toBe(false);
    // A damaged one gets a sentence the customer understands.
    const bad = new FormData();
    bad.append('files', new Blob([new Uint8Array(Buffer.concat([heic.subarray(0, 400), Buffer.alloc(400, 7)]))], { type: 'image/heic' }), 'IMG_4128.HEIC');
    const refused = await fetch(`${url}/messages`, { method: 'POST', body: bad, headers: { accept: 'application/json' } });
    expect(refused.status).toBe(415);
    expect((await refused.json()).message).toContain('We could not open that iPhone photo (HEIC)');
  });

  it('carries the conversation both ways, with photos, and counts the customer message as unread on the desk', async () => {
    const { desk, ro, url } = await shopWithCar();
    const form = new FormData();
    form.set('body', 'Can I pick up the car on Saturday?');
    form.append('files', new Blob([new Uint8Array(await jpegWithGps(800, 600))], { type: 'image/jpeg' }), 'IMG_0042.HEIC.jpg');
    const sent = await fetch(`${url}/messages`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ ok: true });
    const detail = await eventually('the message on the desk', async () => {
      const d = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
      return d.messages.length === 1 && d;
    });
    expect(detail.messages[0]).toMatchObject({ direction: 'in', channel: 'portal', body: 'Can I pick up the car on Saturday?', author: 'Zoë', read: false });
    expect(detail.messages[0]!.attachments).toHaveLength(1);
    expect(detail.messages[0]!.attachments[0]).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg', source: 'customer', fileName: 'IMG_0042.HEIC.jpg' });
    expect((await call<RepairOrderSummary[]>(desk, 'ro-board', {})).find((r) => r.id === ro.id)!.unreadMessages).toBe(1);
    // The photo's bytes follow to the desk, without the GPS position of the customer's driveway.
    const hash = detail.messages[0]!.attachments[0]!.blobHash;
    const { localBlobPath } = await import('../../src-main/blobs/local-blobs.js');
    const fs = await import('node:fs');
    // "Nothing to fetch" can be read before the desk noticed the new row: wait for the file itself.
    await eventually('the photo on the desk', async () => fs.existsSync(localBlobPath(desk.dataDir, hash)));
    const onDesk = fs.readFileSync(localBlobPath(desk.dataDir, hash));
    expect(await exifr.gps(onDesk).catch(() => undefined)).toBeUndefined();

    await call(desk, 'message-mark-read', { roId: ro.id });
    expect((await call<RepairOrderSummary[]>(desk, 'ro-board', {})).find((r) => r.id === ro.id)!.unreadMessages).toBe(0);
    await call(desk, 'message-send', { roId: ro.id, body: 'Yes, we are open 9 to 12 on Saturday.' });
    await settle(f, desk);
    const page = await eventually('the answer on the page', async () => {
      const p = await get(url);
      return p.text.includes('Yes, we are open 9 to 12 on Saturday.') && p;
    });
    expect(page.text).toContain('Can I pick up the car on Saturday?');
    const thumb = page.text.match(/\/t\/[^/"]+\/files\/[^/"]+\/thumb/)![0];
    const image = await fetch(`${f.relay.url}${thumb}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
  });

  it('a script in a name, a message and a file name is shown as text', async () => {
    const { url } = await shopWithCar({
      customer: { firstName: '<script>alert("name")</script>', lastName: 'X', mobile: '5125550199' },
    });
    const form = new FormData();
    form.set('body', '<img src=x onerror=alert("msg")>');
    form.append('files', new Blob([new Uint8Array(await jpegWithGps(64, 64))], { type: 'image/jpeg' }), '"><svg onload=alert(1)>.jpg');
    expect((await fetch(`${url}/messages`, { method: 'POST', body: form, headers: { accept: 'application/json' } })).status).toBe(200);
    const page = await eventually('the message on the page', async () => {
      const p = await get(url);
      return p.text.includes('onerror') && p;
    });
    expect(page.text).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=alert(&quot;msg&quot;)&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('<svg onload');
  });

  it('refuses what is not a photo or a PDF, with a sentence for the customer, and keeps nothing', async () => {
    const { desk, ro, url } = await shopWithCar();
    const form = new FormData();
    form.set('body', 'here is my estimate');
    form.append('files', new Blob(['MZ this is not a photo'], { type: 'image/jpeg' }), 'estimate.jpg');
    const res = await fetch(`${url}/messages`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
    expect(res.status).toBe(415);
    expect((await res.json()).message).toBe('We cannot accept that kind of file. Please send a photo (JPEG, PNG, WebP or HEIC) or a PDF.');
    // A phone that chose Spanish reads the refusal in Spanish.
    const again = new FormData();
    again.append('files', new Blob(['MZ this is not a photo'], { type: 'image/jpeg' }), 'estimate.jpg');
    const spanish = await fetch(`${url}/messages`, { method: 'POST', body: again, headers: { accept: 'application/json', cookie: 'bayline_lang=es' } });
    expect(spanish.status).toBe(415);
    expect((await spanish.json()).message).toBe('No podemos aceptar ese tipo de archivo. Envíe una foto (JPEG, PNG, WebP o HEIC) o un PDF.');
    await new Promise((r) => setTimeout(r, 300));
    expect((await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id })).messages).toEqual([]);
  });

  it('the bay camera puts photos on the repair and on the portal, with no GPS left in them', async () => {
    const { desk, ro, url } = await shopWithCar();
    const bay = await call<{ url: string; expiresAt: string }>(desk, 'bay-link-issue', { roId: ro.id });
    expect(bay.url).toMatch(/\/b\/[A-Za-z0-9_-]{46}$/);
    await settle(f, desk);
    const camera = await eventually('the bay page', async () => {
      const p = await get(bay.url);
      return p.status === 200 && p;
    });
    expect(camera.text).toContain('RO ');
    expect(camera.text).toContain('capture="environment"');
    // A bay link is not a customer link, and the other way round.
    expect((await get(withToken(url, tokenOf(bay.url)))).status).toBe(404);
    expect((await get(bay.url.replace(tokenOf(bay.url), tokenOf(url)))).status).toBe(404);

    const gps = await jpegWithGps(1200, 900);
    expect(await exifr.gps(gps)).toMatchObject({ latitude: expect.any(Number) });
    const form = new FormData();
    form.append('photos', new Blob([new Uint8Array(gps)], { type: 'image/jpeg' }), 'bumper.jpg');
    const up = await fetch(`${bay.url}/photos`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
    expect(up.status).toBe(200);
    const detail = await eventually('the photo on the RO', async () => {
      const d = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
      return d.attachments.length === 1 && d;
    });
    expect(detail.attachments[0]).toMatchObject({ source: 'bay', published: true, kind: 'photo' });
    const page = await eventually('the photo on the portal', async () => {
      const p = await get(url);
      return p.text.includes('/full"') && p;
    });
    const full = page.text.match(/\/t\/[^/"]+\/files\/[^/"]+\/full/)![0];
    const bytes = Buffer.from(await (await fetch(`${f.relay.url}${full}`)).arrayBuffer());
    expect(bytes.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(await exifr.parse(bytes).catch(() => undefined)).toBeUndefined();

    // Marked internal: on the RO, not on the portal.
    const internal = new FormData();
    internal.set('internal', '1');
    internal.append('photos', new Blob([new Uint8Array(await jpegWithGps(300, 200))], { type: 'image/jpeg' }), 'frame-rail.jpg');
    expect((await fetch(`${bay.url}/photos`, { method: 'POST', body: internal, headers: { accept: 'application/json' } })).status).toBe(200);
    const both = await eventually('the internal photo on the RO', async () => {
      const d = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
      return d.attachments.length === 2 && d;
    });
    const hidden = both.attachments.find((a) => a.fileName === 'frame-rail.jpg')!;
    expect(hidden.published).toBe(false);
    const after = await get(url);
    expect(after.text).not.toContain(hidden.id);
    expect((await get(`${url}/files/${hidden.id}/full`)).status).toBe(404);
  });

  it('counts views per source, and QR scans apart from plain links', async () => {
    const { desk, ro, url } = await shopWithCar();
    await get(`${url}?s=qr-work-order`);
    await get(`${url}?s=qr-work-order`);
    await get(`${url}?s=qr-tag`);
    await get(url);
    await get(url, { 'x-bayline-live': '1' }); // a page refreshing itself is not a visit
    const link = await eventually('the counts on the desk', async () => {
      const l = await call<PortalLink>(desk, 'portal-link-get', { roId: ro.id });
      return l.views === 4 && l;
    });
    expect(link.viewsBySource).toEqual({ 'qr-work-order': 2, 'qr-tag': 1, link: 1 });
    expect(link.lastViewedAt).not.toBeNull();
    expect(await call(desk, 'portal-totals', {})).toEqual({
      views: 4,
      qrScans: 3,
      viewsBySource: { 'qr-work-order': 2, 'qr-tag': 1, link: 1 },
      repairsViewed: 1,
    });
  });

  it('the shop page sends "track my repair" requests to the desk, answering the same either way', async () => {
    const { desk, ro } = await shopWithCar();
    const shop = await get(`${f.relay.url}/p/lakeside`);
    expect(shop.status).toBe(200);
    expect(shop.text).toContain('Track my repair');
    const ask = (roNumber: string, last4: string) =>
      fetch(`${f.relay.url}/p/lakeside/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ro: roNumber, last4 }).toString(),
      }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const wrong = await ask(String(ro.roNumber), '9999');
    const right = await ask(String(ro.roNumber), '0147');
    expect(right).toEqual(wrong);
    const requests = await eventually('the request on the desk', async () => {
      const list = await call<TrackRequest[]>(desk, 'track-request-list', {});
      return list.length === 1 && list;
    });
    expect(requests[0]).toMatchObject({ roId: ro.id, roNumber: ro.roNumber, channel: 'sms', destination: '+15125550147', handled: false });
    expect((await ask('', '0147')).status).toBe(400);
  });
});

describe('portal hygiene', () => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('the status page without photos transfers at most 30 KB compressed, script and style included', async () => {
    f = await startRelayFixture('sqlite', { blobs: true });
    const { desk } = await f.pairNewDesk();
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn());
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const res = await fetch(ro.portal.url!, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    const htmlBytes = zlib.gzipSync(Buffer.from(await res.text())).length;
    const total = htmlBytes + PORTAL_CSS.gzip.length + PORTAL_JS.gzip.length;
    expect(total).toBeLessThanOrEqual(30 * 1024);
    // The assets the page names are the ones measured.
    const html = await (await fetch(ro.portal.url!)).text();
    expect(html).toContain(PORTAL_CSS.path);
    expect(html).toContain(PORTAL_JS.path);
  });

  it('links are built on the configured public address, never on the Host a request used', async () => {
    const { openSqliteStorage } = await import('../storage/sqlite.js');
    const { startRelay } = await import('../server.js');
    const { issuePairingCode } = await import('../pairing.js');
    const { pairDesk } = await import('../../src-main/sync/pair.js');
    const { Desk } = await import('../../src-main/desk.js');
    const { tempDir } = await import('../../src-main/testing/temp-desk.js');
    const storage = await openSqliteStorage(tempDir());
    const ws = await storage.createWorkspace({ slug: 'public-url', name: 'Public URL Body Shop' });
    const relay = await startRelay({ storage, port: 0, logger: false, publicUrl: 'https://status.lakeside.example' });
    const dataDir = tempDir();
    try {
      const { code } = await issuePairingCode(storage, ws.id);
      const device = await pairDesk({ dataDir, relayUrl: `http://127.0.0.1:${relay.port}`, code, deviceName: 'Desk' });
      expect(device.relayUrl).toBe(`http://127.0.0.1:${relay.port}`);
      expect(device.portalUrl).toBe('https://status.lakeside.example');
      const desk = await Desk.open({ dataDir, sync: false });
      try {
        const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn());
        expect(ro.portal.url).toMatch(/^https:\/\/status\.lakeside\.example\/t\/[A-Za-z0-9_-]{46}$/);
        const bay = await call<{ url: string }>(desk, 'bay-link-issue', { roId: ro.id });
        expect(bay.url).toMatch(/^https:\/\/status\.lakeside\.example\/b\//);
      } finally {
        await desk.close();
      }
    } finally {
      await relay.close();
      await storage.close();
    }
  });

  it('no log line of a whole portal session holds a token', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    f = await startRelayFixture('sqlite', { blobs: true, logger: { ...(relayLoggerOptions('debug') as object), stream: sink } as never });
    const { desk } = await f.pairNewDesk();
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn());
    const bay = await call<{ url: string }>(desk, 'bay-link-issue', { roId: ro.id });
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const url = ro.portal.url!;
    await fetch(`${url}?s=qr-tag`);
    await fetch(`${url}/version`);
    await fetch(bay.url);
    const form = new FormData();
    form.set('body', 'hello');
    await fetch(`${url}/messages`, { method: 'POST', body: form });
    await fetch(withToken(url, tokenOf(url).slice(0, -2) + 'zz'));
    const tokens = [tokenOf(url), tokenOf(bay.url)];
    expect(lines.length).toBeGreaterThan(5);
    for (const token of tokens) {
      for (const line of lines) {
        if (line.includes(token)) throw new Error(`a log line holds a token: ${line}`);
        expect(line).not.toContain(hashToken(token));
      }
    }
  });
});

async function readEvent(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  seen: (text: string) => void,
  after?: string,
): Promise<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    const text = decoder.decode(value);
    seen(text);
    buffer += text;
    for (const block of buffer.split('\n\n')) {
      const version = block.match(/event: changed\ndata: (.*)/)?.[1];
      if (version !== undefined && version !== after) return version;
    }
  }
}
