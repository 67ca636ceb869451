// Calls to the shop's Bayline number, on both storage engines: the fake Telnyx plays the call as
// Call Control would (signed webhooks to the real relay, Call Control actions through the real
// SDK), and the paired desk sees the result after a real sync.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallEntry, CallSettings } from '../../src-shared/calls/words.js';
import { placeCall, postVoiceWebhook, voiceEvent } from '../testing/fake-telnyx.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE } from '../sms/testing.js';

const SHOP_LINE = '+15125550111';
const STRANGER = '+15125550999';

async function callsOn(s: TextingShop, filter: { roId?: string; unassigned?: boolean }): Promise<CallEntry[]> {
  return call<CallEntry[]>(s.desk, 'call-list', filter);
}

async function shopTakingCalls(engine: Engine): Promise<TextingShop> {
  const s = await startTextingShop(engine);
  const settings = await call<CallSettings>(s.desk, 'call-settings-update', { enabled: true, forwardNumber: '(512) 555-0111' });
  expect(settings).toMatchObject({ enabled: true, forwardNumber: SHOP_LINE, baylineNumber: SHOP_NUMBER });
  await settle(s.desk);
  return s;
}

describe.each<Engine>(['sqlite', 'postgres'])('calls to the Bayline number (%s)', (engine) => {
  let s: TextingShop;
  afterEach(async () => {
    await s?.cleanup();
  });

  it("Zoë's call from her mobile is forwarded to the shop line and logged on her open RO with its duration", async () => {
    s = await shopTakingCalls(engine);
    const played = await placeCall(s.fake, { relayUrl: s.f.relay.url, from: ZOE, to: SHOP_NUMBER, answeredBy: 'shop', ringSeconds: 8, talkSeconds: 134 });
    expect(played.statuses.every((x) => x === 200)).toBe(true);
    expect(played.forwardedTo).toBe(SHOP_LINE);
    expect(played.actions).toEqual(['transfer']);
    const [logged] = await eventually('the call on the desk', async () => {
      const list = await callsOn(s, { roId: s.ro.id });
      return list.length === 1 && list[0]!.state === 'answered' && list;
    });
    expect(logged).toMatchObject({ roId: s.ro.id, peerNumber: ZOE, direction: 'in', source: 'phone', state: 'answered', durationSeconds: 134, party: 'customer' });
    expect(logged!.outcome).toBe('Forwarded to (512) 555-0111');
    // In the repair's audit trail, by the relay.
    const audit = await call<Array<{ summary: string; action: string }>>(s.desk, 'audit-list', { roId: s.ro.id });
    expect(audit.map((a) => a.summary)).toContain('Call from (512) 555-0147 answered at the shop line (134 s)');
    // An answered call is no notification.
    expect(await call<CallEntry[]>(s.desk, 'call-missed-list', {})).toEqual([]);
  });

  it('a missed call notifies the desk, whose "text them back" texts the caller once', async () => {
    s = await shopTakingCalls(engine);
    const played = await placeCall(s.fake, { relayUrl: s.f.relay.url, from: ZOE, to: SHOP_NUMBER, answeredBy: 'nobody' });
    // Nobody picked up: the relay ended the caller's leg after the shop line's rang out.
    expect(played.actions).toEqual(['transfer', 'hangup']);
    const [missed] = await eventually('the missed call on the desk', async () => {
      const list = await call<CallEntry[]>(s.desk, 'call-missed-list', {});
      return list.length === 1 && list;
    });
    expect(missed).toMatchObject({ roId: s.ro.id, roNumber: s.ro.roNumber, customerName: 'Zoë Nguyen', state: 'missed', durationSeconds: null, handled: false, outcome: 'Forwarded to (512) 555-0111; nobody answered' });
    const audit = await call<Array<{ summary: string }>>(s.desk, 'audit-list', { roId: s.ro.id });
    expect(audit.map((a) => a.summary)).toContain('Missed call from (512) 555-0147');
    const after = await call<CallEntry>(s.desk, 'call-text-back', { id: missed!.id, body: 'Sorry we missed you! Your Accord is in paint; ready Friday.' });
    expect(after.handled).toBe(true);
    await eventually('the text back sent', async () => s.fake.sends().length === 1);
    expect(s.fake.sends()[0]).toMatchObject({ from: SHOP_NUMBER, to: ZOE, text: 'Sorry we missed you! Your Accord is in paint; ready Friday.' });
    expect(await call<CallEntry[]>(s.desk, 'call-missed-list', {})).toEqual([]);
  });

  it('a call from an unknown number lands unassigned, and a person can put it on a repair', async () => {
    s = await shopTakingCalls(engine);
    await placeCall(s.fake, { relayUrl: s.f.relay.url, from: STRANGER, to: SHOP_NUMBER, answeredBy: 'shop', talkSeconds: 45 });
    const [stranger] = await eventually('the unassigned call', async () => {
      const list = await callsOn(s, { unassigned: true });
      return list.length === 1 && list[0]!.state === 'answered' && list;
    });
    expect(stranger).toMatchObject({ roId: null, customerId: null, peerNumber: STRANGER, durationSeconds: 45, reason: null });
    expect(await callsOn(s, { roId: s.ro.id })).toEqual([]);
    const sorted = await call<CallEntry>(s.desk, 'call-update', { id: stranger!.id, roId: s.ro.id, party: 'adjuster', reason: 'supplement' });
    expect(sorted).toMatchObject({ roId: s.ro.id, reason: 'supplement', party: 'adjuster' });
    expect(await callsOn(s, { unassigned: true })).toEqual([]);
  });

  it('a forged voice webhook is refused and logs nothing; one delivered twice logs one call', async () => {
    s = await shopTakingCalls(engine);
    const { privateKey } = generateKeyPairSync('ed25519');
    const leg = { call_control_id: 'v3:forged', call_leg_id: 'leg', call_session_id: 'forged-session', from: ZOE, to: SHOP_NUMBER, direction: 'incoming' as const };
    const forged = s.fake.sign(voiceEvent('call.initiated', leg, new Date()), { key: privateKey });
    expect(await postVoiceWebhook(s.f.relay.url, forged)).toBe(401);
    const stale = s.fake.sign(voiceEvent('call.initiated', leg, new Date()), { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(await postVoiceWebhook(s.f.relay.url, stale)).toBe(401);
    expect(await postVoiceWebhook(s.f.relay.url, { body: JSON.stringify(voiceEvent('call.initiated', leg, new Date())), headers: { 'content-type': 'application/json' } })).toBe(401);
    expect(s.fake.callActions()).toEqual([]);

    const twice = await placeCall(s.fake, { relayUrl: s.f.relay.url, from: ZOE, to: SHOP_NUMBER, answeredBy: 'shop', talkSeconds: 60, deliverTwice: true });
    expect(twice.statuses.every((x) => x === 200)).toBe(true);
    // One transfer: the second delivery of call.initiated found the call already forwarded.
    expect(twice.actions).toEqual(['transfer']);
    await eventually('the call on the desk', async () => (await callsOn(s, { roId: s.ro.id })).some((c) => c.state === 'answered'));
    const all = await call<CallEntry[]>(s.desk, 'call-list', {});
    expect(all).toHaveLength(1);
    expect(all[0]!.durationSeconds).toBe(60);
  });

  it('with calls switched off the call is not forwarded, and is logged as missed', async () => {
    s = await startTextingShop(engine);
    const played = await placeCall(s.fake, { relayUrl: s.f.relay.url, from: ZOE, to: SHOP_NUMBER, answeredBy: 'shop' });
    expect(played.actions).toEqual(['hangup']);
    const [missed] = await eventually('the missed call', async () => {
      const list = await call<CallEntry[]>(s.desk, 'call-missed-list', {});
      return list.length === 1 && list;
    });
    expect(missed!.outcome).toContain('switched off');
  });
});
