// Catch-up after a desk was offline: desk B is closed, desk A writes until the relay holds at
// least 10,000 changes B has not seen, then B is opened again and timed until it is caught up
// (`syncClient.whenCaughtUp()`, then its change log is checked against the relay's). The
// baseline applies the very same changes with `store.applyRemote` to a fresh local workspace,
// in pages of SYNC_PAGE as the sync client does, with no network. Timing hooks on B's store and
// the relay's store split the catch-up into its parts for the profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type Change, changeSchema } from '../src-shared/sync/change.js';
import { relayFrameSchema, SYNC_PAGE } from '../src-shared/sync/protocol.js';
import type { WorkspaceStore } from '../src-shared/sync/store.js';
import { Desk } from '../src-main/desk.js';
import type { RelayFixture } from '../relay/testing/sync-fixture.js';

export const CATCHUP_GOAL_PER_SECOND = 20_000;

/** The desk options the fixture pairs with (quick reconnects, 1 s heartbeat). */
const SYNC_OPTIONS = { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 };

type Span = [start: number, end: number];

/** Wraps an async method of one object so every call's start and end land in `spans`; returns the undo. */
function timeCalls<T extends object>(target: T, method: keyof T & string, spans: Span[]): () => void {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  const wrapped = async (...args: unknown[]) => {
    const t0 = performance.now();
    try {
      return await original.apply(target, args);
    } finally {
      spans.push([t0, performance.now()]);
    }
  };
  Object.defineProperty(target, method, { value: wrapped, configurable: true, writable: true });
  return () => {
    delete (target as Record<string, unknown>)[method];
  };
}

const sumSpans = (spans: readonly Span[]) => spans.reduce((s, [a, b]) => s + (b - a), 0);

function countChanges(sqlite: Database.Database): number {
  return (sqlite.prepare('SELECT count(*) AS n FROM changes').get() as { n: number }).n;
}

