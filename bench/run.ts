// `npm run bench`: search as you type over 500,000 repair orders, single stage-change latency and
// sync through the relay (edit on one desk → applied on another, catch-up of 10,000 changes, on
// SQLite and PostgreSQL), each beside a baseline measured in the same run; prints ratios and
// writes bench/results/*.json.
// Sizes can be lowered for a quick look: BENCH_ROS=5000 npm run bench
// Parts can be picked: BENCH_ONLY=sync npm run bench (a comma list of: search — search in a
// 500,000-RO workspace (BENCH_SEARCH_ROS) with the desk's memory, stage change in a 50,000-RO one, the slow part; stage — stage change in the demo shop;
// sync — see bench/sync.ts, which also reads BENCH_SYNC_ENGINES=sqlite|postgres,
// BENCH_SYNC_EDITS and BENCH_SYNC_CHANGES; portal — GET /t/<token> at 50 connections beside a
// bare fastify route, see bench/portal.ts, which reads BENCH_PORTAL_ENGINES, BENCH_PORTAL_SECONDS
// and more; printing — work orders per second beside empty pdfkit PDFs, see bench/printing.ts;
// board — the production board's first render and filter with 500 open ROs in Chromium beside an
// empty board, see bench/board.ts, which reads BENCH_BOARD_ROS and BENCH_BOARD_ROUNDS; mail —
// inbound Gmail mail from the push webhook to a second desk beside the edit A → B latency of the
// same run, see bench/mail.ts, which reads BENCH_MAIL_ENGINES and BENCH_MAIL_COUNT;
// mail-catchup — mail that arrived while the relay was down, filed after its restart, beside Gmail
// reads alone and audited store writes, see bench/mail-catchup.ts; drafting — a draft through the
// relay's POST /drafting/draft against the fake OpenAI-compatible server, first token and whole
// draft, beside a direct `openai` SDK call to the same fake, see bench/drafting.ts; scheduling —
// free slots for 3 kinds × 90 days with 500 appointments beside reading them, see bench/scheduling.ts;
// esign — sealing a
// signed 3-page document with its signature page and certificate beside rendering it unsealed with
// pdfkit, see bench/esign-seal.ts, which reads BENCH_ESIGN_DOCS); providers — a work provider's
// lookup by plate across 200 shops × 2,000 ROs beside a primary-key read, see bench/provider-lookup.ts;
// reports — insurer scorecards and the shop report for 12 months over BENCH_ROS repairs beside
// counting them, see bench/reports.ts, which reads BENCH_REPORT_ROUNDS); scale — 100 → 1,000 →
// 2,000 connected desks on 1 then 2 relay processes sharing one (private) PostgreSQL, with a
// stream of edits and 100 portal requests/s: edit latency, portal p99, relay memory per desk,
// PostgreSQL connections, see bench/scale.ts (a few minutes).
// latest.json then holds only the parts that ran.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { seedDemoShop } from '../src-main/demo/demo-shop.js';
import { Desk } from '../src-main/desk.js';
import { BIG_SLUG, buildBigWorkspace } from './big-workspace.js';
import { type BoardBenchResult, boardSummaryLines, runBoardBench } from './board.js';
import { type DraftingBenchResult, draftingSummaryLines, runDraftingBench } from './drafting.js';
import { type EsignSealBenchResult, esignSealSummaryLines, runEsignSealBench } from './esign-seal.js';
import { type MailBenchResult, mailSummaryLines, runMailBench } from './mail.js';
import { type MailCatchUpBenchResult, mailCatchUpSummaryLines, runMailCatchUpBench } from './mail-catchup.js';
import { type ProviderLookupBenchResult, providerLookupSummaryLines, runProviderLookupBench } from './provider-lookup.js';
import { type PortalBenchResult, portalSummaryLines, runPortalBench } from './portal.js';
import { type PortalLanguageBenchResult, portalLanguageSummaryLines, runPortalLanguageBench } from './portal-language.js';
import { type PrintingBenchResult, printingSummaryLines, runPrintingBench } from './printing.js';
import { runSchedulingBench, type SchedulingBenchResult, schedulingSummaryLines } from './scheduling.js';
import { type ReportsBenchResult, reportsSummaryLines, runReportsBench } from './reports.js';
import { type AutomationBenchResult, automationSummaryLines, runAutomationBench } from './automations.js';
import { runScaleBench, type ScaleBenchResult, scaleSummaryLines } from './scale.js';
import { runSearchBench, type SearchBenchResult } from './search.js';
import { runStageBench, type StageBenchResult } from './stage-change.js';
import { runSyncBench, type SyncBenchResult, syncSummaryLines } from './sync.js';

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const repairOrders = Number(process.env.BENCH_ROS ?? 50_000);
/** Search as you type is measured over ten times the ordinary big shop (BENCH_SEARCH_ROS). */
const searchRepairOrders = Number(process.env.BENCH_SEARCH_ROS ?? 500_000);
const PARTS = ['search', 'stage', 'sync', 'portal', 'printing', 'board', 'mail', 'mail-catchup', 'drafting', 'scheduling', 'esign', 'providers', 'reports', 'automations', 'portal-language', 'scale'] as const;
const ON_REQUEST: readonly string[] = [];
const only = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((p) => p.trim()));
for (const p of only) {
  if (![...PARTS, ...ON_REQUEST].includes(p as never)) throw new Error(`BENCH_ONLY: unknown part ${p} (use ${[...PARTS, ...ON_REQUEST].join(', ')})`);
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function writeResult(name: string, stamp: string, body: unknown): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}


