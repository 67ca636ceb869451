// Edit on desk A → applied on desk B through the relay, one edit at a time: the clock starts
// before A's `ro-move-stage` call and stops when B's 'changed' push event fires and a cheap
// read on B shows the new stage. Beside it, the baseline: a bare WebSocket echo round trip on
// 127.0.0.1 (a `ws` server echoing a small JSON frame), the same number of times.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { WebSocket, WebSocketServer } from 'ws';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import type { Stage } from '../src-shared/stages.js';
import type { Desk } from '../src-main/desk.js';
import type { WorkspaceStore } from '../src-shared/sync/store.js';
import { call } from '../relay/testing/sync-fixture.js';
import { type Summary, summarize } from './stats.js';
import { median, type Span, timeCalls } from './sync-spans.js';

export const EDIT_GOAL_P99_MS = 10;

export interface EditLatencyResult {
  edits: number;
  warmup: number;
  /** A's call start → B applied (the figure the goal is about). */
  editToApplied: Summary;
  /** A's `ro-move-stage` call alone (validation, logged write with fsync, read-back). */
  callOnA: Summary;
  /** A's call returned → B applied: push, relay apply, fan-out, B's apply. */
  afterCall: Summary;
}

export const checkIn = (i: number) => ({
  customer: { firstName: `Bench${i}`, lastName: 'Latency', mobile: `(512) 555-01${String(10 + i).padStart(2, '0')}` },
  vehicle: { plate: `SYN ${100 + i}`, make: 'Honda', model: 'Civic', year: 2021 },
  insurer: 'GEICO',
  claimNumber: `GE-SYN-${i}`,
});

/** Each car goes back and forth between Teardown and Repair started. */
export function otherStage(a: Desk, roId: string): Stage {
  const now = a.sqlite.prepare('SELECT stage FROM repair_orders WHERE id = ?').pluck().get(roId);
  return now === 'teardown' ? 'repair-started' : 'teardown';
}

