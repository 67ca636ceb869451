// Latency of one stage change as the board makes it (the full `ro-move-stage` API call:
// validation, the logged and audited write, the search re-index, the RO read back), moving
// open repairs back and forth, beside a bare indexed SQLite lookup measured in the same run.
import type { RepairOrderSummary } from '../src-shared/domain.js';
import type { Stage } from '../src-shared/stages.js';
import type { Desk } from '../src-main/desk.js';
import { ms, ratio, type Summary, summarize, timeSync } from './stats.js';

export interface StageBenchResult {
  label: string;
  repairOrders: number;
  moves: number;
  spreadOver: number;
  stageChange: Summary;
  baseline: Summary;
  ratio: number;
  /** One durable (synchronous=FULL) single-row commit to the same file, timed between the moves: the disk's own floor. */
  commitBaseline: Summary;
  ratioToCommit: number;
  goalP99Ms: number;
  goalMet: boolean;
}

export const STAGE_GOAL_P99_MS = 10;

export async function runStageBench(
  desk: Desk,
  options: { label: string; moves?: number; spreadOver?: number; warmup?: number; log?: (line: string) => void },
): Promise<StageBenchResult> {
  const log = options.log ?? console.log;
  const session = desk.newSession();
  const board = await desk.call('ro-board', {}, session);
  if (!board.ok) throw new Error(`ro-board failed: ${board.error.message}`);
  const open = (board.result as RepairOrderSummary[]).filter((r) => r.stage !== 'completed');
  // Several cars, so no single timeline grows to hundreds of events and skews the read-back.
  const cars = open.slice(0, options.spreadOver ?? 12);
  if (cars.length === 0) throw new Error('The stage benchmark needs open repair orders.');
  const moves = options.moves ?? 400;
  const warmup = options.warmup ?? 40;

  // Each car goes between its own stage and Repair started (or Teardown, if it is there already).
  const home = new Map<string, Stage>(cars.map((c) => [c.id, c.stage]));
  const away = (stage: Stage): Stage => (stage === 'repair-started' ? 'teardown' : 'repair-started');
  const plan = Array.from({ length: warmup + moves }, (_, i) => {
    const car = cars[i % cars.length]!;
    const round = Math.floor(i / cars.length);
    return { id: car.id, stage: round % 2 === 0 ? away(home.get(car.id)!) : home.get(car.id)! };
  });
  const move = async (m: { id: string; stage: Stage }) => {
    const out = await desk.call('ro-move-stage', m, session);
    if (!out.ok) throw new Error(`ro-move-stage failed: ${out.error.message}`);
  };
  // A scratch table (desk-only, dropped afterwards) for the bare durable commit timed after each move.
  desk.sqlite.exec('CREATE TABLE IF NOT EXISTS bench_commit_floor (n INTEGER)');
  const bare = desk.sqlite.prepare('INSERT INTO bench_commit_floor (n) VALUES (?)');
  const moveMs: number[] = [];
  const commitMs: number[] = [];
  for (const [i, m] of plan.entries()) {
    const t0 = performance.now();
    await move(m);
    const t1 = performance.now();
    bare.run(i);
    if (i >= warmup) {
      moveMs.push(t1 - t0);
      commitMs.push(performance.now() - t1);
    }
  }
  desk.sqlite.exec('DROP TABLE bench_commit_floor');
  const commitBaseline = summarize(commitMs);
  // Leave every car where it was.
  for (const c of cars) await move({ id: c.id, stage: home.get(c.id)! });
  const stageChange = summarize(moveMs);

  // Baseline: the same bare indexed lookup as the search benchmark, as many times as moves were timed.
  const lookup = desk.sqlite.prepare('SELECT id FROM repair_orders WHERE ro_number = ?');
  const numbers = Array.from({ length: moves }, (_, i) => cars[i % cars.length]!.roNumber);
  timeSync(numbers, (n) => lookup.get(n));
  const baseline = summarize(timeSync(numbers, (n) => lookup.get(n)));

  const counted = desk.sqlite.prepare('SELECT count(*) AS n FROM repair_orders').get() as { n: number };
  log(
    `  ${moves} moves over ${cars.length} open ROs (${counted.n.toLocaleString('en-US')} ROs in the workspace), after ${warmup} warm-up moves`,
  );
  log(`  ro-move-stage: p50 ${ms(stageChange.p50)}, p90 ${ms(stageChange.p90)}, p99 ${ms(stageChange.p99)}, max ${ms(stageChange.max)}`);
  log(`  baseline (SELECT id FROM repair_orders WHERE ro_number = ?): p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}`);
  log(`  ratio stage change p99 / baseline p99: ${ratio(stageChange.p99, baseline.p99)}`);
  log(
    `  baseline (one-row INSERT committed with synchronous=FULL, right after each move): p50 ${ms(commitBaseline.p50)}, p99 ${ms(commitBaseline.p99)}; ` +
      `ratio stage change p99 / commit p99: ${ratio(stageChange.p99, commitBaseline.p99)}`,
  );
  const goalMet = stageChange.p99 < STAGE_GOAL_P99_MS;
  log(`  goal: stage change p99 under ${STAGE_GOAL_P99_MS} ms → ${goalMet ? 'PASS' : 'MISS'} (p99 ${ms(stageChange.p99)})`);
  return {
    label: options.label,
    repairOrders: counted.n,
    moves,
    spreadOver: cars.length,
    stageChange,
    baseline,
    ratio: stageChange.p99 / baseline.p99,
    commitBaseline,
    ratioToCommit: stageChange.p99 / commitBaseline.p99,
    goalP99Ms: STAGE_GOAL_P99_MS,
    goalMet,
  };
}
