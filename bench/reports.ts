// Reports and insurer scorecards (issues 18 and 20) over 12 months and 50,000 repair orders on a
// desk's SQLite: reading the facts (src-shared/reports/load.ts) and computing the scorecards per
// insurer, and the whole shop report, each timed end to end; beside counting the same repairs
// with one SQL count in the same run. Rows are bulk-inserted straight into the tables (through
// the API 50,000 check-ins would take most of an hour). BENCH_ROS (50,000) sets the size,
// BENCH_REPORT_ROUNDS (3) the timed rounds of each (no warm-up round: each round reads 550,000 rows,
// and the first read is what an owner opening the screen waits for too).
import type Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWorkspaceDb } from '../src-main/db/workspace-db.js';
import { computeFigures, computeScorecards, prepareFacts } from '../src-shared/reports/figures.js';
import { loadReportFacts } from '../src-shared/reports/load.js';
import { DEFAULT_HOURS } from '../src-shared/settings.js';
import { ms, type Summary, summarize } from './stats.js';

export interface ReportsBenchResult {
  repairOrders: number;
  months: number;
  insurers: number;
  rows: number;
  count: Summary;
  scorecards: Summary;
  report: Summary;
  /** scorecards / count and report / count at p99. */
  scorecardsRatioP99: number;
  reportRatioP99: number;
  seconds: number;
}

const INSURERS = ['Acme Mutual', 'Birch Insurance', 'Cobalt Casualty', 'Dune Direct', 'Elm General', 'Fjord Farm', null];
const STAGES = ['pictures', 'estimate', 'repair-started', 'completed', 'delivered'];
const YEAR = { from: '2025-01-01', to: '2025-12-31' };
const HOUR = 3_600_000;

