// Load and scale (issue 21 item 8, issue 23 item 7): many shops and desks on relay processes
// sharing one PostgreSQL, stepped from 100 to 1,000 to 2,000 connected desks, first on one relay
// process, then on two (each workspace's two desks on different processes, so every edit crosses
// processes through LISTEN/NOTIFY as it does in production behind a load balancer).
//
// What runs, all on 127.0.0.1:
//  - PostgreSQL: a private server this part starts (initdb in a temp folder, max_connections 100
//    as a stock server; BENCH_SCALE_PG_MAX_CONNECTIONS changes it), so the bench neither takes
//    connections from everybody else's tests nor is refused by them. BENCH_SCALE_PG_URL=<admin
//    url> uses an existing server instead.
//  - Relays: `relay/cli.ts serve --db … --trust-proxy` as their own processes, fresh for each
//    step, so each one's RSS (from /proc) is measured before and after its desks connect.
//  - Light desks (bench/scale-desks.ts) in child processes: one real WebSocket each with the real
//    protocol (hello, every page acknowledged, pushes of stamped changes), no SQLite behind them.
//    Half of them push an edit of their shop's customer every BENCH_SCALE_EDIT_EVERY_MS (20 s,
//    so the edit stream grows with the desks); the shop's other desk times its arrival ("fan-out").
//  - Two full desks (src-main Desk, SQLite, the sync client) of one more shop, A on the first relay
//    and B on the last: edit on A → applied on B, timed as in the sync part, under the load.
//  - The portal: GET /t/<token> at BENCH_SCALE_PORTAL_RPS (100) per second, spread over the
//    relays, from addresses the load balancer reports (X-Forwarded-For), from a child process.
// Each step is bounded: connecting stops after BENCH_SCALE_CONNECT_SECONDS (90) and the step then
// reports what it reached; a step also stops when the machine's available memory runs low.
// BENCH_SCALE_CPU_PROFILE=<folder> writes each relay's CPU profile there (one folder per step;
// open the .cpuprofile files in Chrome's DevTools or read them with bench/profile-top.ts).
// Environment: BENCH_SCALE_STEPS (100,1000,2000), BENCH_SCALE_RELAYS (1,2), BENCH_SCALE_SECONDS
// (load per step, 15), BENCH_SCALE_EDIT_EVERY_MS, BENCH_SCALE_PORTAL_RPS, BENCH_SCALE_PG_URL.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Desk } from '../src-main/desk.js';
import { pairDesk } from '../src-main/sync/pair.js';
import type { RepairOrderDetail } from '../src-shared/domain.js';
import { issuePairingCode, redeem } from '../relay/pairing.js';
import { openPostgresStorage } from '../relay/storage/postgres.js';
import { freePort, type RelayProcess, spawnRelay } from '../relay/testing/relay-process.js';
import { call, eventually } from '../relay/testing/sync-fixture.js';
import type { ChildMessage, LightDeskSpec, ParentMessage } from './scale-desks.js';
import { ms, type Summary, summarize, table } from './stats.js';
import { measureEditToApplied } from './sync-latency.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface ScaleStep {
  relays: number;
  desksTarget: number;
  workspaces: number;
  desksConnected: number;
  connectFailed: number;
  connectSeconds: number;
  /** Why the step stopped short, if it did. */
  stopped: string | null;
  /** Full desk A (first relay) → full desk B (last relay), under the load. */
  edit: Summary | null;
  /** The A → B run went on after the load had ended. */
  editOutlastedLoad: boolean;
  /** Light desks: sender's clock → the other desk of its shop has the page. */
  fanOut: Summary | null;
  editsSent: number;
  protocolErrors: number;
  firstProtocolError: string | null;
  closedDuringLoad: number;
  portal: Summary | null;
  portalPerSecond: number;
  portalNon200: number;
  /** Per relay process, MiB: idle with the full desks, after the light desks connected, peak under load. */
  rssBeforeMiB: number[];
  rssAfterMiB: number[];
  rssPeakMiB: number[];
  /** (after − before) summed over the relays / desks connected. */
  kibPerDesk: number;
  pgConnectionsAfterConnect: number;
  pgConnectionsPeak: number;
}

