// The customer status page under load: GET /t/<token> at 50 connections on a real relay
// (startRelay, real SQLite or PostgreSQL storage, a paired desk that checked the car in), beside
// a bare fastify route returning a constant, measured in the same run from the same load
// generator. Goal (issue 23): the page serves at least 60% of the bare route's requests per second,
// with a p99 at most 2× the bare route's.
//
// How it is measured:
//  - Load: autocannon, 50 connections, keep-alive, `accept-encoding: gzip` as a phone sends it
//    (the portal answers with its cached gzip body). A warm-up run first, then the timed run;
//    latencies are every response's own time (autocannon's `response` event, sub-ms).
//  - Order per engine: bare, portal, bare, portal, bare (BENCH_PORTAL_ROUNDS=2); the ratio is the
//    portal runs' mean over the bare runs' mean. On a shared 2-core machine the bare figure moves
//    by a third between neighbouring runs; the spread is printed and flagged above 25%.
//  - The load generator runs in a child process (BENCH_PORTAL_LOADGEN=inline runs it in this
//    process instead, for comparison). autocannon is CPU-bound JavaScript; in this process it
//    shares the relay's event loop and adds its own ~13-23 µs to every response of both routes,
//    which flatters the heavier one. Measured on the 2-core bench machine, SQLite, 6 s runs,
//    alternating: inline, bare 19,000-36,000 req/s, page 9,700-10,400, ratio 34-42%; child,
//    bare 31,000-70,000, page 11,800-12,700, ratio 21-32%; this process's CPU per bare response
//    27-43 µs inline against 14-20 µs with the child. A child process is also what a phone is: a
//    separate program at the other end of a socket. On 2 cores it still takes most of a core
//    (shown as "load generator … cores"), and the bare route is limited by the load generator as
//    much as by fastify, so absolute figures are for this machine only.
//  - Each run also reports this process's CPU per response (user + system, all threads, so the
//    kernel's loopback work is in it): far steadier than req/s while other work shares the machine.
//  - The relay keeps production's logging: pino at info, fastify's two request lines per request,
//    with the redaction of server.ts, written to /dev/null rather than a terminal (the same
//    serialization work; a terminal or a journald pipe would cost more). The diagnostics run the
//    relay again at log level warn, and a copy of the page (same gzip bytes, same headers) from
//    the bare server, to split the gap into logging, the relay's own work, and size and headers
//    (BENCH_PORTAL_DIAG=0 skips them).
//  - The per-address limit is raised for the bench (requestsPerMinute 1e9): all 50 connections
//    come from 127.0.0.1, and the production limit (600 per address per minute) would turn all
//    but the first 600 requests into 429s. Every response must be a 200: any non-2xx answer,
//    socket error or timeout fails the engine's part loudly and no figure is reported for it.
//  - View counts are flushed every 5 s as in production; each flush is a write to the workspace
//    that drops the relay's token and page caches, so every run includes re-renders.
// Environment: BENCH_PORTAL_ENGINES=sqlite,postgres, BENCH_PORTAL_SECONDS (10 per run),
// BENCH_PORTAL_WARMUP (2), BENCH_PORTAL_CONNECTIONS (50), BENCH_PORTAL_ROUNDS (2),
// BENCH_PORTAL_LOADGEN=child|inline, BENCH_PORTAL_DIAG=0.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Fastify from 'fastify';
import { relayLoggerOptions } from '../relay/server.js';
import { call, type Engine, eventually, type RelayFixture, startRelayFixture } from '../relay/testing/sync-fixture.js';
import type { RepairOrderDetail, SyncStatus } from '../src-shared/domain.js';
import { ms, type Summary, summarize } from './stats.js';

export const PORTAL_GOAL_RATIO = 0.6;
/** The page's p99 may be at most this many times the bare route's (issue 23). */
export const PORTAL_GOAL_P99_RATIO = 2;
const BARE_BODY = 'hello world';
/** The bench's per-address limit; see the top of this file. */
const BENCH_REQUESTS_PER_MINUTE = 1_000_000_000;
const PRODUCTION_REQUESTS_PER_MINUTE = 600;
/** Bare runs further apart than this (share of their mean) get a warning: the machine was busy. */
const NOISY_SPREAD = 0.25;

