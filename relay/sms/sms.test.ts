// Two-way texts as the shop and its customers meet them, on both storage engines, against a fake
// Telnyx driven through the real SDK and webhooks signed with a test Ed25519 key.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, SmsPreview, UnassignedText } from '../../src-shared/domain.js';
import { queueAutomatedText } from '../../src-main/sms/handlers.js';
import { inboundEvent, postWebhook, statusEvent } from '../testing/fake-telnyx.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { jpegWithGps } from '../uploads/test-images.js';
import { BlobStore } from '../blobs/blob-store.js';
import { refreshTenDlc } from './numbers.js';
import { checkIn, SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE, zoneWhere } from './testing.js';

async function callError(s: TextingShop, method: string, args: unknown): Promise<{ code: string; message: string }> {
  const outcome = await s.desk.call(method, args, s.desk.newSession());
  if (outcome.ok) throw new Error(`${method} was expected to fail`);
  return outcome.error;
}

const detail = (s: TextingShop, id = s.ro.id) => call<RepairOrderDetail>(s.desk, 'ro-get', { id });
const texts = async (s: TextingShop, id = s.ro.id) => (await detail(s, id)).messages.filter((m) => m.channel === 'sms');

async function receive(s: TextingShop, text: string, over: Partial<Parameters<typeof inboundEvent>[0]> = {}) {
  const event = inboundEvent({ from: ZOE, to: SHOP_NUMBER, text, ...over });
  expect(await postWebhook(s.f.relay.url, s.fake.sign(event))).toBe(200);
  return event;
}

