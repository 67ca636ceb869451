// Catch-up after a desk was offline: desk B is closed, desk A writes until the relay holds at
// least 100,000 changes B has not seen (a week offline in a busy shop), then B is opened again and timed until it is caught up
// (`syncClient.whenCaughtUp()`, then its change log is checked against the relay's). The
// baseline applies the very same changes with `store.applyRemote` to a fresh local workspace,
// in pages of SYNC_PAGE as the sync client does, with no network. Timing hooks on B's store and
// the relay's store split the catch-up into its parts for the profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { WebSocket, WebSocketServer } from 'ws';
import { type Change, changeSchema, isPlainValidChange } from '../src-shared/sync/change.js';
import { MAX_SYNC_FRAME_BYTES, relayFrameSchema, SYNC_PAGE } from '../src-shared/sync/protocol.js';
import type { WorkspaceStore } from '../src-shared/sync/store.js';
import { Desk } from '../src-main/desk.js';
import type { RelayFixture } from '../relay/testing/sync-fixture.js';
import { overlapOf, type Span, sumSpans, timeCalls } from './sync-spans.js';

export const CATCHUP_GOAL_PER_SECOND = 100_000;

/** The desk options the fixture pairs with (quick reconnects, 1 s heartbeat). */
const SYNC_OPTIONS = { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 };

/** Changes in B's log made by other nodes: what B pulled (B's own, if any, never come back). */
function countPulled(sqlite: Database.Database, bNode: string): number {
  return (sqlite.prepare('SELECT count(*) AS n FROM changes WHERE node <> ?').get(bNode) as { n: number }).n;
}

/** Changes in the relay's log that B must pull (all but B's own). */
async function countRelayChanges(store: WorkspaceStore, bNode: string): Promise<number> {
  const row = await store.db
    .selectFrom('changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('node', '<>', bNode)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Has `a` write about `target` changes of notes straight through the mutation layer: 4 changes
 * per note + 9 for each write's audit event, `notesPerWrite` notes to a write.
 */
export async function writeNotes(a: Desk, target: number, notesPerWrite = 20): Promise<{ writes: number; perWrite: number }> {
  const perWrite = notesPerWrite * 4 + 9;
  const writes = Math.ceil(target / perWrite);
  const roId = (a.sqlite.prepare('SELECT id FROM repair_orders LIMIT 1').pluck().get() as string | undefined) ?? 'bench-ro';
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
  return { writes, perWrite };
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
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
  /** This process's resident memory (desk B, the relay and A share it): before B opened, highest while catching up, after. */
  rss: { beforeMiB: number; peakMiB: number; afterMiB: number; growthMiB: number };
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
    /** The part of relayRead spent while B was applying an earlier page (two pages in flight). */
    relayReadWhileApplying: number;
    /** Everything else between pages: ack, JSON both ways, frame validation, sockets. */
    between: number;
  };
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
  const target = options.target ?? 100_000;
  const notesPerWrite = options.notesPerWrite ?? 20;
  const relayStore = await f.storage.workspaceStore(f.workspace.id);

  // B goes offline, caught up with everything so far.
  await b.desk.syncClient!.whenCaughtUp();
  const bNode = b.desk.store.nodeId;
  await until('B to hold the relay log', async () => countPulled(b.desk.sqlite, bNode) === (await countRelayChanges(relayStore, bNode)));
  const bBefore = countPulled(b.desk.sqlite, bNode);
  const bSeqBefore = (b.desk.sqlite.prepare('SELECT coalesce(max(seq), 0) AS s FROM changes').get() as { s: number }).s;
  await b.desk.close();
  const relayBefore = await countRelayChanges(relayStore, bNode);

  const t0 = performance.now();
  const { writes, perWrite } = await writeNotes(a, target, notesPerWrite);
  const t1 = performance.now();
  await until('A to push everything', async () => (await a.syncClient!.status()).changesWaiting === 0);
  await until('the relay to log everything', async () => (await countRelayChanges(relayStore, bNode)) - relayBefore >= writes * perWrite);
  const t2 = performance.now();
  // B comes back after a week: A's and the relay's upkeep of those writes (their checkpoints on
  // the checkpoint thread) is long done by then.
  await a.workspace.wal.settled();
  await new Promise((r) => setTimeout(r, 1000));
  const relayAfter = await countRelayChanges(relayStore, bNode);
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
  let desk: Desk | null = null;
  const mib = () => process.memoryUsage().rss / 1024 / 1024;
  const rssBefore = mib();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, mib())), 20);
  const c0 = performance.now();
  try {
    desk = await Desk.open({ dataDir: b.dataDir, syncOptions: SYNC_OPTIONS });
    timeCalls(desk.store, 'applyRemote', applySpans);
    const c1 = performance.now();
    await desk.syncClient!.whenCaughtUp();
    const c2 = performance.now();
    clearInterval(sampler);
    const rssAfter = mib();
    rssPeak = Math.max(rssPeak, rssAfter);
    const bAfter = countPulled(desk.sqlite, bNode);
    const relayNow = await countRelayChanges(relayStore, bNode);
    if (bAfter !== relayNow) throw new Error(`B holds ${bAfter} changes after catch-up, the relay ${relayNow}`);
    const changes = bAfter - bBefore;
    const seconds = (c2 - c0) / 1000;
    const pages = applySpans.length;
    // Relay reads that served B: those that started after B opened.
    const bReads = relaySpans.filter(([s]) => s >= c1);
    const relayRead = sumSpans(bReads);
    const relayReadWhileApplying = overlapOf(bReads, applySpans);
    const deskApply = sumSpans(applySpans);
    const firstPage = applySpans[0]?.[0] ?? c2;
    const received = (await desk.store.changesSince(bSeqBefore, { limit: 1_000_000 })).changes.map(({ seq: _seq, ...c }) => c);
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
        rss: { beforeMiB: rssBefore, peakMiB: rssPeak, afterMiB: rssAfter, growthMiB: rssPeak - rssBefore },
        setup,
        phases: {
          openDesk: c1 - c0,
          toFirstPage: firstPage - c1,
          deskApply,
          relayRead,
          relayReadWhileApplying,
          between: Math.max(0, c2 - firstPage - deskApply - (relayRead - relayReadWhileApplying)),
        },
      },
    };
  } catch (err) {
    await desk?.close().catch(() => undefined);
    throw err;
  } finally {
    clearInterval(sampler);
    undoRelay();
  }
}

