// `npm run drafts:eval`: scores a model over the evaluation set (src-shared/drafting/eval/
// situations.ts, 34 repair situations) with `scoreDraft`, so a shop or the team can compare models
// before giving one to the relay. It uses the relay's own prompt (prompt.ts) and the model settings
// the relay reads (BAYLINE_AI_BASE_URL, BAYLINE_AI_MODEL, BAYLINE_AI_API_KEY… or --drafting-config
// FILE), through the `openai` SDK. It prints one line per situation (score, what failed) and the
// total. Try it with the fake: `npm run fake-openai`, then
//   BAYLINE_AI_BASE_URL=http://127.0.0.1:8792/v1 BAYLINE_AI_MODEL=fake-drafter npm run drafts:eval
// The situations are made up (no shop's data leaves); the key is never printed.
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { type DraftScore, type Situation, SITUATIONS, scoreDraft } from '../../src-shared/drafting/eval/situations.js';
import { type DraftingConfig, DraftingConfigError, readDraftingConfig } from './config.js';
import { buildDraftMessages } from './prompt.js';

export interface EvalResult {
  scores: Array<DraftScore & { title: string; ms: number; error: string | null }>;
  /** The mean score, 0..1. */
  total: number;
  passed: number;
}

/** One situation's draft from the model: the whole answer, or why there is none. */
async function draftOne(client: OpenAI, config: DraftingConfig, s: Situation): Promise<{ text: string; error: string | null }> {
  try {
    const answer = await client.chat.completions.create(
      { model: config.model, messages: buildDraftMessages(s.context), temperature: 0.3 },
      { timeout: config.timeoutMs },
    );
    return { text: answer.choices[0]?.message?.content ?? '', error: null };
  } catch (err) {
    const why = err instanceof OpenAI.APIError && err.status !== undefined ? `the model answered ${err.status}` : `the model could not be reached (${(err as Error).message})`;
    return { text: '', error: why };
  }
}

/** Runs the model over `situations` (all by default), writing a line for each to `print`. */
export async function runDraftEval(config: DraftingConfig, print: (line: string) => void, situations: Situation[] = SITUATIONS): Promise<EvalResult> {
  const client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey, maxRetries: config.maxRetries, logLevel: 'off' });
  const scores: EvalResult['scores'] = [];
  print(`Scoring ${config.provider}/${config.model} over ${situations.length} situations`);
  for (const s of situations) {
    const started = performance.now();
    const { text, error } = await draftOne(client, config, s);
    const ms = Math.round(performance.now() - started);
    const score = error ? { id: s.id, score: 0, passed: false, failures: [error] } : scoreDraft(s, text);
    scores.push({ ...score, title: s.title, ms, error });
    print(`${score.score.toFixed(2)}  ${score.passed ? 'pass' : 'FAIL'}  ${s.id.padEnd(28)} ${ms} ms${score.failures.length ? `  — ${score.failures.join('; ')}` : ''}`);
  }
  const total = scores.reduce((n, s) => n + s.score, 0) / Math.max(1, scores.length);
  const passed = scores.filter((s) => s.passed).length;
  print(`Total ${total.toFixed(3)} (${passed} of ${scores.length} passed every check) for ${config.provider}/${config.model}`);
  return { scores, total, passed };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'drafting-config': { type: 'string' }, only: { type: 'string' } } });
  let config: DraftingConfig | null;
  try {
    config = readDraftingConfig(process.env, values['drafting-config']);
  } catch (err) {
    if (err instanceof DraftingConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (!config) {
    console.error('No model to score: set BAYLINE_AI_BASE_URL and BAYLINE_AI_MODEL (and BAYLINE_AI_API_KEY for a hosted provider), or give --drafting-config FILE. To try it, start `npm run fake-openai` and use BAYLINE_AI_BASE_URL=http://127.0.0.1:8792/v1 BAYLINE_AI_MODEL=fake-drafter.');
    process.exit(2);
  }
  const only = values.only ? values.only.split(',').map((x) => x.trim()) : null;
  const chosen = only ? SITUATIONS.filter((s) => only.includes(s.id)) : SITUATIONS;
  if (only && chosen.length !== only.length) {
    const unknown = only.filter((id) => !SITUATIONS.some((s) => s.id === id));
    console.error(`No situation named ${unknown.map((x) => `"${x}"`).join(', ')}. Known: ${SITUATIONS.map((s) => s.id).join(', ')}`);
    process.exit(2);
  }
  await runDraftEval(config, (line) => console.log(line), chosen);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
