// Edit on desk A → applied on desk B through the relay, one edit at a time: the clock starts
// before A's `ro-move-stage` call and stops when B's 'changed' push event fires and a cheap
// read on B shows the new stage. Beside it, the baseline: a bare WebSocket echo round trip on
// 127.0.0.1 (a `ws` server echoing a small JSON frame), the same number of times.
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import type { Stage } from '../src-shared/stages.js';
import type { Desk } from '../src-main/desk.js';
import { call } from '../relay/testing/sync-fixture.js';
import { type Summary, summarize } from './stats.js';

export const EDIT_GOAL_P99_MS = 20;

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

const checkIn = (i: number) => ({
  customer: { firstName: `Bench${i}`, lastName: 'Latency', mobile: `(512) 555-01${String(10 + i).padStart(2, '0')}` },
  vehicle: { plate: `SYN ${100 + i}`, make: 'Honda', model: 'Civic', year: 2021 },
  insurer: 'GEICO',
  claimNumber: `GE-SYN-${i}`,
});

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
  options: { edits?: number; warmup?: number; spreadOver?: number } = {},
): Promise<EditLatencyResult> {
  const edits = options.edits ?? 200;
  const warmup = options.warmup ?? 30;
  const spread = options.spreadOver ?? 6;
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
    const stage: Stage = Math.floor(i / ros.length) % 2 === 0 ? 'teardown' : 'repair-started';
    const seen = appliedOn(b, roId, stage, 10_000);
    const t0 = performance.now();
    const out = await a.call('ro-move-stage', { id: roId, stage }, session);
    const t1 = performance.now();
    if (!out.ok) throw new Error(`ro-move-stage failed: ${out.error.message}`);
    const t2 = await seen;
    if (i < warmup) continue;
    total.push(t2 - t0);
    callMs.push(t1 - t0);
    after.push(Math.max(0, t2 - t1));
  }
  return { edits, warmup, editToApplied: summarize(total), callOnA: summarize(callMs), afterCall: summarize(after) };
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
