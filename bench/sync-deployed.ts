// Edit desk A → desk B in the shape a shop runs: the relay in a process of its own (`relay/cli.ts
// serve`, as on its server) and desk B in another (bench/sync-watcher-desk.ts, as on a second
// PC); desk A is this process. The one-process figure of bench/sync-latency.ts puts all three on
// one event loop, where the relay cannot read A's push until A's call has read the repair back
// for its screen; here each node reads its socket as soon as bytes arrive, and they share the
// machine's two cores (and PostgreSQL's) as the only thing in common.
// The clock starts before A's `ro-move-stage` call and stops when B's message "seen" arrives over
// IPC (B reads the stage after its 'changed' event), so each sample includes one IPC hop back; the
// hop's round trip is measured in the same run and printed beside it (not subtracted).
// With `catchUpChanges`, the catch-up follows in the same shape: B closes its desk, A writes that
// many changes and pushes them, B opens again and times itself until it is caught up. There the
// relay reads the next page while B applies one, on the other core.
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { Desk } from '../src-main/desk.js';
import { pairDesk } from '../src-main/sync/pair.js';
import { tempDir } from '../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../relay/pairing.js';
import { type Engine, newStorageLocation, openStorage, call } from '../relay/testing/sync-fixture.js';
import { freePort, spawnRelay } from '../relay/testing/relay-process.js';
import { type Summary, summarize } from './stats.js';
import { checkIn, otherStage } from './sync-latency.js';
import { median, type Span, timeCalls } from './sync-spans.js';
import { until, writeNotes } from './sync-catchup.js';

export interface DeployedEditResult {
  edits: number;
  warmup: number;
  /** A's call start → B's "seen" arriving here (one IPC hop included). */
  editToApplied: Summary;
  /** A's `ro-move-stage` call alone. */
  callOnA: Summary;
  /** Round trip of a small IPC message to desk B's process and back (the hop each sample includes once, one way). */
  ipcRoundTrip: Summary;
  /** Medians, ms after A's call started: where the edit was on its way (B's times come over IPC in epoch ms). */
  path: { aCommitted: number; aPushRead: number; aCallReturned: number; bApplyStart: number; bSaid: number; seenHere: number };
  /** The catch-up in the same shape, when asked for (`catchUpChanges`). */
  catchUp: DeployedCatchUpResult | null;
}

/** Desk B, in its own process, offline while A makes changes, then opened again and timed by B itself. */
export interface DeployedCatchUpResult {
  /** Changes A made while B was offline, all pushed to the relay before B opened. */
  made: number;
  /** Changes B pulled (other desks' changes in its log, after less before). */
  changes: number;
  pages: number;
  /** B's Desk.open → whenCaughtUp resolved, timed in B's process. */
  seconds: number;
  perSecond: number;
  /** Of that: opening the desk, and B's applyRemote over all pages. */
  openMs: number;
  applyMs: number;
  /** B's process alone. */
  rss: { beforeMiB: number; peakMiB: number; growthMiB: number };
}

/** A pause before B comes back, for the relay process to finish its checkpoints of A's writes. */
const RELAY_SETTLE_MS = 1000;

type CaughtUp = { t: 'caught-up'; changes: number; ms: number; openMs: number; applyMs: number; pages: number; rssBeforeMiB: number; rssPeakMiB: number };
type FromB =
  | { t: 'ready' }
  | { t: 'has' }
  | { t: 'seen'; n: number; applyStarted: number | null; at: number }
  | { t: 'pong'; n: number }
  | { t: 'offline' }
  | CaughtUp;

