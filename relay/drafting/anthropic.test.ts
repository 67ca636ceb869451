// Anthropic as the relay's provider, through the real @anthropic-ai/sdk against the fake Messages
// API on 127.0.0.1: chosen by the relay's settings (BAYLINE_AI_API=anthropic, the base URL the
// SDK is given), streamed into the draft in pieces with the usage the API reports, a 500 tried
// again before any text, a 429 after the retries a clear "busy" line; the provider sees the rules
// as `system`, the operator's key, and the customer's injection only quoted.
import { afterEach, describe, expect, it } from 'vitest';
import { monthOf } from '../storage/ai-usage-records.js';
import type { Engine } from '../testing/sync-fixture.js';
import { readDraftingConfig } from './config.js';
import { FakeAnthropic } from './fake-anthropic/fake-anthropic.js';
import { QUOTED_START } from './prompt.js';
import { type DraftingShop, draftText, INJECTION, startDraftingShop } from './testing.js';

const KEY = 'sk-ant-fake-0000000000000000';

describe.each<Engine>(['sqlite', 'postgres'])('drafts with Anthropic (relay on %s)', (engine) => {
  let s: DraftingShop | undefined;
  let fake: FakeAnthropic | undefined;
  afterEach(async () => {
    await s?.cleanup();
    await fake?.stop();
    s = undefined;
    fake = undefined;
  });

  it('streams a draft through the Anthropic SDK, counts the usage it reports, and retries a 500 before any text', async () => {
    fake = new FakeAnthropic({ apiKey: KEY, chunkMs: 5 });
    await fake.start();
    // The settings as the operator writes them.
    const config = readDraftingConfig({ BAYLINE_AI_BASE_URL: fake.url, BAYLINE_AI_MODEL: 'claude-fake', BAYLINE_AI_API: 'anthropic', BAYLINE_AI_PROVIDER: 'anthropic', BAYLINE_AI_API_KEY: KEY })!;
    expect(config).toMatchObject({ api: 'anthropic', provider: 'anthropic', structuredOutput: false });
    s = await startDraftingShop(engine, { config });

    const r = await s.draft();
    expect(r.status).toBe(200);
    expect(r.lines.filter((l) => l.type === 'delta').length).toBeGreaterThan(3);
    expect(draftText(r.lines)).toBe('Hi Zoë, this is Lakeside Collision. Your 2021 Honda Civic is at Body Work. We expect it ready December 11. Parts delayed: we\'ll check and get back to you today.');
    const done = r.lines.at(-1)!;
    expect(done).toMatchObject({ type: 'done', provider: 'anthropic', model: 'claude-fake' });
    const usage = (done as { usage: { inputTokens: number; outputTokens: number } }).usage;
    expect(usage.inputTokens).toBeGreaterThan(100);
    expect((await s.fixture.storage.aiUsage.get(s.fixture.workspace.id, monthOf(new Date()))).outputTokens).toBe(usage.outputTokens);

    // What Anthropic saw: the key, the rules as system, the injection only inside the quoted thread.
    const sent = fake.requests[0]!;
    expect(sent.apiKey).toBe(KEY);
    expect(sent.version).toBeTruthy();
    expect(sent.body).toMatchObject({ model: 'claude-fake', stream: true });
    expect(sent.body.system).toMatch(/Use only facts/);
    expect(sent.body.system).not.toContain(INJECTION);
    expect(sent.body.messages).toHaveLength(1);
    expect(sent.body.messages[0]!.content.indexOf(INJECTION)).toBeGreaterThan(sent.body.messages[0]!.content.indexOf(QUOTED_START));
    // None of the OpenAI fake's business.
    expect(s.fake.requests).toHaveLength(0);

    fake.next({ kind: 'status', status: 500 });
    const retried = await s.draft();
    expect(retried.lines.at(-1)).toMatchObject({ type: 'done' });
    expect(fake.requests).toHaveLength(3);

    fake.next({ kind: 'status', status: 429 }, { kind: 'status', status: 429 }, { kind: 'status', status: 429 });
    const busy = await s.draft();
    expect(busy.lines).toEqual([{ type: 'error', code: 'rate-limited', message: expect.stringMatching(/busy/) }]);
  });
});
