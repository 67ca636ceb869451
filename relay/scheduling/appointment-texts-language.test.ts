// The relay's appointment texts (confirmation, reminder, the shop's decisions) in the customer's
// language and the shop's country's words, through the real relay and texting service to the fake
// Telnyx: a customer who booked on the Spanish form reads Spanish; a UK bodyshop's customer reads
// British English with a day-first, 24-hour time.
import { afterEach, describe, expect, it } from 'vitest';
import { SETTINGS_ID } from '../../src-shared/settings.js';
import { assignNumber } from '../sms/numbers.js';
import { startFakeTelnyx, type FakeTelnyx } from '../testing/fake-telnyx.js';
import { eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { estimateHours, openBooking } from './testing.js';

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

async function start(now: Date, from: string): Promise<{ f: RelayFixture; fake: FakeTelnyx }> {
  const fake = await startFakeTelnyx();
  const f = await startRelayFixture('sqlite', {
    blobs: true,
    scheduling: { clock: () => now, bookingsPer15Minutes: 1000, pollMs: 200 },
    telnyx: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'profile-lakeside', timeoutMs: 5000 },
    sms: { pollMs: 100, clock: () => now },
  });
  await assignNumber(f.storage, { workspaceId: f.workspace.id, phoneNumber: from, orderId: null, messagingProfileId: 'profile-lakeside' });
  return { f, fake };
}

