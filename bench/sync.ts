// Sync through the relay, on both storage engines (SQLite and PostgreSQL):
//  1. edit on desk A → applied on desk B, one edit at a time, p50/p99 over loopback, beside a
//     bare WebSocket echo round trip measured in the same run (goal: p99 under 20 ms);
//  2. catch-up of 10,000+ changes after desk B was offline, beside applying the same changes
//     with `store.applyRemote` on a fresh local workspace (goal: above 20,000 changes/s),
//     with a profile of where the catch-up time goes.
// Relay and both desks run in this one process (relay/testing/sync-fixture.ts), so their work
// shares one event loop and two cores with PostgreSQL: the figures are for a single machine.
// BENCH_SYNC_ENGINES=sqlite (or postgres) limits the engines; BENCH_SYNC_EDITS and
// BENCH_SYNC_CHANGES change the sizes (defaults 200 and 10,000).
import type { Desk } from '../src-main/desk.js';
import { SYNC_PAGE } from '../src-shared/sync/protocol.js';
import { type Engine, startRelayFixture } from '../relay/testing/sync-fixture.js';
import { ms, type Summary } from './stats.js';
import {
  CATCHUP_GOAL_PER_SECOND,
  type CatchUpResult,
  type LocalApplyResult,
  measureCatchUp,
  measureLocalApply,
  measurePageCosts,
  type PageCosts,
} from './sync-catchup.js';
import {
  EDIT_GOAL_P99_MS,
  type EditLatencyResult,
  type EditPath,
  measureEditToApplied,
  measureWsEcho,
  profileEditPath,
} from './sync-latency.js';

export interface SyncEngineResult {
  engine: Engine;
  edit: EditLatencyResult;
  /** Where one edit's time goes (a separate run with timing hooks). */
  editPath: EditPath;
  /** edit p99 / echo p99 */
  editRatio: number;
  editGoalMet: boolean;
  catchUp: CatchUpResult;
  localApply: LocalApplyResult;
  /** catch-up seconds / local paged apply seconds */
  catchUpRatio: number;
}

export interface SyncBenchResult {
  editGoalP99Ms: number;
  catchUpGoalPerSecond: number;
  wsEcho: Summary;
  engines: SyncEngineResult[];
  skipped: Array<{ engine: Engine; reason: string }>;
  pageCosts: PageCosts | null;
  seconds: number;
}

const per = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;