export interface LoadRun {
  label: string;
  seconds: number;
  /** 2xx responses per second over the timed run. */
  perSecond: number;
  responses: number;
  latency: Summary;
  statusCodes: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Bytes read per 2xx response, headers included. */
  bytesPerResponse: number;
  /**
   * CPU this process (relay or bare server, all threads) used per response during the run, µs:
   * far steadier than req/s when other work shares the machine. Includes the load generator when
   * it runs inline.
   */
  serverCpuUsPerResponse: number;
  /** CPU seconds per second of the run: this process, and the load generator's process. */
  serverCores: number;
  loadGeneratorCores: number;
}

export interface PortalEngineResult {
  engine: Engine;
  /** The bare runs in order: one before the first portal run and one after each. */
  bare: LoadRun[];
  /** The portal runs (one per round). */
  portalRuns: LoadRun[];
  /** The portal runs together: mean req/s and mean of the percentiles. */
  portal: { perSecond: number; p50: number; p99: number };
  /** Relay log level raised to warn (no request lines), same relay; null when skipped. */
  portalNoLogging: LoadRun | null;
  /** Bare fastify sending a copy of the page's gzip bytes and headers; null when skipped. */
  pageCopy: LoadRun | null;
  barePerSecond: number;
  bareP99: number;
  /** (max − min) / mean of the bare runs' req/s: how much the machine moved under the part. */
  bareSpread: number;
  /** portal req/s / mean bare req/s */
  ratio: number;
  /** portal p99 / mean bare p99 */
  p99Ratio: number;
  goalMet: boolean;
  page: { htmlBytes: number; gzipBytes: number };
}

export interface PortalBenchResult {
  goalRatio: number;
  connections: number;
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  loadGenerator: 'child' | 'inline';
  relayLogging: string;
  requestsPerMinute: { bench: number; production: number };
  bareBodyBytes: number;
  engines: PortalEngineResult[];
  failed: Array<{ engine: Engine; reason: string }>;
  skipped: Array<{ engine: Engine; reason: string }>;
  totalSeconds: number;
}

// ---- the load generator ------------------------------------------------------------------------

interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  headers: Record<string, string>;
  /** Keep every response's latency (the timed run; not the warm-up). */
  record: boolean;
}

interface RawLoad {
  duration: number;
  statusCodes: Record<string, number>;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytes: number;
  latencies: number[];
  /** CPU the load generator's process used during the run, ms (user + system). */
  cpuMs: number;
}

type LoadFn = (autocannon: unknown, options: LoadOptions) => Promise<RawLoad>;

// Plain JavaScript, so that the same function runs in a child `node -e` (no TypeScript loader
// there) and, for BENCH_PORTAL_LOADGEN=inline, in this process.
const LOAD_SOURCE = `async (autocannon, o) => {
  const latencies = [];
  const cpu = process.cpuUsage();
  const r = await new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: o.url, connections: o.connections, duration: o.seconds, headers: o.headers, timeout: 10 },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (o.record) instance.on('response', (_client, _status, _bytes, time) => { latencies.push(Math.round(time * 1000) / 1000); });
  });
  const used = process.cpuUsage(cpu);
  const statusCodes = {};
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = s.count;
  return {
    duration: r.duration,
    statusCodes,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    bytes: r.throughput.total,
    latencies,
    cpuMs: (used.user + used.system) / 1000,
  };
}`;

const requireHere = createRequire(import.meta.url);

async function loadInline(options: LoadOptions): Promise<RawLoad> {
  const load = new Function(`return (${LOAD_SOURCE});`)() as LoadFn;
  return load(requireHere('autocannon'), options);
}

