// RO numbers that never collide, on both storage engines, with the real relay over real
// WebSockets and real SQLite desks: two desks offline at once check in 50 cars each and, once
// synced, hold 100 distinct numbers, each still the one on its printed work order; blocks never
// overlap, across desks, relay processes and restarts; a duplicate from before blocks existed is
// renumbered once by the desk that made it, with an entry in the RO's activity; a desk meeting a
// relay from before blocks numbers as it did and keeps syncing.
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { AuditEntry, RepairOrderDetail, RepairOrderSummary, SyncStatus } from '../../src-shared/domain.js';
import type { RenderedPrint } from '../../src-shared/printing.js';
import { deskFrameSchema, RO_RESERVE_BASE } from '../../src-shared/sync/protocol.js';
import type { Desk } from '../../src-main/desk.js';
import { pdfText } from '../../src-main/printing/printed-pages.js';
import { readHeldRoNumbers } from '../../src-main/repair-orders/ro-numbers.js';
import Database from 'better-sqlite3';
import { createBackup, restoreBackup } from '../../src-main/db/backups.js';
import { renewNodeId } from '../../src-main/db/workspace-db.js';
import { deskPaths } from '../../src-main/desk.js';
import { deviceFile } from '../../src-main/sync/device.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { issuePairingCode } from '../pairing.js';
import { RO_BLOCK_SIZE, type RoBlockRecord } from '../storage/ro-number-blocks.js';
import { call, type Engine, eventually, openStorage, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { tempDir } from '../../src-main/testing/temp-desk.js';

const checkIn = (firstName: string, plate: string) => ({
  customer: { firstName, lastName: 'Okafor', mobile: '(512) 555-0123' },
  vehicle: { plate, make: 'Honda', model: 'Civic', year: 2021 },
  insurer: 'GEICO',
});

/** Both blocks and the reserve are in the desk's meta table. */
async function holdsTwoBlocks(desk: Desk): Promise<boolean> {
  const held = await readHeldRoNumbers(desk.db);
  return held !== null && held.blocks.length === 2 && held.reserve !== null;
}

async function numbersById(desk: Desk): Promise<Map<string, number>> {
  const board = await call<RepairOrderSummary[]>(desk, 'ro-board', { includeClosed: true });
  return new Map(board.map((r) => [r.id, r.roNumber]));
}

/** The RO number a person reads on the printed work order (its footer: "… give RO 1234."). */
function printedNumber(print: RenderedPrint): number {
  const text = pdfText(Buffer.from(print.pdfBase64, 'base64')).replace(/\s+/g, ' ');
  const m = /give RO (\d+)\./.exec(text);
  if (!m) throw new Error(`no RO number on the work order: ${text.slice(0, 200)}`);
  return Number(m[1]);
}

function expectNoOverlap(ranges: RoBlockRecord[]): void {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.first).toBeGreaterThan(sorted[i - 1]!.last);
}

async function synced(desk: Desk): Promise<boolean> {
  const s = await call<SyncStatus>(desk, 'sync-status', {});
  return s.online && s.changesWaiting === 0;
}

