// Calendar write-through on a running relay: the shop connects its Gmail (or Outlook) mailbox in
// Settings › Email, a desk confirms an appointment, and the event appears in that account's
// calendar (the fake Google / fake Microsoft, through the real SDKs), moves when the desk moves the
// appointment and goes when it is cancelled. A mailbox connected without calendar permission shows
// "reconnect with calendar permission" at the desk. Both relay engines for Gmail. And the customer
// is told by mail too, through the same mailbox, when there is no text to send.
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { connectGmail, type MailShop, SHOP_MAILBOX, startMailShop } from '../email/testing.js';
import { call, eventually } from '../testing/sync-fixture.js';

let s: MailShop | undefined;
afterEach(async () => {
  await s?.cleanup();
  s = undefined;
});

/** The desk confirms a drop-off at `startsAt` (UTC) for the shop's repair, as the calendar's Confirm leaves it. */
async function confirmedAtDesk(shop: MailShop, startsAt: string): Promise<string> {
  return shop.desk.store.write({ actor: `staff:${shop.ownerId}`, action: 'appointment-confirm', summary: 'Drop-off confirmed', roId: shop.ro.id }, (tx) =>
    tx.insert('appointments', {
      kind: 'drop-off',
      state: 'confirmed',
      starts_at: startsAt,
      ends_at: new Date(Date.parse(startsAt) + 30 * 60_000).toISOString(),
      time_zone: 'America/Chicago',
      ro_id: shop.ro.id,
      customer_id: shop.ro.customer.id,
      source: 'desk',
      requested_at: new Date().toISOString(),
      decided_at: new Date().toISOString(),
      decided_by: `staff:${shop.ownerId}`,
    }),
  );
}

const move = (shop: MailShop, id: string, startsAt: string) =>
  shop.desk.store.write({ actor: `staff:${shop.ownerId}`, action: 'appointment-move', summary: 'Drop-off moved', roId: shop.ro.id }, (tx) =>
    tx.update('appointments', id, { starts_at: startsAt, ends_at: new Date(Date.parse(startsAt) + 30 * 60_000).toISOString() }),
  );

const cancel = (shop: MailShop, id: string) =>
  shop.desk.store.write({ actor: `staff:${shop.ownerId}`, action: 'appointment-cancel', summary: 'Drop-off cancelled', roId: shop.ro.id }, (tx) =>
    tx.update('appointments', id, { state: 'cancelled', cancelled_at: new Date().toISOString(), cancelled_by: `staff:${shop.ownerId}` }),
  );

describe.each(['sqlite', 'postgres'] as const)('calendar write-through on a %s relay (Gmail)', (engine) => {
  it('puts a confirmed drop-off in the shop\'s Google Calendar once, moves it with the appointment and removes it when cancelled', async () => {
    s = await startMailShop(engine);
    const mailboxId = await connectGmail(s);
    const shop = s;
    const id = await confirmedAtDesk(shop, '2026-12-09T15:00:00.000Z');
    const event = await eventually('the event in the shop\'s calendar', async () => [...shop.google.calendarEvents.values()].find((e) => e.status !== 'cancelled'));
    expect(event.account).toBe(SHOP_MAILBOX);
    expect(Date.parse(event.start!.dateTime!)).toBe(Date.parse('2026-12-09T15:00:00.000Z'));
    expect(event.summary).toContain('Drop-off');
    // The desk learns the event id (so a later round never writes it twice).
    await eventually('the event id at the desk', async () => {
      const row = await shop.desk.db.selectFrom('appointments').select('calendar_events').where('id', '=', id).executeTakeFirst();
      return row?.calendar_events ? (JSON.parse(row.calendar_events) as Record<string, string>)[mailboxId] === event.id : false;
    });

    await move(shop, id, '2026-12-10T16:00:00.000Z');
    await eventually('the event moved', async () => Date.parse(shop.google.calendarEvents.get(event.id)?.start?.dateTime ?? '') === Date.parse('2026-12-10T16:00:00.000Z'));
    // Never two events for one appointment (the catch-up round and the change round share a lease).
    expect(shop.google.calendarEvents.size).toBe(1);
    await cancel(shop, id);
    await eventually('the event removed', async () => !shop.google.calendarEvents.get(event.id) || shop.google.calendarEvents.get(event.id)?.status === 'cancelled');
    expect([...shop.google.calendarEvents.values()].filter((e) => e.status !== 'cancelled')).toHaveLength(0);
  }, 120_000);
});

describe('calendar write-through without calendar permission', () => {
  it('marks the appointment so the desk asks for a reconnect with calendar permission, and writes nothing', async () => {
    s = await startMailShop('sqlite');
    s.google.calendarAccess = false;
    const mailboxId = await connectGmail(s);
    const shop = s;
    await confirmedAtDesk(shop, '2026-12-11T14:00:00.000Z');
    // Settings › Appointments lists the mailbox as needing a reconnect with calendar permission.
    const accounts = await eventually('the permission problem at the desk', async () => {
      const list = await call<Array<{ mailboxId: string; needsCalendarPermission: boolean }>>(shop.desk, 'calendar-accounts', {});
      return list.some((a) => a.mailboxId === mailboxId && a.needsCalendarPermission) && list;
    });
    expect(accounts).toMatchObject([{ mailboxId, address: SHOP_MAILBOX, needsCalendarPermission: true }]);
    expect(shop.google.calendarEvents.size).toBe(0);
  }, 120_000);
});

describe('appointment outcomes by email', () => {
  it('mails the customer the confirmation through the shop\'s mailbox (no texting number here), once, with the calendar file link and the manage link', async () => {
    s = await startMailShop('sqlite');
    await connectGmail(s);
    const shop = s;
    const id = await confirmedAtDesk(shop, '2026-12-09T15:00:00.000Z');
    const mail = await eventually('the confirmation mail sent', async () => shop.google.sent.find((m) => m.raw.includes('is confirmed')));
    const parsed = await simpleParser(mail.raw);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : null).toBe('zoe@example.com');
    expect(parsed.subject).toBe('Lakeside Collision: your drop-off is confirmed');
    // The time in the customer's words (the shop's zone, Chicago: 15:00 UTC is 9:00 AM) and the
    // links a phone can open; the .ics link serves the calendar file.
    expect(parsed.text).toContain('Your drop-off is confirmed for Wed, Dec 9, 9:00 AM.');
    const ics = /https?:\/\/\S+\/appointment\.ics/.exec(parsed.text ?? '')?.[0];
    expect(ics).toBeTruthy();
    const file = await fetch(ics!);
    expect(file.status).toBe(200);
    expect(await file.text()).toContain('BEGIN:VEVENT');
    await eventually('the mail marked sent at the desk', async () =>
      (await shop.desk.db.selectFrom('messages').select('status').where('channel', '=', 'email').where('template_id', '=', 'appointment-confirmed').executeTakeFirst())?.status === 'sent',
    );
    // Told once: another change to the appointment that is not a new outcome mails nothing more.
    await shop.desk.store.write({ actor: `staff:${shop.ownerId}`, action: 'appointment-note', summary: 'Note', roId: shop.ro.id }, (tx) => tx.update('appointments', id, { note: 'Bring the second key' }));
    await new Promise((r) => setTimeout(r, 500));
    expect(shop.google.sent.filter((m) => m.raw.includes('is confirmed'))).toHaveLength(1);
  }, 120_000);
});