async function loadInChild(options: LoadOptions): Promise<RawLoad> {
  const script =
    `const load = ${LOAD_SOURCE};\n` +
    `load(require(process.env.BENCH_AUTOCANNON), JSON.parse(process.env.BENCH_LOAD)).then(` +
    `(r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '', BENCH_AUTOCANNON: requireHere.resolve('autocannon'), BENCH_LOAD: JSON.stringify(options) },
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawLoad;
}

interface LoadPlan {
  connections: number;
  seconds: number;
  warmupSeconds: number;
  headers: Record<string, string>;
  loadGenerator: 'child' | 'inline';
}

/** A warm-up run, then the timed run with this process's CPU use counted around it. */
async function measure(label: string, url: string, plan: LoadPlan): Promise<LoadRun> {
  const go = (seconds: number, record: boolean) => {
    const options: LoadOptions = { url, connections: plan.connections, seconds, headers: plan.headers, record };
    return plan.loadGenerator === 'inline' ? loadInline(options) : loadInChild(options);
  };
  if (plan.warmupSeconds > 0) await go(plan.warmupSeconds, false);
  const cpu = process.cpuUsage();
  const raw = await go(plan.seconds, true);
  const used = process.cpuUsage(cpu);
  const serverCpuMs = (used.user + used.system) / 1000;
  const responses = raw.ok + raw.non2xx;
  return {
    label,
    seconds: raw.duration,
    perSecond: raw.ok / raw.duration,
    responses,
    latency: summarize(raw.latencies),
    statusCodes: raw.statusCodes,
    non2xx: raw.non2xx,
    errors: raw.errors,
    timeouts: raw.timeouts,
    bytesPerResponse: raw.ok ? raw.bytes / raw.ok : 0,
    serverCpuUsPerResponse: responses ? (serverCpuMs * 1000) / responses : Number.NaN,
    serverCores: serverCpuMs / (raw.duration * 1000),
    loadGeneratorCores: raw.cpuMs / (raw.duration * 1000),
  };
}

/** Throws (the engine's part fails) unless every request of the run got a 2xx answer. */
function requireAllOk(run: LoadRun): void {
  if (run.non2xx > 0 || run.errors > 0 || run.timeouts > 0 || run.responses === 0) {
    const codes = Object.entries(run.statusCodes)
      .map(([code, n]) => `${code} ×${n}`)
      .join(', ');
    throw new Error(
      `${run.label}: not every answer was a 200 — ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts of ${run.responses} responses (${codes || 'none'})`,
    );
  }
}

// ---- the servers ---------------------------------------------------------------------------------

interface CopiedPage {
  headers: Record<string, string>;
  gzip: Buffer;
}

/**
 * The baseline: fastify with one route returning a constant. A second route, for the diagnostics
 * only, sends a copy of the portal's answer (its gzip bytes and headers) from memory: what the
 * response's size and headers cost with none of the relay's work.
 */
async function startBare(): Promise<{ url: string; pageUrl: string; setPage(page: CopiedPage): void; close(): Promise<void> }> {
  const app = Fastify();
  let copy: CopiedPage | null = null;
  app.get('/', async (_req, reply) => reply.type('text/plain; charset=utf-8').send(BARE_BODY));
  app.get('/page', async (_req, reply) => (copy ? reply.headers(copy.headers).send(copy.gzip) : reply.code(404).send()));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    pageUrl: `http://127.0.0.1:${port}/page`,
    setPage: (page) => {
      copy = page;
    },
    close: () => app.close(),
  };
}

function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Runs `fn` with os.tmpdir() pointing into `dir`, so the fixture's temp folders land where this bench removes them. */
async function withTmpdir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
}

function isoDateInDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A shop with one car checked in and moved along twice, pushed to the relay; returns the customer's link. */
async function carOnThePortal(f: RelayFixture, deskDir: string): Promise<{ url: string; htmlBytes: number; copy: CopiedPage }> {
  const { desk } = await f.pairNewDesk('Front desk', deskDir);
  await call(desk, 'workspace-update', { phone: '(512) 555-0100', address: '1200 Lakeshore Blvd, Austin, TX 78741', email: 'hello@lakeside.example' });
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
    customer: { firstName: 'Maria', lastName: 'Gonzalez', mobile: '(512) 555-0147', email: 'maria.gonzalez@example.com' },
    vehicle: { vin: '1HGCV1F37LA012345', plate: 'LKS 4821', year: 2020, make: 'Honda', model: 'Accord', color: 'Silver' },
    insurer: 'State Farm',
    claimNumber: 'SF-24-558812',
    adjusterName: 'Dana Whitfield',
    adjusterEmail: 'dana.whitfield@insurer.example',
    deductibleCents: 50_000,
    promisedDate: isoDateInDays(9),
  });
  if (!ro.portal.url) throw new Error(`check-in gave no portal link (${ro.portal.problem ?? 'no reason given'})`);
  await call(desk, 'ro-move-stage', { id: ro.id, stage: 'estimate' });
  await call(desk, 'ro-move-stage', { id: ro.id, stage: 'teardown' });
  await eventually('the desk to push everything', async () => (await call<SyncStatus>(desk, 'sync-status', {})).changesWaiting === 0);
  const url = ro.portal.url;
  const page = await eventually('the status page to answer 200 with the car on it', async () => {
    const r = await rawGet(url, { 'accept-encoding': 'gzip' });
    if (r.status !== 200) return false;
    if (r.headers['content-encoding'] !== 'gzip') throw new Error(`the page came back without gzip (${r.headers['content-encoding'] ?? 'identity'})`);
    const html = zlib.gunzipSync(r.body).toString('utf8');
    return html.includes('Maria') && html.includes('LKS 4821') && html.includes('Teardown') && { html, headers: r.headers, gzip: r.body };
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(page.headers)) {
    if (typeof value === 'string' && !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name)) headers[name] = value;
  }
  return { url, htmlBytes: Buffer.byteLength(page.html), copy: { headers, gzip: page.gzip } };
}

