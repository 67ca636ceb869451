// Automation rules end to end: desks paired to real relays over WebSockets, rules saved at a
// desk, the relay's engine firing them, texts through the texting service to the fake Telnyx.
import { afterEach, describe, expect, it } from 'vitest';
import type { AutomationsView } from '../../src-shared/automations/desk-api.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { startRelay, type RunningRelay } from '../server.js';
import { assignNumber } from '../sms/numbers.js';
import { checkIn, SHOP_NUMBER, settle, startTextingShop, type TextingShop, ZOE, zoneWhere } from '../sms/testing.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { type FakeTelnyx, startFakeTelnyx } from '../testing/fake-telnyx.js';
import { openPostgresStorage } from '../storage/postgres.js';
import type { RelayStorage } from '../storage/types.js';
import { call, eventually } from '../testing/sync-fixture.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function switchOn(desk: Desk, preset: string, mode: 'draft' | 'automatic'): Promise<string> {
  const added = await call<AutomationsView>(desk, 'automation-preset-add', { preset });
  const rule = added.rules.find((r) => r.preset === preset)!;
  const { id, trigger, conditions, action, name } = rule;
  await call(desk, 'automation-save', { id, name, preset, trigger, conditions, action, mode, active: true });
  return id;
}

describe('automation rules', () => {
  let cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups = [];
  });

  it('"QC passed → text": two desks on two relays on one PostgreSQL, a relay restarted in between: exactly one text reaches Telnyx', async () => {
    const database: TestDatabase = await createTestDatabase();
    cleanups.push(() => database.drop());
    const fake: FakeTelnyx = await startFakeTelnyx();
    cleanups.push(() => fake.close());
    const telnyx = { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'p', timeoutMs: 5000 };
    const storages: RelayStorage[] = [await openPostgresStorage(database.url), await openPostgresStorage(database.url)];
    const workspace = await storages[0]!.createWorkspace({ slug: 'twin-bays', name: 'Twin Bays Auto Body' });
    await assignNumber(storages[0]!, { workspaceId: workspace.id, phoneNumber: SHOP_NUMBER, orderId: null, messagingProfileId: 'p' });
    const start = (storage: RelayStorage, port = 0) => startRelay({ storage, port, logger: false, telnyx, sms: { pollMs: 100 }, automations: { pollMs: 200 } });
    const relays: RunningRelay[] = [await start(storages[0]!), await start(storages[1]!)];
    cleanups.push(async () => {
      await Promise.all(relays.map((r) => r.close()));
      await Promise.all(storages.map((s) => s.close()));
    });
    const desks: Desk[] = [];
    for (const [i, relay] of relays.entries()) {
      const dataDir = tempDir();
      const { code } = await issuePairingCode(storages[i]!, workspace.id);
      await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: `Desk ${i + 1}` });
      const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 } });
      cleanups.push(() => desk.close());
      await desk.syncClient!.whenCaughtUp();
      desks.push(desk);
    }
    const [front, office] = desks as [Desk, Desk];
    await call(front, 'workspace-update', { phone: '(512) 555-0100', timeZone: zoneWhere(true) });
    const qc = await call<{ id: string }>(front, 'substatus-save', { name: 'QC passed', stage: 'completed' });
    const ro = await call<RepairOrderDetail>(front, 'ro-check-in', checkIn());
    const ruleId = await switchOn(front, 'qc-passed-text', 'automatic');
    await settle(front);
    await eventually('the other desk to have the repair and the rule', async () => {
      const list = await call<AutomationsView>(office, 'automation-list', {});
      return list.rules.some((r) => r.id === ruleId && r.active && r.mode === 'automatic') && (await office.db.selectFrom('repair_orders').select('id').where('id', '=', ro.id).executeTakeFirst());
    });

    // The office desk moves the car to Completed › QC passed; one relay is stopped and started again meanwhile.
    await call(office, 'ro-move-stage', { id: ro.id, stage: 'completed', subStatusId: qc.id });
    const port = relays[0]!.port;
    await relays[0]!.close();
    await storages[0]!.close();
    storages[0] = await openPostgresStorage(database.url);
    relays[0] = await start(storages[0], port);

    const sent = await eventually('the text to reach Telnyx', async () => (fake.sends().length > 0 ? fake.sends() : undefined), 20_000);
    // Both relays keep looking (every 200 ms and at every change); nothing more goes out.
    await call(front, 'ro-update', { id: ro.id, claimNumber: 'CLM-1' });
    await pause(2000);
    expect(fake.sends()).toHaveLength(1);
    expect(sent[0]!.to).toBe(ZOE);
    expect(sent[0]!.text).toBe('Hi Zoë, your 2019 Honda Accord passed our final quality check at Twin Bays Auto Body. Reply with a time that suits you to pick it up, or call (512) 555-0100.');

    // On the desk: the text is marked automated with the rule; the run says so once; the audit trail names the rule.
    const store = await storages[1]!.workspaceStore(workspace.id);
    const runs = await store.db.selectFrom('automation_runs').selectAll().where('rule_id', '=', ruleId).execute();
    expect(runs.map((r) => r.outcome)).toEqual(['sent']);
    const message = await eventually('the desk to have the text', async () =>
      front.db.selectFrom('messages').selectAll().where('automation_rule_id', '=', ruleId).executeTakeFirst(),
    );
    expect(message.automated).toBe(1);
    // The repair's conversation says which rule wrote it.
    const onRo = (await call<RepairOrderDetail>(front, 'ro-get', { id: ro.id })).messages.find((m) => m.id === message.id);
    expect(onRo?.author).toBe('Automation: QC passed → text the customer to book pickup');
    const audit = await store.db.selectFrom('audit_events').select('detail').where('action', '=', 'automation-fired').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toContain('QC passed → text the customer to book pickup');
  }, 90_000);

  describe('on one relay (SQLite)', () => {
    let s: TextingShop | undefined;
    afterEach(async () => {
      await s?.cleanup();
      s = undefined;
    });

    it('a rule not switched to automatic only ever writes drafts, for every kind of action, and nothing reaches Telnyx', async () => {
      s = await startTextingShop('sqlite', { timeZone: zoneWhere(true) });
      const desk = s.desk;
      const qc = await call<{ id: string }>(desk, 'substatus-save', { name: 'QC passed', stage: 'completed' });
      const text = await switchOn(desk, 'qc-passed-text', 'draft');
      const base = { preset: null, conditions: {}, mode: 'draft', active: true } as const;
      await call(desk, 'automation-save', { ...base, name: 'Promised date moved → draft', trigger: { kind: 'promised-date-moved' }, action: { kind: 'create-draft', body: 'New date {promised_date}: {reason}.' } });
      // A create-draft rule drafts even when automatic.
      await call(desk, 'automation-save', { ...base, mode: 'automatic', name: 'Promised date moved → draft (automatic)', trigger: { kind: 'promised-date-moved' }, action: { kind: 'create-draft', body: 'Second draft for {first_name}.' } });
      await call(desk, 'automation-save', { ...base, name: 'Parts delayed → tell the parts manager', trigger: { kind: 'exception-opened', tag: '#partsdelay' }, action: { kind: 'notify-staff', body: 'Call the supplier for RO {ro_number}.' } });
      await call(desk, 'automation-save', { ...base, name: 'QC passed → email the customer', trigger: { kind: 'stage-entered', stage: 'completed' }, action: { kind: 'email-customer', subject: 'Your {vehicle}', body: 'Hi {first_name}, it is nearly ready: {portal_link}' } });
      await call(desk, 'automation-save', { ...base, name: 'Promised date moved → email the adjuster', trigger: { kind: 'promised-date-moved' }, action: { kind: 'email-insurer', templateId: 'etpl:supplement-submitted', subject: 'x', body: 'x' } });

      await call(desk, 'ro-update', { id: s.ro.id, claimNumber: 'SF-1', adjusterName: 'Pat Adjuster', adjusterEmail: 'pat.adjuster@statefarm.example' });
      await call(desk, 'ro-move-stage', { id: s.ro.id, stage: 'completed', subStatusId: qc.id });
      await call(desk, 'ro-change-promised-date', { id: s.ro.id, date: '2037-12-11', reason: 'a bumper is back-ordered' });
      await call(desk, 'exception-add', { roId: s.ro.id, tag: '#partsdelay' });
      await settle(desk);

      const runs = await eventually('six runs', async () => {
        const rows = await desk.db.selectFrom('automation_runs').selectAll().execute();
        return rows.length >= 6 && rows;
      });
      expect(runs.map((r) => r.outcome)).toEqual(['drafted', 'drafted', 'drafted', 'drafted', 'drafted', 'drafted']);
      // The email rules wrote email drafts: to the customer (with a working portal link) and to the adjuster from the shop's template.
      const mails = await desk.db.selectFrom('messages').selectAll().where('channel', '=', 'email').where('automation_rule_id', 'is not', null).orderBy('subject').execute();
      expect(mails.map((m) => [m.status, m.automated, JSON.parse(m.email_to ?? '[]')[0]?.address ?? null])).toEqual([
        ['draft', 0, 'pat.adjuster@statefarm.example'],
        ['draft', 0, 'zoe@example.com'],
      ]);
      expect(mails[1]!.body).toMatch(/^Hi Zoë, it is nearly ready: http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{46}\?s=email$/);
      expect(mails[0]!.subject).toBe(`Supplement for claim SF-1 — RO ${s.ro.roNumber}`);
      expect(mails[0]!.body).toMatch(/^Hi Pat Adjuster,\n\nTeardown on the 2019 Honda Accord/);
      // No staff notice is written in draft mode.
      expect(await desk.db.selectFrom('staff_notifications').selectAll().execute()).toEqual([]);
      expect(runs.find((r) => r.rule_id === text)).toBeTruthy();
      const drafts = await desk.db.selectFrom('messages').select(['body', 'status', 'automated']).where('automation_rule_id', 'is not', null).where('channel', '=', 'sms').orderBy('body').execute();
      expect(drafts).toEqual([
        { body: expect.stringContaining('passed our final quality check'), status: 'draft', automated: 0 },
        { body: 'New date Friday, December 11: a bumper is back-ordered.', status: 'draft', automated: 0 },
        { body: 'Second draft for Zoë.', status: 'draft', automated: 0 },
      ]);
      // The staff note in draft mode is only proposed in the run, not written.
      const staffRun = runs.find((r) => (r.detail ?? '').includes('Call the supplier'))!;
      expect(staffRun.detail).toContain(`Call the supplier for RO ${s.ro.roNumber}.`);
      expect(await desk.db.selectFrom('notes').select('body').where('body', 'like', 'Automation:%').execute()).toEqual([]);
      await pause(1500);
      expect(s.fake.sends()).toEqual([]);
    }, 60_000);

    it('"tell the staff" on automatic: a notice at the desk with the repair, unread until someone marks it read', async () => {
      s = await startTextingShop('sqlite', { timeZone: zoneWhere(true) });
      const desk = s.desk;
      await call(desk, 'automation-save', { preset: null, conditions: {}, mode: 'automatic', active: true, name: 'Parts delayed → tell the parts manager', trigger: { kind: 'exception-opened', tag: '#partsdelay' }, action: { kind: 'notify-staff', body: 'Call the supplier for RO {ro_number}.' } });
      await call(desk, 'exception-add', { roId: s.ro.id, tag: '#partsdelay' });
      const list = await eventually('the notice at the desk', async () => {
        const l = await call<{ unread: number; notices: Array<{ id: string; roNumber: number | null; title: string; body: string; readAt: string | null }> }>(desk, 'notice-list', {});
        return l.unread === 1 && l;
      });
      expect(list.notices[0]).toMatchObject({ roNumber: s.ro.roNumber, title: 'Parts delayed → tell the parts manager', body: `Call the supplier for RO ${s.ro.roNumber}.`, readAt: null });
      const after = await call<{ unread: number; notices: Array<{ readAt: string | null }> }>(desk, 'notice-read', { id: list.notices[0]!.id });
      expect(after.unread).toBe(0);
      expect(after.notices[0]!.readAt).not.toBeNull();
      await pause(500);
      expect(s.fake.sends()).toEqual([]);
    }, 60_000);

    it('the daily cap: over the shop\'s limit of automated texts for one customer, a rule writes a draft instead', async () => {
      s = await startTextingShop('sqlite', { timeZone: zoneWhere(true) });
      const desk = s.desk;
      await call(desk, 'automation-settings-save', { dailyCap: 1 });
      await switchOn(desk, 'promised-date-moved-text', 'automatic');
      await switchOn(desk, 'parts-delayed-text', 'automatic');
      await call(desk, 'ro-change-promised-date', { id: s.ro.id, date: '2037-12-11', reason: 'a bumper is back-ordered' });
      await eventually('the first text to go', async () => s!.fake.sends().length === 1);
      await call(desk, 'exception-add', { roId: s.ro.id, tag: '#partsdelay' });
      const capped = await eventually('the second rule to fire', async () =>
        desk.db.selectFrom('automation_runs').selectAll().where('outcome', '=', 'drafted').executeTakeFirst(),
      );
      expect(capped.detail).toContain('already had 1 automated messages today');
      const draft = await eventually('the draft on the desk', async () => desk.db.selectFrom('messages').selectAll().where('id', '=', capped.message_id!).executeTakeFirst());
      expect(draft.status).toBe('draft');
      expect(draft.body).toContain('a part for your 2019 Honda Accord is delayed');
      await pause(1000);
      expect(s.fake.sends()).toHaveLength(1);
    }, 60_000);

    it('an automatic text firing at 22:30 the customer\'s time is held and goes at 08:00 the next morning, once', async () => {
      let now = new Date('2026-12-03T04:30:00Z'); // 22:30 on 2 December in Chicago
      s = await startTextingShop('sqlite', { timeZone: 'America/Chicago', sms: { clock: () => now } });
      const desk = s.desk;
      await switchOn(desk, 'promised-date-moved-text', 'automatic');
      await call(desk, 'ro-change-promised-date', { id: s.ro.id, date: '2037-12-11', reason: 'a bumper is back-ordered' });
      const held = await eventually('the text to be held', async () => {
        const m = await desk.db.selectFrom('messages').selectAll().where('automation_rule_id', 'is not', null).executeTakeFirst();
        return m?.status === 'held' && m;
      });
      expect(held.send_after).toBe('2026-12-03T14:00:00.000Z'); // 08:00 on 3 December in Chicago
      await pause(800);
      expect(s.fake.sends()).toEqual([]);

      now = new Date('2026-12-03T14:00:05Z');
      await eventually('the held text to go', async () => s!.fake.sends().length > 0);
      await pause(1000);
      expect(s.fake.sends()).toHaveLength(1);
      expect(s.fake.sends()[0]!.text).toBe('Hi Zoë, an update on your 2019 Honda Accord: we now expect it ready Friday, December 11. The reason: a bumper is back-ordered. Questions? Call (512) 555-0100.');
    }, 60_000);
  });
});