async function countRelayChanges(store: WorkspaceStore): Promise<number> {
  const row = await store.db
    .selectFrom('changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface CatchUpResult {
  engine: string;
  /** Changes B had not seen and applied on catch-up. */
  changes: number;
  pages: number;
  /** Desk.open → whenCaughtUp resolved. */
  seconds: number;
  perSecond: number;
  goalPerSecond: number;
  goalMet: boolean;
  setup: { writes: number; notesPerWrite: number; changesMade: number; writeSeconds: number; pushSeconds: number };
  /** Where the catch-up time went (milliseconds, summed over pages). */
  phases: {
    openDesk: number;
    /** Desk opened → first page arrives at B's store (connect, hello, welcome, first relay read). */
    toFirstPage: number;
    /** B's applyRemote, all pages: validation, log insert, cell stamps, rows, commit with fsync. */
    deskApply: number;
    /** The relay's changesSince for B's pages. */
    relayRead: number;
    /** Everything else between pages: cursor writes, ack, JSON both ways, frame validation, sockets. */
    between: number;
  };
  pageBytes: number;
}

/**
 * Takes B offline, has A write `target`+ changes through the mutation layer, waits for the relay
 * to hold them, then times B's catch-up. B's data folder is reopened; the returned desk is B.
 */
export async function measureCatchUp(
  f: RelayFixture,
  a: Desk,
  b: { desk: Desk; dataDir: string },
  options: { target?: number; notesPerWrite?: number; log?: (line: string) => void } = {},
): Promise<{ result: CatchUpResult; desk: Desk; received: Change[] }> {
  const log = options.log ?? console.log;
  const target = options.target ?? 10_000;
  const notesPerWrite = options.notesPerWrite ?? 20;
  const relayStore = await f.storage.workspaceStore(f.workspace.id);

  // B goes offline, caught up with everything so far.
  await b.desk.syncClient!.whenCaughtUp();
  await until('B to hold the relay log', async () => countChanges(b.desk.sqlite) === (await countRelayChanges(relayStore)));
  const bBefore = countChanges(b.desk.sqlite);
  const bSeqBefore = (b.desk.sqlite.prepare('SELECT coalesce(max(seq), 0) AS s FROM changes').get() as { s: number }).s;
  await b.desk.close();
  const relayBefore = await countRelayChanges(relayStore);

  // A writes notes straight through the mutation layer: 4 changes per note + 9 for the write's audit event.
  const perWrite = notesPerWrite * 4 + 9;
  const writes = Math.ceil(target / perWrite);
  const roId = (a.sqlite.prepare('SELECT id FROM repair_orders LIMIT 1').pluck().get() as string | undefined) ?? 'bench-ro';
  const t0 = performance.now();
  for (let w = 0; w < writes; w++) {
    await a.store.write({ actor: 'system', action: 'bench-notes', summary: 'Benchmark notes', roId }, async (tx) => {
      for (let n = 0; n < notesPerWrite; n++) {
        await tx.insert('notes', {
          ro_id: roId,
          body: `Catch-up note ${w}.${n}: customer called about the rental car, told them Thursday.`,
          at: new Date().toISOString(),
          staff_id: null,
        });
      }
    });
  }
  const t1 = performance.now();
  await until('A to push everything', async () => (await a.syncClient!.status()).changesWaiting === 0);
  await until('the relay to log everything', async () => (await countRelayChanges(relayStore)) - relayBefore >= writes * perWrite);
  const t2 = performance.now();
  const relayAfter = await countRelayChanges(relayStore);
  const unseen = relayAfter - bBefore;
  const setup = {
    writes,
    notesPerWrite,
    changesMade: relayAfter - relayBefore,
    writeSeconds: (t1 - t0) / 1000,
    pushSeconds: (t2 - t1) / 1000,
  };
  log(
    `  setup: ${writes} writes × ${notesPerWrite} notes on A = ${setup.changesMade.toLocaleString('en-US')} changes in ` +
      `${setup.writeSeconds.toFixed(2)} s, pushed to the relay ${setup.pushSeconds.toFixed(2)} s later; B has not seen ${unseen.toLocaleString('en-US')}`,
  );
  if (unseen < target) throw new Error(`only ${unseen} unseen changes on the relay`);

  // B comes back.
  const relaySpans: Span[] = [];
  const undoRelay = timeCalls(relayStore, 'changesSince', relaySpans);
  const applySpans: Span[] = [];
  let desk: Desk;
  const c0 = performance.now();
  try {
    desk = await Desk.open({ dataDir: b.dataDir, syncOptions: SYNC_OPTIONS });
    timeCalls(desk.store, 'applyRemote', applySpans);
    const c1 = performance.now();
    await desk.syncClient!.whenCaughtUp();
    const c2 = performance.now();
    const bAfter = countChanges(desk.sqlite);
    const relayNow = await countRelayChanges(relayStore);
    if (bAfter !== relayNow) throw new Error(`B holds ${bAfter} changes after catch-up, the relay ${relayNow}`);
    const changes = bAfter - bBefore;
    const seconds = (c2 - c0) / 1000;
    const pages = applySpans.length;
    // Relay reads that served B: those that started after B opened.
    const relayRead = sumSpans(relaySpans.filter(([s]) => s >= c1));
    const deskApply = sumSpans(applySpans);
    const firstPage = applySpans[0]?.[0] ?? c2;
    const received = (await desk.store.changesSince(bSeqBefore, { limit: 1_000_000 })).changes.map(({ seq: _seq, ...c }) => c);
    const pageBytes = JSON.stringify({ t: 'changes', changes: received.slice(0, SYNC_PAGE), cursor: 1, more: true }).length;
    const perSecond = changes / seconds;
    return {
      desk,
      received,
      result: {
        engine: f.engine,
        changes,
        pages,
        seconds,
        perSecond,
        goalPerSecond: CATCHUP_GOAL_PER_SECOND,
        goalMet: perSecond > CATCHUP_GOAL_PER_SECOND,
        setup,
        phases: {
          openDesk: c1 - c0,
          toFirstPage: firstPage - c1,
          deskApply,
          relayRead,
          between: Math.max(0, c2 - firstPage - deskApply - relayRead),
        },
        pageBytes,
      },
    };
  } finally {
    undoRelay();
  }
}

export interface LocalApplyResult {
  changes: number;
  /** applyRemote in pages of SYNC_PAGE, synchronous=FULL, as the sync client does. */
  pagedSeconds: number;
  pagedPerSecond: number;
  /** The same pages with synchronous=OFF: the difference is the commits' fsyncs. */
  noSyncSeconds: number;
  /** One applyRemote for all of them (one transaction). */
  oneBatchSeconds: number;
}

async function freshDesk(root: string, name: string): Promise<Desk> {
  return Desk.open({ dataDir: path.join(root, name), sync: false });
}

/** Baseline: the same changes applied directly on fresh local workspaces, no network. */
export async function measureLocalApply(changes: readonly Change[]): Promise<LocalApplyResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-apply-'));
  const paged = async (desk: Desk) => {
    const t0 = performance.now();
    for (let i = 0; i < changes.length; i += SYNC_PAGE) await desk.store.applyRemote(changes.slice(i, i + SYNC_PAGE));
    return (performance.now() - t0) / 1000;
  };
  try {
    const full = await freshDesk(root, 'full');
    const pagedSeconds = await paged(full);
    await full.close();
    const off = await freshDesk(root, 'nosync');
    off.sqlite.pragma('synchronous = OFF');
    const noSyncSeconds = await paged(off);
    await off.close();
    const one = await freshDesk(root, 'one');
    const t0 = performance.now();
    await one.store.applyRemote([...changes]);
    const oneBatchSeconds = (performance.now() - t0) / 1000;
    await one.close();
    return { changes: changes.length, pagedSeconds, pagedPerSecond: changes.length / pagedSeconds, noSyncSeconds, oneBatchSeconds };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export interface PageCosts {
  /** Per page of SYNC_PAGE changes, milliseconds. */
  stringify: number;
  parse: number;
  /** The sync client's relayFrameSchema.safeParse of the frame (zod, every change). */
  frameValidate: number;
  /** applyRemote's own changeSchema.safeParse of every change, again. */
  changeValidate: number;
  /** One autocommit upsert of a cursor in `meta` with synchronous=FULL (what each cursor write costs). */
  cursorWriteFull: number;
  cursorWriteOff: number;
}

/** Micro-costs of one page on its way: JSON both ways, validation twice, a cursor write. */
export function measurePageCosts(changes: readonly Change[]): PageCosts {
  const page = changes.slice(0, SYNC_PAGE);
  const frame = { t: 'changes', changes: page, cursor: 12345, more: true };
  const rounds = 5;
  const time = (fn: () => unknown) => {
    fn();
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) fn();
    return (performance.now() - t0) / rounds;
  };
  const text = JSON.stringify(frame);
  const parsed = JSON.parse(text) as unknown;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-fsync-'));
  try {
    const db = new Database(path.join(root, 'cursor.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)');
    const upsert = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    let n = 0;
    const cursorWrite = () => upsert.run('sync:pull_cursor', String(n++));
    db.pragma('synchronous = FULL');
    const writes = 50;
    cursorWrite();
    let t0 = performance.now();
    for (let i = 0; i < writes; i++) cursorWrite();
    const cursorWriteFull = (performance.now() - t0) / writes;
    db.pragma('synchronous = OFF');
    t0 = performance.now();
    for (let i = 0; i < writes; i++) cursorWrite();
    const cursorWriteOff = (performance.now() - t0) / writes;
    db.close();
    return {
      stringify: time(() => JSON.stringify(frame)),
      parse: time(() => JSON.parse(text)),
      frameValidate: time(() => relayFrameSchema.safeParse(parsed)),
      changeValidate: time(() => page.map((c) => changeSchema.safeParse(c))),
      cursorWriteFull,
      cursorWriteOff,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
