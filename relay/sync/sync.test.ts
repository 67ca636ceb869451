// Desks meeting through the relay, as a shop would live it, on both storage engines: a car
// checked in on one PC shows up on the other; a new PC restores the whole shop; work done while
// the relay is down arrives when it is back; a revoked PC is cut off.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, RepairOrderSummary, SyncStatus, WorkspaceSettings } from '../../src-shared/domain.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { dumpSyncedTables } from '../../src-main/testing/temp-desk.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';

const checkIn = (firstName: string, plate: string) => ({
  customer: { firstName, lastName: 'Okafor', mobile: '(512) 555-0123' },
  vehicle: { plate, make: 'Honda', model: 'Civic', year: 2021 },
  insurer: 'GEICO',
  claimNumber: `GE-${plate}`,
});

describe.each<Engine>(['sqlite', 'postgres'])('sync through the relay (%s)', (engine) => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('a car checked in on desk A appears on desk B, and the shop name comes from the relay', async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk('Front desk');
    const b = await f.pairNewDesk('Estimator');
    const settings = await call<WorkspaceSettings>(a.desk, 'workspace-get', {});
    expect(settings.name).toBe('Lakeside Collision');
    const ro = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('Ben', 'BAY 202'));
    await call(a.desk, 'ro-move-stage', { id: ro.id, stage: 'teardown' });
    const seen = await eventually('the RO on desk B', async () => {
      const board = await call<RepairOrderSummary[]>(b.desk, 'ro-board', {});
      return board.find((r) => r.id === ro.id && r.stage === 'teardown');
    });
    expect(seen.customerName).toBe('Ben Okafor');
    // B's search index followed the remote change.
    expect((await call<RepairOrderSummary[]>(b.desk, 'search-query', { q: 'bay 202' })).map((r) => r.id)).toEqual([ro.id]);
    const status = await call<SyncStatus>(a.desk, 'sync-status', {});
    expect(status).toMatchObject({ paired: true, online: true, offlineSince: null, workspace: 'lakeside' });
    await eventually('A to have nothing waiting', async () => (await call<SyncStatus>(a.desk, 'sync-status', {})).changesWaiting === 0);
  });

  it('three desks editing at once, without waiting for each other: every desk ends with every change of the relay log', async () => {
    f = await startRelayFixture(engine);
    const desks = [await f.pairNewDesk('Front desk'), await f.pairNewDesk('Estimator'), await f.pairNewDesk('Office')].map((d) => d.desk);
    const ro = await call<RepairOrderDetail>(desks[0]!, 'ro-check-in', checkIn('Ada', 'RUSH 1'));
    for (const desk of desks) {
      await eventually('the RO on every desk', async () => (await call<RepairOrderSummary[]>(desk, 'ro-board', {})).some((r) => r.id === ro.id));
    }
    // Each desk's edits overlap the others' pages, so pages sent as pushed and pages read back mix.
    await Promise.all(
      desks.map(async (desk, d) => {
        for (let i = 0; i < 15; i++) await call(desk, 'note-add', { roId: ro.id, body: `Desk ${d} note ${i}` });
      }),
    );
    const relay = await f.storage.workspaceStore(f.workspace.id);
    const keys = (changes: Array<{ stamp: string; table: string; row: string; column: string }>) =>
      changes.map((c) => `${c.stamp} ${c.table} ${c.row} ${c.column}`).sort();
    const tables = Object.keys(SYNCED_TABLES);
    await eventually('every desk to hold the relay log and the same tables', async () => {
      const log = keys((await relay.changesSince(0, { limit: 1_000_000 })).changes);
      for (const desk of desks) {
        if (JSON.stringify(keys((await desk.store.changesSince(0, { limit: 1_000_000 })).changes)) !== JSON.stringify(log)) return false;
      }
      return desks.every((desk) => JSON.stringify(dumpSyncedTables(desk, tables)) === JSON.stringify(dumpSyncedTables(desks[0]!, tables)));
    });
    expect((await call<{ notes: unknown[] }>(desks[2]!, 'ro-get', { id: ro.id })).notes).toHaveLength(45);
  });

  it('a page forwarded as pushed never steps over a change the desk has not been sent', async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk('Front desk');
    const b = await f.pairNewDesk('Estimator');
    const relay = await f.storage.workspaceStore(f.workspace.id);
    // A change logged on the relay with no announcement (as one from another relay process whose
    // NOTIFY is still on its way): B's session has not read it when A's push comes.
    await relay.write({ actor: 'relay', action: 'test' }, (tx) => tx.insert('customers', { id: 'unannounced', first_name: 'Quiet' }));
    const ro = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('Loud', 'LOUD 1'));
    await eventually('A\'s RO on B', async () => (await call<RepairOrderSummary[]>(b.desk, 'ro-board', {})).some((r) => r.id === ro.id));
    expect(b.desk.sqlite.prepare("SELECT first_name FROM customers WHERE id = 'unannounced'").get()).toEqual({ first_name: 'Quiet' });
  });

  it('a new PC paired later restores the whole workspace, and all three hold the same tables', async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk();
    for (let i = 0; i < 25; i++) await call(a.desk, 'ro-check-in', checkIn(`Customer${i}`, `NEW ${i}`));
    await eventually('A to push everything', async () => (await call<SyncStatus>(a.desk, 'sync-status', {})).changesWaiting === 0);
    const c = await f.pairNewDesk('New PC');
    await c.desk.syncClient!.whenCaughtUp();
    expect((await call<RepairOrderSummary[]>(c.desk, 'ro-board', {})).length).toBe(25);
    const tables = Object.keys(SYNCED_TABLES);
    await eventually('A to have C-free changes', async () => (await call<SyncStatus>(c.desk, 'sync-status', {})).changesWaiting === 0);
    expect(dumpSyncedTables(c.desk, tables)).toEqual(dumpSyncedTables(a.desk, tables));
    expect((await call<{ ok: boolean }>(c.desk, 'audit-verify', {})).ok).toBe(true);
  });

  it('work done while the relay is down arrives when it is back; the desk shows it was offline', async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk();
    const b = await f.pairNewDesk();
    await f.stop();
    await eventually('A to notice', async () => !(await call<SyncStatus>(a.desk, 'sync-status', {})).online);
    const ro = await call<RepairOrderDetail>(a.desk, 'ro-check-in', checkIn('Offline', 'OFF 1'));
    await call(a.desk, 'ro-move-stage', { id: ro.id, stage: 'estimate' });
    await call(a.desk, 'ro-move-stage', { id: ro.id, stage: 'teardown' });
    const offline = await call<SyncStatus>(a.desk, 'sync-status', {});
    expect(offline.online).toBe(false);
    expect(offline.offlineSince).not.toBeNull();
    expect(offline.changesWaiting).toBeGreaterThan(0);
    await f.restart();
    await eventually('the RO on desk B after the relay came back', async () => {
      const board = await call<RepairOrderSummary[]>(b.desk, 'ro-board', {});
      return board.find((r) => r.id === ro.id && r.stage === 'teardown');
    });
    await eventually('A to be online with nothing waiting', async () => {
      const s = await call<SyncStatus>(a.desk, 'sync-status', {});
      return s.online && s.changesWaiting === 0;
    });
  });

  it('a revoked desk is disconnected and refused, and says why', async () => {
    f = await startRelayFixture(engine, { deviceCheckMs: 100 });
    const a = await f.pairNewDesk();
    await eventually('A online', async () => (await call<SyncStatus>(a.desk, 'sync-status', {})).online);
    const [device] = await f.storage.listDevices(f.workspace.id);
    await f.storage.revokeDevice(device!.id, new Date().toISOString());
    const status = await eventually('A to be cut off', async () => {
      const s = await call<SyncStatus>(a.desk, 'sync-status', {});
      return !s.online && s.problem ? s : undefined;
    });
    expect(status.problem).toMatch(/disconnected from the shop/);
    // Work still goes on locally; it just stays here.
    await call(a.desk, 'ro-check-in', checkIn('Local', 'LOC 1'));
    expect((await call<SyncStatus>(a.desk, 'sync-status', {})).changesWaiting).toBeGreaterThan(0);
  });
});
