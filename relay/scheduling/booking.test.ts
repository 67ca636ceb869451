// Booking on the real relay (SQLite here; PostgreSQL with two relay processes in
// booking-concurrency.test.ts): a new customer's estimate request from the shop page, a repair's
// customer choosing a drop-off time, the manage link, and bad input refused with a clear message
// and nothing stored.
import ICAL from 'ical.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src-shared/portal/token.js';
import { assignNumber } from '../sms/numbers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../testing/fake-telnyx.js';
import { eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { jpegWithGps } from '../uploads/test-images.js';
import { countRows, estimateHours, offeredSlots, openBooking } from './testing.js';

// Monday 1 June 2026, 12:00 in New York (EDT). Estimates Mon–Fri 09:00–11:00, one an hour, an hour
// ahead at least; Wednesday the 3rd closed. First free: Tuesday 09:00 (13:00Z).
const NOW = new Date('2026-06-01T16:00:00Z');
const ZONE = 'America/New_York';
const TUE_9 = '2026-06-02T13:00:00.000Z';
const TUE_10 = '2026-06-02T14:00:00.000Z';

const lead = (over: Record<string, string> = {}) => ({
  name: 'Maya Ortiz',
  mobile: '(512) 555-0199',
  email: 'maya@example.com',
  vehicle: '2021 Toyota RAV4',
  description: 'Rear bumper pushed in at a stop light.',
  insurer: 'Geico',
  claim: 'GC-55120',
  slot: TUE_9,
  ...over,
});

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

describe('booking an estimate and choosing times (relay on SQLite)', () => {
  let f: RelayFixture;
  let ws: string;

  beforeEach(async () => {
    f = await startRelayFixture('sqlite', { blobs: true, scheduling: { clock: () => NOW, bookingsPer15Minutes: 1000 } });
    ws = f.workspace.id;
    await openBooking(f.storage, ws, {
      timeZone: ZONE,
      availability: [estimateHours(), estimateHours({ kind: 'drop-off', slotMinutes: 30, capacity: 2 })],
      exceptions: [{ date: '2026-06-03', kind: null, closed: true, hours: null, reason: 'Staff training' }],
    });
  });
  afterEach(async () => f.cleanup());

  it('a new customer books an estimate with a photo: a customer, a held request carrying the lead, the photo tied to it', async () => {
    const shopPage = await (await fetch(`${f.relay.url}/p/lakeside`)).text();
    expect(shopPage).toContain('href="/p/lakeside/book"');
    const bookPage = await (await fetch(`${f.relay.url}/p/lakeside/book`)).text();
    const offered = offeredSlots(bookPage);
    expect(offered[0]).toBe(TUE_9);
    expect(offered).not.toContain('2026-06-03T13:00:00.000Z'); // closed Wednesday
    expect(offered).not.toContain('2026-06-01T15:00:00.000Z'); // Monday 11:00 is past closing; 10:00 already passed
    expect(bookPage).toContain('Tuesday, June 2');

    const body = new FormData();
    for (const [k, v] of Object.entries(lead())) body.append(k, v);
    body.append('photos', new Blob([new Uint8Array(await jpegWithGps(800, 600))], { type: 'image/jpeg' }), 'bumper.jpg');
    const res = await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body });
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('Request sent');
    expect(page).toContain('Tue, Jun 2, 9:00 AM');

    const db = (await f.storage.workspaceStore(ws)).db;
    const appt = await db.selectFrom('appointments').selectAll().executeTakeFirstOrThrow();
    expect(appt).toMatchObject({
      kind: 'estimate',
      state: 'requested',
      starts_at: TUE_9,
      ends_at: TUE_10,
      time_zone: ZONE,
      source: 'shop-page',
      hold_until: new Date(NOW.getTime() + 240 * 60_000).toISOString(),
      name: 'Maya Ortiz',
      mobile: '+15125550199',
      email: 'maya@example.com',
      vehicle: '2021 Toyota RAV4',
      description: 'Rear bumper pushed in at a stop light.',
      insurer: 'Geico',
      claim_number: 'GC-55120',
      ro_id: null,
    });
    const customer = await db.selectFrom('customers').selectAll().where('id', '=', appt.customer_id!).executeTakeFirstOrThrow();
    expect(customer).toMatchObject({ first_name: 'Maya', last_name: 'Ortiz', mobile: '+15125550199' });
    const photo = await db.selectFrom('attachments').selectAll().executeTakeFirstOrThrow();
    expect(photo).toMatchObject({ appointment_id: appt.id, ro_id: null, kind: 'photo', mime_type: 'image/jpeg', published: 0 });
    expect(await f.storage.findBlob(ws, photo.blob_hash!)).not.toBeNull();

    // The place is held: Tuesday 09:00 is no longer offered to anyone.
    expect(offeredSlots(await (await fetch(`${f.relay.url}/p/lakeside/book`)).text())[0]).toBe(TUE_10);
  });

  it('bad input: each gets a clear message on the same form, and nothing is stored', async () => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      ['a slot in the past', lead({ slot: '2026-06-01T13:00:00.000Z' }), 400, 'That time has already passed.'],
      ['a slot outside hours', lead({ slot: '2026-06-02T20:00:00.000Z' }), 400, 'outside the hours we take these appointments'],
      ['a closed day', lead({ slot: '2026-06-03T13:00:00.000Z' }), 400, 'The shop is closed that day (Staff training)'],
      ['a malformed phone', lead({ mobile: '555-01' }), 400, 'Please enter your mobile number with its area code'],
      ['letters for a phone', lead({ mobile: 'call me maybe' }), 400, 'Please enter your mobile number with its area code'],
      ['no name', lead({ name: '  ' }), 400, 'Please enter your name.'],
      ['no time chosen', lead({ slot: '' }), 400, 'Please choose a time.'],
    ];
    for (const [what, fields, status, message] of cases) {
      const res = await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body: form(fields) });
      const page = await res.text();
      expect(res.status, what).toBe(status);
      expect(page, what).toContain(message);
      expect(page, what).toContain('role="status" class="error"');
      // What was typed is kept (the vehicle, say).
      expect(page, what).toContain('value="2021 Toyota RAV4"');
    }
    // A 10-MB description, as a phone's multipart form.
    const big = new FormData();
    for (const [k, v] of Object.entries(lead({ description: 'x'.repeat(10 * 1024 * 1024) }))) big.append(k, v);
    const res = await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body: big });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Please keep the description short (under 2000 characters).');
    expect(await countRows(f.storage, ws)).toEqual({ appointments: 0, customers: 0, attachments: 0 });
  });

  it('50 phones ask for the same 3 places at once: exactly 3 get one, the rest are told it was just taken and shown the next free times', async () => {
    await openBooking(f.storage, ws, { timeZone: ZONE, availability: [estimateHours({ capacity: 3 })] });
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body: form(lead({ name: `Caller ${i}`, mobile: `(512) 555-${String(1000 + i)}` })) });
        return { status: res.status, page: await res.text() };
      }),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(47);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(r.page).toContain('That time was just taken. Please choose another time.');
      expect(offeredSlots(r.page)[0]).toBe(TUE_10);
      expect(offeredSlots(r.page)).not.toContain(TUE_9);
    }
    expect(await countRows(f.storage, ws)).toEqual({ appointments: 3, customers: 3, attachments: 0 });
  });

  it('a repair’s customer chooses a drop-off time from the status page when the shop asked', async () => {
    const token = newToken(ws);
    const store = await f.storage.workspaceStore(ws);
    const ids = await store.write({ actor: 'relay', action: 'test-setup', audit: false }, async (tx) => {
      const customerId = await tx.insert('customers', { first_name: 'Zoë', last_name: 'Nguyen', mobile: '+15125550147' });
      const roId = await tx.insert('repair_orders', { ro_number: 1042, customer_id: customerId, stage: 'parts-ordered' });
      await tx.insert('portal_tokens', { ro_id: roId, kind: 'customer', token_hash: hashToken(token), issued_at: NOW.toISOString() });
      const appointmentId = await tx.insert('appointments', { kind: 'drop-off', state: 'invited', ro_id: roId, customer_id: customerId, source: 'desk', requested_at: NOW.toISOString() });
      return { roId, appointmentId };
    });
    await f.storage.announceChanges(ws);
    const status = await (await fetch(`${f.relay.url}/t/${token}`)).text();
    expect(status).toContain('Choose a drop-off time');
    expect(status).toContain(`href="/t/${token}/appointments/${ids.appointmentId}"`);
    const choose = await (await fetch(`${f.relay.url}/t/${token}/appointments/${ids.appointmentId}`)).text();
    expect(offeredSlots(choose).slice(0, 2)).toEqual(['2026-06-02T13:00:00.000Z', '2026-06-02T13:30:00.000Z']);

    const closed = await fetch(`${f.relay.url}/t/${token}/appointments/${ids.appointmentId}`, { method: 'POST', body: form({ slot: '2026-06-03T13:00:00.000Z' }) });
    expect(closed.status).toBe(400);
    expect(await closed.text()).toContain('The shop is closed that day (Staff training)');

    const res = await fetch(`${f.relay.url}/t/${token}/appointments/${ids.appointmentId}`, { method: 'POST', body: form({ slot: '2026-06-02T13:30:00.000Z' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    const row = await store.db.selectFrom('appointments').selectAll().where('id', '=', ids.appointmentId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'requested', starts_at: '2026-06-02T13:30:00.000Z', ends_at: '2026-06-02T14:00:00.000Z', source: 'portal', ro_id: ids.roId });
    expect(await (await fetch(`${f.relay.url}/t/${token}/appointments/${ids.appointmentId}`)).text()).toContain('You asked for Tue, Jun 2, 9:30 AM. The shop will confirm by text.');
    expect(await (await fetch(`${f.relay.url}/t/${token}`)).text()).not.toContain('Choose a drop-off time');
  });

  it('the manage link: .ics at the same instant, reschedule, cancel; reused after the cancel it says so and changes nothing', async () => {
    const token = newToken(ws);
    const store = await f.storage.workspaceStore(ws);
    await store.write({ actor: 'relay', action: 'test-setup', audit: false }, (tx) =>
      tx.insert('appointments', { kind: 'estimate', state: 'confirmed', starts_at: TUE_9, ends_at: TUE_10, time_zone: ZONE, source: 'shop-page', name: 'Maya Ortiz', mobile: '+15125550199', manage_token_hash: hashToken(token) }),
    );
    const manage = await (await fetch(`${f.relay.url}/a/${token}`)).text();
    expect(manage).toContain('is <strong>confirmed</strong> for <strong>Tue, Jun 2, 9:00 AM</strong>');

    const icsRes = await fetch(`${f.relay.url}/a/${token}/appointment.ics`);
    expect(icsRes.headers.get('content-type')).toContain('text/calendar');
    const ics = await icsRes.text();
    expect(ics).toContain('DTSTART;TZID=America/New_York:20260602T090000');
    expect(ics).toContain('BEGIN:VTIMEZONE');
    const parsed = new ICAL.Component(ICAL.parse(ics));
    for (const tz of parsed.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(tz));
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')!);
    expect(event.startDate.toJSDate().toISOString()).toBe(TUE_9);

    // Reschedule to Tuesday 10:00: a new request replaces the confirmed one; the same link follows it.
    const moved = await fetch(`${f.relay.url}/a/${token}/reschedule`, { method: 'POST', body: form({ slot: TUE_10 }) });
    expect(moved.status).toBe(200);
    expect(await moved.text()).toContain('the shop will confirm your new time by text');
    const rows = await store.db.selectFrom('appointments').selectAll().orderBy('requested_at').execute();
    expect(rows.map((r) => [r.state, r.starts_at])).toEqual([
      ['cancelled', TUE_9],
      ['requested', TUE_10],
    ]);
    expect(rows[1]!.replaces_id).toBe(rows[0]!.id);

    const cancelled = await fetch(`${f.relay.url}/a/${token}/cancel`, { method: 'POST', body: form({}) });
    expect(await cancelled.text()).toContain('Your estimate for Tue, Jun 2, 10:00 AM was cancelled.');
    const reused = await fetch(`${f.relay.url}/a/${token}/reschedule`, { method: 'POST', body: form({ slot: '2026-06-04T13:00:00.000Z' }) });
    expect(reused.status).toBe(410);
    expect(await reused.text()).toContain('This appointment was cancelled, so this link can no longer change it.');
    const after = await store.db.selectFrom('appointments').select(['state', 'starts_at']).orderBy('requested_at').execute();
    expect(after).toEqual([
      { state: 'cancelled', starts_at: TUE_9 },
      { state: 'cancelled', starts_at: TUE_10 },
    ]);
    const unknown = await fetch(`${f.relay.url}/a/${newToken(ws)}`);
    expect(unknown.status).toBe(404);
  });

  it('the manage link in the customer’s language: their stored language, and the page’s switch records a new choice for the shop', async () => {
    const token = newToken(ws);
    const store = await f.storage.workspaceStore(ws);
    const customerId = await store.write({ actor: 'relay', action: 'test-setup', audit: false }, async (tx) => {
      const id = await tx.insert('customers', { first_name: 'Marisol', last_name: 'Gutiérrez', mobile: '+15125550177', language: 'es' } as never);
      await tx.insert('appointments', { kind: 'pickup', state: 'confirmed', starts_at: TUE_9, ends_at: TUE_10, time_zone: ZONE, source: 'shop', customer_id: id, name: 'Marisol Gutiérrez', mobile: '+15125550177', manage_token_hash: hashToken(token) });
      return id;
    });
    const spanish = await (await fetch(`${f.relay.url}/a/${token}`)).text();
    expect(spanish).toContain('<html lang="es-US" dir="ltr">');
    expect(spanish).toContain('La recogida de su vehículo del <strong>mar, 2 de jun, 9:00 a.m.</strong> está <strong>confirmada</strong>.');
    expect(spanish).toContain('Cancelar la recogida del vehículo');
    expect(spanish).toContain(`action="/a/${token}/language"`);

    const chosen = await fetch(`${f.relay.url}/a/${token}/language`, { method: 'POST', body: form({ language: 'en' }), redirect: 'manual' });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe(`/a/${token}`);
    expect(chosen.headers.get('set-cookie')).toMatch(/^bayline_lang=en;/);
    expect((await store.db.selectFrom('customers').select('language').where('id', '=', customerId as string).executeTakeFirstOrThrow()).language).toBe('en');
    expect(await (await fetch(`${f.relay.url}/a/${token}`)).text()).toContain('Your pickup is <strong>confirmed</strong> for <strong>Tue, Jun 2, 9:00 AM</strong>.');
    const bad = await fetch(`${f.relay.url}/a/${token}/language`, { method: 'POST', body: form({ language: 'xx' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('"xx" is not a language this page offers');
    // The shop page's switch (no customer known) returns only to a page of that shop.
    for (const [back, to] of <Array<[string, string]>>[['/p/lakeside/book?ref=abc', '/p/lakeside/book?ref=abc'], ['//evil.example/p/lakeside', '/p/lakeside'], ['https://evil.example', '/p/lakeside'], ['/p/other/book', '/p/lakeside']]) {
      const r = await fetch(`${f.relay.url}/p/lakeside/language`, { method: 'POST', body: form({ language: 'es', back }), redirect: 'manual' });
      expect([r.status, r.headers.get('location')]).toEqual([303, to]);
    }
  });
});

describe('the customer is texted once about the shop’s decision and reminded the day before', () => {
  let f: RelayFixture;
  let fake: FakeTelnyx;

  beforeEach(async () => {
    fake = await startFakeTelnyx();
    f = await startRelayFixture('sqlite', {
      blobs: true,
      scheduling: { clock: () => NOW, bookingsPer15Minutes: 1000, pollMs: 200 },
      telnyx: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'profile-lakeside', timeoutMs: 5000 },
      // Noon in New York, 9:00 in Los Angeles: inside texting hours for both.
      sms: { pollMs: 100, clock: () => NOW },
    });
    await assignNumber(f.storage, { workspaceId: f.workspace.id, phoneNumber: '+15125550100', orderId: null, messagingProfileId: 'profile-lakeside' });
    await openBooking(f.storage, f.workspace.id, { timeZone: ZONE, availability: [estimateHours()] });
  });
  afterEach(async () => {
    await f.cleanup();
    await fake.close();
  });

  it('confirmed by a desk: one text with the time in the customer’s own zone, the calendar and manage links; one reminder, also after a restart', async () => {
    const res = await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body: form(lead()) });
    expect(res.status).toBe(200);
    const { desk } = await f.pairNewDesk('Front desk');
    const appt = await eventually('the request at the desk', async () => desk.db.selectFrom('appointments').selectAll().executeTakeFirst());
    // The customer lives in Los Angeles; the desk confirms through its own store.
    await desk.store.write({ actor: 'staff', action: 'appointment-confirm', summary: 'Confirmed' }, async (tx) => {
      await tx.update('customers', appt.customer_id!, { time_zone: 'America/Los_Angeles' });
      await tx.update('appointments', appt.id, { state: 'confirmed', decided_at: NOW.toISOString(), decided_by: 'staff' });
    });
    const sent = await eventually('the confirmation text', async () => fake.sends().find((s) => s.text.includes('confirmed')));
    expect(sent.to).toBe('+15125550199');
    expect(sent.text).toContain('Lakeside Collision: your estimate is confirmed for Tue, Jun 2, 6:00 AM PDT.');
    const link = /Change or cancel: (\S+)/.exec(sent.text)![1]!;
    const ics = /Add to your calendar: (\S+)/.exec(sent.text)![1]!;
    expect(link.startsWith(`${f.relay.url}/a/`)).toBe(true);
    expect(await (await fetch(ics)).text()).toContain('DTSTART;TZID=America/New_York:20260602T090000');
    // It is the day before (Monday in both zones): one reminder.
    const reminder = await eventually('the reminder', async () => fake.sends().find((s) => s.text.includes('a reminder of your estimate tomorrow')));
    expect(reminder.text).toContain('Tue, Jun 2, 6:00 AM PDT');

    await f.restart();
    await f.relay.scheduling.sweepAll();
    await f.relay.scheduling.idle();
    const store = await f.storage.workspaceStore(f.workspace.id);
    const texts = await store.db.selectFrom('messages').select(['template_id']).where('channel', '=', 'sms').orderBy('at').execute();
    expect(texts.map((t) => t.template_id).sort()).toEqual(['appointment-confirmed', 'appointment-reminder']);
  });

  it('declined with a reason, and a proposal of another time the customer accepts', async () => {
    await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body: form(lead()) });
    await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', body: form(lead({ name: 'Sam Lee', mobile: '(512) 555-0188', slot: TUE_10 })) });
    const store = await f.storage.workspaceStore(f.workspace.id);
    const [maya, sam] = await store.db.selectFrom('appointments').selectAll().orderBy('starts_at').execute();
    await store.write({ actor: 'staff', action: 'decide' }, async (tx) => {
      await tx.update('appointments', maya!.id, { state: 'declined', decline_reason: 'We do not repair hail damage', decided_at: NOW.toISOString() });
      await tx.update('appointments', sam!.id, { state: 'proposed', proposed_starts_at: '2026-06-04T13:00:00.000Z', decided_at: NOW.toISOString() });
    });
    await f.storage.announceChanges(f.workspace.id);
    const declined = await eventually('the decline', async () => fake.sends().find((s) => s.to === '+15125550199'));
    expect(declined.text).toContain("sorry, we can't take your estimate request for Tue, Jun 2, 9:00 AM. We do not repair hail damage. You can choose another time:");
    const proposed = await eventually('the proposal', async () => fake.sends().find((s) => s.to === '+15125550188'));
    expect(proposed.text).toContain("we can't do Tue, Jun 2, 10:00 AM for your estimate. Could you come Thu, Jun 4, 9:00 AM instead?");
    const link = /choose another time: (\S+)/.exec(proposed.text)![1]!;
    const accept = await fetch(`${link}/accept`, { method: 'POST', body: form({}) });
    expect(await accept.text()).toContain('Thank you: your time is confirmed.');
    const row = await store.db.selectFrom('appointments').selectAll().where('id', '=', sam!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'confirmed', starts_at: '2026-06-04T13:00:00.000Z', ends_at: '2026-06-04T14:00:00.000Z' });
    // The acceptance is told as a confirmation.
    await eventually('the confirmation', async () => fake.sends().find((s) => s.to === '+15125550188' && s.text.includes('confirmed for Thu, Jun 4, 9:00 AM')));
  });
});
