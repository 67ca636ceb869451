// The model scoring command (`npm run drafts:eval`) against the fake OpenAI-compatible server,
// through the real SDK: a line per situation and a total; a model that invents dates scores lower,
// and the line names the invented fact; an unreachable model scores 0 with the reason.
import { afterEach, describe, expect, it } from 'vitest';
import { SITUATIONS } from '../../src-shared/drafting/eval/situations.js';
import { hideDraftingSecrets } from './config.js';
import { runDraftEval } from './eval-cli.js';
import { FakeOpenAI } from './fake-openai/fake-openai.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const configFor = (baseUrl: string) =>
  hideDraftingSecrets({ baseUrl, apiKey: 'sk-fake-eval-00000000000000', model: 'fake-drafter', provider: 'fake-openai', monthlyTokens: null, timeoutMs: 5_000, firstTokenMs: 5_000, maxRetries: 0 });

describe('npm run drafts:eval', () => {
  it('prints a score for each of the situations and the total; invented dates lower it and are named', async () => {
    fake = new FakeOpenAI({ apiKey: 'sk-fake-eval-00000000000000', chunkMs: 0 });
    await fake.start();
    const lines: string[] = [];
    const good = await runDraftEval(configFor(fake.baseUrl), (l) => lines.push(l));
    expect(fake.requests).toHaveLength(SITUATIONS.length);
    expect(lines[0]).toBe(`Scoring fake-openai/fake-drafter over ${SITUATIONS.length} situations`);
    expect(lines).toHaveLength(SITUATIONS.length + 2);
    for (const s of SITUATIONS) expect(lines.some((l) => new RegExp(`^[01]\\.\\d\\d  (pass|FAIL)  ${s.id} `).test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^Total 0\.\d{3} \(\d+ of 34 passed every check\) for fake-openai\/fake-drafter$/);
    expect(good.total).toBeGreaterThan(0.5);
    // The key is never printed.
    expect(lines.join('\n')).not.toContain('sk-fake-eval');

    fake.next(...SITUATIONS.map(() => ({ kind: 'hallucinated-date' as const, date: 'December 24' })));
    const bad: string[] = [];
    const worse = await runDraftEval(configFor(fake.baseUrl), (l) => bad.push(l));
    expect(worse.total).toBeLessThan(good.total);
    expect(worse.scores.every((s) => s.failures.some((f) => f.startsWith('fact not in the repair') && f.includes('December 24')))).toBe(true);
  }, 60_000);

  it('a model it cannot reach scores 0 on each situation, saying why', async () => {
    const lines: string[] = [];
    const result = await runDraftEval(configFor('http://127.0.0.1:9/v1'), (l) => lines.push(l), SITUATIONS.slice(0, 2));
    expect(result.total).toBe(0);
    expect(lines[1]).toMatch(/^0\.00  FAIL  pictures-free .* — the model could not be reached/);
  });
});
