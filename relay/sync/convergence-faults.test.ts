// Convergence under faults, on both engines: two desks make 1,000 random edits each while their
// lines are cut at random, and the relay process is killed with SIGKILL once and started again.
// At the end the two desks and the relay hold identical workspace data, and every edit is there
// exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, RepairOrderSummary, SyncStatus } from '../../src-shared/domain.js';
import { STAGES } from '../../src-shared/stages.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { dumpSyncedTables, tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { type FaultProxy, startFaultProxy } from '../testing/fault-proxy.js';
import { freePort, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { call, type Engine, eventually, newStorageLocation, openStorage } from '../testing/sync-fixture.js';

const EDITS_PER_DESK = 1000;
const TABLES = Object.keys(SYNCED_TABLES);

/** A small deterministic generator, so a failure can be replayed from its seed. */
function random(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

describe.each<Engine>(['sqlite', 'postgres'])('convergence under faults (%s)', (engine) => {
  let relay: RelayProcess | null = null;
  let dropStorage: (() => Promise<void>) | null = null;
  const proxies: FaultProxy[] = [];
  const desks: Desk[] = [];

  afterEach(async () => {
    await Promise.all(desks.splice(0).map((d) => d.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    await relay?.kill();
    relay = null;
    await dropStorage?.();
    dropStorage = null;
  });

  it('two desks, 1,000 edits each, lines cut at random, relay killed once: identical data, every edit once', async () => {
    const seed = Number(process.env.BAYLINE_FAULT_SEED ?? Date.now() % 100_000);
    const rand = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

    const place = await newStorageLocation(engine);
    dropStorage = place.drop;
    const location = place.location;
    const setup = await openStorage(engine, location);
    const workspace = await setup.createWorkspace({ slug: 'faults', name: 'Fault Line Collision' });
    const codes = [await issuePairingCode(setup, workspace.id), await issuePairingCode(setup, workspace.id)];
    await setup.close();

    const port = await freePort();
    relay = await spawnRelay(location, port);
    for (const [i, { code }] of codes.entries()) {
      const proxy = await startFaultProxy(port);
      proxies.push(proxy);
      const dataDir = tempDir();
      await pairDesk({ dataDir, relayUrl: proxy.url, code, deviceName: `Desk ${i}` });
      desks.push(await Desk.open({ dataDir, syncOptions: { minBackoffMs: 10, maxBackoffMs: 150, heartbeatMs: 1000 } }));
    }

    const notesMade: string[][] = [[], []];
    const stageEventsMade = [0, 0];
    let killedAt = -1;
    let restarting: Promise<void> | null = null;

    for (let step = 0; step < EDITS_PER_DESK; step++) {
      for (const [d, desk] of desks.entries()) {
        const board = await call<RepairOrderSummary[]>(desk, 'ro-board', { includeClosed: true });
        const ro = board.length > 0 ? pick(board) : null;
        const roll = rand();
        if (!ro || roll < 0.1) {
          await call(desk, 'ro-check-in', {
            customer: { firstName: pick(['Ana', 'José', 'Zoë', 'Hương']), lastName: `D${d}-${step}` },
            vehicle: { plate: `F${d} ${step}` },
            allowDuplicate: true,
          });
          stageEventsMade[d]! += 1;
        } else if (roll < 0.4) {
          const stage = pick(STAGES.filter((s) => s !== ro.stage));
          await call(desk, 'ro-move-stage', { id: ro.id, stage });
          stageEventsMade[d]! += 1;
        } else if (roll < 0.6) {
          const body = `note ${d}-${step}`;
          await call(desk, 'note-add', { roId: ro.id, body });
          notesMade[d]!.push(body);
        } else if (roll < 0.75) {
          await call(desk, 'ro-change-promised-date', {
            id: ro.id,
            date: `2026-12-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
            reason: `Reason ${d}-${step}`,
          });
        } else if (roll < 0.85) {
          const detail = await call<RepairOrderDetail>(desk, 'ro-get', { id: ro.id });
          await call(desk, 'customer-update', { id: detail.customer.id, firstName: pick(['Ana', 'Øyvind', 'Siobhán', 'Liam']) });
        } else if (roll < 0.95) {
          await call(desk, 'exception-add', { roId: ro.id, tag: pick(['#partsdelay', '#sublet', '#insurerdelay']) });
        } else {
          await call(desk, 'workspace-update', { colorAccent: pick(['#f2a900', '#2a9d8f', '#e76f51']) });
        }
      }
      // The line drops now and then, for one desk or both.
      if (rand() < 0.04) pick(proxies).cutAll();
      if (rand() < 0.01) for (const p of proxies) p.cutAll();
      // Halfway through, the relay dies without warning and comes back while the desks work on.
      if (step === Math.floor(EDITS_PER_DESK / 2)) {
        killedAt = step;
        restarting = relay!.kill().then(async () => {
          relay = await spawnRelay(location, port);
        });
      }
    }
    await restarting;
    expect(killedAt).toBeGreaterThan(0);

    await eventually(
      'both desks to be online with nothing waiting',
      async () => {
        const states = await Promise.all(desks.map((d) => call<SyncStatus>(d, 'sync-status', {})));
        return states.every((s) => s.online && s.changesWaiting === 0);
      },
      120_000,
    );

    const check = await openStorage(engine, location);
    try {
      const store = await check.workspaceStore(workspace.id);
      const relayDump = async () =>
        Object.fromEntries(
          await Promise.all(
            TABLES.map(async (t) => [
              t,
              (await store.db.selectFrom(t as never).selectAll().orderBy('id' as never).execute()).map((row) =>
                Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k, v ?? null])),
              ),
            ]),
          ),
        );
      await eventually(
        'the desks and the relay to hold the same tables',
        async () => {
          const [a, b] = desks.map((d) => dumpSyncedTables(d, TABLES));
          const r = await relayDump();
          return JSON.stringify(a) === JSON.stringify(b) && sameRows(a!, r) ? true : undefined;
        },
        120_000,
      );
    } finally {
      await check.close();
    }

    // Every edit exactly once: each note made, once, on both desks; every stage move recorded once.
    for (const desk of desks) {
      const notes = (desk.sqlite.prepare('SELECT body FROM notes').all() as { body: string }[]).map((n) => n.body);
      expect(notes.sort()).toEqual([...notesMade[0]!, ...notesMade[1]!].sort());
      const events = desk.sqlite.prepare('SELECT count(*) AS n FROM stage_events').get() as { n: number };
      expect(events.n).toBe(stageEventsMade[0]! + stageEventsMade[1]!);
      expect((await call<{ ok: boolean }>(desk, 'audit-verify', {})).ok).toBe(true);
    }
  }, 600_000);
});

/** Same rows, whatever order the engine returns columns in. */
function sameRows(desk: Record<string, unknown[]>, relay: Record<string, unknown[]>): boolean {
  for (const table of TABLES) {
    // Sorted here: PostgreSQL orders text by its collation, SQLite by bytes.
    const a = desk[table]!.map((r) => JSON.stringify(sortKeys(r as Record<string, unknown>))).sort();
    const b = relay[table]!.map((r) => JSON.stringify(sortKeys(r as Record<string, unknown>))).sort();
    if (JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return true;
}

function sortKeys(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).sort(([x], [y]) => (x < y ? -1 : 1)));
}