// ---- the part ------------------------------------------------------------------------------------

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} req/s`;

function runLine(r: LoadRun): string {
  return (
    `${perSecond(r.perSecond)}, p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)}, max ${ms(r.latency.max)} ` +
    `(${r.responses.toLocaleString('en-US')} responses, non-2xx ${r.non2xx}, errors ${r.errors}, ${Math.round(r.bytesPerResponse)} B each on the wire; ` +
    `CPU ${r.serverCpuUsPerResponse.toFixed(0)} µs/response, server ${r.serverCores.toFixed(2)} cores, load generator ${r.loadGeneratorCores.toFixed(2)})`
  );
}

export async function runPortalBench(options: { log?: (line: string) => void } = {}): Promise<PortalBenchResult> {
  const log = options.log ?? console.log;
  const started = performance.now();
  const engines = (process.env.BENCH_PORTAL_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
  for (const e of engines) if (e !== 'sqlite' && e !== 'postgres') throw new Error(`BENCH_PORTAL_ENGINES: unknown engine ${e}`);
  const seconds = Number(process.env.BENCH_PORTAL_SECONDS ?? 10);
  const warmupSeconds = Number(process.env.BENCH_PORTAL_WARMUP ?? 2);
  const connections = Number(process.env.BENCH_PORTAL_CONNECTIONS ?? 50);
  const rounds = Math.max(1, Number(process.env.BENCH_PORTAL_ROUNDS ?? 2));
  const loadGenerator = process.env.BENCH_PORTAL_LOADGEN === 'inline' ? 'inline' : 'child';
  const diagnose = process.env.BENCH_PORTAL_DIAG !== '0';
  const load = { connections, seconds, warmupSeconds, loadGenerator, headers: { 'accept-encoding': 'gzip, deflate, br' } } as const;

  const relayLogger = relayLoggerOptions('info');
  if (typeof relayLogger !== 'object') throw new Error('relayLoggerOptions gave no options object');

  log(
    `  autocannon, ${connections} connections, ${warmupSeconds} s warm-up + ${seconds} s per run, load generator in ${loadGenerator === 'child' ? 'a child process' : 'this process'}; ` +
      `order per engine: bare${' → portal → bare'.repeat(rounds)}`,
  );
  log(`  baseline: bare fastify on 127.0.0.1, GET / → "${BARE_BODY}" (${Buffer.byteLength(BARE_BODY)} B), no logger (fastify's default)`);
  log(
    `  relay: production logging (pino info, request lines, redaction) to /dev/null; view counts flushed every 5 s; ` +
      `per-address limit raised from ${PRODUCTION_REQUESTS_PER_MINUTE}/min to ${BENCH_REQUESTS_PER_MINUTE.toExponential(0)}/min for the bench ` +
      `(every connection comes from 127.0.0.1; the production limit would answer 429 after 600 requests a minute)`,
  );

  const engineResults: PortalEngineResult[] = [];
  const failed: PortalBenchResult['failed'] = [];
  const skipped: PortalBenchResult['skipped'] = [];
  const bare = await startBare();
  try {
    for (const engine of engines) {
      log(`\n[portal ${engine}] relay on ${engine} with blobs, one desk paired, one car checked in and moved twice`);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-portal-'));
      let f: RelayFixture | null = null;
      try {
        try {
          f = await withTmpdir(tmp, () =>
            startRelayFixture(engine, {
              // The production device check (every 10 s), not the tests' 200 ms.
              deviceCheckMs: 10_000,
              blobs: true,
              logger: { ...relayLogger, file: '/dev/null' },
              portal: { requestsPerMinute: BENCH_REQUESTS_PER_MINUTE },
            }),
          );
        } catch (err) {
          const reason = (err as Error).message;
          log(`  skipped: the relay could not start on ${engine} (${reason})`);
          skipped.push({ engine, reason });
          continue;
        }
        const fixture = f;
        const page = await carOnThePortal(fixture, path.join(tmp, 'desk'));
        const gzipBytes = page.copy.gzip.length;
        log(
          `  page: ${page.htmlBytes.toLocaleString('en-US')} B of HTML, ${gzipBytes.toLocaleString('en-US')} B gzipped (what is sent) ` +
            `with ${Object.keys(page.copy.headers).length} headers (security headers and CSP); bare: ${Buffer.byteLength(BARE_BODY)} B`,
        );
        bare.setPage(page.copy);

        const bareRuns: LoadRun[] = [];
        const portalRuns: LoadRun[] = [];
        const bareRun = async () => {
          const r = await measure(`bare ${bareRuns.length + 1}`, bare.url, load);
          requireAllOk(r);
          log(`  bare    ${runLine(r)}`);
          bareRuns.push(r);
        };
        await bareRun();
        for (let round = 1; round <= rounds; round++) {
          const r = await measure(`GET /t/<token> (${engine}) ${round}`, page.url, load);
          requireAllOk(r);
          log(`  portal  ${runLine(r)}`);
          portalRuns.push(r);
          await bareRun();
        }

        const barePerSecond = mean(bareRuns.map((r) => r.perSecond));
        const bareP99 = mean(bareRuns.map((r) => r.latency.p99));
        const barePs = bareRuns.map((r) => r.perSecond);
        const bareSpread = (Math.max(...barePs) - Math.min(...barePs)) / barePerSecond;
        const portal = {
          perSecond: mean(portalRuns.map((r) => r.perSecond)),
          p50: mean(portalRuns.map((r) => r.latency.p50)),
          p99: mean(portalRuns.map((r) => r.latency.p99)),
        };
        const ratio = portal.perSecond / barePerSecond;
        const p99Ratio = portal.p99 / bareP99;
        const goalMet = ratio >= PORTAL_GOAL_RATIO && p99Ratio <= PORTAL_GOAL_P99_RATIO;
        log(
          `  ratio to bare (mean of ${bareRuns.length} runs): ${(ratio * 100).toFixed(0)}% of its req/s, p99 ${p99Ratio.toFixed(1)}× — ` +
            `goal ≥ ${(PORTAL_GOAL_RATIO * 100).toFixed(0)}% and p99 ≤ ${PORTAL_GOAL_P99_RATIO}×: ${goalMet ? 'PASS' : 'MISS'}`,
        );
        if (bareSpread > NOISY_SPREAD) {
          log(
            `  ⚠ the bare runs differ by ${(bareSpread * 100).toFixed(0)}% of their mean: other work on this machine moved the figures; ` +
              `the ratio is rough — run again on a quiet machine or with more BENCH_PORTAL_ROUNDS`,
          );
        }

        let portalNoLogging: LoadRun | null = null;
        let pageCopy: LoadRun | null = null;
        if (diagnose) {
          log(`  diagnostics (not part of the goal):`);
          pageCopy = await measure('bare fastify sending a copy of the page', bare.pageUrl, load);
          requireAllOk(pageCopy);
          log(`    bare fastify sending a copy of the page's bytes and headers from memory: ${runLine(pageCopy)}`);
          const level = fixture.relay.app.log.level;
          fixture.relay.app.log.level = 'warn';
          try {
            portalNoLogging = await measure(`GET /t/<token> (${engine}, relay log level warn)`, page.url, load);
          } finally {
            fixture.relay.app.log.level = level;
          }
          requireAllOk(portalNoLogging);
          log(`    relay at log level warn (no request lines): ${runLine(portalNoLogging)} — ${pct(portalNoLogging.perSecond / barePerSecond)} of the bare mean above`);
          const cpu = (r: LoadRun) => `${r.serverCpuUsPerResponse.toFixed(0)} µs`;
          const portalCpu = mean(portalRuns.map((r) => r.serverCpuUsPerResponse));
          const bareCpu = mean(bareRuns.map((r) => r.serverCpuUsPerResponse));
          log(
            `    CPU of this process per response (steadier than req/s on a busy machine): bare ${bareCpu.toFixed(0)} µs, copy of the page ${cpu(pageCopy)}, ` +
              `portal ${portalCpu.toFixed(0)} µs, portal without request lines ${cpu(portalNoLogging)} → ` +
              `request logging ${(portalCpu - portalNoLogging.serverCpuUsPerResponse).toFixed(0)} µs, ` +
              `the relay's own work ${(portalNoLogging.serverCpuUsPerResponse - pageCopy.serverCpuUsPerResponse).toFixed(0)} µs, ` +
              `size and headers ${(pageCopy.serverCpuUsPerResponse - bareCpu).toFixed(0)} µs`,
          );
        }
        engineResults.push({
          engine,
          bare: bareRuns,
          portalRuns,
          portal,
          portalNoLogging,
          barePerSecond,
          bareP99,
          bareSpread,
          ratio,
          p99Ratio,
          goalMet,
          pageCopy,
          page: { htmlBytes: page.htmlBytes, gzipBytes },
        });
      } catch (err) {
        const reason = (err as Error).message;
        log(`  FAILED on ${engine}: ${reason}`);
        failed.push({ engine, reason });
      } finally {
        await f?.cleanup().catch((err: unknown) => log(`  cleanup of the ${engine} relay failed: ${(err as Error).message}`));
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
  } finally {
    await bare.close();
  }
  return {
    goalRatio: PORTAL_GOAL_RATIO,
    connections,
    rounds,
    seconds,
    warmupSeconds,
    loadGenerator,
    relayLogging: 'pino info to /dev/null',
    requestsPerMinute: { bench: BENCH_REQUESTS_PER_MINUTE, production: PRODUCTION_REQUESTS_PER_MINUTE },
    bareBodyBytes: Buffer.byteLength(BARE_BODY),
    engines: engineResults,
    failed,
    skipped,
    totalSeconds: (performance.now() - started) / 1000,
  };
}

/** The lines for run.ts's summary. */
export function portalSummaryLines(r: PortalBenchResult): string[] {
  const lines: string[] = [];
  for (const e of r.engines) {
    lines.push(
      `  portal GET /t/<token> ${perSecond(e.portal.perSecond)}, p50 ${e.portal.p50.toFixed(2)} ms, p99 ${e.portal.p99.toFixed(2)} ms (${e.engine}, ${r.connections} connections) — ` +
        `${(e.ratio * 100).toFixed(0)}% of bare fastify's ${perSecond(e.barePerSecond)} (p99 ${e.bareP99.toFixed(2)} ms; portal p99 ${e.p99Ratio.toFixed(1)}×) — ` +
        `goal ≥ ${(r.goalRatio * 100).toFixed(0)}% and p99 ≤ ${PORTAL_GOAL_P99_RATIO}×: ${e.goalMet ? 'PASS' : 'MISS'}${e.bareSpread > NOISY_SPREAD ? ` (noisy: bare runs ${(e.bareSpread * 100).toFixed(0)}% apart)` : ''}`,
    );
  }
  for (const f of r.failed) lines.push(`  portal on ${f.engine}: FAILED (${f.reason})`);
  for (const s of r.skipped) lines.push(`  portal on ${s.engine}: skipped (${s.reason})`);
  return lines;
}