describe('appointment texts in the customer’s language and the shop’s country', () => {
  let f: RelayFixture | undefined;
  let fake: FakeTelnyx | undefined;
  afterEach(async () => {
    await f?.cleanup();
    await fake?.close();
    f = undefined;
    fake = undefined;
  });

  it('a customer who booked on the Spanish form is told in Spanish: confirmation, reminder and a proposed time', async () => {
    // Monday 1 June 2026, 12:00 in New York; estimates Mon–Fri 09:00–11:00.
    const NOW = new Date('2026-06-01T16:00:00Z');
    ({ f, fake } = await start(NOW, '+15125550100'));
    await openBooking(f.storage, f.workspace.id, { timeZone: 'America/New_York', availability: [estimateHours()] });

    // The customer switches the booking form to Spanish and books from it.
    const chose = await fetch(`${f.relay.url}/p/lakeside/language`, { method: 'POST', body: form({ language: 'es', back: '/p/lakeside/book' }), redirect: 'manual' });
    const cookie = chose.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe('bayline_lang=es');
    const lead = { name: 'Lucía Ramírez', email: '', vehicle: '2019 Honda Civic', description: 'Golpe en la puerta trasera.', insurer: '', claim: '' };
    for (const [mobile, slot] of [['(512) 555-0199', '2026-06-02T13:00:00.000Z'], ['(512) 555-0188', '2026-06-02T14:00:00.000Z']] as const) {
      const res = await fetch(`${f.relay.url}/p/lakeside/book`, { method: 'POST', headers: { cookie }, body: form({ ...lead, mobile, slot }) });
      expect(res.status).toBe(200);
    }
    const store = await f.storage.workspaceStore(f.workspace.id);
    const [first, second] = await store.db.selectFrom('appointments').selectAll().orderBy('starts_at').execute();
    const customer = await store.db.selectFrom('customers').select('language').where('id', '=', first!.customer_id!).executeTakeFirstOrThrow();
    expect(customer.language).toBe('es');

    await store.write({ actor: 'staff', action: 'decide' }, async (tx) => {
      await tx.update('appointments', first!.id, { state: 'confirmed', decided_at: NOW.toISOString(), decided_by: 'staff' });
      await tx.update('appointments', second!.id, { state: 'proposed', proposed_starts_at: '2026-06-04T13:00:00.000Z', decided_at: NOW.toISOString() });
    });
    await f.storage.announceChanges(f.workspace.id);

    const confirmed = await eventually('the confirmation', async () => fake!.sends().find((s) => s.to === '+15125550199' && !s.text.includes('recordamos')));
    expect(confirmed.text).toMatch(/^Lakeside Collision: su cita para el presupuesto del mar, 2 de jun, 9:00 a\.m\. está confirmada\. 1200 Lakeshore Blvd, Austin\. Agréguela a su calendario: \S+ Para cambiarla o cancelarla: \S+$/);
    const link = /cancelarla: (\S+)/.exec(confirmed.text)![1]!;
    expect(link.startsWith(`${f.relay.url}/a/`)).toBe(true);
    // The link it carries opens the appointment's page in Spanish too.
    expect(await (await fetch(link)).text()).toContain('está <strong>confirmada</strong>');

    const reminder = await eventually('the reminder', async () => fake!.sends().find((s) => s.text.includes('recordamos')));
    expect(reminder.to).toBe('+15125550199');
    expect(reminder.text).toBe('Lakeside Collision: le recordamos que mañana, mar, 2 de jun, 9:00 a.m., tiene su cita para el presupuesto. 1200 Lakeshore Blvd, Austin. Para cambiarla, llámenos al (512) 555-0100.');

    const proposed = await eventually('the proposal', async () => fake!.sends().find((s) => s.to === '+15125550188'));
    expect(proposed.text).toMatch(/^Lakeside Collision: el mar, 2 de jun, 10:00 a\.m\. no podemos atenderle para su presupuesto\. ¿Podría venir el jue, 4 de jun, 9:00 a\.m\.\? Para aceptar o elegir otra hora: \S+$/);
    for (const s of fake.sends()) expect(s.text).not.toMatch(/confirmed|reminder|estimate|a\.m\.\./);
  });

  it('a UK bodyshop’s customer reads British English: day-first date, 24-hour time, "call us on"', async () => {
    // Monday 1 June 2026, 11:00 in London (inside the shop's hours, when UK texts may go).
    const NOW = new Date('2026-06-01T10:00:00Z');
    ({ f, fake } = await start(NOW, '+447700900100'));
    await openBooking(f.storage, f.workspace.id, { timeZone: 'Europe/London', availability: [estimateHours()], address: '14 Mill Lane, Leeds', phone: '0113 496 0000' });
    const store = await f.storage.workspaceStore(f.workspace.id);
    await store.write({ actor: 'relay', action: 'test-setup', audit: false }, (tx) => tx.update('workspace_settings', SETTINGS_ID, { country: 'GB' }));
    await f.storage.announceChanges(f.workspace.id);

    const res = await fetch(`${f.relay.url}/p/lakeside/book`, {
      method: 'POST',
      body: form({ name: 'Olivia Hughes', mobile: '07400 123456', email: '', vehicle: '2020 Ford Fiesta', description: 'Scraped wing.', insurer: '', claim: '', slot: '2026-06-02T08:00:00.000Z' }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const appt = await store.db.selectFrom('appointments').selectAll().executeTakeFirstOrThrow();
    await store.write({ actor: 'staff', action: 'decide' }, (tx) => tx.update('appointments', appt.id, { state: 'confirmed', decided_at: NOW.toISOString(), decided_by: 'staff' }));
    await f.storage.announceChanges(f.workspace.id);

    const confirmed = await eventually('the confirmation', async () => fake!.sends().find((s) => s.text.includes('confirmed')));
    expect(confirmed.to).toBe('+447400123456');
    expect(confirmed.text).toMatch(/^Lakeside Collision: your estimate is confirmed for Tue 2 Jun, 09:00\. 14 Mill Lane, Leeds\. Add to your calendar: \S+ Change or cancel: \S+$/);
    const reminder = await eventually('the reminder', async () => fake!.sends().find((s) => s.text.includes('reminder')));
    expect(reminder.text).toBe('Lakeside Collision: a reminder of your estimate tomorrow, Tue 2 Jun, 09:00. 14 Mill Lane, Leeds. To change it, call us on 0113 496 0000.');
  });
});