export interface ScaleBenchResult {
  steps: ScaleStep[];
  postgres: { server: 'private' | 'given'; maxConnections: number };
  clientProcesses: number;
  openFileLimit: number;
  loadSeconds: number;
  editEveryMs: number;
  portalPerSecond: number;
  setupSeconds: number;
  seconds: number;
}

const numbers = (v: string | undefined, fallback: number[]) => (v ? v.split(',').map((x) => Number(x.trim())) : fallback);

// ---- a private PostgreSQL --------------------------------------------------------------------

interface Postgres {
  adminUrl: string;
  server: 'private' | 'given';
  maxConnections: number;
  stop(): Promise<void>;
}

function postgresBin(name: string): string {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  } catch {
    // pg_config missing: rely on PATH.
  }
  return name;
}

async function startPostgres(maxConnections: number): Promise<Postgres> {
  const given = process.env.BENCH_SCALE_PG_URL;
  if (given) {
    const c = new pg.Client({ connectionString: given });
    await c.connect();
    const max = Number((await c.query<{ max_connections: string }>('SHOW max_connections')).rows[0]!.max_connections);
    await c.end();
    return { adminUrl: given, server: 'given', maxConnections: max, stop: async () => undefined };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-scale-pg-'));
  // PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
  let ids: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
    ids = { uid, gid };
  }
  const data = path.join(dir, 'data');
  execFileSync(postgresBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { stdio: 'ignore', ...ids });
  const port = await freePort();
  let log = '';
  const server = spawn(
    postgresBin('postgres'),
    ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `max_connections=${maxConnections}`, '-c', 'shared_buffers=128MB'],
    { stdio: ['ignore', 'pipe', 'pipe'], ...ids },
  );
  server.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  server.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    if (server.exitCode === null) server.kill('SIGINT');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      'the private PostgreSQL to accept connections',
      async () => {
        if (server.exitCode !== null) throw new Error(`it exited: ${log.slice(-500)}`);
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.end();
        return true;
      },
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { adminUrl, server: 'private', maxConnections, stop };
}

// ---- measuring processes -------------------------------------------------------------------------

function rssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function availableMiB(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return os.freemem() / 1024 / 1024;
}

function openFileLimit(): number {
  try {
    return Number(execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()) || 1024;
  } catch {
    return 1024;
  }
}

// ---- the light desks' processes ----------------------------------------------------------------

class DeskProcess {
  private readonly waiting: Array<(m: ChildMessage) => void> = [];
  private constructor(readonly child: ChildProcess) {
    child.on('message', (m) => {
      const msg = m as ChildMessage;
      if (msg.t === 'error') console.error(`  desk process: ${msg.message}`);
      else this.waiting.shift()?.(msg);
    });
  }

  static start(): DeskProcess {
    const child = fork(path.join(HERE, 'scale-desks.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    return new DeskProcess(child);
  }

  ask<T extends ChildMessage['t']>(m: ParentMessage, answer: T): Promise<Extract<ChildMessage, { t: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`a desk process exited (${code})`));
      this.child.once('exit', onExit);
      this.waiting.push((msg) => {
        this.child.off('exit', onExit);
        if (msg.t !== answer) reject(new Error(`the desk process answered ${msg.t}, not ${answer}`));
        else resolve(msg as Extract<ChildMessage, { t: T }>);
      });
      this.child.send(m);
    });
  }

  send(m: ParentMessage): void {
    this.child.send(m);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ t: 'exit' } satisfies ParentMessage);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

// ---- the part -------------------------------------------------------------------------------------

interface ShopDesks {
  /** Per workspace: the editing desk and its partner. */
  pairs: Array<[Omit<LightDeskSpec, 'relayUrl'>, Omit<LightDeskSpec, 'relayUrl'>]>;
}

const nodeId = () => randomBytes(8).toString('hex');

