// Search as you type over a large shop: every prefix of realistic lookups (surname, phone,
// plate, VIN, last six of the VIN, RO and claim number), timed at the index (searchIds) and
// through the whole API call (search-query), beside a bare indexed SQLite lookup as baseline.
import { PerformanceObserver } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { RepairOrderSummary } from '../src-shared/domain.js';
import { formatPhone } from '../src-shared/phone.js';
import { asciiFold, Rng } from '../src-main/demo/demo-shop.js';
import type { Desk } from '../src-main/desk.js';
import { searchIds } from '../src-main/search/search-index.js';
import type { BigRo } from './big-workspace.js';
import { ms, ratio, type Summary, summarize, table, timeSync } from './stats.js';

export const SEARCH_GOAL_P99_MS = 20;

type TargetKind = 'surname' | 'surname typed plain' | 'phone' | 'plate' | 'vin' | 'vin last 6' | 'ro number' | 'claim number';

interface Target {
  kind: TargetKind;
  text: string;
  roNumber: number;
}

interface Query {
  kind: TargetKind;
  text: string;
  /** The full target typed: the person expects their repair in the answer. */
  complete: boolean;
  roNumber: number;
}

const GROUPS = ['1', '2', '3', '4–6', '7+'] as const;
type Group = (typeof GROUPS)[number];

function groupOf(length: number): Group {
  if (length <= 3) return String(length) as Group;
  return length <= 6 ? '4–6' : '7+';
}

