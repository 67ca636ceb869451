// Texts when things go wrong: a desk offline while the customer keeps texting, and a relay
// killed in the middle of a send (on both storage engines).
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { type FakeTelnyx, inboundEvent, postWebhook, startFakeTelnyx } from '../testing/fake-telnyx.js';
import { freePort, RELAY_START_MS, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { call, type Engine, eventually, newStorageLocation, openStorage } from '../testing/sync-fixture.js';
import { assignNumber } from './numbers.js';
import { checkIn, SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE, zoneWhere } from './testing.js';

const SAM = '+15125550188';

describe.each<Engine>(['sqlite', 'postgres'])('texts when things go wrong (%s)', (engine) => {
  let s: TextingShop | undefined;
  let extra: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of extra.reverse()) await fn().catch(() => undefined);
    extra = [];
    await s?.cleanup();
    s = undefined;
  });

  it('a desk offline while 20 texts arrive shows all 20, in order, on the right repairs once it reconnects', async () => {
    s = await startTextingShop(engine);
    const sam = await call<RepairOrderDetail>(s.desk, 'ro-check-in', checkIn({ customer: { firstName: 'Sam', lastName: 'Ortiz', mobile: '512-555-0188' }, vehicle: { plate: 'SAM 1', make: 'Ford', model: 'F-150' } }));
    await settle(s.desk);
    await s.desk.close();

    const start = Date.now() - 60_000;
    const sent: Array<{ from: string; text: string }> = [];
    for (let i = 0; i < 20; i++) {
      const from = i % 3 === 0 ? SAM : ZOE;
      const text = `Text ${i + 1} from ${from === SAM ? 'Sam' : 'Zoë'}`;
      sent.push({ from, text });
      const event = inboundEvent({ from, to: SHOP_NUMBER, text, occurredAt: new Date(start + i * 1000).toISOString() });
      expect(await postWebhook(s.f.relay.url, s.fake.sign(event))).toBe(200);
    }
    await eventually('the relay to work the queue', async () => (await s!.f.storage.sms.eventCounts()).pending === 0);

    const desk = await Desk.open({ dataDir: s.dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 } });
    extra.push(() => desk.close());
    await desk.syncClient!.whenCaughtUp();
    const bodies = async (roId: string) => (await call<RepairOrderDetail>(desk, 'ro-get', { id: roId })).messages.filter((m) => m.channel === 'sms').map((m) => m.body);
    expect(await bodies(s.ro.id)).toEqual(sent.filter((t) => t.from === ZOE).map((t) => t.text));
    expect(await bodies(sam.id)).toEqual(sent.filter((t) => t.from === SAM).map((t) => t.text));
    const board = await call<Array<{ id: string; unreadMessages: number }>>(desk, 'ro-board', {});
    expect(board.find((r) => r.id === s!.ro.id)?.unreadMessages).toBe(13);
    expect(board.find((r) => r.id === sam.id)?.unreadMessages).toBe(7);
  });

  it('a relay killed during a send: after the restart the text shows "check needed" and reached Telnyx once at most', async () => {
    const fake: FakeTelnyx = await startFakeTelnyx();
    extra.push(() => fake.close());
    const { location, drop } = await newStorageLocation(engine);
    extra.push(drop);
    const setup = await openStorage(engine, location);
    const workspace = await setup.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
    await assignNumber(setup, { workspaceId: workspace.id, phoneNumber: SHOP_NUMBER, orderId: null, messagingProfileId: null });
    const { code } = await issuePairingCode(setup, workspace.id);
    await setup.close();

    const port = await freePort();
    const env = { TELNYX_API_KEY: fake.apiKey, TELNYX_PUBLIC_KEY: fake.publicKey, TELNYX_BASE_URL: fake.baseURL, BAYLINE_SMS_TIMEOUT_MS: '1000' };
    let relay: RelayProcess = await spawnRelay(location, port, { env });
    extra.push(() => relay.kill());
    const dataDir = tempDir();
    await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: 'Front desk' });
    const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 300, heartbeatMs: 1000 } });
    extra.push(() => desk.close());
    await desk.syncClient!.whenCaughtUp();
    await call(desk, 'workspace-update', { timeZone: zoneWhere(true) });
    const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn());
    await eventually('the texting number on the desk', async () => (await call<{ number: string | null }>(desk, 'sms-settings-get', {})).number === SHOP_NUMBER);

    fake.sendBehaviour = { kind: 'hold' };
    const arrived = fake.nextSend();
    const after = await call<RepairOrderDetail>(desk, 'sms-send', { roId: ro.id, body: 'Your car is ready for pickup' });
    const id = after.messages.find((m) => m.channel === 'sms')!.id;
    await arrived; // the relay is inside messages.send now
    // The hung send holds up nothing else: a reply is answered at once and lands.
    const started = Date.now();
    expect(await postWebhook(relay.url, fake.sign(inboundEvent({ from: ZOE, to: SHOP_NUMBER, text: 'Are you there?' })))).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually('the reply on the desk', async () =>
      (await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id })).messages.some((m) => m.body === 'Are you there?'),
    );
    await relay.kill();
    fake.sendBehaviour = { kind: 'ok' };
    relay = await spawnRelay(location, port, { env });

    const checked = await eventually(
      'the desk to show "check needed"',
      async () => {
        const t = (await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id })).messages.find((m) => m.id === id);
        return t?.status === 'check-needed' && t;
      },
      30_000,
    );
    expect(checked.statusDetail).toContain('will not be sent again on its own');
    // Several of the relay's rounds later, still one call.
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.sends()).toHaveLength(1);
    expect(fake.sends()[0]!.text).toBe('Your car is ready for pickup');

    // A person decides: it did not arrive. Nothing is resent by itself; they write it again.
    const resolved = await call<RepairOrderDetail>(desk, 'sms-check-resolve', { id, outcome: 'not-sent' });
    expect(resolved.messages.find((m) => m.id === id)?.status).toBe('failed');
    await call(desk, 'sms-send', { roId: ro.id, body: 'Your car is ready for pickup (again)' });
    await eventually('the new text to go', async () => fake.sends().length === 2);
    expect(fake.sends()[1]!.text).toBe('Your car is ready for pickup (again)');
  }, 2 * RELAY_START_MS + 60_000);

  it('a number the operator provisions while the relay runs reaches the paired desk, warning included', async () => {
    const fake: FakeTelnyx = await startFakeTelnyx();
    extra.push(() => fake.close());
    const { location, drop } = await newStorageLocation(engine);
    extra.push(drop);
    const setup = await openStorage(engine, location);
    const workspace = await setup.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
    const { code } = await issuePairingCode(setup, workspace.id);
    await setup.close();
    const port = await freePort();
    const relay = await spawnRelay(location, port, { env: { TELNYX_API_KEY: fake.apiKey, TELNYX_PUBLIC_KEY: fake.publicKey, TELNYX_BASE_URL: fake.baseURL } });
    extra.push(() => relay.kill());
    const dataDir = tempDir();
    await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: 'Front desk' });
    const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 300, heartbeatMs: 1000 } });
    extra.push(() => desk.close());
    await desk.syncClient!.whenCaughtUp();
    expect((await call<{ number: string | null }>(desk, 'sms-settings-get', {})).number).toBeNull();

    // The operator's command runs in its own process, as `number provision` does.
    const operator = await openStorage(engine, location);
    try {
      await assignNumber(operator, { workspaceId: workspace.id, phoneNumber: SHOP_NUMBER, orderId: 'order-1', messagingProfileId: null });
    } finally {
      await operator.close();
    }
    const settings = await eventually(
      'the desk to learn the number',
      async () => {
        const got = await call<{ number: string | null; warning: string | null }>(desk, 'sms-settings-get', {});
        return got.number === SHOP_NUMBER && got;
      },
      20_000,
    );
    expect(settings.warning).toContain('10DLC');
  }, 1 * RELAY_START_MS + 60_000);
});