async function makeShops(dbUrl: string, count: number, fullShops: number, log: (s: string) => void): Promise<{ shops: ShopDesks; fullShops: string[] }> {
  const storage = await openPostgresStorage(dbUrl);
  try {
    const ids: string[] = new Array(count);
    let next = 0;
    let lastSaid = performance.now();
    const worker = async () => {
      while (next < count) {
        const i = next++;
        ids[i] = (await storage.createWorkspace({ slug: `scale-${i}`, name: `Scale Collision ${i}` })).id;
        if (performance.now() - lastSaid > 15_000) {
          lastSaid = performance.now();
          log(`    ${next} of ${count} workspaces…`);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const pairs: ShopDesks['pairs'] = [];
    for (let i = 0; i < count; i++) {
      const two = [];
      for (const k of [0, 1]) {
        const { code } = await issuePairingCode(storage, ids[i]!);
        const paired = await redeem(storage, { code, deviceName: `Scale desk ${i}.${k}` });
        two.push({ deviceId: paired.deviceId, secret: paired.secret, node: nodeId(), row: `scale-customer-${i}`, edits: k === 0 });
      }
      pairs.push([two[0]!, two[1]!]);
    }
    // A shop of its own for the full desks of each step (their check-ins would meet the last step's).
    const full: string[] = [];
    for (let i = 0; i < fullShops; i++) full.push((await storage.createWorkspace({ slug: `lakeside-${i}`, name: 'Lakeside Collision' })).id);
    return { shops: { pairs }, fullShops: full };
  } finally {
    await storage.close();
  }
}

async function pgConnections(adminUrl: string, database: string): Promise<number> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    return Number(r.rows[0]!.n);
  } finally {
    await c.end();
  }
}

async function pairFullDesk(dbUrl: string, workspaceId: string, relay: RelayProcess, name: string, dirs: string[]): Promise<Desk> {
  const storage = await openPostgresStorage(dbUrl);
  let code: string;
  try {
    code = (await issuePairingCode(storage, workspaceId)).code;
  } finally {
    await storage.close();
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-scale-desk-'));
  dirs.push(dataDir);
  await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: name });
  const desk = await Desk.open({ dataDir });
  await desk.syncClient!.whenCaughtUp();
  return desk;
}

async function portalPath(a: Desk, relay: RelayProcess): Promise<string> {
  const ro = await call<RepairOrderDetail>(a, 'ro-check-in', {
    customer: { firstName: 'Maria', lastName: 'Gonzalez', mobile: '(512) 555-0147' },
    vehicle: { plate: 'LKS 4821', year: 2020, make: 'Honda', model: 'Accord', color: 'Silver' },
    insurer: 'State Farm',
    claimNumber: 'SF-24-558812',
  });
  if (!ro.portal.url) throw new Error(`check-in gave no portal link (${ro.portal.problem ?? 'no reason given'})`);
  const p = new URL(ro.portal.url).pathname;
  await eventually('the status page to answer 200', async () => (await fetch(`${relay.url}${p}`)).status === 200, 30_000);
  return p;
}

interface StepPlan {
  relays: number;
  desks: number;
  loadSeconds: number;
  editEveryMs: number;
  portalPerSecond: number;
  connectSeconds: number;
  minAvailableMiB: number;
}