describe.each<Engine>(['sqlite', 'postgres'])('RO numbers (%s)', (engine) => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('two desks offline at once check in 50 cars each: 100 distinct numbers, each the one on its printed work order', async () => {
    f = await startRelayFixture(engine);
    const a = (await f.pairNewDesk('Front desk')).desk;
    const b = (await f.pairNewDesk('Estimator')).desk;
    await eventually('both desks to hold two blocks', async () => (await holdsTwoBlocks(a)) && (await holdsTwoBlocks(b)));
    await f.stop();
    await eventually('both desks offline', async () => !(await call<SyncStatus>(a, 'sync-status', {})).online && !(await call<SyncStatus>(b, 'sync-status', {})).online);

    const printed = new Map<string, number>();
    await Promise.all(
      [a, b].map(async (desk, d) => {
        for (let i = 0; i < 50; i++) {
          const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn(`Desk${d}Car${i}`, `D${d} ${i}`));
          // Every fifth work order is printed and read back (each print is a PDF and a pdftotext run).
          if (i % 5 === 0) {
            const print = await call<RenderedPrint>(desk, 'print-render', { roId: ro.id, kind: 'work-order', paper: 'letter' });
            expect(printedNumber(print)).toBe(ro.roNumber);
          }
          printed.set(ro.id, ro.roNumber);
        }
      }),
    );
    expect(new Set(printed.values()).size).toBe(100);

    await f.restart();
    await eventually('both desks to hold all 100 repairs with nothing waiting', async () => {
      if (!(await synced(a)) || !(await synced(b))) return false;
      return (await numbersById(a)).size === 100 && (await numbersById(b)).size === 100;
    });
    for (const desk of [a, b]) {
      const numbers = await numbersById(desk);
      expect(new Set(numbers.values()).size).toBe(100);
      // Every number is still the one printed, and from the shop's sequence (no reserve was needed).
      for (const [id, n] of printed) expect(numbers.get(id)).toBe(n);
      for (const n of numbers.values()) expect(n).toBeGreaterThanOrEqual(1001);
      for (const n of numbers.values()) expect(n).toBeLessThan(RO_RESERVE_BASE);
    }
    // Work orders printed again on the other desk carry the same numbers.
    for (const [id, n] of [...printed].filter((_, i) => i % 10 === 0)) {
      expect(printedNumber(await call<RenderedPrint>(b, 'print-render', { roId: id, kind: 'work-order', paper: 'letter' }))).toBe(n);
    }
    // Each desk started on its spare offline and asked for another once back.
    await eventually('both desks topped up again', async () => (await holdsTwoBlocks(a)) && (await holdsTwoBlocks(b)));
    expectNoOverlap(await f.storage.roNumbers.list(f.workspace.id));
    expect((await f.storage.roNumbers.list(f.workspace.id)).filter((r) => r.kind === 'block')).toHaveLength(6);
  }, 120_000);

  it('blocks never overlap: across desks, two relay processes granting at once, and a restart', async () => {
    f = await startRelayFixture(engine);
    const a = (await f.pairNewDesk('Front desk')).desk;
    const b = (await f.pairNewDesk('Estimator')).desk;
    await eventually('both desks to hold two blocks', async () => (await holdsTwoBlocks(a)) && (await holdsTwoBlocks(b)));
    const devices = await f.storage.listDevices(f.workspace.id);
    // On PostgreSQL a second storage on the same database (another relay process) grants at the
    // same time; a SQLite data folder belongs to one relay process, whose grants run concurrently.
    const other = engine === 'postgres' ? await openStorage(engine, f.location) : f.storage;
    try {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 ? other : f.storage).roNumbers.grant({
            workspaceId: f.workspace.id,
            deviceId: devices[i % devices.length]!.id,
            want: 1,
            floor: 1001,
            now: new Date().toISOString(),
          }),
        ),
      );
    } finally {
      if (other !== f.storage) await other.close();
    }
    const before = await f.storage.roNumbers.list(f.workspace.id);
    expectNoOverlap(before);
    expect(before.filter((r) => r.kind === 'block')).toHaveLength(16);
    // One reserve range per desk, above the shop's sequence.
    expect(before.filter((r) => r.kind === 'reserve').map((r) => r.first)).toEqual([RO_RESERVE_BASE + 1, RO_RESERVE_BASE + 1_000_001]);

    await f.restart();
    const c = (await f.pairNewDesk('Office')).desk;
    await eventually('the new desk to hold two blocks', () => holdsTwoBlocks(c));
    const after = await f.storage.roNumbers.list(f.workspace.id);
    expectNoOverlap(after);
    const highestBefore = Math.max(...before.filter((r) => r.kind === 'block').map((r) => r.last));
    const fresh = after.filter((r) => r.kind === 'block' && !before.some((o) => o.first === r.first));
    expect(fresh).toHaveLength(2);
    expect(fresh[0]!.first).toBe(highestBefore + 1);
    expect(fresh[1]!.last - fresh[0]!.first + 1).toBe(2 * RO_BLOCK_SIZE);
    const ro = await call<RepairOrderDetail>(c, 'ro-check-in', checkIn('Cora', 'NEW 1'));
    expect(ro.roNumber).toBe(highestBefore + 1);
  });

  it('a desk that numbered without the relay brings its numbers: its first block starts above them', async () => {
    f = await startRelayFixture(engine);
    const a = (await f.pairNewDesk('Front desk')).desk;
    // A desk that ran alone, numbering one past the highest it knew.
    const { Desk } = await import('../../src-main/desk.js');
    const alone = await Desk.open({ dataDir: tempDir(), workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    try {
      await call(alone, 'workspace-update', { roNumberStart: 30001 });
      for (let i = 0; i < 3; i++) await call(alone, 'ro-check-in', checkIn(`Alone${i}`, `AL ${i}`));
      expect([...(await numbersById(alone)).values()].sort()).toEqual([30001, 30002, 30003]);
      const { code } = await issuePairingCode(f.storage, f.workspace.id);
      await alone.pair({ relayUrl: f.relay.url, code, deviceName: 'Back office' }, { minBackoffMs: 20, maxBackoffMs: 200 });
      await eventually('the paired desk to hold two blocks', () => holdsTwoBlocks(alone));
      const device = (await f.storage.listDevices(f.workspace.id)).find((d) => d.name === 'Back office')!;
      const own = (await f.storage.roNumbers.list(f.workspace.id)).filter((r) => r.kind === 'block' && r.deviceId === device.id);
      // The blocks handed out with the pairing (before the relay saw 30001-30003) stay unused.
      // The front desk, seeing the shop's new starting number, may ask for its blocks first: the
      // back office's then start one or two blocks higher, but always above what it numbered alone.
      const fresh = own.filter((r) => r.first > 30003).map((r) => r.first);
      expect(fresh).toHaveLength(2);
      expect([30004, 30004 + RO_BLOCK_SIZE, 30004 + 2 * RO_BLOCK_SIZE]).toContain(fresh[0]);
      expect(fresh[1]).toBe(fresh[0]! + RO_BLOCK_SIZE);
      expect((await readHeldRoNumbers(alone.db))!.blocks.map((b) => b.first)).toEqual(fresh);
      const ro = await call<RepairOrderDetail>(alone, 'ro-check-in', checkIn('Paired', 'PR 1'));
      expect(ro.roNumber).toBe(fresh[0]);
      expectNoOverlap((await f.storage.roNumbers.list(f.workspace.id)).filter((r) => r.kind === 'block'));
    } finally {
      await alone.close();
    }
  });

  it('the shop raises its starting number: the next RO starts there, from a new block, not from the reserve', async () => {
    f = await startRelayFixture(engine);
    const a = (await f.pairNewDesk('Front desk')).desk;
    const first = await call<RepairOrderDetail>(a, 'ro-check-in', checkIn('Before', 'BF 1'));
    expect(first.roNumber).toBe(1001);
    await call(a, 'workspace-update', { roNumberStart: 24001 });
    const numbers: number[] = [];
    for (let i = 0; i < 3; i++) numbers.push((await call<RepairOrderDetail>(a, 'ro-check-in', checkIn(`After${i}`, `AF ${i}`))).roNumber);
    expect(numbers).toEqual([24001, 24002, 24003]);
    const blocks = (await f.storage.roNumbers.list(f.workspace.id)).filter((r) => r.kind === 'block');
    expect(blocks.filter((r) => r.first >= 24001).map((r) => r.first)).toEqual([24001, 24001 + RO_BLOCK_SIZE]);
    expectNoOverlap(blocks);
  });

  it('a desk paired and offline at once numbers from the blocks that came with its pairing', async () => {
    f = await startRelayFixture(engine);
    const dataDir = tempDir();
    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    await pairDesk({ dataDir, relayUrl: f.relay.url, code, deviceName: 'Loaner laptop' });
    await f.stop();
    const { Desk } = await import('../../src-main/desk.js');
    const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200 } });
    try {
      expect(await holdsTwoBlocks(desk)).toBe(true);
      const storage = await openStorage(engine, f.location);
      let given: RoBlockRecord[];
      try {
        given = await storage.roNumbers.list(f.workspace.id);
      } finally {
        await storage.close();
      }
      expect(given.map((r) => r.kind)).toEqual(['block', 'block', 'reserve']);
      const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn('Offline', 'OFF 1'));
      expect(ro.roNumber).toBe(given[0]!.first);
    } finally {
      await desk.close();
    }
  });

  it('a pre-existing duplicate is renumbered once, by the desk with the later check-in, with its activity entry, everywhere', async () => {
    f = await startRelayFixture(engine);
    const a = await f.pairNewDesk('Front desk');
    const b = await f.pairNewDesk('Estimator');
    await eventually('both desks to hold two blocks', async () => (await holdsTwoBlocks(a.desk)) && (await holdsTwoBlocks(b.desk)));
    await f.stop();
    // Written as a desk from before blocks wrote it: one past the highest, the same on both.
    const oldStyle = (desk: Desk, name: string, at: string) =>
      desk.store.write({ actor: 'system', action: 'ro-check-in', summary: 'Car checked in' }, async (tx) => {
        const customerId = await tx.insert('customers', { first_name: name, last_name: 'Early', created_at: at });
        return tx.insert('repair_orders', { ro_number: 24310, customer_id: customerId, stage: 'pictures', checked_in_at: at });
      });
    const earlier = await oldStyle(a.desk, 'Anna', '2026-11-02T14:00:00.000Z');
    const later = await oldStyle(b.desk, 'Bert', '2026-11-02T15:30:00.000Z');
    const heldB = (await readHeldRoNumbers(b.desk.db))!;
    const expected = heldB.blocks[0]!.first;
    await f.restart();

    for (const desk of [a.desk, b.desk]) {
      await eventually('the duplicate renumbered on every desk', async () => {
        const numbers = await numbersById(desk);
        return numbers.get(earlier) === 24310 && numbers.get(later) === expected && (await synced(desk));
      });
      const activity = await call<AuditEntry[]>(desk, 'audit-list', { roId: later });
      expect(activity.map((e) => e.summary)).toContain(`RO 24310 was also given to another repair; renumbered ${expected}`);
      expect((await call<AuditEntry[]>(desk, 'audit-list', { roId: earlier })).some((e) => e.action === 'ro-renumber')).toBe(false);
      // Found by its new number, and printed with it.
      expect((await call<RepairOrderSummary[]>(desk, 'search-query', { q: String(expected) })).map((r) => r.id)).toEqual([later]);
      expect(printedNumber(await call<RenderedPrint>(desk, 'print-render', { roId: later, kind: 'work-order', paper: 'letter' }))).toBe(expected);
    }
    const relay = await f.storage.workspaceStore(f.workspace.id);
    const renumbers = async () =>
      (await relay.db.selectFrom('audit_events').select('id').where('action', '=', 'ro-renumber').execute()).length;
    await eventually('the renumbering on the relay', async () => (await renumbers()) === 1);
    const onRelay = await relay.db.selectFrom('repair_orders').select(['id', 'ro_number']).where('id', 'in', [earlier, later]).execute();
    expect(Object.fromEntries(onRelay.map((r) => [r.id, Number(r.ro_number)]))).toEqual({ [earlier]: 24310, [later]: expected });

    // Reported once: reopening the desks and syncing again changes nothing more.
    await b.desk.close();
    await a.desk.close();
    const { Desk } = await import('../../src-main/desk.js');
    const reopened = [
      await Desk.open({ dataDir: a.dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200 } }),
      await Desk.open({ dataDir: b.dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200 } }),
    ];
    try {
      for (const desk of reopened) {
        await desk.syncClient!.whenCaughtUp();
        await desk.roNumbers!.settled();
        expect((await numbersById(desk)).get(later)).toBe(expected);
      }
      expect(await renumbers()).toBe(1);
      for (const desk of reopened) {
        expect(desk.sqlite.prepare("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'ro-renumber'").get()).toEqual({ n: 1 });
      }
    } finally {
      for (const desk of reopened) await desk.close();
    }
  });
});