describe.each<Engine>(['sqlite', 'postgres'])('texts (%s)', (engine) => {
  let s: TextingShop;
  afterEach(async () => {
    await s?.cleanup();
  });

  it('"track my repair" on the shop page texts a link of its own that opens the repair; a wrong number gets nothing', async () => {
    s = await startTextingShop(engine);
    const ask = (last4: string) =>
      fetch(`${s.f.relay.url}/p/lakeside/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ro: String(s.ro.roNumber), last4 }).toString(),
      }).then((r) => r.status);
    expect(await ask('9999')).toBe(200);
    expect(await ask('0147')).toBe(200);
    await eventually('the link texted to Zoë', async () => s.fake.sends().length === 1);
    const [sent] = s.fake.sends();
    expect(sent).toMatchObject({ from: SHOP_NUMBER, to: ZOE });
    expect(sent!.text).toContain(`RO ${s.ro.roNumber}`);
    const link = /(https?:\/\/\S+\/t\/[A-Za-z0-9_-]{46}\?s=sms)/.exec(sent!.text)?.[1];
    expect(link, sent!.text).toBeDefined();
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Repair order ${s.ro.roNumber}`);
    // The desk sees the request handled and the text in the conversation, sent once.
    const requests = await eventually('the request on the desk', async () => {
      const list = await call<Array<{ handled: boolean }>>(s.desk, 'track-request-list', {});
      return list.length === 1 && list;
    });
    expect(requests[0]!.handled).toBe(true);
    const onDesk = await eventually('the text with its carrier id on the desk', async () => {
      const t = (await texts(s)).find((m) => m.body === sent!.text);
      return t && t.status === 'queued' ? t : undefined;
    });
    expect(onDesk.author).toBe('Automatic reply');
    expect(s.fake.sends()).toHaveLength(1);

    // After STOP the link is not texted; the request waits for the desk to reach her another way.
    expect(await postWebhook(s.f.relay.url, s.fake.sign(inboundEvent({ from: ZOE, to: SHOP_NUMBER, text: 'STOP' })))).toBe(200);
    await eventually('Zoë opted out on the desk', async () => (await detail(s)).customer.smsOptedOut);
    expect(await ask('0147')).toBe(200);
    const waiting = await eventually('the second request on the desk', async () => {
      const list = await call<Array<{ handled: boolean }>>(s.desk, 'track-request-list', {});
      return list.length === 2 && list;
    });
    expect(waiting.filter((r) => !r.handled)).toHaveLength(1);
    expect(s.fake.sends()).toHaveLength(1);
  });

  it('a forged, tampered, unsigned or stale webhook gets 401 and nothing is recorded', async () => {
    s = await startTextingShop(engine);
    const event = inboundEvent({ from: ZOE, to: SHOP_NUMBER, text: 'Is my car ready?' });
    const good = s.fake.sign(event);
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const attempts = [
      s.fake.sign(event, { key: stranger }),
      { body: good.body.replace('ready', 'READY'), headers: good.headers },
      { body: good.body, headers: { 'content-type': 'application/json' } },
      s.fake.sign(event, { timestamp: Math.floor(Date.now() / 1000) - 400 }),
      s.fake.sign(event, { timestamp: Math.floor(Date.now() / 1000) + 400 }),
    ];
    for (const a of attempts) expect(await postWebhook(s.f.relay.url, a)).toBe(401);
    expect(await s.f.storage.sms.eventCounts()).toEqual({ total: 0, pending: 0 });
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    expect(await store.db.selectFrom('messages').select('id').execute()).toEqual([]);
    // The genuine one is taken.
    expect(await postWebhook(s.f.relay.url, good)).toBe(200);
    await eventually('the text on the repair', async () => (await texts(s)).length === 1);
  });

  it('the same text delivered three times lands once, in the right repair, with an unread badge', async () => {
    s = await startTextingShop(engine);
    const notified: string[] = [];
    s.desk.onEvent((e) => {
      if (e.type === 'message-received') notified.push(...e.messages.map((m) => `${m.channel}:${m.author}:${m.body}:${m.roId}`));
    });
    const event = inboundEvent({ from: ZOE, to: SHOP_NUMBER, text: 'Is my car ready?' });
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      expect(await postWebhook(s.f.relay.url, s.fake.sign(event))).toBe(200);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    // Telnyx can also send the same message under a new event id: still one message.
    expect(await postWebhook(s.f.relay.url, s.fake.sign({ ...event, data: { ...event.data, id: 'another-event-id' } }))).toBe(200);
    await eventually('the queue to be worked', async () => (await s.f.storage.sms.eventCounts()).pending === 0);
    expect((await s.f.storage.sms.eventCounts()).total).toBe(2);
    const got = await eventually('the text on the desk', async () => {
      const t = await texts(s);
      return t.length > 0 && t;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await texts(s)).toHaveLength(1);
    expect(got[0]).toMatchObject({ direction: 'in', body: 'Is my car ready?', author: 'Zoë', read: false, status: 'received' });
    const board = await call<Array<{ id: string; unreadMessages: number }>>(s.desk, 'ro-board', {});
    expect(board.find((r) => r.id === s.ro.id)?.unreadMessages).toBe(1);
    // One notification, for the one text.
    expect(notified).toEqual([`sms:Zoë:Is my car ready?:${s.ro.id}`]);
  });

  it('"ready for pickup": the preview is what the fake receives; finalized before sent ends delivered; the reply shows on desk and portal', async () => {
    s = await startTextingShop(engine);
    await call(s.desk, 'staff-create', { name: 'Dana Park', role: 'advisor', pin: '4321' });
    const staff = (await call<Array<{ id: string }>>(s.desk, 'staff-list', {}))[0]!;
    const session = s.desk.newSession();
    const switched = await s.desk.call('staff-switch', { staffId: staff.id, pin: '4321' }, session);
    expect(switched.ok).toBe(true);
    const as = async <T,>(method: string, args: unknown) => {
      const o = await s.desk.call(method, args, session);
      if (!o.ok) throw new Error(`${method}: ${o.error.message}`);
      return o.result as T;
    };

    const preview = await as<SmsPreview>('sms-preview', { roId: s.ro.id, templateId: 'tpl:ready-for-pickup' });
    expect(preview.text).toMatch(/^Hi Zoë, your 2019 Honda Accord is ready for pickup at Lakeside Collision\. Questions\? Call \(512\) 555-0100\. http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{46}\?s=sms$/);
    expect(preview).toMatchObject({ encoding: 'UCS-2', to: ZOE, canSend: true, characters: [...preview.text].length });
    expect(preview.segments).toBe(Math.ceil(preview.text.length / 67));
    // The number is not on an active 10DLC campaign yet: a warning, not a refusal.
    expect(preview.warnings.map((w) => w.code)).toEqual(['tendlc-not-active']);

    const after = await as<RepairOrderDetail>('sms-send', { roId: s.ro.id, templateId: 'tpl:ready-for-pickup' });
    const mine = after.messages.find((m) => m.channel === 'sms')!;
    expect(mine).toMatchObject({ direction: 'out', author: 'Dana Park', status: 'approved', body: preview.text });
    await eventually('the fake to receive the text', async () => s.fake.sends().length === 1);
    expect(s.fake.sends()[0]).toEqual({ from: SHOP_NUMBER, to: ZOE, text: preview.text, messaging_profile_id: 'profile-lakeside' });
    const queued = await eventually('the desk to see it queued', async () => {
      const t = (await texts(s)).find((m) => m.id === mine.id);
      return t?.status === 'queued' && t;
    });
    const row = await s.desk.db.selectFrom('messages').selectAll().where('id', '=', queued.id).executeTakeFirstOrThrow();
    expect(row.approved_by).toBe(`staff:${staff.id}`);
    expect(row.external_id).toMatch(/^[0-9a-f-]{36}$/);

    // Finalized overtakes sent: the late "sent" does not undo "delivered".
    const finalized = statusEvent({ type: 'message.finalized', messageId: row.external_id!, to: ZOE, status: 'delivered' });
    const sent = statusEvent({ type: 'message.sent', messageId: row.external_id!, to: ZOE, status: 'sent' });
    expect(await postWebhook(s.f.relay.url, s.fake.sign(finalized))).toBe(200);
    expect(await postWebhook(s.f.relay.url, s.fake.sign(sent))).toBe(200);
    await eventually('both reports worked', async () => (await s.f.storage.sms.eventCounts()).pending === 0);
    await eventually('delivered on the desk', async () => (await texts(s)).find((m) => m.id === mine.id)?.status === 'delivered');
    await new Promise((r) => setTimeout(r, 300));
    expect((await texts(s)).find((m) => m.id === mine.id)?.status).toBe('delivered');
    expect(s.fake.sends()).toHaveLength(1);

    await receive(s, 'Great, I will come at 5');
    await eventually('the reply on the desk', async () => (await texts(s)).some((m) => m.body === 'Great, I will come at 5'));
    const link = preview.text.slice(preview.text.indexOf('http'));
    const page = await eventually('the reply on the portal', async () => {
      const html = await (await fetch(link)).text();
      return html.includes('Great, I will come at 5') && html;
    });
    expect(page).toContain('ready for pickup at Lakeside Collision');
  });

  it('a delivery report that overtakes the answer to the send waits for it, then applies', async () => {
    s = await startTextingShop(engine);
    s.fake.sendBehaviour = { kind: 'slow', ms: 1500, id: 'f1a2b3c4-0000-4000-8000-000000000001' };
    const arrived = s.fake.nextSend();
    const sent = await call<RepairOrderDetail>(s.desk, 'sms-send', { roId: s.ro.id, body: 'Your car is ready' });
    const id = sent.messages.find((m) => m.channel === 'sms')!.id;
    await arrived;
    const report = statusEvent({ type: 'message.finalized', messageId: 'f1a2b3c4-0000-4000-8000-000000000001', to: ZOE, status: 'delivered' });
    expect(await postWebhook(s.f.relay.url, s.fake.sign(report))).toBe(200);
    await eventually('delivered once the id is known', async () => (await texts(s)).find((m) => m.id === id)?.status === 'delivered', 20_000);
    expect(s.fake.sends()).toHaveLength(1);
  });

  it('STOP: the next send is refused without an API call; START lets it through; HELP gets the help text', async () => {
    s = await startTextingShop(engine);
    await receive(s, '  stop ');
    const customer = await eventually('the desk to see the opt-out', async () => {
      const d = await detail(s);
      return d.customer.smsOptedOut && d.customer;
    });
    expect(customer.smsOptedOut).toBe(true);
    const preview = await call<SmsPreview>(s.desk, 'sms-preview', { roId: s.ro.id, body: 'Your car is ready' });
    expect(preview.canSend).toBe(false);
    expect(preview.warnings.find((w) => w.code === 'opted-out')?.blocking).toBe(true);
    const refused = await callError(s, 'sms-send', { roId: s.ro.id, body: 'Your car is ready' });
    expect(refused.code).toBe('sms-opted-out');
    expect(refused.message).toContain('replied STOP');

    // A desk that had not heard of the STOP yet approves a text anyway: the relay refuses it too.
    await s.desk.store.write({ actor: 'test', action: 'stale-desk' }, (tx) =>
      tx.insert('messages', { id: 'stale-1', ro_id: s.ro.id, customer_id: s.ro.customer.id, channel: 'sms', direction: 'out', body: 'Stale', status: 'approved', approved_by: 'staff:x', approved_at: new Date().toISOString(), peer_number: ZOE, automated: 0, at: new Date().toISOString() }),
    );
    await eventually('the relay to refuse the stale text', async () => (await texts(s)).find((m) => m.id === 'stale-1')?.status === 'refused');
    expect(s.fake.sends()).toEqual([]);

    await receive(s, 'START');
    await eventually('the desk to see the opt-in', async () => !(await detail(s)).customer.smsOptedOut);
    await call(s.desk, 'sms-send', { roId: s.ro.id, body: 'Your car is ready' });
    await eventually('the text to go out', async () => s.fake.sends().length === 1);
    expect(s.fake.sends()[0]!.text).toBe('Your car is ready');

    await receive(s, 'HELP');
    await eventually('the help text to go out', async () => s.fake.sends().length === 2);
    const help = s.fake.sends()[1]!;
    expect(help.to).toBe(ZOE);
    expect(help.text).toContain('Lakeside Collision');
    expect(help.text).toContain('(512) 555-0100');
    expect(help.text).toContain('STOP');

    // AYUDA from a customer whose language the shop has not set: the answer is in Spanish.
    await receive(s, 'Ayuda');
    await eventually('the Spanish help text to go out', async () => s.fake.sends().length === 3);
    expect(s.fake.sends()[2]!.text).toContain('Lakeside Collision: mensajes sobre la reparación de su vehículo. Llámenos al (512) 555-0100.');
  });

  it("Telnyx's 40300 refusal marks the customer opted out, like a STOP", async () => {
    s = await startTextingShop(engine);
    s.fake.sendBehaviour = { kind: 'error', status: 400, code: '40300', title: 'Blocked due to STOP message' };
    const sent = await call<RepairOrderDetail>(s.desk, 'sms-send', { roId: s.ro.id, body: 'Your car is ready' });
    const id = sent.messages.find((m) => m.channel === 'sms')!.id;
    const refused = await eventually('the desk to see the refusal', async () => {
      const t = (await texts(s)).find((m) => m.id === id);
      return t?.status === 'refused' && t;
    });
    expect(refused.statusDetail).toContain('opted out');
    await eventually('the customer opted out', async () => (await detail(s)).customer.smsOptedOut);
    expect((await callError(s, 'sms-send', { roId: s.ro.id, body: 'Again' })).code).toBe('sms-opted-out');
    expect(s.fake.sends()).toHaveLength(1);
  });

  it('a STOP from a number before it was a customer shows as opted out once a customer has that mobile', async () => {
    s = await startTextingShop(engine);
    const MARCUS = '+15125550188';
    await receive(s, 'STOP', { from: MARCUS });
    const [stop] = await eventually('the STOP recorded by the relay', async () => {
      const list = await s.f.storage.sms.optedOutNumbers(s.f.workspace.id);
      return list.length === 1 && list;
    });
    expect(stop!.phoneNumber).toBe(MARCUS);
    // Later a desk checks his car in with that mobile: after sync, the desk shows him opted out.
    const ro = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ customer: { firstName: 'Marcus', lastName: 'Webb', mobile: '(512) 555-0188' }, vehicle: { plate: 'BXR 2291' } }));
    expect(ro.customer.smsOptedOut).toBe(false);
    await settle(s.desk);
    const marcus = await eventually('the desk to see Marcus opted out', async () => {
      const d = await detail(s, ro.id);
      return d.customer.smsOptedOut && d.customer;
    });
    const row = await s.desk.db.selectFrom('customers').select(['sms_opt_out', 'sms_opt_out_at']).where('id', '=', marcus.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ sms_opt_out: 1, sms_opt_out_at: stop!.changedAt });
    const preview = await call<SmsPreview>(s.desk, 'sms-preview', { roId: ro.id, body: 'Your car is ready' });
    expect(preview.warnings.find((w) => w.code === 'opted-out')?.blocking).toBe(true);
    expect((await callError(s, 'sms-send', { roId: ro.id, body: 'Your car is ready' })).code).toBe('sms-opted-out');

    // A customer whose mobile is changed to a number that replied STOP earlier is opted out too.
    await receive(s, 'stop', { from: '+15125550177' });
    await eventually('the second STOP recorded', async () => (await s.f.storage.sms.optedOutNumbers(s.f.workspace.id)).length === 2);
    expect((await detail(s)).customer.smsOptedOut).toBe(false);
    await call(s.desk, 'customer-update', { id: s.ro.customer.id, mobile: '(512) 555-0177' });
    await settle(s.desk);
    await eventually('the desk to see Zoë opted out after her new number', async () => (await detail(s)).customer.smsOptedOut);
    expect(s.fake.sends()).toEqual([]);
  });

  it('an automated text at 22:30 customer time waits until 08:00 (a controlled clock)', async () => {
    // 22:30 in Chicago on 1 Dec 2026 is 04:30 UTC on 2 Dec; 08:00 there is 14:00 UTC.
    let now = new Date('2026-12-02T04:30:00Z');
    s = await startTextingShop(engine, { timeZone: 'America/Chicago', sms: { clock: () => now } });
    const id = await queueAutomatedText(s.desk, s.ro.id, 'tpl:received', 'check-in');
    await settle(s.desk);
    const held = await eventually('the relay to hold it', async () => {
      const t = (await texts(s)).find((m) => m.id === id);
      return t?.status === 'held' && t;
    });
    expect(held.statusDetail).toContain("customer's morning");
    const row = await s.desk.db.selectFrom('messages').select('send_after').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.send_after).toBe('2026-12-02T14:00:00.000Z');
    now = new Date('2026-12-02T13:59:00Z');
    await new Promise((r) => setTimeout(r, 600)); // several polls
    expect(s.fake.sends()).toEqual([]);
    expect((await texts(s)).find((m) => m.id === id)?.status).toBe('held');
    now = new Date('2026-12-02T14:00:00Z');
    await eventually('the text to go at 08:00', async () => s.fake.sends().length === 1);
    expect(s.fake.sends()[0]!.text).toContain('Hi Zoë, Lakeside Collision has your 2019 Honda Accord');
    await eventually('queued on the desk', async () => (await texts(s)).find((m) => m.id === id)?.status === 'queued');
  });

  it('a person sending by hand outside texting hours is warned and must confirm', async () => {
    s = await startTextingShop(engine, { timeZone: zoneWhere(false) });
    const preview = await call<SmsPreview>(s.desk, 'sms-preview', { roId: s.ro.id, body: 'Running late, sorry' });
    expect(preview.warnings.find((w) => w.code === 'outside-hours')).toMatchObject({ blocking: false });
    expect(preview.canSend).toBe(true);
    expect((await callError(s, 'sms-send', { roId: s.ro.id, body: 'Running late, sorry' })).code).toBe('sms-confirm-needed');
    await call(s.desk, 'sms-send', { roId: s.ro.id, body: 'Running late, sorry', confirmOutsideHours: true });
    await eventually('the text to go (a person chose to send it now)', async () => s.fake.sends().length === 1);
  });

  it('a customer with two open repairs, and a stranger, land in the unassigned inbox; a person attaches one', async () => {
    s = await startTextingShop(engine);
    const second = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ customer: { id: s.ro.customer.id }, vehicle: { plate: 'SEC 2', make: 'Mazda', model: 'CX-5', year: 2021 } }));
    await settle(s.desk);
    await receive(s, 'Which one is ready?');
    await receive(s, 'Wrong number?', { from: '+15125559999' });
    const inbox = await eventually('both in the inbox', async () => {
      const list = await call<UnassignedText[]>(s.desk, 'sms-inbox-list', {});
      return list.length === 2 && list;
    });
    const zoe = inbox.find((t) => t.from === ZOE)!;
    expect(zoe.customerName).toBe('Zoë Nguyen');
    expect(zoe.candidates.map((c) => c.roId).sort()).toEqual([s.ro.id, second.id].sort());
    expect(inbox.find((t) => t.from !== ZOE)).toMatchObject({ customerId: null, candidates: [] });
    expect(await texts(s)).toEqual([]);
    const left = await call<UnassignedText[]>(s.desk, 'sms-inbox-attach', { id: zoe.id, roId: second.id });
    expect(left.map((t) => t.from)).toEqual(['+15125559999']);
    expect((await texts(s, second.id)).map((m) => m.body)).toEqual(['Which one is ready?']);
  });

  it('an MMS photo lands on the repair re-encoded, without its GPS', async () => {
    s = await startTextingShop(engine);
    const original = await jpegWithGps(64, 48);
    s.fake.media.set('dent.jpg', { type: 'image/jpeg', bytes: original });
    await receive(s, 'Here is the dent', { media: [{ url: `${s.fake.origin}/media/dent.jpg`, content_type: 'image/jpeg' }] });
    const text = await eventually('the photo on the text', async () => {
      const t = (await texts(s)).find((m) => m.body === 'Here is the dent');
      return t && t.attachments.length === 1 && t;
    });
    const photo = text.attachments[0]!;
    expect(photo).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg', source: 'customer', published: false });
    const stored = await s.f.storage.findBlob(s.f.workspace.id, photo.blobHash);
    expect(stored).toMatchObject({ mimeType: 'image/jpeg' });
    const opened = await new BlobStore(s.f.blobDir!).open(s.f.workspace.id, photo.blobHash);
    const chunks: Buffer[] = [];
    for await (const c of opened!.stream) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.equals(original)).toBe(false);
    expect(await exifr.gps(bytes).catch(() => undefined)).toBeUndefined();
    expect(await exifr.gps(original)).toMatchObject({ latitude: expect.any(Number) });
  });

  it("an iPhone's MMS photo in HEIC lands on the repair as an upright JPEG without its EXIF", async () => {
    s = await startTextingShop(engine);
    const heic = fs.readFileSync(new URL('../uploads/fixtures/iphone-rotated-gps.heic', import.meta.url));
    s.fake.media.set('IMG_5001.HEIC', { type: 'image/heic', bytes: heic });
    await receive(s, 'From my iPhone', { media: [{ url: `${s.fake.origin}/media/IMG_5001.HEIC`, content_type: 'image/heic' }] });
    const text = await eventually('the photo on the text', async () => {
      const t = (await texts(s)).find((m) => m.body === 'From my iPhone');
      return t && t.attachments.length === 1 && t;
    });
    expect(text.attachments[0]).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg' });
    const opened = await new BlobStore(s.f.blobDir!).open(s.f.workspace.id, text.attachments[0]!.blobHash);
    const chunks: Buffer[] = [];
    for await (const c of opened!.stream) chunks.push(c as Buffer);
    const meta = await sharp(Buffer.concat(chunks)).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 240, 320, undefined]);
  });

  it('the shop sees whether its number is on an active 10DLC campaign', async () => {
    s = await startTextingShop(engine);
    expect((await call<{ warning: string | null; tenDlcStatus: string | null }>(s.desk, 'sms-settings-get', {})).warning).toContain('10DLC');
    s.fake.campaigns.set(SHOP_NUMBER, 'C-LAKE');
    s.fake.campaignStatus.set('C-LAKE', 'MNO_PROVISIONED');
    expect(await refreshTenDlc(s.f.relay.sms!.client, s.f.storage, s.f.workspace.id)).toBe('active');
    await eventually('the warning to go', async () => (await call<{ warning: string | null }>(s.desk, 'sms-settings-get', {})).warning === null);
    expect((await call<SmsPreview>(s.desk, 'sms-preview', { roId: s.ro.id, body: 'Hi' })).warnings).toEqual([]);
  });
});