function pickTargets(ros: readonly BigRo[], perKind: number, rng: Rng): Target[] {
  const targets: Target[] = [];
  const take = (kind: TargetKind, text: (r: BigRo) => string | null) => {
    for (let found = 0, tries = 0; found < perKind && tries < perKind * 50; tries++) {
      const r = rng.pick(ros);
      const t = text(r);
      if (!t) continue;
      targets.push({ kind, text: t, roNumber: r.roNumber });
      found += 1;
    }
  };
  take('surname', (r) => r.lastName);
  // Most people at the desk type "Nguyen", not "Nguyễn".
  take('surname typed plain', (r) => (/^[A-Za-z' -]+$/.test(r.lastName) ? null : asciiFold(r.lastName).replace(/^./, (c) => c.toUpperCase())));
  take('phone', (r) => (r.mobile ? formatPhone(r.mobile) : null));
  take('plate', (r) => r.plate);
  take('vin', (r) => r.vin);
  take('vin last 6', (r) => r.vin.slice(-6));
  take('ro number', (r) => String(r.roNumber));
  take('claim number', (r) => r.claimNumber);
  return targets;
}

/** Every prefix a person types on the way to the whole target: "G", "Ga", "Gar", … */
function typingQueries(targets: readonly Target[]): Query[] {
  return targets.flatMap((t) =>
    Array.from({ length: t.text.length }, (_, i) => ({
      kind: t.kind,
      text: t.text.slice(0, i + 1),
      complete: i + 1 === t.text.length,
      roNumber: t.roNumber,
    })),
  );
}

export interface SearchBenchResult {
  repairOrders: number;
  queriesPerPass: number;
  passes: number;
  targets: Array<{ kind: TargetKind; text: string }>;
  baseline: Summary;
  index: { overall: Summary; byLength: Record<Group, Summary>; byKind: Record<string, Summary> };
  api: { overall: Summary; byLength: Record<Group, Summary>; byKind: Record<string, Summary> };
  slowest: Array<{ kind: TargetKind; text: string; indexMs: number; apiMs: number }>;
  /** Garbage collection while the API calls were timed, and how much of the slow tail it explains. */
  gc: { collections: number; totalMs: number; shareOfTimedMs: number; tailSamples: number; tailSamplesDuringGc: number };
  /** Complete targets whose repair order was in the API answer (limit 20). */
  foundWhenComplete: Record<string, string>;
  ratioIndex: number;
  ratioApi: number;
  goalP99Ms: number;
  goalMet: boolean;
  /** Filled in by the runner: process memory around opening the desk on this workspace (bytes). */
  deskMemory?: { rssIdle: number; rssOpen: number; rssAfterTyping: number; heapAfterTyping: number };
}

function byKey<K extends string>(keys: readonly K[], samples: number[], keyOf: (i: number) => K): Record<K, Summary> {
  const buckets = new Map<K, number[]>(keys.map((k) => [k, []]));
  samples.forEach((s, i) => buckets.get(keyOf(i))!.push(s));
  return Object.fromEntries([...buckets].map(([k, v]) => [k, summarize(v)])) as Record<K, Summary>;
}

export async function runSearchBench(
  desk: Desk,
  ros: readonly BigRo[],
  options: { perKind?: number; passes?: number; seed?: number; log?: (line: string) => void } = {},
): Promise<SearchBenchResult> {
  const log = options.log ?? console.log;
  const rng = new Rng(options.seed ?? 7);
  const targets = pickTargets(ros, options.perKind ?? 8, rng);
  const queries = typingQueries(targets);
  const passes = options.passes ?? 5;
  const sqlite: Database.Database = desk.sqlite;
  const session = desk.newSession();
  const apiSearch = async (q: Query) => {
    const out = await desk.call('search-query', { q: q.text, limit: 20 }, session);
    if (!out.ok) throw new Error(`search-query ${JSON.stringify(q.text)} failed: ${out.error.message}`);
    return out.result as RepairOrderSummary[];
  };

  // Warm-up: page cache, statement cache, JIT.
  for (const q of queries) searchIds(sqlite, 'ro', q.text, 20);
  const found = new Map<TargetKind, { yes: number; all: number }>();
  for (const q of queries) {
    const hits = await apiSearch(q);
    if (q.complete) {
      const f = found.get(q.kind) ?? { yes: 0, all: 0 };
      f.all += 1;
      if (hits.some((h) => h.roNumber === q.roNumber)) f.yes += 1;
      found.set(q.kind, f);
    }
  }

  const indexSamples: number[] = [];
  const apiSamples: number[] = [];
  const apiStarts: number[] = [];
  const pauses: Array<{ start: number; end: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  let timedMs = 0;
  for (let pass = 0; pass < passes; pass++) {
    indexSamples.push(...timeSync(queries, (q) => searchIds(sqlite, 'ro', q.text, 20)));
    gcObserver.observe({ entryTypes: ['gc'] });
    for (const q of queries) {
      const t0 = performance.now();
      await apiSearch(q);
      const took = performance.now() - t0;
      apiStarts.push(t0);
      apiSamples.push(took);
      timedMs += took;
    }
    // GC entries are delivered on a later tick; let them arrive before the next pass.
    await new Promise((resolve) => setTimeout(resolve, 20));
    gcObserver.disconnect();
  }

  // Baseline: the cheapest indexed read SQLite does, as many times as the index was searched.
  const lookup = sqlite.prepare('SELECT id FROM repair_orders WHERE ro_number = ?');
  const numbers = Array.from({ length: indexSamples.length }, () => rng.pick(ros).roNumber);
  timeSync(numbers.slice(0, 2000), (n) => lookup.get(n));
  const baseline = summarize(timeSync(numbers, (n) => lookup.get(n)));

  const queryAt = (i: number) => queries[i % queries.length]!;
  const kinds = [...new Set(targets.map((t) => t.kind))];
  const index = {
    overall: summarize(indexSamples),
    byLength: byKey(GROUPS, indexSamples, (i) => groupOf(queryAt(i).text.length)),
    byKind: byKey(kinds, indexSamples, (i) => queryAt(i).kind),
  };
  const api = {
    overall: summarize(apiSamples),
    byLength: byKey(GROUPS, apiSamples, (i) => groupOf(queryAt(i).text.length)),
    byKind: byKey(kinds, apiSamples, (i) => queryAt(i).kind),
  };
  // Worst pass per query, so one GC pause doesn't hide a query that is always slow.
  const perQuery = queries.map((q, i) => {
    let indexMs = 0;
    let apiMs = 0;
    for (let p = 0; p < passes; p++) {
      indexMs = Math.max(indexMs, indexSamples[p * queries.length + i]!);
      apiMs = Math.max(apiMs, apiSamples[p * queries.length + i]!);
    }
    return { kind: q.kind, text: q.text, indexMs, apiMs };
  });
  const slowest = [...perQuery].sort((a, b) => b.apiMs - a.apiMs).slice(0, 12);
  const tail = apiSamples.flatMap((d, i) => (d >= api.overall.p99 ? [{ start: apiStarts[i]!, end: apiStarts[i]! + d }] : []));
  const gc = {
    collections: pauses.length,
    totalMs: pauses.reduce((s, p) => s + (p.end - p.start), 0),
    shareOfTimedMs: pauses.reduce((s, p) => s + (p.end - p.start), 0) / timedMs,
    tailSamples: tail.length,
    tailSamplesDuringGc: tail.filter((t) => pauses.some((p) => p.start < t.end && p.end > t.start)).length,
  };

  const result: SearchBenchResult = {
    repairOrders: ros.length,
    queriesPerPass: queries.length,
    passes,
    targets: targets.map((t) => ({ kind: t.kind, text: t.text })),
    baseline,
    index,
    api,
    slowest,
    gc,
    foundWhenComplete: Object.fromEntries([...found].map(([k, f]) => [k, `${f.yes}/${f.all}`])),
    ratioIndex: index.overall.p99 / baseline.p99,
    ratioApi: api.overall.p99 / baseline.p99,
    goalP99Ms: SEARCH_GOAL_P99_MS,
    goalMet: api.overall.p99 < SEARCH_GOAL_P99_MS,
  };

  log(`  ${queries.length} typed queries per pass (${targets.length} targets), ${passes} passes; baseline ${baseline.n} lookups`);
  log('');
  const rows = [['typed length', 'n', 'index p50', 'index p99', 'API p50', 'API p99']];
  for (const g of GROUPS) {
    const a = index.byLength[g];
    const b = api.byLength[g];
    rows.push([`${g} chars`, String(b.n), ms(a.p50), ms(a.p99), ms(b.p50), ms(b.p99)]);
  }
  rows.push(['overall', String(api.overall.n), ms(index.overall.p50), ms(index.overall.p99), ms(api.overall.p50), ms(api.overall.p99)]);
  log(indent(table(rows)));
  log('');
  const kindRows = [['looked up by', 'index p99', 'API p99', 'found when complete']];
  for (const k of kinds) kindRows.push([k, ms(index.byKind[k]!.p99), ms(api.byKind[k]!.p99), result.foundWhenComplete[k] ?? '—']);
  log(indent(table(kindRows)));
  log('  (a surname is shared by more than 20 repairs at this size; only the newest 20 are listed, so "found" is low by design)');
  log('');
  log(`  slowest typed queries (worst of ${passes} passes): ${slowest.slice(0, 6).map((s) => `${JSON.stringify(s.text)} ${ms(s.apiMs)}`).join(', ')}`);
  log(
    `  garbage collection while timing the API: ${gc.collections} pauses, ${gc.totalMs.toFixed(0)} ms (${(gc.shareOfTimedMs * 100).toFixed(1)}% of the time); ` +
      `${gc.tailSamplesDuringGc} of the ${gc.tailSamples} calls at or above p99 overlapped a pause`,
  );
  log(`  baseline (SELECT id FROM repair_orders WHERE ro_number = ?): p50 ${ms(baseline.p50)}, p99 ${ms(baseline.p99)}`);
  log(`  ratio search p99 / baseline p99: index ${ratio(index.overall.p99, baseline.p99)}, API ${ratio(api.overall.p99, baseline.p99)}`);
  log(
    `  goal: search p99 under ${SEARCH_GOAL_P99_MS} ms at ${ros.length.toLocaleString('en-US')} ROs → ${result.goalMet ? 'PASS' : 'MISS'} (API p99 ${ms(api.overall.p99)})`,
  );
  return result;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