describe('RO numbers when a desk runs out offline (sqlite)', () => {
  let f: RelayFixture;
  afterEach(async () => {
    await f?.cleanup();
  });

  it('a desk restored from a backup drops the numbers it held and gets new blocks and a new reserve', async () => {
    f = await startRelayFixture('sqlite');
    const { desk, dataDir } = await f.pairNewDesk('Front desk');
    expect((await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn('Before', 'BK 1'))).roNumber).toBe(1001);
    const backup = await createBackup(desk.sqlite, desk.backupDir, 'manual');
    const oldReserve = (await readHeldRoNumbers(desk.db))!.reserve!;
    for (let i = 0; i < 2; i++) await call(desk, 'ro-check-in', checkIn(`After${i}`, `AB ${i}`));
    await eventually('the later check-ins on the relay', () => synced(desk));
    await desk.close();
    // What `desk restore` does: the file back, and a new node id for it.
    const database = deskPaths(dataDir, desk.slug).database;
    await restoreBackup(database, backup.file, desk.backupDir);
    const sqlite = new Database(database);
    renewNodeId(sqlite);
    sqlite.close();
    const { Desk } = await import('../../src-main/desk.js');
    const restored = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200 } });
    try {
      await restored.syncClient!.whenCaughtUp();
      const ro = await call<RepairOrderDetail>(restored, 'ro-check-in', checkIn('Restored', 'RS 1'));
      // The pairing gave 1001-1100; what it held from them is gone, and the relay gave more.
      expect(ro.roNumber).toBe(1101);
      const held = (await readHeldRoNumbers(restored.db))!;
      expect(held.reserve!.first).toBeGreaterThan(oldReserve.last);
      expectNoOverlap(await f.storage.roNumbers.list(f.workspace.id));
    } finally {
      await restored.close();
    }
  });

  it('numbers from its own reserve range, which no other desk uses, and the check-in never fails', async () => {
    f = await startRelayFixture('sqlite');
    const a = (await f.pairNewDesk('Front desk')).desk;
    await eventually('two blocks', () => holdsTwoBlocks(a));
    const held = (await readHeldRoNumbers(a.db))!;
    await f.stop();
    // Spend both blocks as if a long day had gone by (check-ins would take them one by one).
    held.blocks = [{ first: held.blocks[1]!.last, last: held.blocks[1]!.last }];
    a.sqlite.prepare("UPDATE meta SET value = ? WHERE key = 'ro-numbers:held'").run(JSON.stringify(held));
    const last = await call<RepairOrderDetail>(a, 'ro-check-in', checkIn('Last', 'BLK 1'));
    expect(last.roNumber).toBe(held.blocks[0]!.last);
    const first = await call<RepairOrderDetail>(a, 'ro-check-in', checkIn('Reserve', 'RES 1'));
    const second = await call<RepairOrderDetail>(a, 'ro-check-in', checkIn('Reserve', 'RES 2'));
    expect([first.roNumber, second.roNumber]).toEqual([held.reserve!.first, held.reserve!.first + 1]);
    const reserves = (await openStorageList(f)).filter((r) => r.kind === 'reserve');
    expect(reserves.filter((r) => r.first <= first.roNumber && first.roNumber <= r.last)).toHaveLength(1);
  });
});