/** Writes `total` repairs over 2025 (with their history, messages, responses and counts) straight into a desk's tables; answers the row count. */
export function fillReportsBench(s: Database.Database, total: number): number {
  s.prepare('INSERT INTO workspace_settings (id, name, time_zone, hours) VALUES (?, ?, ?, ?)').run('workspace', 'Bench Collision', 'America/Chicago', JSON.stringify(DEFAULT_HOURS));
  const ro = s.prepare('INSERT INTO repair_orders (id, ro_number, insurer, checked_in_at, checked_in_by, first_notice_at, promised_date, closed_at, stage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const ev = s.prepare('INSERT INTO stage_events (id, ro_id, stage, at) VALUES (?, ?, ?, ?)');
  const msg = s.prepare('INSERT INTO messages (id, ro_id, channel, direction, at, status, staff_id, automated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const csi = s.prepare('INSERT INTO csi_responses (id, ro_id, overall, recommend, answers, submitted_at) VALUES (?, ?, ?, ?, ?, ?)');
  const exc = s.prepare('INSERT INTO ro_exceptions (id, ro_id, reason, opened_at) VALUES (?, ?, ?, ?)');
  const pc = s.prepare('INSERT INTO portal_counts (id, ro_id, source, views) VALUES (?, ?, ?, ?)');
  const pdc = s.prepare('INSERT INTO promised_date_changes (id, ro_id, to_date, at) VALUES (?, ?, ?, ?)');
  let rows = 0;
  const start = Date.parse('2025-01-01T14:00:00Z');
  const span = Date.parse('2025-12-15T14:00:00Z') - start;
  const iso = (t: number) => new Date(t).toISOString();
  s.transaction(() => {
    for (let i = 0; i < total; i++) {
      const id = `ro-${i}`;
      const inAt = start + Math.floor((i / total) * span);
      const length = (3 + (i % 11)) * 24 * HOUR + (i % 7) * HOUR;
      const out = inAt + length;
      const promised = iso(out + ((i % 5) - 2) * 24 * HOUR).slice(0, 10);
      ro.run(id, 1000 + i, INSURERS[i % INSURERS.length], iso(inAt), `staff-${i % 6}`, i % 3 === 0 ? iso(inAt - 2 * 24 * HOUR) : null, promised, iso(out), 'delivered');
      STAGES.forEach((stage, k) => ev.run(`${id}-e${k}`, id, stage, iso(inAt + Math.floor((length * k) / (STAGES.length - 1)))));
      msg.run(`${id}-m0`, id, 'sms', 'in', iso(inAt + 5 * HOUR), 'received', null, 0);
      msg.run(`${id}-m1`, id, 'sms', 'out', iso(inAt + 6 * HOUR), 'delivered', `staff-${i % 6}`, 0);
      msg.run(`${id}-m2`, id, 'sms', 'out', iso(out + HOUR), 'delivered', null, 1);
      rows += 1 + STAGES.length + 3;
      if (i % 5 !== 0) {
        csi.run(`${id}-c`, id, 1 + (i % 5), i % 11, JSON.stringify({ quality: 1 + (i % 5), communication: 1 + ((i >> 1) % 5) }), iso(out + 24 * HOUR));
        rows += 1;
      }
      if (i % 10 === 0) {
        exc.run(`${id}-x`, id, ['parts-delay', 'insurer-delay', 'sublet'][i % 3], iso(inAt + 30 * HOUR));
        pdc.run(`${id}-p`, id, promised, iso(inAt + 30 * HOUR));
        rows += 2;
      }
      pc.run(`${id}-v`, id, i % 2 ? 'sms' : 'qr-work-order', 1 + (i % 6));
      rows += 1;
    }
  })();
  return rows;
}

export async function runReportsBench(total = 50_000): Promise<ReportsBenchResult> {
  const started = performance.now();
  const rounds = Number(process.env.BENCH_REPORT_ROUNDS ?? 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-reports-'));
  const ws = await openWorkspaceDb(path.join(dir, 'bench.sqlite'));
  try {
    const rows = fillReportsBench(ws.sqlite, total);
    const db = ws.db;
    const lo = new Date(Date.parse(`${YEAR.from}T00:00:00Z`) - 86_400_000).toISOString();
    const hi = new Date(Date.parse(`${YEAR.to}T00:00:00Z`) + 2 * 86_400_000).toISOString();
    const countOnce = async () =>
      Number(
        (
          await db
            .selectFrom('repair_orders')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('checked_in_at', '<', hi)
            .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', lo)]))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const count: number[] = [];
    const scorecards: number[] = [];
    const report: number[] = [];
    let insurers = 0;
    let counted = 0;
    for (let round = 0; round < rounds; round++) {
      let t0 = performance.now();
      counted = await countOnce();
      const c = performance.now() - t0;
      t0 = performance.now();
      const loaded = await loadReportFacts(db, YEAR);
      if (process.env.BENCH_REPORT_DEBUG) console.log('load', (performance.now() - t0).toFixed(0));
      const prepared = prepareFacts(loaded);
      if (process.env.BENCH_REPORT_DEBUG) console.log('prepare', (performance.now() - t0).toFixed(0));
      const cards = computeScorecards(prepared, YEAR);
      const sc = performance.now() - t0;
      t0 = performance.now();
      const figures = computeFigures(await loadReportFacts(db, YEAR), YEAR);
      const r = performance.now() - t0;
      insurers = cards.length;
      if (figures.delivered === 0) throw new Error('the bench report delivered no repairs');
      {
        count.push(c);
        scorecards.push(sc);
        report.push(r);
      }
    }
    if (counted !== total) throw new Error(`expected ${total} repairs in the year, counted ${counted}`);
    const cs = summarize(count);
    const ss = summarize(scorecards);
    const rs = summarize(report);
    return { repairOrders: total, months: 12, insurers, rows, count: cs, scorecards: ss, report: rs, scorecardsRatioP99: ss.p99 / cs.p99, reportRatioP99: rs.p99 / cs.p99, seconds: (performance.now() - started) / 1000 };
  } finally {
    await ws.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function reportsSummaryLines(r: ReportsBenchResult): string[] {
  return [
    `reports: scorecards for ${r.insurers} insurers, ${r.months} months over ${r.repairOrders.toLocaleString('en-US')} ROs (${r.rows.toLocaleString('en-US')} rows): p50 ${ms(r.scorecards.p50)}, p99 ${ms(r.scorecards.p99)} — ${r.scorecardsRatioP99.toFixed(0)}× counting them`,
    `reports: the shop report, same year and ROs: p50 ${ms(r.report.p50)}, p99 ${ms(r.report.p99)} — ${r.reportRatioP99.toFixed(0)}× counting them`,
    `reports: counting the same ROs (one SQL count): p50 ${ms(r.count.p50)}, p99 ${ms(r.count.p99)}`,
  ];
}
