// The work-provider access layer on both engines: which repairs a provider sees (only shops that
// granted it, only ROs whose insurer maps to it), lookup by claim or plate typed any which way,
// the detail as shared, revocation on the next request, the index following the shops' changes,
// the repair events the webhooks are built on, and the audit line of a view.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { ProviderAccess } from './access.js';
import { ProviderIndex, type RepairEvent } from './provider-index.js';
import type { WorkProvider } from './records.js';
import { addShopRepair, grant, shopWrite, TestEngines } from './testing.js';

const engines = new TestEngines();
afterAll(() => engines.cleanup());

/** The kit's repair, with a VIN and a courtesy car the detail shows. */
const addRepair = (storage: RelayStorage, shop: WorkspaceRecord, input: { roNumber: number; insurer: string; claim: string; plate: string; stage?: string }) =>
  addShopRepair(storage, shop, { vin: '2HGFC2F59KH512345', courtesyCar: 'Enterprise, Corolla', ...input });

describe.each(['sqlite', 'postgres'] as const)('work-provider access on %s', (engine) => {
  let storage: RelayStorage;
  let index: ProviderIndex;
  let access: ProviderAccess;
  let harbor: WorkProvider;
  let summit: WorkProvider;
  let granting: WorkspaceRecord;
  let other: WorkspaceRecord;
  let silent: WorkspaceRecord;
  const events: RepairEvent[] = [];

  beforeEach(async () => {
    storage = await engines.open(engine);
    index = new ProviderIndex(storage);
    access = new ProviderAccess(storage);
    index.onRepairEvents((batch) => void events.push(...batch));
    index.start();
    const now = new Date().toISOString();
    harbor = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now });
    summit = await storage.providers.createProvider({ id: randomUUID(), slug: 'summit-insurance', name: 'Summit Insurance', now });
    granting = await storage.createWorkspace({ slug: 'eastside', name: 'Eastside Collision' });
    other = await storage.createWorkspace({ slug: 'northgate', name: 'Northgate Body' });
    silent = await storage.createWorkspace({ slug: 'westend', name: 'Westend Auto Body' });
    events.length = 0;
  });
  afterEach(async () => {
    await index.stop();
    await storage.close();
  });

  it('a provider sees only repairs of shops that granted it, and only ROs whose insurer maps to it', async () => {
    // Eastside maps "Harbor Mutual" to Harbor (by slug) and "Summit" to Summit (by id).
    await grant(storage, granting, 'harbor-mutual', ['Harbor Mutual', 'HM Insurance']);
    await grant(storage, granting, summit.id, ['Summit']);
    // Northgate grants only Summit, for its Harbor Mutual ROs too: Harbor must not see them.
    await grant(storage, other, summit.id, ['Harbor Mutual']);
    const mine = await addRepair(storage, granting, { roNumber: 1001, insurer: '  harbor   MUTUAL ', claim: 'HM-123-456', plate: '7ABC 123' });
    const summits = await addRepair(storage, granting, { roNumber: 1002, insurer: 'Summit', claim: 'S-9', plate: '8XYZ999' });
    const northgates = await addRepair(storage, other, { roNumber: 2001, insurer: 'Harbor Mutual', claim: 'HM-777', plate: '5DEF555' });
    const westends = await addRepair(storage, silent, { roNumber: 3001, insurer: 'Harbor Mutual', claim: 'HM-888', plate: '6GHI666' });
    await index.idle();

    const plate = await access.lookup(harbor, ' 7abc-123 ');
    expect(plate.map((r) => [r.shopName, r.roNumber, r.plate, r.stageLabel])).toEqual([['Eastside Collision', 1001, '7ABC 123', 'Estimate']]);
    expect((await access.lookup(harbor, 'hm123456')).map((r) => r.roId)).toEqual([mine.roId]);
    expect((await access.lookup(harbor, 'HM-123-456')).map((r) => r.roId)).toEqual([mine.roId]);
    // Another provider's RO in a shop that granted Harbor, a shop that granted only Summit, a shop that granted nobody.
    expect(await access.lookup(harbor, '8XYZ999')).toEqual([]);
    expect(await access.lookup(harbor, '5DEF555')).toEqual([]);
    expect(await access.lookup(harbor, 'HM-888')).toEqual([]);
    expect(await access.repairDetail(harbor, granting.id, summits.roId)).toBeNull();
    expect(await access.repairDetail(harbor, other.id, northgates.roId)).toBeNull();
    expect(await access.repairDetail(harbor, silent.id, westends.roId)).toBeNull();
    // Summit sees its own two and nothing of Harbor's.
    expect((await access.lookup(summit, '5def 555')).map((r) => r.roId)).toEqual([northgates.roId]);
    expect(await access.lookup(summit, '7ABC123')).toEqual([]);
    expect((await access.grantedShops(harbor)).map((s) => s.name)).toEqual(['Eastside Collision']);
    expect((await access.grantedShops(summit)).map((s) => s.name)).toEqual(['Eastside Collision', 'Northgate Body']);
  });

  it('the detail shows stages with dates, every promised-date revision, exceptions with standard reasons, and only what the grant shares', async () => {
    await grant(storage, granting, harbor.id, ['Harbor Mutual'], { messages: true });
    const { roId } = await addRepair(storage, granting, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: 'ABC1' });
    await shopWrite(storage, granting, async (tx) => {
      await tx.insert('stage_events', { ro_id: roId, stage: 'teardown', at: '2026-11-21T14:00:00.000Z' });
      await tx.update('repair_orders', roId, { stage: 'teardown', promised_date: '2026-12-12' });
      await tx.insert('promised_date_changes', { ro_id: roId, from_date: '2026-12-10', to_date: '2026-12-12', reason: 'Parts on back order', at: '2026-11-22T10:00:00.000Z' });
      await tx.insert('ro_exceptions', { ro_id: roId, tag: '#partsdelay', reason: 'parts-delay', note: 'bumper cover from the dealer', opened_at: '2026-11-22T10:00:00.000Z' });
      await tx.insert('ro_exceptions', { ro_id: roId, tag: '#awaitingauth', reason: 'awaiting-authorization', opened_at: '2026-11-20T10:00:00.000Z', resolved_at: '2026-11-21T09:00:00.000Z' });
      await tx.insert('messages', { ro_id: roId, channel: 'sms', direction: 'out', body: 'Parts are delayed two days.', at: '2026-11-22T10:05:00.000Z', shared_with_insurer: 1 });
      await tx.insert('messages', { ro_id: roId, channel: 'sms', direction: 'in', body: 'Private reply', at: '2026-11-22T10:06:00.000Z' });
    });
    await index.idle();
    const detail = (await access.repairDetail(harbor, granting.id, roId))!;
    expect(detail.stages.map((s) => [s.label, s.at])).toEqual([
      ['Estimate', '2026-11-20T15:00:00.000Z'],
      ['Teardown', '2026-11-21T14:00:00.000Z'],
    ]);
    expect(detail.stageLabel).toBe('Teardown');
    expect(detail.promisedDate).toBe('2026-12-12');
    expect(detail.promisedDateChanges).toEqual([{ from: '2026-12-10', to: '2026-12-12', reason: 'Parts on back order', at: '2026-11-22T10:00:00.000Z' }]);
    expect(detail.exceptions.map((x) => [x.reasonLabel, x.resolvedAt !== null])).toEqual([
      ['Waiting for insurer authorization', true],
      ['Waiting for parts', false],
    ]);
    expect(JSON.stringify(detail)).not.toContain('bumper cover from the dealer');
    expect(detail.courtesyCar).toBe('Enterprise, Corolla');
    expect(detail.messages.map((m) => m.body)).toEqual(['Parts are delayed two days.']);
    expect(detail.amounts).toBeNull();
    expect(detail.shop.name).toBe('Eastside Collision');

    const open = await access.openExceptions(harbor, new Date('2026-11-25T10:00:00.000Z'));
    expect(open.map((x) => [x.shopName, x.roNumber, x.reasonLabel, x.ageDays])).toEqual([['Eastside Collision', 1001, 'Waiting for parts', 3]]);

    const sla = await access.sla(harbor, new Date('2026-12-15T18:00:00.000Z'));
    expect(sla).toMatchObject([{ shopName: 'Eastside Collision', openRepairs: 1, pastPromised: [{ roNumber: 1001, promisedDate: '2026-12-12' }], firstNoticeToStartDays: null }]);
  });

  it('revoking the grant cuts access on the next request, before the index has caught up', async () => {
    const grantId = await grant(storage, granting, harbor.id, ['Harbor Mutual']);
    const { roId } = await addRepair(storage, granting, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: 'ABC1' });
    await index.idle();
    expect(await access.repairDetail(harbor, granting.id, roId)).not.toBeNull();
    await index.stop(); // nothing will update the index now
    const store = await storage.workspaceStore(granting.id);
    await store.write({ actor: 'staff:s1', action: 'provider-grant-revoke' }, (tx) => tx.update('provider_grants', grantId, { revoked_at: new Date().toISOString(), revoked_by: 's1' }));
    expect(await storage.providers.findRepairs(harbor.id, 'ABC1')).toHaveLength(1); // the index still lists it
    expect(await access.repairDetail(harbor, granting.id, roId)).toBeNull();
    expect(await access.lookup(harbor, 'ABC1')).toEqual([]);
    expect(await access.grantedShops(harbor)).toEqual([]);
    expect(await access.openExceptions(harbor)).toEqual([]);
  });

  it('the index follows plate, claim and insurer edits, and a grant made after the repairs', async () => {
    const { roId, vehicleId } = await addRepair(storage, granting, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: 'ABC1' });
    await index.idle();
    expect(await access.lookup(harbor, 'ABC1')).toEqual([]);
    await grant(storage, granting, harbor.id, ['harbor mutual']);
    await index.idle();
    expect((await access.lookup(harbor, 'abc1')).map((r) => r.roId)).toEqual([roId]);
    await shopWrite(storage, granting, (tx) => tx.update('vehicles', vehicleId, { plate: 'NEW 42' }));
    await shopWrite(storage, granting, (tx) => tx.update('repair_orders', roId, { claim_number: 'HM-2' }));
    await index.idle();
    expect(await access.lookup(harbor, 'ABC1')).toEqual([]);
    expect((await access.lookup(harbor, 'new-42')).map((r) => r.roId)).toEqual([roId]);
    expect((await access.lookup(harbor, 'hm2')).map((r) => r.roId)).toEqual([roId]);
    await shopWrite(storage, granting, (tx) => tx.update('repair_orders', roId, { insurer: 'Summit' }));
    await index.idle();
    expect(await storage.providers.findRepairs(harbor.id, 'NEW42')).toEqual([]);
  });

  it('tells listeners what happened to visible repairs, once, with ids that stay the same', async () => {
    await grant(storage, granting, harbor.id, ['Harbor Mutual']);
    const { roId } = await addRepair(storage, granting, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: 'ABC1' });
    const hidden = await addRepair(storage, granting, { roNumber: 1002, insurer: 'Summit', claim: 'S-1', plate: 'S1' });
    await index.idle();
    events.length = 0;
    let exceptionId = '';
    await shopWrite(storage, granting, async (tx) => {
      await tx.insert('stage_events', { ro_id: roId, stage: 'repair-started', at: '2026-11-23T14:00:00.000Z' });
      await tx.update('repair_orders', roId, { stage: 'repair-started' });
      await tx.insert('stage_events', { ro_id: hidden.roId, stage: 'repair-started', at: '2026-11-23T14:00:00.000Z' });
    });
    await shopWrite(storage, granting, async (tx) => {
      await tx.insert('promised_date_changes', { ro_id: roId, from_date: '2026-12-10', to_date: '2026-12-11', reason: 'Sublet', at: '2026-11-23T15:00:00.000Z' });
      exceptionId = await tx.insert('ro_exceptions', { ro_id: roId, tag: '#sublet', reason: 'sublet', opened_at: '2026-11-23T15:00:00.000Z' });
    });
    await shopWrite(storage, granting, (tx) => tx.update('ro_exceptions', exceptionId, { resolved_at: '2026-11-24T15:00:00.000Z' }));
    await shopWrite(storage, granting, async (tx) => {
      await tx.insert('stage_events', { ro_id: roId, stage: 'delivered', at: '2026-11-26T15:00:00.000Z' });
      await tx.update('repair_orders', roId, { stage: 'delivered', closed_at: '2026-11-26T15:00:00.000Z' });
    });
    await index.idle();
    expect(events.map((e) => [e.kind, e.roId === roId, e.providerId === harbor.id])).toEqual([
      ['stage-changed', true, true],
      ['promised-date-revised', true, true],
      ['exception-opened', true, true],
      ['exception-closed', true, true],
      ['stage-changed', true, true],
      ['delivered', true, true],
    ]);
    expect(events[0]!.data.stage).toBe('repair-started');
    expect(events[3]!.id).toBe(`${granting.id}/ro_exceptions/${exceptionId}/exception-closed`);
    // A second index over the same storage (another relay process, or after a restart) starts
    // where the first left off: nothing is told twice.
    const second = new ProviderIndex(storage);
    const again: RepairEvent[] = [];
    second.onRepairEvents((batch) => void again.push(...batch));
    await second.catchUpAll();
    expect(again).toEqual([]);
    // SLA figures: first notice (18 Nov) to repair start (23 Nov) is 5 days; check-in to delivery 6 days.
    const [shop] = await access.sla(harbor, new Date('2026-11-27T12:00:00.000Z'));
    expect(shop).toMatchObject({ firstNoticeToStartDays: 5, startedCount: 1, cycleDays: 6, deliveredCount: 1, openRepairs: 0 });
  });

  it('a view by a provider user is written to the repair\'s audit trail by the relay', async () => {
    await grant(storage, granting, harbor.id, ['Harbor Mutual']);
    const { roId } = await addRepair(storage, granting, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: 'ABC1' });
    await access.recordView(harbor, { id: 'u1', name: 'Ana Ruiz' }, granting.id, roId, 1001);
    const store = await storage.workspaceStore(granting.id);
    const trail = await store.db.selectFrom('audit_events').select(['actor', 'action', 'ro_id', 'detail']).where('ro_id', '=', roId).where('action', '=', 'provider-view').execute();
    expect(trail).toHaveLength(1);
    expect(trail[0]!.actor).toBe(`provider:${harbor.id}:u1`);
    expect(JSON.parse(trail[0]!.detail!).summary).toBe('RO 1001 viewed by Ana Ruiz of Harbor Mutual');
  });
});
