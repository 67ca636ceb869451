// The texting rules follow the shop's country (issue 22): a UK shop texting a UK mobile and a US
// shop texting a US mobile, through the real relay, its webhooks and a fake Telnyx driven by the SDK.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { queueAutomatedText } from '../../src-main/sms/handlers.js';
import { inboundEvent, postWebhook } from '../testing/fake-telnyx.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE } from './testing.js';

const UK_SHOP_NUMBER = '+447400100200';
const UK_ZOE = '+447400123456';

const detail = (s: TextingShop) => call<RepairOrderDetail>(s.desk, 'ro-get', { id: s.ro.id });
const texts = async (s: TextingShop) => (await detail(s)).messages.filter((m) => m.channel === 'sms');

async function receive(s: TextingShop, from: string, to: string, text: string): Promise<void> {
  expect(await postWebhook(s.f.relay.url, s.fake.sign(inboundEvent({ from, to, text })))).toBe(200);
  await eventually(`"${text}" on the desk`, async () => (await texts(s)).some((m) => m.direction === 'in' && m.body === text));
}

describe.each<Engine>(['sqlite', 'postgres'])('texting rules by country (%s)', (engine) => {
  let s: TextingShop;
  afterEach(async () => {
    await s?.cleanup();
  });

  it('a UK shop texting a UK mobile: shop hours, STOP only, no HELP auto-reply, no 10DLC', async () => {
    // Wednesday 2 Dec 2026, 18:00 in London (GMT): after the shop closed at 17:30, before 21:00.
    let now = new Date('2026-12-02T18:00:00Z');
    s = await startTextingShop(engine, {
      timeZone: 'Europe/London',
      sms: { clock: () => now },
      country: { code: 'GB', shopNumber: UK_SHOP_NUMBER, shopPhone: '020 7946 0100', customerMobile: '07400 123456' },
    });
    // The mobile typed the UK way is stored as E.164 and known to be a mobile.
    const customer = await s.desk.db.selectFrom('customers').select(['mobile', 'mobile_kind']).where('id', '=', s.ro.customer.id).executeTakeFirstOrThrow();
    expect(customer).toEqual({ mobile: UK_ZOE, mobile_kind: 'mobile' });
    // No 10DLC nagging for a UK number that is on no US campaign.
    expect((await call<{ warning: string | null }>(s.desk, 'sms-settings-get', {})).warning).toBeNull();

    // An automated text after closing waits for the shop's next opening, not for 21:00.
    const id = await queueAutomatedText(s.desk, s.ro.id, 'tpl:received', 'check-in');
    await settle(s.desk);
    const held = await eventually('the relay to hold it', async () => {
      const t = (await texts(s)).find((m) => m.id === id);
      return t?.status === 'held' && t;
    });
    expect(held.statusDetail).toContain("shop's own hours");
    const row = await s.desk.db.selectFrom('messages').select('send_after').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.send_after).toBe('2026-12-03T08:00:00.000Z');
    now = new Date('2026-12-03T08:00:00Z');
    await eventually('the text to go when the shop opens', async () => s.fake.sends().length === 1);
    expect(s.fake.sends()[0]).toMatchObject({ from: UK_SHOP_NUMBER, to: UK_ZOE });

    // "Cancel" and "Help" are words for the shop to read, not keywords.
    await receive(s, UK_ZOE, UK_SHOP_NUMBER, 'Cancel');
    await receive(s, UK_ZOE, UK_SHOP_NUMBER, 'Help');
    await new Promise((r) => setTimeout(r, 500)); // several polls: no automatic answer goes
    expect(s.fake.sends()).toHaveLength(1);
    expect((await detail(s)).customer.smsOptedOut).toBe(false);
    expect((await texts(s)).filter((m) => m.direction === 'in').map((m) => m.body)).toEqual(expect.arrayContaining(['Cancel', 'Help']));

    // STOP stops.
    await receive(s, UK_ZOE, UK_SHOP_NUMBER, 'STOP');
    await eventually('the desk to see the opt-out', async () => (await detail(s)).customer.smsOptedOut);
  });

  it('a US shop texting a US mobile: 8 am–9 pm customer time, the CTIA keywords, HELP answered, 10DLC warned', async () => {
    // Wednesday 2 Dec 2026, 18:00 in Chicago: inside 08:00–21:00, after a 17:30 closing.
    const now = new Date('2026-12-03T00:00:00Z');
    s = await startTextingShop(engine, { timeZone: 'America/Chicago', sms: { clock: () => now } });
    const customer = await s.desk.db.selectFrom('customers').select(['mobile', 'mobile_kind']).where('id', '=', s.ro.customer.id).executeTakeFirstOrThrow();
    expect(customer).toEqual({ mobile: ZOE, mobile_kind: 'either' });
    expect((await call<{ warning: string | null }>(s.desk, 'sms-settings-get', {})).warning).toContain('10DLC');

    const id = await queueAutomatedText(s.desk, s.ro.id, 'tpl:received', 'check-in');
    await settle(s.desk);
    await eventually('the text to go at 6 pm', async () => s.fake.sends().length === 1);
    expect((await texts(s)).find((m) => m.id === id)?.status).not.toBe('held');

    await receive(s, ZOE, SHOP_NUMBER, 'Help');
    await eventually('the HELP answer', async () => s.fake.sends().length === 2);
    expect(s.fake.sends()[1]!.text).toContain('Reply STOP');

    await receive(s, ZOE, SHOP_NUMBER, 'Cancel');
    await eventually('CANCEL opts out under US rules', async () => (await detail(s)).customer.smsOptedOut);
  });
});