describe.each<Engine>(['sqlite', 'postgres'])('a text a dead relay left "check needed" (%s)', (engine) => {
  let s: TextingShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  it("is settled as sent by Telnyx's own report of it; a text no report names stays for a person, and nothing is sent again", async () => {
    s = await startTextingShop(engine);
    const shop = s;
    const workspaceId = shop.f.workspace.id;
    const store = await shop.f.storage.workspaceStore(workspaceId);
    // Two texts a relay process claimed an hour ago and died with, mid-call.
    const anHourAgo = new Date(Date.now() - 3600_000).toISOString();
    const bodies = { reported: 'Your car is ready for pickup', silent: 'We need your insurance card' };
    for (const [id, body] of Object.entries(bodies)) {
      expect(await shop.f.storage.sms.claimSend({ workspaceId, messageId: `text-${id}`, by: 'a-dead-process', now: anHourAgo })).toBe(true);
      await store.write({ actor: 'staff:test', action: 'sms-send', summary: 'Text approved' }, (tx) =>
        tx.insert('messages', { id: `text-${id}`, ro_id: shop.ro.id, customer_id: shop.ro.customer.id, channel: 'sms', direction: 'out', body, at: anHourAgo, author: 'Front desk', read_at: anHourAgo, status: 'approved', approved_by: 'staff:test', approved_at: anHourAgo, automated: 0, peer_number: ZOE }),
      );
    }
    await shop.f.storage.announceChanges(workspaceId);
    await eventually('both texts to show "check needed"', async () => {
      const t = await texts(shop);
      return ['text-reported', 'text-silent'].every((id) => t.find((m) => m.id === id)?.status === 'check-needed');
    });

    // Telnyx reports the first one (it had it), with our shop's number, the customer and the words.
    const report = statusEvent({ type: 'message.sent', messageId: 'telnyx-late-1', to: ZOE, status: 'sent', from: SHOP_NUMBER, text: bodies.reported });
    expect(await postWebhook(shop.f.relay.url, shop.fake.sign(report))).toBe(200);
    // A report of another text with other words settles nothing here.
    const stranger = statusEvent({ type: 'message.sent', messageId: 'telnyx-other', to: ZOE, status: 'sent', from: SHOP_NUMBER, text: 'Some other words' });
    expect(await postWebhook(shop.f.relay.url, shop.fake.sign(stranger))).toBe(200);

    const settled = await eventually('the reported text to show sent', async () => {
      const m = (await texts(shop)).find((t) => t.id === 'text-reported');
      return m?.status === 'sent' && m;
    });
    expect(settled.statusDetail ?? null).toBeNull();
    const row = await shop.desk.db.selectFrom('messages').select(['external_id']).where('id', '=', 'text-reported').executeTakeFirstOrThrow();
    expect(row.external_id).toBe('telnyx-late-1');
    // Events are worked oldest first and retried every 2 s: give the stranger's a few rounds.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await texts(shop)).find((m) => m.id === 'text-silent')?.status).toBe('check-needed');
    // Neither was handed to Telnyx again.
    expect(shop.fake.sends()).toHaveLength(0);
  });
});

