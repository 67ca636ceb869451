// Workspaces on one relay are sealed from each other, on both storage engines: a device of shop A
// reads only A's log, cannot name B in a frame, and pushing B's row ids only ever touches A's
// store. Credentials do not mix across devices, a revoked one is refused, and an open socket of a
// device revoked elsewhere (the admin CLI) is closed within the device-check interval.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, RepairOrderSummary, SyncStatus } from '../../src-shared/domain.js';
import { formatStamp } from '../../src-shared/sync/hlc.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode, type Paired, redeem } from '../pairing.js';
import { type RunningRelay, startRelay } from '../server.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { RawSyncSocket } from '../testing/raw-sync-socket.js';
import { call, type Engine, eventually, openStorage } from '../testing/sync-fixture.js';

const DEVICE_CHECK_MS = 400;
const TABLES = Object.keys(SYNCED_TABLES);

interface Shop {
  workspace: WorkspaceRecord;
  desk: Desk;
  /** A second device of this shop, for raw sockets. */
  raw: Paired;
  /** The customer and RO made on this shop's desk. */
  ro: RepairOrderDetail;
}

type Streamed = { stamp: string; table: string; row: string; column: string; value: unknown };

const checkIn = (firstName: string, lastName: string, plate: string) => ({
  customer: { firstName, lastName, mobile: '(512) 555-0170' },
  vehicle: { plate, make: 'Volvo', model: 'XC60', year: 2020 },
  insurer: 'Progressive',
  claimNumber: `PR-${plate}`,
});

/** A workspace's whole relay store as one string: every synced table, the log and the cell stamps. */
async function dumpStore(storage: RelayStorage, workspaceId: string): Promise<string> {
  const store = await storage.workspaceStore(workspaceId);
  const tables: Record<string, unknown> = {};
  for (const t of [...TABLES, 'cell_stamps']) {
    const rows = await store.db.selectFrom(t as never).selectAll().execute();
    tables[t] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify({ tables, log: (await store.changesSince(0, { limit: 1e6 })).changes });
}

function randomNode(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16);
}

/** hello with `cursor`, then every page, acknowledged, until the relay says it is caught up. */
async function pullAll(s: RawSyncSocket, node: string, cursor: number): Promise<{ welcome: Record<string, unknown>; changes: Streamed[]; cursor: number }> {
  s.send({ t: 'hello', node, cursor });
  const { frame: welcome } = await s.next((f) => f.t === 'welcome');
  const changes: Streamed[] = [];
  let from = 0;
  for (let page = 0; page < 1000; page++) {
    const { frame, index } = await s.next<{ changes: Streamed[]; cursor: number; more: boolean }>((f) => f.t === 'changes', 10_000, from);
    from = index + 1;
    changes.push(...frame.changes);
    s.send({ t: 'ack', cursor: frame.cursor });
    if (!frame.more) return { welcome, changes, cursor: frame.cursor };
  }
  throw new Error('more than 1000 pages');
}

