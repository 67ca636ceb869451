// Inbound mail latency, Gmail push on both storage engines: the fake Google (relay/email/
// fake-google/) delivers an adjuster's email with the repair's claim number to the connected
// mailbox and POSTs the signed Pub/Sub push to the relay's /mail/gmail/push at once; the clock
// starts at the delivery (the push leaves the fake in the same tick) and stops when desk B — a
// second paired desk, not the one that connected the mailbox — has the message row in its own
// database (its 'changed' event for `messages`, then a read). Polling is off (every 10 minutes),
// so the push is the only way in. The path: push verified (OIDC token, certificates cached),
// history.list + messages.get at the fake, MIME parsed and filed on the repair, announced, synced.
// Beside it, the baseline of the same run and relay: an edit on desk A applied on desk B
// (bench/sync-latency.ts). BENCH_MAIL_ENGINES=sqlite|postgres, BENCH_MAIL_COUNT (default 50).
import { randomBytes } from 'node:crypto';
import type { Desk } from '../src-main/desk.js';
import type { Engine } from '../relay/testing/sync-fixture.js';
import { ADJUSTER, CLAIM, type MailShop, startMailShop } from '../relay/email/testing.js';
import { ms, type Summary, summarize } from './stats.js';
import { measureEditToApplied } from './sync-latency.js';

export interface MailEngineResult {
  engine: Engine;
  mails: number;
  /** Delivered at the fake (push sent) → the row in desk B's database. */
  pushToDeskB: Summary;
  /** The push's round trip alone (the relay answers before catching up). */
  webhookAnswer: Summary;
  /** Baseline: edit on desk A → applied on desk B, same relay, same run. */
  editAToB: Summary;
  ratioP50: number;
  ratioP99: number;
}

export interface MailBenchResult {
  engines: MailEngineResult[];
  skipped: Array<{ engine: Engine; reason: string }>;
  seconds: number;
}

/** Resolves with the time desk B holds a mail with this subject. */
function mailOn(b: Desk, subject: string, timeoutMs: number): Promise<number> {
  const read = b.sqlite.prepare("SELECT 1 FROM messages WHERE channel = 'email' AND subject = ?").pluck();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`desk B did not get "${subject}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = b.onEvent((event) => {
      if (event.type !== 'changed' || !event.tables.includes('messages') || !read.get(subject)) return;
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve(at);
    });
  });
}

async function connect(s: MailShop): Promise<void> {
  const started = await s.post('/mail/gmail/start', { staffId: s.ownerId });
  if (started.status !== 200) throw new Error(`connect refused: ${started.status} ${await started.text()}`);
  const page = await fetch(((await started.json()) as { url: string }).url);
  if (!(await page.text()).includes('Connected as')) throw new Error('the mailbox did not connect');
  for (const deadline = Date.now() + 10_000; !s.google.watches.size; ) {
    if (Date.now() > deadline) throw new Error('the relay never asked Gmail for a watch');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function runMailBench(options: { log?: (line: string) => void } = {}): Promise<MailBenchResult> {
  const log = options.log ?? console.log;
  const started = performance.now();
  const count = Number(process.env.BENCH_MAIL_COUNT ?? 50);
  const warmup = 5;
  const engines = (process.env.BENCH_MAIL_ENGINES ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
  const results: MailEngineResult[] = [];
  const skipped: MailBenchResult['skipped'] = [];
  for (const engine of engines) {
    log(`\n[mail ${engine}] Gmail push through the fake Google; desks A (connected the mailbox) and B; polling every 10 minutes`);
    let s: MailShop;
    try {
      s = await startMailShop(engine, { push: true, pollMs: 600_000, deviceCheckMs: 10_000 });
    } catch (err) {
      const reason = (err as Error).message;
      log(`  skipped: the relay could not start on ${engine} (${reason})`);
      skipped.push({ engine, reason });
      continue;
    }
    try {
      const b = (await s.f.pairNewDesk('Estimator')).desk;
      await connect(s);
      const samples: number[] = [];
      for (let i = 0; i < warmup + count; i++) {
        const subject = `Supplement ${i + 1} — claim ${CLAIM} [${randomBytes(3).toString('hex')}]`;
        const seen = mailOn(b, subject, 10_000);
        const t0 = performance.now();
        s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject, text: `Supplement ${i + 1} is approved. Please proceed with the repair.` });
        const t1 = await seen;
        await new Promise((r) => setTimeout(r, 10));
        if (i >= warmup) samples.push(t1 - t0);
      }
      await s.google.pushesSettled();
      const failed = s.google.pushes.filter((p) => p.status !== 204);
      if (failed.length) throw new Error(`${failed.length} pushes were not acknowledged with 204`);
      const pushToDeskB = summarize(samples);
      const webhookAnswer = summarize(s.google.pushes.slice(warmup).map((p) => p.ms));
      log(`  mail delivered → on desk B (${count} mails after ${warmup} warm-up): p50 ${ms(pushToDeskB.p50)}, p90 ${ms(pushToDeskB.p90)}, p99 ${ms(pushToDeskB.p99)}, max ${ms(pushToDeskB.max)}`);
      log(`    the push's own round trip (answered before the catch-up): p50 ${ms(webhookAnswer.p50)}, p99 ${ms(webhookAnswer.p99)}`);
      const { editToApplied } = await measureEditToApplied(s.desk, b, { edits: count, warmup: 10 });
      log(`  baseline, edit on A → applied on B (same relay, ${editToApplied.n} edits): p50 ${ms(editToApplied.p50)}, p99 ${ms(editToApplied.p99)}`);
      const ratioP50 = pushToDeskB.p50 / editToApplied.p50;
      const ratioP99 = pushToDeskB.p99 / editToApplied.p99;
      log(`  ratio mail / edit: p50 ${ratioP50.toFixed(1)}×, p99 ${ratioP99.toFixed(1)}×`);
      results.push({ engine, mails: count, pushToDeskB, webhookAnswer, editAToB: editToApplied, ratioP50, ratioP99 });
    } finally {
      await s.cleanup();
    }
  }
  return { engines: results, skipped, seconds: (performance.now() - started) / 1000 };
}

/** The lines for run.ts's summary. */
export function mailSummaryLines(r: MailBenchResult): string[] {
  const lines = r.engines.map(
    (e) =>
      `  mail push → desk B p50 ${e.pushToDeskB.p50.toFixed(1)} ms, p99 ${e.pushToDeskB.p99.toFixed(1)} ms (${e.engine}); ` +
      `edit A→B p50 ${e.editAToB.p50.toFixed(2)} ms, p99 ${e.editAToB.p99.toFixed(2)} ms; ratio p50 ${e.ratioP50.toFixed(1)}×, p99 ${e.ratioP99.toFixed(1)}×`,
  );
  for (const s of r.skipped) lines.push(`  mail on ${s.engine}: skipped (${s.reason})`);
  return lines;
}