function nextMessage(child: ChildProcess, wanted: FromB['t'], timeoutMs: number, what: string, output: () => string): Promise<FromB> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
      reject(new Error(`desk B's process is gone (waiting for ${what}): ${output()}`));
      return;
    }
    const timer = setTimeout(() => finish(new Error(`desk B did not say '${wanted}' within ${timeoutMs} ms (${what}): ${output()}`)), timeoutMs);
    const onMessage = (m: FromB) => {
      if (m.t === wanted) finish(null, m);
    };
    const onExit = (code: number | null) => finish(new Error(`desk B's process exited (${code}) while waiting for ${what}: ${output()}`));
    const finish = (err: Error | null, m?: FromB) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function measureEditDeployed(
  engine: Engine,
  options: { edits?: number; warmup?: number; spreadOver?: number; settleMs?: number; relayCpuProfileDir?: string; catchUpChanges?: number } = {},
): Promise<DeployedEditResult> {
  const edits = options.edits ?? 200;
  const warmup = options.warmup ?? 30;
  const spread = options.spreadOver ?? 6;
  const settleMs = options.settleMs ?? 10;
  const { location, drop } = await newStorageLocation(engine);
  const dirs: string[] = engine === 'sqlite' ? [location] : [];
  const cleanups: Array<() => Promise<unknown>> = [async () => drop()];
  try {
    // The shop and two pairing codes, written before the relay process opens the storage.
    const storage = await openStorage(engine, location);
    let codes: string[];
    try {
      const workspace = await storage.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' });
      codes = [(await issuePairingCode(storage, workspace.id)).code, (await issuePairingCode(storage, workspace.id)).code];
    } finally {
      await storage.close();
    }
    const relay = await spawnRelay(location, await freePort(), { cpuProfileDir: options.relayCpuProfileDir });
    cleanups.push(() => relay.kill());

    const aDir = tempDir('bayline-bench-desk-a-');
    const bDir = tempDir('bayline-bench-desk-b-');
    dirs.push(aDir, bDir);
    await pairDesk({ dataDir: aDir, relayUrl: relay.url, code: codes[0]!, deviceName: 'Front desk' });
    await pairDesk({ dataDir: bDir, relayUrl: relay.url, code: codes[1]!, deviceName: 'Estimator' });
    const a = await Desk.open({ dataDir: aDir });
    cleanups.push(() => a.close());
    await a.syncClient!.whenCaughtUp(60_000);

    let output = '';
    const b = fork(path.resolve('bench/sync-watcher-desk.ts'), [bDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    b.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    b.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // A send to a process that died emits 'error' on it; the wait for its answer then fails with its output.
    b.on('error', (err) => (output += `\n(${err.message})`));
    const bExited = new Promise<void>((resolve) => b.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (b.exitCode === null && b.signalCode === null) {
        b.send({ t: 'close' });
        await Promise.race([bExited, new Promise((r) => setTimeout(r, 10_000))]);
        if (b.exitCode === null) b.kill('SIGKILL');
      }
      await bExited;
    });
    const said = (t: FromB['t'], what: string, timeoutMs = 60_000) => nextMessage(b, t, timeoutMs, what, () => output);
    await said('ready', 'its desk to open and catch up', 120_000);

    const ros: string[] = [];
    for (let i = 0; i < spread; i++) ros.push((await call<RepairOrderDetail>(a, 'ro-check-in', checkIn(i))).id);
    const has = said('has', 'the check-ins to arrive');
    b.send({ t: 'has', ids: ros });
    await has;

    const ipc: number[] = [];
    for (let n = 0; n < 230; n++) {
      const back = said('pong', 'an IPC ping');
      const t0 = performance.now();
      b.send({ t: 'ping', n });
      await back;
      if (n >= 30) ipc.push(performance.now() - t0);
    }

    const session = a.newSession();
    const total: number[] = [];
    const callMs: number[] = [];
    const writes: Span[] = [];
    const reads: Span[] = [];
    timeCalls(a.store, 'write', writes);
    timeCalls(a.store, 'changesSince', reads);
    const local = (epochMs: number) => epochMs - performance.timeOrigin;
    const steps: Array<DeployedEditResult['path']> = [];
    for (let n = 0; n < warmup + edits; n++) {
      const roId = ros[n % ros.length]!;
      const stage = otherStage(a, roId);
      const seen = said('seen', `edit ${n} (${roId} → ${stage})`, 10_000);
      b.send({ t: 'watch', n, roId, stage });
      // The watch is on its way before the clock starts; B answers at once if the change beat it.
      await new Promise((r) => setTimeout(r, 2));
      writes.length = 0;
      reads.length = 0;
      const t0 = performance.now();
      const out = await a.call('ro-move-stage', { id: roId, stage }, session);
      const t1 = performance.now();
      if (!out.ok) throw new Error(`ro-move-stage failed: ${out.error.message}`);
      const answer = (await seen) as Extract<FromB, { t: 'seen' }>;
      const t2 = performance.now();
      await new Promise((r) => setTimeout(r, settleMs));
      if (n < warmup) continue;
      total.push(t2 - t0);
      callMs.push(t1 - t0);
      const committed = writes[0]?.[1] ?? Number.NaN;
      steps.push({
        aCommitted: committed - t0,
        aPushRead: (reads.find(([start]) => start >= committed)?.[1] ?? Number.NaN) - t0,
        aCallReturned: t1 - t0,
        bApplyStart: answer.applyStarted === null ? Number.NaN : local(answer.applyStarted) - t0,
        bSaid: local(answer.at) - t0,
        seenHere: t2 - t0,
      });
    }
    const m = (k: keyof DeployedEditResult['path']) => median(steps.map((x) => (Number.isNaN(x[k]) ? undefined : x[k])));
    const where = {
      aCommitted: m('aCommitted'),
      aPushRead: m('aPushRead'),
      aCallReturned: m('aCallReturned'),
      bApplyStart: m('bApplyStart'),
      bSaid: m('bSaid'),
      seenHere: m('seenHere'),
    };
    let catchUp: DeployedCatchUpResult | null = null;
    if (options.catchUpChanges) {
      // B goes offline; A writes while it is away and pushes everything; B opens and catches up.
      const offline = said('offline', 'B to close its desk');
      b.send({ t: 'offline' });
      await offline;
      const { writes, perWrite } = await writeNotes(a, options.catchUpChanges);
      const made = writes * perWrite;
      await until('A to push everything', async () => (await a.syncClient!.status()).changesWaiting === 0);
      // B comes back after a week: A's and the relay's upkeep of those writes (their checkpoints
      // on their own threads) is long done by then.
      await a.workspace.wal.settled();
      await new Promise((r) => setTimeout(r, RELAY_SETTLE_MS));
      const caught = said('caught-up', `B to catch up on ${made} changes`, 300_000);
      b.send({ t: 'online' });
      const r = (await caught) as CaughtUp;
      if (r.changes < made) throw new Error(`B pulled ${r.changes} changes on catch-up, A made ${made}`);
      catchUp = {
        made,
        changes: r.changes,
        pages: r.pages,
        seconds: r.ms / 1000,
        perSecond: r.changes / (r.ms / 1000),
        openMs: r.openMs,
        applyMs: r.applyMs,
        rss: { beforeMiB: r.rssBeforeMiB, peakMiB: r.rssPeakMiB, growthMiB: r.rssPeakMiB - r.rssBeforeMiB },
      };
    }
    return { edits, warmup, editToApplied: summarize(total), callOnA: summarize(callMs), ipcRoundTrip: summarize(ipc), path: where, catchUp };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}