function seconds(fromMs: number): string {
  return `${((performance.now() - fromMs) / 1000).toFixed(1)} s`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const machine = {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
  const header = { startedAt: startedAt.toISOString(), commit: gitCommit(), machine };
  console.log(`Bayline benchmarks — ${header.startedAt}, commit ${header.commit ?? '?'}, ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}`);
  console.log(`(load average at start: ${machine.loadAverage.join(', ')}; other work on this machine shows in the tails)`);

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-'));
  let search: SearchBenchResult | null = null;
  const stage: StageBenchResult[] = [];
  let sync: SyncBenchResult | null = null;
  let portal: PortalBenchResult | null = null;
  let portalLanguage: PortalLanguageBenchResult | null = null;
  let printing: PrintingBenchResult | null = null;
  let board: BoardBenchResult | null = null;
  let mail: MailBenchResult | null = null;
  let mailCatchUp: MailCatchUpBenchResult | null = null;
  let drafting: DraftingBenchResult | null = null;
  let scheduling: SchedulingBenchResult | null = null;
  let reports: ReportsBenchResult | null = null;
  let esign: EsignSealBenchResult | null = null;
  let providers: ProviderLookupBenchResult | null = null;
  let automations: AutomationBenchResult | null = null;
  let scale: ScaleBenchResult | null = null;
  try {
    // --- a. search over a large shop (500,000 ROs), and stage change in a 50,000-RO one
    if (only.has('search')) {
      const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
      const buildBig = async (dir: string, count: number) => {
        console.log(`\n[search] building a workspace with ${count.toLocaleString('en-US')} repair orders…`);
        const big = await buildBigWorkspace(dir, { repairOrders: count });
        console.log(
          `  ${big.counts.repairOrders.toLocaleString('en-US')} ROs, ${big.counts.customers.toLocaleString('en-US')} customers, ` +
            `${big.counts.vehicles.toLocaleString('en-US')} vehicles; rows ${(big.insertMs / 1000).toFixed(1)} s, ` +
            `search index ${(big.indexMs / 1000).toFixed(1)} s, file ${mib(big.fileBytes)}`,
        );
        return big;
      };
      const searchDir = path.join(root, 'big-search');
      const big = await buildBig(searchDir, searchRepairOrders);
      const searchDesk = await Desk.open({ dataDir: searchDir, workspace: { name: 'Bench Shop', slug: BIG_SLUG } });
      try {
        console.log(`\n[search] typing realistic lookups, one prefix at a time (${seconds(started)} so far)`);
        search = await runSearchBench(searchDesk, big.ros);
      } finally {
        await searchDesk.close();
      }
      // The desk's memory on its own: a fresh process opens the workspace and types the same lookups.
      const typedQueries = search.targets.flatMap((t) => Array.from({ length: t.text.length }, (_, i) => t.text.slice(0, i + 1)));
      const memory = JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', path.join(path.dirname(fileURLToPath(import.meta.url)), 'desk-memory.ts'), searchDir, BIG_SLUG, JSON.stringify(typedQueries)], {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        }),
      ) as Record<'idle' | 'opened' | 'typed', NodeJS.MemoryUsage>;
      search.deskMemory = { rssIdle: memory.idle.rss, rssOpen: memory.opened.rss, rssAfterTyping: memory.typed.rss, heapAfterTyping: memory.typed.heapUsed };
      console.log(
        `  desk memory with ${searchRepairOrders.toLocaleString('en-US')} ROs open (its own process, ${typedQueries.length} lookups typed 3 times and the board read): ` +
          `RSS ${mib(memory.typed.rss)} (JS heap ${mib(memory.typed.heapUsed)}); baseline: the same process before opening the desk ${mib(memory.idle.rss)}, ` +
          `right after opening ${mib(memory.opened.rss)}; ratio ${(memory.typed.rss / memory.idle.rss).toFixed(2)}×; database file ${mib(big.fileBytes)}`,
      );
      fs.rmSync(searchDir, { recursive: true, force: true });
      const stageDir = path.join(root, 'big-stage');
      await buildBig(stageDir, repairOrders);
      const stageDesk = await Desk.open({ dataDir: stageDir, workspace: { name: 'Bench Shop', slug: BIG_SLUG } });
      try {
        console.log(`\n[stage change] in the ${repairOrders.toLocaleString('en-US')}-RO workspace (${seconds(started)} so far)`);
        stage.push(await runStageBench(stageDesk, { label: `${repairOrders}-ro-workspace`, moves: 400 }));
      } finally {
        await stageDesk.close();
      }
    }

    // --- b. stage change in an ordinary shop, loaded through the API
    if (only.has('stage')) {
      console.log(`\n[stage change] in the demo shop (40 open, 60 delivered, loaded through the API) (${seconds(started)} so far)`);
      const demoDesk = await Desk.open({ dataDir: path.join(root, 'demo') });
      try {
        await seedDemoShop(demoDesk, { openRos: 40, closedRos: 60 });
        stage.push(await runStageBench(demoDesk, { label: 'demo-shop', moves: 400 }));
      } finally {
        await demoDesk.close();
      }
    }

    // --- c. sync through the relay, both storage engines
    if (only.has('sync')) {
      console.log(`\n[sync] desks and relay on 127.0.0.1 (${seconds(started)} so far)`);
      sync = await runSyncBench();
    }

    // --- d. the customer status page under load, both storage engines
    if (only.has('portal')) {
      console.log(`\n[portal] GET /t/<token> on the relay beside a bare fastify route (${seconds(started)} so far)`);
      portal = await runPortalBench();
    }

    // --- d2. the portal in English beside Spanish (issue 22)
    if (only.has('portal-language')) {
      console.log(`\n[portal-language] the status page in English beside Spanish (${seconds(started)} so far)`);
      portalLanguage = await runPortalLanguageBench();
    }

    // --- e. printed work orders
    if (only.has('printing')) {
      console.log(`\n[printing] work orders to disk beside empty pdfkit PDFs (${seconds(started)} so far)`);
      printing = await runPrintingBench(root);
    }

    // --- f. the production board in Chromium
    if (only.has('board')) {
      console.log(`\n[board] first render and filter of the board in Chromium beside an empty board (${seconds(started)} so far)`);
      board = await runBoardBench(root);
    }

    // --- g. inbound mail by Gmail push, both storage engines
    if (only.has('mail')) {
      console.log(`\n[mail] inbound Gmail mail from the push webhook to a second desk, beside edit A → B (${seconds(started)} so far)`);
      mail = await runMailBench();
    }

    // --- g. mail caught up after the relay was down
    if (only.has('mail-catchup')) {
      console.log(`\n[mail-catchup] mail waiting at Gmail while the relay was down, filed after its restart (${seconds(started)} so far)`);
      mailCatchUp = await runMailCatchUpBench();
    }
    // --- h. a draft through the relay against the fake model, beside a direct SDK call
    if (only.has('drafting')) {
      console.log(`\n[drafting] a streamed draft through the relay against the fake model, beside a direct openai SDK call (${seconds(started)} so far)`);
      drafting = await runDraftingBench();
    }
    // --- i. free slots beside reading what they come from
    if (only.has('scheduling')) {
      console.log(`\n[scheduling] free slots for 3 kinds × 90 days with 500 appointments, beside reading them from SQLite (${seconds(started)} so far)`);
      scheduling = await runSchedulingBench();
    }
    // --- m. automation rules evaluated as changes arrive, beside applying the changes alone
    if (only.has('automations')) {
      console.log(`\n[automations] rule evaluation with 50 active rules beside plain change application (${seconds(started)} so far)`);
      automations = await runAutomationBench();
    }
    // --- j. sealing a signed document, beside rendering it unsealed
    if (only.has('esign')) {
      console.log(`\n[esign] sealing a signed 3-page document beside rendering it unsealed with pdfkit (${seconds(started)} so far)`);
      esign = await runEsignSealBench(root);
    }
    // --- k. a work provider's lookup by plate across 200 shops, beside a primary-key read
    if (only.has('providers')) {
      console.log(`\n[providers] a work provider's lookup by plate across 200 shops × 2,000 ROs, beside a primary-key read (${seconds(started)} so far)`);
      providers = await runProviderLookupBench();
    }
    // --- l. insurer scorecards and the shop report for a year, beside counting the same repairs
    if (only.has('reports')) {
      console.log(`\n[reports] scorecards and the shop report, 12 months over ${repairOrders.toLocaleString('en-US')} ROs, beside counting them (${seconds(started)} so far)`);
      reports = await runReportsBench(repairOrders);
    }
    // --- n. many shops and desks on one and two relay processes sharing PostgreSQL
    if (only.has('scale')) {
      console.log(`\n[scale] 100 → 2,000 connected desks on 1, then 2 relay processes on one PostgreSQL, with edits and portal requests (${seconds(started)} so far)`);
      scale = await runScaleBench();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }

  const files = [
    ...(search ? [writeResult('search-typing', stamp, { ...header, benchmark: 'search-typing', result: search })] : []),
    ...(stage.length ? [writeResult('stage-change', stamp, { ...header, benchmark: 'stage-change', results: stage })] : []),
    ...(sync ? [writeResult('sync', stamp, { ...header, benchmark: 'sync', result: sync })] : []),
    ...(portal ? [writeResult('portal', stamp, { ...header, benchmark: 'portal', result: portal })] : []),
    ...(printing ? [writeResult('printing', stamp, { ...header, benchmark: 'printing', result: printing })] : []),
    ...(board ? [writeResult('board', stamp, { ...header, benchmark: 'board', result: board })] : []),
    ...(mail ? [writeResult('mail', stamp, { ...header, benchmark: 'mail-inbound', result: mail })] : []),
    ...(mailCatchUp ? [writeResult('mail-catchup', stamp, { ...header, benchmark: 'mail-catchup', result: mailCatchUp })] : []),
    ...(drafting ? [writeResult('drafting', stamp, { ...header, benchmark: 'drafting', result: drafting })] : []),
    ...(scheduling ? [writeResult('scheduling', stamp, { ...header, benchmark: 'scheduling', result: scheduling })] : []),
    ...(esign ? [writeResult('esign-seal', stamp, { ...header, benchmark: 'esign-seal', result: esign })] : []),
    ...(providers ? [writeResult('provider-lookup', stamp, { ...header, benchmark: 'provider-lookup', result: providers })] : []),
    ...(reports ? [writeResult('reports', stamp, { ...header, benchmark: 'reports', result: reports })] : []),
    ...(automations ? [writeResult('automations', stamp, { ...header, benchmark: 'automations', result: automations })] : []),
    ...(scale ? [writeResult('scale', stamp, { ...header, benchmark: 'scale', result: scale })] : []),
  ];
  const latest = path.join(RESULTS_DIR, 'latest.json');
  fs.writeFileSync(
    latest,
    `${JSON.stringify({ ...header, only: [...only], totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)), searchTyping: search, stageChange: stage, sync, portal, portalLanguage, printing, board, mail, mailCatchUp, drafting, scheduling, esign, providers, reports, automations, scale }, null, 2)}\n`,
  );

  console.log('\nSummary');
  if (search) {
    console.log(
      `  search p99 (API) ${search.api.overall.p99.toFixed(2)} ms at ${search.repairOrders.toLocaleString('en-US')} ROs — goal < ${search.goalP99Ms} ms: ${search.goalMet ? 'PASS' : 'MISS'}; ratio to baseline ${search.ratioApi.toFixed(0)}×`,
    );
  }
  for (const s of stage) {
    console.log(
      `  stage change p99 ${s.stageChange.p99.toFixed(2)} ms (${s.label}) — goal < ${s.goalP99Ms} ms: ${s.goalMet ? 'PASS' : 'MISS'}; ` +
        `ratio to baseline ${s.ratio.toFixed(0)}×, to a bare durable commit ${s.ratioToCommit.toFixed(1)}× (commit p99 ${s.commitBaseline.p99.toFixed(2)} ms)`,
    );
  }
  if (sync) for (const line of syncSummaryLines(sync)) console.log(line);
  if (portal) for (const line of portalSummaryLines(portal)) console.log(line);
  if (portalLanguage) for (const line of portalLanguageSummaryLines(portalLanguage)) console.log(line);
  if (printing) for (const line of printingSummaryLines(printing)) console.log(line);
  if (board) for (const line of boardSummaryLines(board)) console.log(line);
  if (mail) for (const line of mailSummaryLines(mail)) console.log(line);
  if (mailCatchUp) for (const line of mailCatchUpSummaryLines(mailCatchUp)) console.log(line);
  if (drafting) for (const line of draftingSummaryLines(drafting)) console.log(line);
  if (scheduling) for (const line of schedulingSummaryLines(scheduling)) console.log(line);
  if (esign) for (const line of esignSealSummaryLines(esign)) console.log(line);
  if (providers) for (const line of providerLookupSummaryLines(providers)) console.log(line);
  if (reports) for (const line of reportsSummaryLines(reports)) console.log(line);
  if (automations) for (const line of automationSummaryLines(automations)) console.log(line);
  if (scale) for (const line of scaleSummaryLines(scale)) console.log(line);
  console.log(`  results: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}, ${path.relative(process.cwd(), latest)}`);
  console.log(`  total ${seconds(started)}`);
  // A page that answered 429/404 (or a relay that fell over) has no figure: the run fails.
  if (portal?.failed.length) {
    console.error(`portal: FAILED on ${portal.failed.map((f) => f.engine).join(', ')} — see above`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