async function runStep(
  plan: StepPlan,
  ctx: { dbUrl: string; adminUrl: string; database: string; shops: ShopDesks; fullShop: string; procs: DeskProcess[]; portal: { path: string | null } },
  log: (s: string) => void,
): Promise<ScaleStep> {
  const workspaces = Math.min(ctx.shops.pairs.length, Math.ceil(plan.desks / 2));
  const relays: RelayProcess[] = [];
  const desks: Desk[] = [];
  const dirs: string[] = [];
  let stopped: string | null = null;
  try {
    for (let r = 0; r < plan.relays; r++) {
      const cpuProfileDir = process.env.BENCH_SCALE_CPU_PROFILE ? path.resolve(process.env.BENCH_SCALE_CPU_PROFILE, `${plan.desks}-desks-${plan.relays}-relays`) : undefined;
      relays.push(await spawnRelay(ctx.dbUrl, await freePort(), { extraArgs: ['--trust-proxy'], timeoutMs: 60_000, cpuProfileDir }));
    }
    const a = await pairFullDesk(ctx.dbUrl, ctx.fullShop, relays[0]!, 'Front desk', dirs);
    desks.push(a);
    const b = await pairFullDesk(ctx.dbUrl, ctx.fullShop, relays.at(-1)!, 'Estimator', dirs);
    desks.push(b);
    ctx.portal.path ??= await portalPath(a, relays[0]!);
    const portalUrls = relays.map((r) => `${r.url}${ctx.portal.path}`);
    // Each relay renders the page once before it is measured.
    for (const u of portalUrls) await fetch(u, { headers: { 'x-forwarded-for': '10.76.0.1' } });
    await new Promise((r) => setTimeout(r, 1000));
    const rssBeforeMiB = relays.map((r) => rssMiB(r.child.pid));

    // The light desks: each shop's editing desk on the first relay, its partner on the last.
    const perProc: LightDeskSpec[][] = ctx.procs.map(() => []);
    for (let w = 0; w < workspaces; w++) {
      const [d0, d1] = ctx.shops.pairs[w]!;
      const specs = [
        { ...d0, relayUrl: relays[0]!.url },
        { ...d1, relayUrl: relays[relays.length > 1 ? 1 : 0]!.url },
      ];
      specs.forEach((s, k) => perProc[(2 * w + k) % ctx.procs.length]!.push(s));
    }
    const connectStarted = performance.now();
    let lowMemory = false;
    const guard = setInterval(() => {
      if (!lowMemory && availableMiB() < plan.minAvailableMiB) {
        lowMemory = true;
        for (const p of ctx.procs) p.send({ t: 'halt' });
      }
    }, 250);
    let connected;
    try {
      connected = await Promise.all(
        ctx.procs.map((p, k) => p.ask({ t: 'connect', desks: perProc[k]!, concurrency: 16, timeoutMs: plan.connectSeconds * 1000 }, 'connected')),
      );
    } finally {
      clearInterval(guard);
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const desksConnected = connected.reduce((s, c) => s + c.ok, 0);
    const connectFailed = connected.reduce((s, c) => s + c.failed, 0);
    if (lowMemory) {
      stopped = `available memory fell under ${plan.minAvailableMiB} MiB while connecting: no more desks were opened`;
    } else if (connected.some((c) => c.timedOut)) stopped = `connecting took longer than ${plan.connectSeconds} s`;
    const firstError = connected.find((c) => c.firstError)?.firstError;
    log(
      `  ${plan.relays} relay${plan.relays > 1 ? 's' : ''}, ${plan.desks} desks (${workspaces} shops): ${desksConnected} connected, ${connectFailed} failed in ${connectSeconds.toFixed(1)} s` +
        (firstError ? ` (first failure: ${firstError})` : '') +
        (stopped ? ` — stopped: ${stopped}` : ''),
    );
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfterMiB = relays.map((r) => rssMiB(r.child.pid));
    const pgAfterConnect = await pgConnections(ctx.adminUrl, ctx.database);

    // The load: edits and portal requests from the desk processes, A → B timed meanwhile.
    let pgPeak = pgAfterConnect;
    const rssPeakMiB = [...rssAfterMiB];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        relays.forEach((r, i) => (rssPeakMiB[i] = Math.max(rssPeakMiB[i]!, rssMiB(r.child.pid))));
        pgPeak = Math.max(pgPeak, await pgConnections(ctx.adminUrl, ctx.database).catch(() => 0));
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    const loadEnds = Date.now() + plan.loadSeconds * 1000;
    const loads = ctx.procs.map((p, k) =>
      p.ask(
        {
          t: 'load',
          seconds: plan.loadSeconds,
          editEveryMs: plan.editEveryMs,
          portal: k === 0 ? { urls: portalUrls, perSecond: plan.portalPerSecond, addresses: 1000 } : null,
        },
        'loaded',
      ),
    );
    let edit: Summary | null = null;
    let editOutlastedLoad = false;
    try {
      await new Promise((r) => setTimeout(r, 500));
      const measured = await measureEditToApplied(a, b, { edits: 60, warmup: 10 });
      edit = measured.editToApplied;
      editOutlastedLoad = Date.now() > loadEnds;
    } catch (err) {
      stopped ??= `edit A → B failed: ${(err as Error).message}`;
    }
    const loaded = await Promise.all(loads);
    sampling = false;
    await sampler;

    const fanOut = loaded.flatMap((l) => l.fanOut);
    const portal = loaded.flatMap((l) => l.portal);
    const portalStatus: Record<string, number> = {};
    for (const l of loaded) for (const [c, n] of Object.entries(l.portalStatus)) portalStatus[c] = (portalStatus[c] ?? 0) + n;
    const portalNon200 = Object.entries(portalStatus).reduce((s, [c, n]) => s + (c === '200' ? 0 : n), 0) + loaded.reduce((s, l) => s + l.portalErrors, 0);
    const protocolErrors = loaded.reduce((s, l) => s + l.protocolErrors, 0);
    const grown = rssAfterMiB.reduce((s, x, i) => s + (x - rssBeforeMiB[i]!), 0);
    const step: ScaleStep = {
      relays: plan.relays,
      desksTarget: plan.desks,
      workspaces,
      desksConnected,
      connectFailed,
      connectSeconds,
      stopped,
      edit,
      editOutlastedLoad,
      fanOut: fanOut.length ? summarize(fanOut) : null,
      editsSent: loaded.reduce((s, l) => s + l.editsSent, 0),
      protocolErrors,
      firstProtocolError: loaded.find((l) => l.firstProtocolError)?.firstProtocolError ?? null,
      closedDuringLoad: loaded.reduce((s, l) => s + l.closedDuringLoad, 0),
      portal: portal.length ? summarize(portal) : null,
      portalPerSecond: portal.length / plan.loadSeconds,
      portalNon200,
      rssBeforeMiB,
      rssAfterMiB,
      rssPeakMiB,
      kibPerDesk: desksConnected ? (grown * 1024) / desksConnected : Number.NaN,
      pgConnectionsAfterConnect: pgAfterConnect,
      pgConnectionsPeak: pgPeak,
    };
    const f = step.fanOut;
    log(
      `    edit A→B p50 ${ms(edit?.p50 ?? NaN)} p99 ${ms(edit?.p99 ?? NaN)}${editOutlastedLoad ? ' (went on after the load ended)' : ''}; ` +
        `fan-out ${f ? `p50 ${ms(f.p50)} p99 ${ms(f.p99)} (${f.n} of ${step.editsSent} edits arrived)` : '—'}; ` +
        `portal ${step.portal ? `p99 ${ms(step.portal.p99)} at ${step.portalPerSecond.toFixed(0)}/s, ${portalNon200} not 200` : '—'}`,
    );
    log(
      `    relay RSS ${rssBeforeMiB.map((x) => x.toFixed(0)).join('+')} → ${rssAfterMiB.map((x) => x.toFixed(0)).join('+')} MiB (peak ${rssPeakMiB.map((x) => x.toFixed(0)).join('+')}), ` +
        `${step.kibPerDesk.toFixed(0)} KiB per desk; PostgreSQL connections ${pgAfterConnect} after connecting, peak ${pgPeak}` +
        (protocolErrors ? `; ${protocolErrors} protocol errors (first: ${step.firstProtocolError})` : '') +
        (step.closedDuringLoad ? `; ${step.closedDuringLoad} sockets closed by the relay during the load` : ''),
    );
    return step;
  } finally {
    await Promise.all(ctx.procs.map((p) => p.ask({ t: 'disconnect' }, 'disconnected').catch(() => undefined)));
    await Promise.all(desks.map((d) => d.close().catch(() => undefined)));
    await Promise.all(relays.map((r) => r.kill()));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

function brokenStep(relays: number, desks: number, reason: string): ScaleStep {
  return {
    relays,
    desksTarget: desks,
    workspaces: Math.ceil(desks / 2),
    desksConnected: 0,
    connectFailed: 0,
    connectSeconds: Number.NaN,
    stopped: reason,
    edit: null,
    editOutlastedLoad: false,
    fanOut: null,
    editsSent: 0,
    protocolErrors: 0,
    firstProtocolError: null,
    closedDuringLoad: 0,
    portal: null,
    portalPerSecond: 0,
    portalNon200: 0,
    rssBeforeMiB: [],
    rssAfterMiB: [],
    rssPeakMiB: [],
    kibPerDesk: Number.NaN,
    pgConnectionsAfterConnect: Number.NaN,
    pgConnectionsPeak: Number.NaN,
  };
}

export async function runScaleBench(options: { log?: (line: string) => void } = {}): Promise<ScaleBenchResult> {
  const log = options.log ?? console.log;
  const started = performance.now();
  const steps = numbers(process.env.BENCH_SCALE_STEPS, [100, 1000, 2000]);
  const relayCounts = numbers(process.env.BENCH_SCALE_RELAYS, [1, 2]);
  const loadSeconds = Number(process.env.BENCH_SCALE_SECONDS ?? 15);
  const editEveryMs = Number(process.env.BENCH_SCALE_EDIT_EVERY_MS ?? 20_000);
  const portalPerSecond = Number(process.env.BENCH_SCALE_PORTAL_RPS ?? 100);
  const connectSeconds = Number(process.env.BENCH_SCALE_CONNECT_SECONDS ?? 90);
  const minAvailableMiB = Number(process.env.BENCH_SCALE_MIN_AVAILABLE_MIB ?? 1500);
  const maxDesks = Math.max(...steps);
  const maxRelays = Math.max(...relayCounts);
  // PostgreSQL's own default (100): each relay process uses its shared workspace pool
  // (BAYLINE_PG_POOL_MAX, 10), its operator pool (5) and one LISTEN connection, whatever the
  // number of shops, so two relays and the bench's own connections fit in a stock server.
  const maxConnections = Number(process.env.BENCH_SCALE_PG_MAX_CONNECTIONS ?? 100);

  const fdLimit = openFileLimit();
  // One socket per desk, and room for the rest of what a process opens.
  const perProcess = Math.max(100, fdLimit - 200);
  const clientProcesses = Math.max(2, Math.ceil(maxDesks / perProcess));
  log(
    `  open file limit ${fdLimit}: ${clientProcesses} desk processes of at most ${Math.ceil(maxDesks / clientProcesses)} sockets; ` +
      `steps ${steps.join(' → ')} desks (2 per shop) on ${relayCounts.join(', then ')} relay process(es); ${loadSeconds} s of load per step`,
  );
  log(`  load: each shop's editing desk pushes an edit every ${editEveryMs / 1000} s; portal GET /t/<token> at ${portalPerSecond}/s`);

  const pgServer = await startPostgres(maxConnections);
  log(`  PostgreSQL: ${pgServer.server === 'private' ? 'a private server for this part' : 'the server of BENCH_SCALE_PG_URL'}, max_connections ${pgServer.maxConnections}`);
  const database = `bayline_scale_${randomBytes(5).toString('hex')}`;
  const procs: DeskProcess[] = [];
  const results: ScaleStep[] = [];
  let setupSeconds = 0;
  try {
    const admin = new pg.Client({ connectionString: pgServer.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const dbUrl = new URL(pgServer.adminUrl);
    dbUrl.pathname = `/${database}`;
    const setupStarted = performance.now();
    log(`  creating ${Math.ceil(maxDesks / 2)} shops with 2 paired desks each…`);
    const { shops, fullShops } = await makeShops(dbUrl.toString(), Math.ceil(maxDesks / 2), steps.length * relayCounts.length, log);
    setupSeconds = (performance.now() - setupStarted) / 1000;
    log(`  done in ${setupSeconds.toFixed(1)} s`);
    for (let i = 0; i < clientProcesses; i++) procs.push(DeskProcess.start());
    const portal = { path: null as string | null };
    for (const relays of relayCounts) {
      for (const desks of steps) {
        log(`\n[scale] ${relays} relay process${relays > 1 ? 'es' : ''}, ${desks} desks`);
        const ctx = { dbUrl: dbUrl.toString(), adminUrl: pgServer.adminUrl, database, shops, fullShop: fullShops[results.length]!, procs, portal };
        try {
          results.push(await runStep({ relays, desks, loadSeconds, editEveryMs, portalPerSecond, connectSeconds, minAvailableMiB }, ctx, log));
        } catch (err) {
          // A step that broke is a result too: say what broke, and go on with the next.
          const reason = `the step broke: ${(err as Error).message.slice(0, 400)}`;
          log(`  ${reason}`);
          results.push(brokenStep(relays, desks, reason));
        }
      }
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    try {
      const admin = new pg.Client({ connectionString: pgServer.adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    } catch {
      // the private server goes away with its folder anyway
    }
    await pgServer.stop();
  }
  return {
    steps: results,
    postgres: { server: pgServer.server, maxConnections: pgServer.maxConnections },
    clientProcesses,
    openFileLimit: fdLimit,
    loadSeconds,
    editEveryMs,
    portalPerSecond,
    setupSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}

const x = (v: number, base: number) => (Number.isFinite(v) && Number.isFinite(base) && base > 0 ? `${(v / base).toFixed(1)}×` : '—');
const num = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : v < 10 ? v.toFixed(1) : v.toFixed(0));

/** The scale table, the growth from the smallest to the largest step, and the baseline line. */
export function scaleSummaryLines(r: ScaleBenchResult): string[] {
  const lines: string[] = [];
  const base = r.steps.find((s) => s.relays === Math.min(...r.steps.map((t) => t.relays)) && s.desksTarget === Math.min(...r.steps.map((t) => t.desksTarget)));
  const baseP99 = base?.edit?.p99 ?? Number.NaN;
  const rows = [
    ['desks', 'relays', 'shops', 'connected', 'edit p50', 'edit p99', '× base', 'fan-out p99', 'portal p99', 'portal/s', 'RSS MiB', 'KiB/desk', 'PG conns'],
    ...r.steps.map((s) => [
      String(s.desksTarget),
      String(s.relays),
      String(s.workspaces),
      `${s.desksConnected}${s.stopped ? '*' : ''}`,
      num(s.edit?.p50),
      num(s.edit?.p99),
      x(s.edit?.p99 ?? Number.NaN, baseP99),
      num(s.fanOut?.p99),
      num(s.portal?.p99),
      num(s.portalPerSecond),
      s.rssAfterMiB.map((m) => m.toFixed(0)).join('+'),
      num(s.kibPerDesk),
      num(s.pgConnectionsPeak),
    ]),
  ];
  lines.push('  scale (times in ms; RSS after the desks connected, per relay process; PG conns: peak for the bench database):');
  for (const l of table(rows).split('\n')) lines.push(`    ${l}`);
  for (const s of r.steps.filter((t) => t.stopped)) lines.push(`    * ${s.relays} relay(s), ${s.desksTarget} desks: ${s.stopped}`);
  if (base?.edit) {
    lines.push(`  scale baseline: edit A→B p99 at ${base.desksTarget} desks on ${base.relays} relay = ${ms(base.edit.p99)}; the "× base" column is each step's p99 over it`);
  }
  for (const relays of [...new Set(r.steps.map((s) => s.relays))]) {
    const mine = r.steps.filter((s) => s.relays === relays).sort((p, q) => p.desksTarget - q.desksTarget);
    const lo = mine[0];
    const hi = mine.at(-1);
    if (!lo || !hi || lo === hi) continue;
    const pgLo = lo.pgConnectionsPeak;
    lines.push(
      `  scale growth ${lo.desksTarget} → ${hi.desksTarget} desks on ${relays} relay${relays > 1 ? 's' : ''} (${(hi.desksTarget / lo.desksTarget).toFixed(0)}× the desks): ` +
        `edit p99 ${x(hi.edit?.p99 ?? NaN, lo.edit?.p99 ?? NaN)}, fan-out p99 ${x(hi.fanOut?.p99 ?? NaN, lo.fanOut?.p99 ?? NaN)}, portal p99 ${x(hi.portal?.p99 ?? NaN, lo.portal?.p99 ?? NaN)}, ` +
        `relay RSS ${x(hi.rssAfterMiB.reduce((s, m) => s + m, 0), lo.rssAfterMiB.reduce((s, m) => s + m, 0))}, PostgreSQL connections ${x(hi.pgConnectionsPeak, pgLo)} (${num(pgLo)} → ${num(hi.pgConnectionsPeak)})`,
    );
  }
  return lines;
}