export interface RelayServeResult {
  changes: number;
  pages: number;
  seconds: number;
  perSecond: number;
}

/**
 * The relay serving its log as it does for a desk catching up, alone: changesSince a page at a
 * time (less the desk's own changes) and each page's frame serialized, no socket and no desk.
 */
export async function measureRelayServe(store: WorkspaceStore, excludeNode: string): Promise<RelayServeResult> {
  let cursor = 0;
  let changes = 0;
  let pages = 0;
  const t0 = performance.now();
  for (;;) {
    const page = await store.changesSince(cursor, { limit: SYNC_PAGE, excludeNode });
    JSON.stringify({ t: 'changes', changes: page.changes.map(({ seq: _seq, ...c }) => c), cursor: page.cursor, more: page.more });
    changes += page.changes.length;
    pages += 1;
    cursor = page.cursor;
    if (!page.more) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { changes, pages, seconds, perSecond: changes / seconds };
}

export interface LocalApplyResult {
  changes: number;
  /** applyRemote in pages of SYNC_PAGE as the sync client does: cursor in the same commit, not waiting for the disk. */
  pagedSeconds: number;
  pagedPerSecond: number;
  /**
   * CPU this process spent per change in that paged apply (user and system, microseconds): the
   * desk's own work, steadier than wall time on a machine shared with other suites.
   */
  pagedCpuMicros: { user: number; system: number };
  /** The same pages committed with synchronous=FULL (waiting for the disk), as a desk's own writes are. */
  fullSyncSeconds: number;
  /** One applyRemote for all of them (one transaction). */
  oneBatchSeconds: number;
}

async function freshDesk(root: string, name: string): Promise<Desk> {
  return Desk.open({ dataDir: path.join(root, name), sync: false });
}

/** Baseline: the same changes applied directly on fresh local workspaces, no network. */
export async function measureLocalApply(changes: readonly Change[]): Promise<LocalApplyResult> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-apply-'));
  const paged = async (desk: Desk, durable: boolean) => {
    const t0 = performance.now();
    for (let i = 0; i < changes.length; i += SYNC_PAGE) {
      const morePages = i + SYNC_PAGE < changes.length;
      await desk.store.applyRemote(changes.slice(i, i + SYNC_PAGE), { meta: { 'sync:pull_cursor': String(i) }, durable, morePages });
    }
    return (performance.now() - t0) / 1000;
  };
  try {
    const asClient = await freshDesk(root, 'paged');
    const cpu0 = process.cpuUsage();
    const pagedSeconds = await paged(asClient, false);
    const cpu = process.cpuUsage(cpu0);
    const pagedCpuMicros = { user: cpu.user / changes.length, system: cpu.system / changes.length };
    await asClient.close();
    const full = await freshDesk(root, 'full');
    const fullSyncSeconds = await paged(full, true);
    await full.close();
    const one = await freshDesk(root, 'one');
    const t0 = performance.now();
    await one.store.applyRemote([...changes]);
    const oneBatchSeconds = (performance.now() - t0) / 1000;
    await one.close();
    return { changes: changes.length, pagedSeconds, pagedPerSecond: changes.length / pagedSeconds, pagedCpuMicros, fullSyncSeconds, oneBatchSeconds };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export interface PageCosts {
  /** Per page of SYNC_PAGE changes, milliseconds. */
  bytes: number;
  stringify: number;
  parse: number;
  /** The sync client's relayFrameSchema.safeParse of the frame (zod, every change). */
  frameValidate: number;
  /** changeSchema.safeParse (zod) of every change, what applyRemote ran before its quick check. */
  changeValidate: number;
  /** applyRemote's check of every change (isPlainValidChange; zod only for one it refuses). */
  changeQuickCheck: number;
  /** The page's text over a loopback WebSocket and back (no parsing), halved: one way. */
  wsOneWay: number;
  /** One autocommit upsert of a cursor in `meta` with synchronous=FULL (what each cursor write costs). */
  cursorWriteFull: number;
  cursorWriteOff: number;
}

/** Sends `text` to a `ws` echo server on 127.0.0.1 `rounds` times; mean round trip in ms. */
async function wsRoundTrip(text: string, rounds: number): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: MAX_SYNC_FRAME_BYTES });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => socket.on('message', (data) => socket.send(data, { binary: false })));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { maxPayload: MAX_SYNC_FRAME_BYTES });
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  try {
    const once = () =>
      new Promise<void>((resolve) => {
        client.once('message', () => resolve());
        client.send(text);
      });
    await once();
    const t0 = performance.now();
    for (let i = 0; i < rounds; i++) await once();
    return (performance.now() - t0) / rounds;
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Micro-costs of one page on its way: JSON both ways, validation twice, the socket, a cursor write. */
export async function measurePageCosts(changes: readonly Change[]): Promise<PageCosts> {
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
    const writes = 50;
    const perWrite = (mode: 'FULL' | 'OFF') => {
      db.pragma(`synchronous = ${mode}`);
      cursorWrite();
      const t0 = performance.now();
      for (let i = 0; i < writes; i++) cursorWrite();
      return (performance.now() - t0) / writes;
    };
    const cursorWriteFull = perWrite('FULL');
    const cursorWriteOff = perWrite('OFF');
    db.close();
    return {
      bytes: Buffer.byteLength(text),
      stringify: time(() => JSON.stringify(frame)),
      parse: time(() => JSON.parse(text)),
      frameValidate: time(() => relayFrameSchema.safeParse(parsed)),
      changeValidate: time(() => page.map((c) => changeSchema.safeParse(c))),
      changeQuickCheck: time(() => page.map((c) => isPlainValidChange(c))),
      wsOneWay: (await wsRoundTrip(text, rounds)) / 2,
      cursorWriteFull,
      cursorWriteOff,
    };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
