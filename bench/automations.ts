// Rule evaluation throughput (issue 20): stage moves applied to the relay's SQLite workspace in
// batches, then the automation engine's look at them with 50 active rules (most not matching, a
// few matching in Draft mode, so drafts and runs are written too), in the same run. Reported as
// changes per second for each and the engine's cost against plain application.
// BENCH_AUTOMATION_ROUNDS (40) batches of BENCH_AUTOMATION_BATCH (25) stage moves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { STAGES } from '../src-shared/stages.js';
import { AutomationService } from '../relay/automations/automation-service.js';
import { openSqliteStorage } from '../relay/storage/sqlite.js';

export interface AutomationBenchResult {
  rules: number;
  changes: number;
  fired: number;
  applyPerSecond: number;
  evaluatePerSecond: number;
  /** evaluation time / application time for the same changes. */
  ratio: number;
  seconds: number;
}

const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child() { return quiet; }, level: 'silent' } as unknown as FastifyBaseLogger;

export async function runAutomationBench(): Promise<AutomationBenchResult> {
  const started = performance.now();
  const rounds = Number(process.env.BENCH_AUTOMATION_ROUNDS ?? 40);
  const batch = Number(process.env.BENCH_AUTOMATION_BATCH ?? 25);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-bench-automations-'));
  const storage = await openSqliteStorage(dir);
  try {
    const ws = await storage.createWorkspace({ slug: 'bench-rules', name: 'Bench Rules' });
    const store = await storage.workspaceStore(ws.id);
    const since = new Date(Date.now() - 60_000).toISOString();
    const roIds: string[] = [];
    await store.write({ actor: 'relay', action: 'bench-setup', audit: false }, async (tx) => {
      for (let i = 0; i < 20; i++) {
        const customer = await tx.insert('customers', { first_name: `Customer ${i}`, mobile: `+1512555${String(1000 + i)}` });
        roIds.push(await tx.insert('repair_orders', { ro_number: 1000 + i, customer_id: customer, insurer: i % 2 ? 'State Farm' : 'Geico', stage: 'repair-started' }));
      }
      for (let r = 0; r < 50; r++) {
        // 45 rules wait for an insurer no repair has; 5 match some moves and write drafts.
        const insurers = r < 45 ? [`Insurer ${r}`] : ['State Farm'];
        await tx.insert('automation_rules', {
          name: `Rule ${r}`,
          trigger: JSON.stringify({ kind: 'stage-entered', stage: STAGES[r % STAGES.length] }),
          conditions: JSON.stringify({ insurers }),
          action: JSON.stringify({ kind: 'text-customer', templateId: null, body: 'Hi {first_name}, your car is at {stage}.' }),
          mode: 'draft',
          active: 1,
          position: r,
          active_since: since,
        });
      }
    });
    const engine = new AutomationService(storage, quiet);
    await engine.scanNow(ws.id);
    let apply = 0;
    let evaluate = 0;
    let n = 0;
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) {
        const roId = roIds[n % roIds.length]!;
        const stage = STAGES[n % STAGES.length]!;
        await store.write({ actor: 'relay', action: 'ro-move-stage' }, async (tx) => {
          await tx.update('repair_orders', roId, { stage });
          await tx.insert('stage_events', { ro_id: roId, stage, at: new Date().toISOString() });
        });
        n += 1;
      }
      const t1 = performance.now();
      await engine.scanNow(ws.id);
      const t2 = performance.now();
      apply += t1 - t0;
      evaluate += t2 - t1;
    }
    const fired = Number((await store.db.selectFrom('automation_runs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    if (fired === 0) throw new Error('no rule fired: the bench is not measuring the engine');
    return { rules: 50, changes: n, fired, applyPerSecond: n / (apply / 1000), evaluatePerSecond: n / (evaluate / 1000), ratio: evaluate / apply, seconds: (performance.now() - started) / 1000 };
  } finally {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function automationSummaryLines(r: AutomationBenchResult): string[] {
  return [
    `automations: ${r.changes} stage moves applied at ${r.applyPerSecond.toFixed(0)}/s; the engine with ${r.rules} active rules looked at them at ${r.evaluatePerSecond.toFixed(0)}/s (${r.fired} firings written) — evaluation/application ${r.ratio.toFixed(2)}×`,
  ];
}
