// Drafts through the relay against the fake OpenAI-compatible server (relay/drafting/fake-openai/):
// the time to the first streamed piece of text and to the whole draft (its `done` line) for
// POST /drafting/draft as a paired desk calls it — credential checked, body validated, budget
// read, prompt built, the `openai` SDK streaming from the fake, NDJSON lines out, usage counted —
// beside a direct `openai` SDK call with the same prompt to the same fake, alternating, in the
// same run. The ratio is the relay's overhead. The fake streams 3 words per piece with
// BENCH_DRAFTING_CHUNK_MS between pieces (5 by default; a real model takes 20–50 ms a token, so
// this is severe on the relay). BENCH_DRAFTING_ENGINES=sqlite|postgres (sqlite by default),
// BENCH_DRAFTING_ROUNDS (40). Bounded: a part stops after 12 s of rounds.
import OpenAI from 'openai';
import type { DraftStreamLine } from '../src-shared/drafting/context.js';
import { buildDraftMessages } from '../relay/drafting/prompt.js';
import { sampleContext, startDraftingShop } from '../relay/drafting/testing.js';
import type { Engine } from '../relay/testing/sync-fixture.js';
import { ms, type Summary, summarize } from './stats.js';

export interface DraftingEngineResult {
  engine: Engine;
  drafts: number;
  chunkMs: number;
  relayFirstToken: Summary;
  relayFull: Summary;
  directFirstToken: Summary;
  directFull: Summary;
  /** relay / direct at p50. */
  ratioFirstTokenP50: number;
  ratioFullP50: number;
}

export interface DraftingBenchResult {
  engines: DraftingEngineResult[];
  seconds: number;
}

export async function runDraftingBench(options: { log?: (line: string) => void } = {}): Promise<DraftingBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const engines = (process.env.BENCH_DRAFTING_ENGINES ?? 'sqlite').split(',').map((e) => e.trim()) as Engine[];
  const rounds = Number(process.env.BENCH_DRAFTING_ROUNDS ?? 40);
  const chunkMs = Number(process.env.BENCH_DRAFTING_CHUNK_MS ?? 5);
  const warmup = 5;
  const started = performance.now();
  const results: DraftingEngineResult[] = [];
  for (const engine of engines) {
    const s = await startDraftingShop(engine, { fake: { chunkMs }, config: { monthlyTokens: null, timeoutMs: 10_000 } });
    try {
      const context = sampleContext();
      const direct = new OpenAI({ baseURL: s.fake.baseUrl, apiKey: s.config.apiKey, maxRetries: 0 });
      const messages = buildDraftMessages(context);
      const relayOnce = async () => {
        const t0 = performance.now();
        const res = await fetch(`${s.fixture.relay.url}/drafting/draft`, {
          method: 'POST',
          headers: { authorization: s.authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ channel: context.channel, recipient: context.recipient, context }),
        });
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let buffered = '';
        let first = Number.NaN;
        let full = Number.NaN;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffered += decoder.decode(value, { stream: true });
          let nl: number;
          while ((nl = buffered.indexOf('\n')) >= 0) {
            const line = JSON.parse(buffered.slice(0, nl)) as DraftStreamLine;
            buffered = buffered.slice(nl + 1);
            if (line.type === 'delta' && Number.isNaN(first)) first = performance.now() - t0;
            if (line.type === 'done') full = performance.now() - t0;
            if (line.type === 'error') throw new Error(`The relay's draft failed: ${line.message}`);
          }
        }
        return { first, full };
      };
      const directOnce = async () => {
        const t0 = performance.now();
        let first = Number.NaN;
        const stream = await direct.chat.completions.create({ model: s.config.model, messages, stream: true, stream_options: { include_usage: true }, temperature: 0.3 });
        for await (const chunk of stream) if (chunk.choices[0]?.delta?.content && Number.isNaN(first)) first = performance.now() - t0;
        return { first, full: performance.now() - t0 };
      };
      const samples = { relayFirst: [] as number[], relayFull: [] as number[], directFirst: [] as number[], directFull: [] as number[] };
      const deadline = performance.now() + 12_000;
      let done = 0;
      for (let i = 0; i < rounds + warmup && performance.now() < deadline; i++) {
        // Alternate which goes first, so neither always meets a warmer fake.
        const [a, b] = i % 2 === 0 ? [await relayOnce(), await directOnce()] : ((x, y) => [y, x])(await directOnce(), await relayOnce());
        if (i < warmup) continue;
        samples.relayFirst.push(a.first);
        samples.relayFull.push(a.full);
        samples.directFirst.push(b.first);
        samples.directFull.push(b.full);
        done += 1;
      }
      const r: DraftingEngineResult = {
        engine,
        drafts: done,
        chunkMs,
        relayFirstToken: summarize(samples.relayFirst),
        relayFull: summarize(samples.relayFull),
        directFirstToken: summarize(samples.directFirst),
        directFull: summarize(samples.directFull),
        ratioFirstTokenP50: 0,
        ratioFullP50: 0,
      };
      r.ratioFirstTokenP50 = r.relayFirstToken.p50 / r.directFirstToken.p50;
      r.ratioFullP50 = r.relayFull.p50 / r.directFull.p50;
      results.push(r);
      for (const line of engineLines(r)) log(`  ${line}`);
    } finally {
      await s.cleanup();
    }
  }
  return { engines: results, seconds: Number(((performance.now() - started) / 1000).toFixed(1)) };
}

function engineLines(e: DraftingEngineResult): string[] {
  return [
    `${e.engine}: ${e.drafts} drafts, fake streaming 3 words every ${e.chunkMs} ms`,
    `  first token: relay p50 ${ms(e.relayFirstToken.p50)}, p99 ${ms(e.relayFirstToken.p99)} | direct SDK p50 ${ms(e.directFirstToken.p50)}, p99 ${ms(e.directFirstToken.p99)} | ratio p50 ${e.ratioFirstTokenP50.toFixed(2)}×`,
    `  full draft:  relay p50 ${ms(e.relayFull.p50)}, p99 ${ms(e.relayFull.p99)} | direct SDK p50 ${ms(e.directFull.p50)}, p99 ${ms(e.directFull.p99)} | ratio p50 ${e.ratioFullP50.toFixed(2)}×`,
  ];
}

export function draftingSummaryLines(r: DraftingBenchResult): string[] {
  return r.engines.map(
    (e) =>
      `drafting (${e.engine}): first token relay p50 ${ms(e.relayFirstToken.p50)} vs direct ${ms(e.directFirstToken.p50)} (${e.ratioFirstTokenP50.toFixed(2)}×); full draft relay p50 ${ms(e.relayFull.p50)} vs direct ${ms(e.directFull.p50)} (${e.ratioFullP50.toFixed(2)}×)`,
  );
}