async function openStorageList(f: RelayFixture): Promise<RoBlockRecord[]> {
  const storage = await openStorage('sqlite', f.location);
  try {
    return await storage.roNumbers.list(f.workspace.id);
  } finally {
    await storage.close();
  }
}

describe('RO numbers with a relay from before blocks (sqlite)', () => {
  let f: RelayFixture;
  afterEach(async () => {
    vi.restoreAllMocks();
    await f?.cleanup();
  });

  it('the desk numbers as before and keeps syncing, instead of reconnecting over a frame the relay refuses', async () => {
    f = await startRelayFixture('sqlite');
    // The relay as it was: its desk frames are hello, push and ack only, and pairing gives no numbers.
    const before = z.discriminatedUnion(
      't',
      deskFrameSchema.options.filter((o) => o.shape.t.value !== 'numbers-request') as unknown as [z.ZodObject, ...z.ZodObject[]],
    );
    vi.spyOn(deskFrameSchema, 'safeParse').mockImplementation((data) => before.safeParse(data) as ReturnType<typeof deskFrameSchema.safeParse>);
    const dataDir = tempDir();
    const { code } = await issuePairingCode(f.storage, f.workspace.id);
    await pairDesk({ dataDir, relayUrl: f.relay.url, code, deviceName: 'Front desk' });
    const { numbers: _numbers, ...credential } = JSON.parse(fs.readFileSync(deviceFile(dataDir), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(deviceFile(dataDir), JSON.stringify(credential));
    const { Desk } = await import('../../src-main/desk.js');
    const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200 } });
    try {
      await desk.syncClient!.whenCaughtUp();
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) numbers.push((await call<RepairOrderDetail>(desk, 'ro-check-in', checkIn(`Old${i}`, `OLD ${i}`))).roNumber);
      expect(numbers).toEqual([1001, 1002, 1003]);
      const relay = await f.storage.workspaceStore(f.workspace.id);
      await eventually('the check-ins on the relay', async () => {
        const rows = await relay.db.selectFrom('repair_orders').select('ro_number').execute();
        return rows.length === 3 && (await synced(desk));
      });
      // It asked once, was refused once, and then stayed connected.
      const asked = vi.mocked(deskFrameSchema.safeParse).mock.calls.filter(([frame]) => (frame as { t?: string }).t === 'numbers-request');
      expect(asked).toHaveLength(1);
      expect((await call<SyncStatus>(desk, 'sync-status', {})).problem).toBeNull();
    } finally {
      await desk.close();
    }
  });
});