export async function runSyncBench(options: { log?: (line: string) => void } = {}): Promise<SyncBenchResult> {
  const log = options.log ?? console.log;
  const started = performance.now();
  const edits = Number(process.env.BENCH_SYNC_EDITS ?? 200);
  const target = Number(process.env.BENCH_SYNC_CHANGES ?? 10_000);
  const engines = (process.env.BENCH_SYNC_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];

  log(`  baseline: bare WebSocket echo on 127.0.0.1, ${edits} round trips after 30 warm-up`);
  const wsEcho = await measureWsEcho({ count: edits });
  log(`  ws echo: p50 ${ms(wsEcho.p50)}, p99 ${ms(wsEcho.p99)}, max ${ms(wsEcho.max)}`);

  const results: SyncEngineResult[] = [];
  const skipped: SyncBenchResult['skipped'] = [];
  let pageCosts: PageCosts | null = null;
  for (const engine of engines) {
    log(`\n[sync ${engine}] relay on ${engine}, desks A and B paired through the pairing route`);
    let f;
    try {
      // The production device check (every 10 s), not the tests' 200 ms.
      f = await startRelayFixture(engine, { deviceCheckMs: 10_000 });
    } catch (err) {
      const reason = (err as Error).message;
      log(`  skipped: the relay could not start on ${engine} (${reason})`);
      skipped.push({ engine, reason });
      continue;
    }
    let bDesk: Desk | null = null;
    try {
      const a = await f.pairNewDesk('Front desk');
      const b = await f.pairNewDesk('Estimator');
      bDesk = b.desk;

      const { ros, ...edit } = await measureEditToApplied(a.desk, b.desk, { edits });
      const editRatio = edit.editToApplied.p99 / wsEcho.p99;
      const editGoalMet = edit.editToApplied.p99 < EDIT_GOAL_P99_MS;
      log(`  edit on A → applied on B (ro-move-stage, ${edit.edits} edits after ${edit.warmup} warm-up):`);
      log(
        `    p50 ${ms(edit.editToApplied.p50)}, p90 ${ms(edit.editToApplied.p90)}, p99 ${ms(edit.editToApplied.p99)}, max ${ms(edit.editToApplied.max)}` +
          ` — goal p99 < ${EDIT_GOAL_P99_MS} ms: ${editGoalMet ? 'PASS' : 'MISS'}`,
      );
      log(`    of which A's call: p50 ${ms(edit.callOnA.p50)}, p99 ${ms(edit.callOnA.p99)}; call returned → B applied: p50 ${ms(edit.afterCall.p50)}, p99 ${ms(edit.afterCall.p99)}`);
      log(`    ratio to ws echo: p50 ${(edit.editToApplied.p50 / wsEcho.p50).toFixed(0)}×, p99 ${editRatio.toFixed(0)}×`);
      const editPath = await profileEditPath(a.desk, b.desk, await f.storage.workspaceStore(f.workspace.id), ros);
      const e = editPath;
      const t = (x: number) => x.toFixed(1);
      log(`    where one edit goes (medians over ${e.edits} hooked edits, ms since A's call started; all three nodes share this process):`);
      log(
        `      A: write ${t(e.aWriteMs)} (committed at ${t(e.aCommitted)}), push read starts ${t(e.aPushRead)}, call returns ${t(e.aCallReturned)} (RO read back)`,
      );
      log(
        `      relay: apply ${t(e.relayApplyStart)}→${t(e.relayApplyEnd)} (${t(e.relayApplyMs)}), ` +
          (Number.isNaN(e.relayReadStart) ? "B's page sent as pushed, no read" : `read for B ${t(e.relayReadStart)}→${t(e.relayReadEnd)}`) +
          `, ${e.relayReadsPerEdit} changesSince calls per edit`,
      );
      log(`      B: apply ${t(e.bApplyStart)}→${t(e.bApplyEnd)} (${t(e.bApplyMs)}), 'changed' seen ${t(e.bSeen)}`);
      log(`  catch-up: B offline while A makes ${target.toLocaleString('en-US')}+ changes, then B opens again`);
      const caught = await measureCatchUp(f, a.desk, b, { target, log });
      bDesk = caught.desk;
      const c = caught.result;
      log(
        `    ${c.changes.toLocaleString('en-US')} changes in ${c.pages} pages: ${c.seconds.toFixed(2)} s, ${per(c.perSecond)}` +
          ` — goal > ${per(CATCHUP_GOAL_PER_SECOND)}: ${c.goalMet ? 'PASS' : 'MISS'}`,
      );
      const p = c.phases;
      log(
        `    where it went: open desk ${ms(p.openDesk)}, connect+hello+first page ${ms(p.toFirstPage)}, B applyRemote ${ms(p.deskApply)}, ` +
          `relay changesSince ${ms(p.relayRead)} (${ms(p.relayReadWhileApplying)} of it while B applied), between pages (ack, JSON, zod, sockets) ${ms(p.between)}`,
      );
      const localApply = await measureLocalApply(caught.received);
      const catchUpRatio = c.seconds / localApply.pagedSeconds;
      log(
        `    baseline: applyRemote of the same ${localApply.changes.toLocaleString('en-US')} changes on a fresh local workspace, pages of ${SYNC_PAGE} as the client commits them: ` +
          `${localApply.pagedSeconds.toFixed(2)} s (${per(localApply.pagedPerSecond)}); with synchronous=FULL ${localApply.fullSyncSeconds.toFixed(2)} s; one batch ${localApply.oneBatchSeconds.toFixed(2)} s`,
      );
      log(`    ratio catch-up / baseline: ${catchUpRatio.toFixed(1)}×`);
      if (!pageCosts) {
        pageCosts = await measurePageCosts(caught.received);
        log(
          `    per page of ${SYNC_PAGE} (${(pageCosts.bytes / 1024).toFixed(0)} KiB): JSON.stringify ${ms(pageCosts.stringify)}, JSON.parse ${ms(pageCosts.parse)}, ` +
            `frame zod ${ms(pageCosts.frameValidate)}, applyRemote's zod again ${ms(pageCosts.changeValidate)}, WebSocket one way ${ms(pageCosts.wsOneWay)}; ` +
            `one cursor write ${ms(pageCosts.cursorWriteFull)} (FULL) vs ${ms(pageCosts.cursorWriteOff)} (OFF)`,
        );
      }
      results.push({ engine, edit, editPath, editRatio, editGoalMet, catchUp: c, localApply, catchUpRatio });
    } finally {
      await bDesk?.close().catch(() => undefined);
      await f.cleanup();
    }
  }
  return {
    editGoalP99Ms: EDIT_GOAL_P99_MS,
    catchUpGoalPerSecond: CATCHUP_GOAL_PER_SECOND,
    wsEcho,
    engines: results,
    skipped,
    pageCosts,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The lines for run.ts's summary. */
export function syncSummaryLines(r: SyncBenchResult): string[] {
  const lines: string[] = [];
  for (const e of r.engines) {
    lines.push(
      `  sync edit A→B p99 ${e.edit.editToApplied.p99.toFixed(2)} ms, p50 ${e.edit.editToApplied.p50.toFixed(2)} ms (${e.engine}) — goal < ${r.editGoalP99Ms} ms: ${e.editGoalMet ? 'PASS' : 'MISS'}; ` +
        `ratio to ws echo p99 ${e.editRatio.toFixed(0)}× (echo p99 ${r.wsEcho.p99.toFixed(3)} ms)`,
    );
    lines.push(
      `  sync catch-up ${e.catchUp.changes.toLocaleString('en-US')} changes ${e.catchUp.seconds.toFixed(2)} s = ${per(e.catchUp.perSecond)} (${e.engine}) — goal > ${per(r.catchUpGoalPerSecond)}: ` +
        `${e.catchUp.goalMet ? 'PASS' : 'MISS'}; ratio to local applyRemote ${e.catchUpRatio.toFixed(1)}×`,
    );
  }
  for (const s of r.skipped) lines.push(`  sync on ${s.engine}: skipped (${s.reason})`);
  return lines;
}