/** Resolves with the time B applied `stage` on `roId`, watched through B's push events. */
function appliedOn(b: Desk, roId: string, stage: Stage, timeoutMs: number): Promise<number> {
  const readStage = b.sqlite.prepare('SELECT stage FROM repair_orders WHERE id = ?').pluck();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`desk B did not apply ${roId} → ${stage} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = b.onEvent((event) => {
      if (event.type !== 'changed' || !event.tables.includes('repair_orders')) return;
      if (readStage.get(roId) !== stage) return;
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve(at);
    });
  });
}

/** Makes `edits` stage moves on A (after `warmup` untimed ones) and times each until B holds it. */
export async function measureEditToApplied(
  a: Desk,
  b: Desk,
  options: { edits?: number; warmup?: number; spreadOver?: number; settleMs?: number } = {},
): Promise<EditLatencyResult & { ros: string[] }> {
  const edits = options.edits ?? 200;
  const warmup = options.warmup ?? 30;
  const spread = options.spreadOver ?? 6;
  // Each edit starts on a quiet system: the previous edit's bookkeeping (A's empty pull page,
  // acks, cursor writes) is done, as it would be between two clicks.
  const settleMs = options.settleMs ?? 10;
  // A few open repairs made on A through the API, and seen on B before timing starts.
  const ros: string[] = [];
  for (let i = 0; i < spread; i++) ros.push((await call<RepairOrderDetail>(a, 'ro-check-in', checkIn(i))).id);
  const last = ros.at(-1)!;
  const onB = b.sqlite.prepare('SELECT 1 FROM repair_orders WHERE id = ?').pluck();
  for (const deadline = Date.now() + 15_000; !onB.get(last); ) {
    if (Date.now() > deadline) throw new Error('the check-ins never reached desk B');
    await new Promise((r) => setTimeout(r, 10));
  }

  const session = a.newSession();
  const total: number[] = [];
  const callMs: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < warmup + edits; i++) {
    const roId = ros[i % ros.length]!;
    const stage = otherStage(a, roId);
    const seen = appliedOn(b, roId, stage, 10_000);
    const t0 = performance.now();
    const out = await a.call('ro-move-stage', { id: roId, stage }, session);
    const t1 = performance.now();
    if (!out.ok) throw new Error(`ro-move-stage failed: ${out.error.message}`);
    const t2 = await seen;
    await new Promise((r) => setTimeout(r, settleMs));
    if (i < warmup) continue;
    total.push(t2 - t0);
    callMs.push(t1 - t0);
    after.push(Math.max(0, t2 - t1));
  }
  return { edits, warmup, editToApplied: summarize(total), callOnA: summarize(callMs), afterCall: summarize(after), ros };
}

/** Medians, in ms after A's call started, of the steps one edit takes on its way to B. */
export interface EditPath {
  edits: number;
  /** A's write transaction committed (store.write returned). */
  aCommitted: number;
  /** A's API call returned (after reading the RO back). */
  aCallReturned: number;
  /** A's push read (changesSince of its own changes) started. */
  aPushRead: number;
  relayApplyStart: number;
  relayApplyEnd: number;
  /** The relay's changesSince that fed B started / ended. */
  relayReadStart: number;
  relayReadEnd: number;
  bApplyStart: number;
  bApplyEnd: number;
  /** B's 'changed' event seen with the new stage. */
  bSeen: number;
  /** Durations, medians: A's write, relay's apply, B's apply. */
  aWriteMs: number;
  relayApplyMs: number;
  bApplyMs: number;
  /** changesSince calls on the relay per edit (all sessions). */
  relayReadsPerEdit: number;
}

/**
 * Where one edit's time goes: timing hooks on A's store, the relay's store and B's store record
 * each step of a separate, untimed-for-the-goal run of edits. Hooks add a little; the medians
 * are for proportions, the measured run above is the figure.
 */
export async function profileEditPath(a: Desk, b: Desk, relayStore: WorkspaceStore, ros: readonly string[], edits = 60): Promise<EditPath> {
  const spans = { aWrite: [] as Span[], aRead: [] as Span[], rApply: [] as Span[], rRead: [] as Span[], bApply: [] as Span[] };
  const undo = [
    timeCalls(a.store, 'write', spans.aWrite),
    timeCalls(a.store, 'changesSince', spans.aRead),
    timeCalls(relayStore, 'applyRemote', spans.rApply),
    timeCalls(relayStore, 'changesSince', spans.rRead),
    timeCalls(b.store, 'applyRemote', spans.bApply),
  ];
  const rows: Array<Record<keyof EditPath, number | undefined>> = [];
  const session = a.newSession();
  try {
    for (let i = 0; i < edits + 10; i++) {
      for (const list of Object.values(spans)) list.length = 0;
      const roId = ros[i % ros.length]!;
      const stage = otherStage(a, roId);
      const seen = appliedOn(b, roId, stage, 10_000);
      const t0 = performance.now();
      const out = await a.call('ro-move-stage', { id: roId, stage }, session);
      const tc = performance.now();
      if (!out.ok) throw new Error(`ro-move-stage failed: ${out.error.message}`);
      const t2 = await seen;
      await new Promise((r) => setTimeout(r, 30));
      if (i < 10) continue;
      const at = (x: number | undefined) => (x === undefined ? undefined : x - t0);
      const rApply = spans.rApply[0];
      const rRead = spans.rRead.find(([s]) => rApply && s >= rApply[1]);
      const bApply = spans.bApply[0];
      const aWrite = spans.aWrite[0];
      rows.push({
        edits: 1,
        aCommitted: at(aWrite?.[1]),
        aCallReturned: tc - t0,
        aPushRead: at(spans.aRead[0]?.[0]),
        relayApplyStart: at(rApply?.[0]),
        relayApplyEnd: at(rApply?.[1]),
        relayReadStart: at(rRead?.[0]),
        relayReadEnd: at(rRead?.[1]),
        bApplyStart: at(bApply?.[0]),
        bApplyEnd: at(bApply?.[1]),
        bSeen: t2 - t0,
        aWriteMs: aWrite ? aWrite[1] - aWrite[0] : undefined,
        relayApplyMs: rApply ? rApply[1] - rApply[0] : undefined,
        bApplyMs: bApply ? bApply[1] - bApply[0] : undefined,
        relayReadsPerEdit: spans.rRead.length,
      });
    }
  } finally {
    for (const u of undo) u();
  }
  const m = (k: keyof EditPath) => median(rows.map((r) => r[k]));
  return {
    edits: rows.length,
    aCommitted: m('aCommitted'),
    aCallReturned: m('aCallReturned'),
    aPushRead: m('aPushRead'),
    relayApplyStart: m('relayApplyStart'),
    relayApplyEnd: m('relayApplyEnd'),
    relayReadStart: m('relayReadStart'),
    relayReadEnd: m('relayReadEnd'),
    bApplyStart: m('bApplyStart'),
    bApplyEnd: m('bApplyEnd'),
    bSeen: m('bSeen'),
    aWriteMs: m('aWriteMs'),
    relayApplyMs: m('relayApplyMs'),
    bApplyMs: m('bApplyMs'),
    relayReadsPerEdit: m('relayReadsPerEdit'),
  };
}

/** Baseline: a small JSON frame to a `ws` echo server on 127.0.0.1 and back, one at a time. */
export async function measureWsEcho(options: { count?: number; warmup?: number } = {}): Promise<Summary> {
  const count = options.count ?? 200;
  const warmup = options.warmup ?? 30;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const samples: number[] = [];
  try {
    for (let i = 0; i < warmup + count; i++) {
      const echoed = new Promise<void>((resolve) =>
        client.once('message', (data) => {
          // Parsed as the sync client parses a frame, so the baseline pays for JSON too.
          if ((JSON.parse(data.toString()) as { i: number }).i !== i) throw new Error('echo out of order');
          resolve();
        }),
      );
      const t0 = performance.now();
      client.send(JSON.stringify({ t: 'ping', i, table: 'repair_orders', column: 'stage', value: 'teardown' }));
      await echoed;
      if (i >= warmup) samples.push(performance.now() - t0);
    }
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return summarize(samples);
}

/**
 * The disk's floor under one edit: a one-row SQLite commit with synchronous=FULL in WAL mode (one
 * fsync), as A's write and the SQLite relay's apply each make (PostgreSQL's commit flushes its WAL
 * the same way). Two of them lie on every edit's path, one after the other.
 */
export async function measureDurableCommit(count = 200): Promise<Summary> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-commit-'));
  const db = new Database(path.join(root, 'commit.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const samples: number[] = [];
    for (let i = 0; i < count + 20; i++) {
      const t0 = performance.now();
      insert.run(`stage ${i}`);
      if (i >= 20) samples.push(performance.now() - t0);
      // Commits spread out like edits, not back to back.
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    return summarize(samples);
  } finally {
    db.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