describe.each<Engine>(['sqlite', 'postgres'])('workspace isolation (%s)', (engine) => {
  let database: TestDatabase | null = null;
  let storage: RelayStorage;
  let relay: RunningRelay;
  let A: Shop;
  let B: Shop;
  const desks: Desk[] = [];

  const authA = () => bearer(A.raw.deviceId, A.raw.secret);

  async function newDevice(workspaceId: string, name: string): Promise<Paired> {
    const { code } = await issuePairingCode(storage, workspaceId);
    return redeem(storage, { code, deviceName: name });
  }

  beforeAll(async () => {
    let location: string;
    if (engine === 'postgres') {
      database = await createTestDatabase();
      location = database.url;
    } else {
      location = tempDir('bayline-relay-');
    }
    storage = await openStorage(engine, location);
    const wsA = await storage.createWorkspace({ slug: 'alpha-body', name: 'Alpha Body Shop' });
    const wsB = await storage.createWorkspace({ slug: 'bravo-collision', name: 'Bravo Collision' });
    relay = await startRelay({ storage, port: 0, logger: false, deviceCheckMs: DEVICE_CHECK_MS });

    const shop = async (workspace: WorkspaceRecord, first: string, last: string, plate: string): Promise<Shop> => {
      const dataDir = tempDir();
      const { code } = await issuePairingCode(storage, workspace.id);
      await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: `${workspace.slug} front desk` });
      const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 } });
      desks.push(desk);
      await desk.syncClient!.whenCaughtUp();
      const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn(first, last, plate));
      await call(desk, 'note-add', { roId: ro.id, body: `${last} note: rear bumper` });
      await eventually(`${workspace.slug} to push everything`, async () => (await call<SyncStatus>(desk, 'sync-status', {})).changesWaiting === 0);
      return { workspace, desk, raw: await newDevice(workspace.id, `${workspace.slug} raw`), ro };
    };
    A = await shop(wsA, 'Alma', 'Alphason', 'ALF 111');
    B = await shop(wsB, 'Bruno', 'Bravoski', 'BRV 222');
  });

  afterAll(async () => {
    await Promise.all(desks.splice(0).map((d) => d.close().catch(() => undefined)));
    await relay?.close();
    await storage?.close();
    await database?.drop();
  });

  it("hello with cursor 0 on A's credential streams exactly A's log, and nothing of B's, then and later", async () => {
    const storeA = await storage.workspaceStore(A.workspace.id);
    const storeB = await storage.workspaceStore(B.workspace.id);
    const logA = (await storeA.changesSince(0, { limit: 1e6 })).changes;
    const logB = (await storeB.changesSince(0, { limit: 1e6 })).changes;
    const idsA = new Set(logA.map((c) => c.row));
    const stampsB = new Set(logB.map((c) => c.stamp));
    // Natural keys (the settings row, standard exception tags) exist in both shops; the rest are B's own.
    const onlyB = new Set(logB.map((c) => c.row).filter((id) => !idsA.has(id)));
    expect(onlyB.has(B.ro.id)).toBe(true);

    const s = await RawSyncSocket.open(relay.url, authA());
    try {
      const node = randomNode();
      const pulled = await pullAll(s, node, 0);
      expect(pulled.welcome.workspace).toEqual({ id: A.workspace.id, slug: 'alpha-body', name: 'Alpha Body Shop' });
      const key = (c: Streamed) => JSON.stringify([c.stamp, c.table, c.row, c.column, c.value]);
      expect(pulled.changes.map(key).sort()).toEqual(logA.map(({ seq: _seq, ...c }) => key(c)).sort());
      const leaks = (changes: Streamed[]) =>
        changes.filter((c) => stampsB.has(c.stamp) || onlyB.has(c.row) || JSON.stringify(c.value).includes('Bravo') || JSON.stringify(c.value).includes('BRV'));
      expect(leaks(pulled.changes)).toEqual([]);

      // Live: B's desk edits (its announcement must not wake A's sessions with B's data), then A's.
      const before = s.frames.length;
      const bro = await call<RepairOrderDetail>(B.desk, 'ro-check-in', checkIn('Bianca', 'Bravoski', 'BRV 333'));
      await eventually("B's new RO in B's relay store", async () =>
        (await storeB.changesSince(0, { limit: 1e6 })).changes.some((c) => c.row === bro.id),
      );
      const aro = await call<RepairOrderDetail>(A.desk, 'ro-check-in', checkIn('Anders', 'Alphason', 'ALF 444'));
      const { frame } = await s.next<{ changes: Streamed[] }>((f) => f.t === 'changes' && (f.changes as Streamed[]).some((c) => c.row === aro.id), 10_000, before);
      const later = s.frames.slice(before).flatMap((f) => ((f as { t: string }).t === 'changes' ? (f as { changes: Streamed[] }).changes : []));
      expect(frame.changes.length).toBeGreaterThan(0);
      const stampsB2 = new Set((await storeB.changesSince(0, { limit: 1e6 })).changes.map((c) => c.stamp));
      expect(later.filter((c) => stampsB2.has(c.stamp) || c.row === bro.id || JSON.stringify(c.value).includes('BRV'))).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("a push naming workspace B in an extra field is refused, and nothing lands in either shop", async () => {
    const dumpA = await dumpStore(storage, A.workspace.id);
    const dumpB = await dumpStore(storage, B.workspace.id);
    const node = randomNode();
    const change = (row: string) => ({
      table: 'customers',
      row,
      column: 'first_name',
      value: 'Smuggled',
      stamp: formatStamp({ millis: Date.now(), counter: 0, node }),
    });
    const frames: object[] = [
      { t: 'push', id: 1, changes: [change(randomUUID())], workspace: B.workspace.id },
      { t: 'push', id: 2, changes: [change(randomUUID())], workspaceId: B.workspace.id },
      { t: 'push', id: 3, changes: [change(B.ro.customer.id)], workspace: { id: B.workspace.id, slug: B.workspace.slug } },
      { t: 'push', id: 4, changes: [{ ...change(B.ro.customer.id), workspace: B.workspace.id }] },
      { t: 'push', id: 5, changes: [{ ...change(randomUUID()), workspaceId: B.workspace.id }] },
      { t: 'hello', node, cursor: 0, workspace: B.workspace.slug },
    ];
    for (const f of frames) {
      const s = await RawSyncSocket.open(relay.url, authA());
      if ((f as { t: string }).t !== 'hello') {
        s.send({ t: 'hello', node, cursor: 0 });
        await s.next((fr) => fr.t === 'changes');
      }
      const from = s.frames.length;
      s.send(f);
      const closed = await s.waitClosed();
      expect({ frame: (f as { id?: number }).id ?? 'hello', code: closed.code }).toEqual({ frame: (f as { id?: number }).id ?? 'hello', code: 4400 });
      expect(s.frames.slice(from)).toEqual([
        expect.objectContaining({ t: 'error', code: expect.stringMatching(/^invalid-(frame|change)$/), message: expect.stringMatching(/workspace/) }),
      ]);
    }
    expect(await dumpStore(storage, A.workspace.id)).toBe(dumpA);
    expect(await dumpStore(storage, B.workspace.id)).toBe(dumpB);
  });

  it("pushing changes to B's row ids on A's credential touches only A's store", async () => {
    const dumpB = await dumpStore(storage, B.workspace.id);
    const storeA = await storage.workspaceStore(A.workspace.id);
    const node = randomNode();
    let counter = 0;
    const stamp = () => formatStamp({ millis: Date.now(), counter: counter++, node });
    const changes = [
      { table: 'customers', row: B.ro.customer.id, column: 'first_name', value: 'Hijacked', stamp: stamp() },
      { table: 'repair_orders', row: B.ro.id, column: 'stage', value: 'closed', stamp: stamp() },
      { table: 'repair_orders', row: B.ro.id, column: 'insurer', value: 'Hijack Mutual', stamp: stamp() },
      // The settings row has the same id in every shop.
      { table: 'workspace_settings', row: 'workspace', column: 'phone', value: '+15125550000', stamp: stamp() },
    ];
    const s = await RawSyncSocket.open(relay.url, authA());
    try {
      s.send({ t: 'hello', node, cursor: 0 });
      await s.next((f) => f.t === 'changes');
      s.send({ t: 'push', id: 7, changes });
      const { frame } = await s.next<{ id: number; logged: number }>((f) => f.t === 'pushed' || f.t === 'error');
      expect(frame).toMatchObject({ t: 'pushed', id: 7, logged: changes.length });
    } finally {
      await s.close();
    }
    // It is in A's store (and reaches A's desk) ...
    const logA = (await storeA.changesSince(0, { limit: 1e6 })).changes;
    for (const c of changes) expect(logA.some((l) => l.stamp === c.stamp && l.row === c.row)).toBe(true);
    const hijacked = await storeA.db.selectFrom('customers').select('first_name').where('id', '=', B.ro.customer.id).executeTakeFirst();
    expect(hijacked?.first_name).toBe('Hijacked');
    await eventually("the push to reach A's desk", async () =>
      (A.desk.sqlite.prepare('SELECT first_name FROM customers WHERE id = ?').get(B.ro.customer.id) as { first_name?: string } | undefined)?.first_name === 'Hijacked',
    );
    // ... and B's store is byte for byte what it was; B's desk still shows its own data.
    expect(await dumpStore(storage, B.workspace.id)).toBe(dumpB);
    const boardB = await call<RepairOrderSummary[]>(B.desk, 'ro-board', { includeClosed: true });
    const bro = boardB.find((r) => r.id === B.ro.id);
    expect(bro).toMatchObject({ customerName: 'Bruno Bravoski', insurer: 'Progressive' });
    expect(bro?.stage).not.toBe('closed');
  });

  it("a device id with another device's secret is refused with 401, across shops and within one", async () => {
    const a2 = await newDevice(A.workspace.id, 'alpha second');
    const attempts = [
      bearer(A.raw.deviceId, B.raw.secret),
      bearer(B.raw.deviceId, A.raw.secret),
      bearer(A.raw.deviceId, a2.secret),
      bearer(a2.deviceId, A.raw.secret),
    ];
    for (const auth of attempts) {
      const r = await RawSyncSocket.connect(relay.url, auth);
      if (r instanceof RawSyncSocket) await r.close();
      expect(r instanceof RawSyncSocket ? 'upgraded' : r.status).toBe(401);
    }
    // The right pairs still work, each in its own shop.
    for (const [p, ws] of [
      [A.raw, A.workspace],
      [B.raw, B.workspace],
      [a2, A.workspace],
    ] as const) {
      const s = await RawSyncSocket.open(relay.url, bearer(p.deviceId, p.secret));
      s.send({ t: 'hello', node: randomNode(), cursor: Number.MAX_SAFE_INTEGER });
      const { frame } = await s.next<{ workspace: { id: string } }>((f) => f.t === 'welcome');
      expect(frame.workspace.id).toBe(ws.id);
      await s.close();
    }
  });

  it('a credential replayed after revocation is refused with 403 (and a wrong secret still gets 401)', async () => {
    const doomed = await newDevice(A.workspace.id, 'alpha doomed');
    const ok = await RawSyncSocket.open(relay.url, bearer(doomed.deviceId, doomed.secret));
    await ok.close();
    await storage.revokeDevice(doomed.deviceId, new Date().toISOString());
    const replayed = await RawSyncSocket.connect(relay.url, bearer(doomed.deviceId, doomed.secret));
    if (replayed instanceof RawSyncSocket) await replayed.close();
    expect(replayed instanceof RawSyncSocket ? 'upgraded' : replayed.status).toBe(403);
    const guessed = await RawSyncSocket.connect(relay.url, bearer(doomed.deviceId, B.raw.secret));
    if (guessed instanceof RawSyncSocket) await guessed.close();
    expect(guessed instanceof RawSyncSocket ? 'upgraded' : guessed.status).toBe(401);
  });

  it('an open socket of a device revoked elsewhere is closed with 4403 within the device-check interval', async () => {
    const doomed = await newDevice(A.workspace.id, 'alpha revoked while open');
    const s = await RawSyncSocket.open(relay.url, bearer(doomed.deviceId, doomed.secret));
    s.send({ t: 'hello', node: randomNode(), cursor: 0 });
    await s.next((f) => f.t === 'changes');
    const connected = relay.hub.connectedCount;
    // Straight in the storage, as the admin CLI does from another process: the hub is not told.
    const t0 = Date.now();
    await storage.revokeDevice(doomed.deviceId, new Date().toISOString());
    const closed = await s.waitClosed(DEVICE_CHECK_MS * 5);
    const elapsed = Date.now() - t0;
    expect(closed.code).toBe(4403);
    // One interval, plus a little for the storage read and the close handshake on a busy machine.
    expect(elapsed).toBeLessThan(DEVICE_CHECK_MS + 400);
    await eventually('the session to be gone', async () => relay.hub.connectedCount === connected - 1, 5000);
    // The shops' real desks were not touched.
    const ro = await call<RepairOrderDetail>(A.desk, 'ro-check-in', checkIn('Still', 'Alphason', 'ALF 555'));
    await eventually('A to push after the revocation', async () =>
      (await (await storage.workspaceStore(A.workspace.id)).changesSince(0, { limit: 1e6 })).changes.some((c) => c.row === ro.id),
    );
  });
});