describe.each<Engine>(['sqlite', 'postgres'])('a text whose answer a dead relay recorded but never wrote on it (%s)', (engine) => {
  let s: TextingShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  it('shows what Telnyx answered (queued with its id, or refused as an opt-out) and is not sent again', async () => {
    s = await startTextingShop(engine);
    const shop = s;
    const workspaceId = shop.f.workspace.id;
    const store = await shop.f.storage.workspaceStore(workspaceId);
    // A relay claimed two texts, marked them "sending", recorded Telnyx's answers and died before
    // writing those answers on the messages.
    const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
    const recorded = { 'text-taken': { telnyxId: 'telnyx-recorded-1', outcome: 'queued' }, 'text-stopped': { telnyxId: null, outcome: 'refused' } };
    for (const [id, answer] of Object.entries(recorded)) {
      expect(await shop.f.storage.sms.claimSend({ workspaceId, messageId: id, by: 'a-dead-process', now: aMinuteAgo })).toBe(true);
      await shop.f.storage.sms.finishSend({ workspaceId, messageId: id, ...answer, now: aMinuteAgo });
      await store.write({ actor: 'relay', action: 'sms-send', summary: 'Text handed to the texting service' }, (tx) =>
        tx.insert('messages', { id, ro_id: shop.ro.id, customer_id: shop.ro.customer.id, channel: 'sms', direction: 'out', body: `Words of ${id}`, at: aMinuteAgo, author: 'Front desk', read_at: aMinuteAgo, status: 'sending', approved_by: 'staff:test', approved_at: aMinuteAgo, automated: 0, peer_number: ZOE }),
      );
    }
    await shop.f.storage.announceChanges(workspaceId);

    const taken = await eventually('the recorded answer to show on the text', async () => {
      const m = (await texts(shop)).find((t) => t.id === 'text-taken');
      return m?.status === 'queued' && m;
    });
    expect(taken.statusDetail ?? null).toBeNull();
    const row = await shop.desk.db.selectFrom('messages').select(['external_id']).where('id', '=', 'text-taken').executeTakeFirstOrThrow();
    expect(row.external_id).toBe('telnyx-recorded-1');
    // Telnyx's delivery report, keyed by that id, now finds the text.
    const delivered = statusEvent({ type: 'message.finalized', messageId: 'telnyx-recorded-1', to: ZOE, status: 'delivered' });
    expect(await postWebhook(shop.f.relay.url, shop.fake.sign(delivered))).toBe(200);
    await eventually('the text to show delivered', async () => (await texts(shop)).find((t) => t.id === 'text-taken')?.status === 'delivered');

    const stopped = await eventually('the refusal to show', async () => {
      const m = (await texts(shop)).find((t) => t.id === 'text-stopped');
      return m?.status === 'refused' && m;
    });
    expect(stopped.statusDetail).toMatch(/opted out/);
    await eventually("the customer to show opted out", async () => (await detail(shop)).customer.smsOptedOut);
    // Neither was handed to Telnyx again.
    expect(shop.fake.sends()).toHaveLength(0);
  });
});
