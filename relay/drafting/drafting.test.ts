// Drafts through the relay, on both storage engines, against the fake OpenAI-compatible server
// driven by the real `openai` SDK: a paired desk sees whether drafting is on and its month's
// usage; a draft streams in as several pieces and ends with its usage, which the shop's month
// counts; what the provider received holds the repair's facts, no internal note, and the
// customer's injected text only inside the quoted thread; stalls, 429s and 500s end in a clear
// error line quickly (429/500 tried again only before any text); over the budget, without a
// model, with a bad body or an unknown desk, the relay refuses and says why; the logs hold counts
// and durations, never the prompt or the draft.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { DraftingStatus, DraftStreamLine } from '../../src-shared/drafting/context.js';
import { bearer } from '../../src-shared/sync/protocol.js';
import { relayLoggerOptions } from '../server.js';
import { monthOf } from '../storage/ai-usage-records.js';
import { type Engine, eventually } from '../testing/sync-fixture.js';
import { RESERVED_OUTPUT_TOKENS } from './draft-service.js';
import { buildDraftMessages, QUOTED_END, QUOTED_START } from './prompt.js';
import { type DraftingShop, draftText, INJECTION, sampleContext, startDraftingShop } from './testing.js';

describe.each<Engine>(['sqlite', 'postgres'])('drafts through the relay (%s)', (engine) => {
  let s: DraftingShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  it('streams a draft from the repair\'s facts in several pieces, counts its tokens for the shop\'s month, and sends the provider no internal note', async () => {
    const logLines: string[] = [];
    const stream = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(chunk.toString('utf8')); done(); } });
    s = await startDraftingShop(engine, { fake: { chunkMs: 15 }, relay: { logger: { ...(relayLoggerOptions('info') as object), stream } } });

    const before = (await (await s.get('/drafting')).json()) as DraftingStatus;
    expect(before).toEqual({ enabled: true, provider: 'fake-openai', model: 'fake-drafter', usage: { month: monthOf(new Date()), tokens: 0, budgetTokens: 2_000_000 } });

    // The desk sends more than the protocol knows (an internal note on the repair and on a
    // message): the relay drops it before a prompt is made.
    const context = sampleContext();
    const withNotes = { ...context, ro: { ...context.ro, internalNotes: 'INTERNAL: customer disputes the deductible, be careful' }, thread: context.thread.map((m) => ({ ...m, internalNote: 'INTERNAL: flagged by Dana' })) };
    const res = await s.post('/drafting/draft', { channel: 'sms', recipient: 'customer', context: withNotes, staffId: 'staff-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    // Read as it comes: the first piece is there well before the end.
    const reader = res.body!.getReader();
    const arrivals: Array<{ at: number; line: DraftStreamLine }> = [];
    const started = performance.now();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += new TextDecoder().decode(value);
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        arrivals.push({ at: performance.now() - started, line: JSON.parse(buffered.slice(0, nl)) as DraftStreamLine });
        buffered = buffered.slice(nl + 1);
      }
    }
    const lines = arrivals.map((a) => a.line);
    const deltas = lines.filter((l) => l.type === 'delta');
    expect(deltas.length).toBeGreaterThan(3);
    const last = lines[lines.length - 1]!;
    expect(last).toMatchObject({ type: 'done', provider: 'fake-openai', model: 'fake-drafter' });
    expect(arrivals[arrivals.length - 1]!.at - arrivals[0]!.at).toBeGreaterThan(30);
    const text = draftText(lines);
    expect(text).toBe('Hi Zoë, this is Lakeside Collision. Your 2021 Honda Civic is at Body Work. We expect it ready December 11. Parts delayed: we\'ll check and get back to you today.');

    // Its usage counts for the shop's month, and shows in the status.
    const usage = (last as Extract<DraftStreamLine, { type: 'done' }>).usage;
    expect(usage.inputTokens).toBeGreaterThan(100);
    expect(usage.outputTokens).toBeGreaterThan(10);
    const after = (await (await s.get('/drafting')).json()) as DraftingStatus;
    expect(after.usage.tokens).toBe(usage.inputTokens + usage.outputTokens);
    expect(await s.fixture.storage.aiUsage.get(s.fixture.workspace.id, monthOf(new Date()))).toMatchObject({ requests: 1, inputTokens: usage.inputTokens });

    // What the provider saw: the operator's key, the facts, no internal note, the injection only quoted.
    expect(s.fake.requests).toHaveLength(1);
    const sent = s.fake.requests[0]!;
    expect(sent.authorization).toBe('Bearer sk-fake-relay-key-000000000000');
    expect(sent.body).toMatchObject({ model: 'fake-drafter', stream: true, stream_options: { include_usage: true } });
    const everything = JSON.stringify(sent.body);
    expect(everything).not.toContain('INTERNAL');
    expect(everything).toContain('SF-77-1234');
    const [system, user] = sent.body.messages;
    expect(system!.role).toBe('system');
    expect(system!.content).not.toContain(INJECTION);
    expect(user!.content.split(INJECTION)).toHaveLength(2);
    const quoted = user!.content.slice(user!.content.indexOf(QUOTED_START), user!.content.indexOf(QUOTED_END));
    expect(quoted).toContain(INJECTION);

    // The logs: a line with counts and durations, never the prompt or the draft, never the key.
    const log = logLines.join('');
    expect(log).toMatch(/"msg":"draft written"/);
    expect(log).toMatch(/"outputTokens":\d+/);
    for (const secret of ['Zoë', 'Civic', 'Ignore your instructions', 'sk-fake-relay-key', 'SF-77-1234']) expect(log).not.toContain(secret);
  });

  it('gives a clear error line quickly when the model stalls, is rate-limited or fails, and tries again only before any text', async () => {
    s = await startDraftingShop(engine, { config: { firstTokenMs: 300, timeoutMs: 1_200 } });

    // No first word within 300 ms.
    s.fake.next({ kind: 'stall', ms: 10_000 });
    let r = await s.draft();
    expect(r.lines).toEqual([{ type: 'error', code: 'timeout', message: expect.stringMatching(/did not start writing/) }]);
    // Gave up at the first-word limit, not after the 10 s stall (loose bounds: CI machines are loaded).
    expect(r.ms).toBeLessThan(6_000);

    // A first word, then nothing: the text so far, then the error; never asked a second time.
    const asked = s.fake.requests.length;
    s.fake.next({ kind: 'stall-after-first', ms: 10_000 });
    r = await s.draft();
    expect(r.lines[0]).toMatchObject({ type: 'delta' });
    expect(r.lines[r.lines.length - 1]).toMatchObject({ type: 'error', code: 'timeout', message: expect.stringMatching(/did not finish/) });
    expect(r.ms).toBeLessThan(7_000);
    expect(s.fake.requests.length - asked).toBe(1);

    // 429 three times: two more tries, then "busy".
    s.fake.next({ kind: 'status', status: 429 }, { kind: 'status', status: 429 }, { kind: 'status', status: 429 });
    let n = s.fake.requests.length;
    r = await s.draft();
    expect(r.lines).toEqual([{ type: 'error', code: 'rate-limited', message: expect.stringMatching(/busy/) }]);
    expect(s.fake.requests.length - n).toBe(3);

    // "Try again in a minute" from the provider: more than the draft may take, so no wait at all.
    n = s.fake.requests.length;
    s.fake.next({ kind: 'status', status: 429, retryAfterMs: 60_000 });
    r = await s.draft();
    expect(r.lines).toEqual([{ type: 'error', code: 'rate-limited', message: expect.stringMatching(/busy/) }]);
    expect(r.ms).toBeLessThan(10_000); // did not wait the minute
    expect(s.fake.requests.length - n).toBe(1);

    // A 500 once, then a good answer: the draft arrives whole.
    s.fake.next({ kind: 'status', status: 500 });
    n = s.fake.requests.length;
    r = await s.draft();
    expect(r.lines[r.lines.length - 1]).toMatchObject({ type: 'done' });
    expect(draftText(r.lines)).toMatch(/^Hi Zoë/);
    expect(s.fake.requests.length - n).toBe(2);

    // 500 every time: an error line naming it.
    s.fake.next({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    r = await s.draft();
    expect(r.lines).toEqual([{ type: 'error', code: 'provider-error', message: expect.stringMatching(/\(500\)/) }]);
  });

  it('stops asking the model when the desk hangs up, and settles its reservation: charged for what streamed, or released', async () => {
    s = await startDraftingShop(engine, { fake: { chunkMs: 80, wordsPerChunk: 1 } });
    const context = sampleContext();
    const promptTokens = Math.ceil(buildDraftMessages(context, { structured: true }).reduce((n, m) => n + m.content.length, 0) / 4);
    const month = monthOf(new Date());
    const hangUpAfter = async (lines: number) => {
      const controller = new AbortController();
      const res = await fetch(`${s!.fixture.relay.url}/drafting/draft`, {
        method: 'POST',
        headers: { authorization: s!.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'sms', recipient: 'customer', context }),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      if (lines > 0) {
        const first = new TextDecoder().decode((await reader.read()).value);
        expect(JSON.parse(first.split('\n')[0]!)).toMatchObject({ type: 'delta' });
      }
      controller.abort();
    };

    // Mid-draft: the month keeps the prompt and the words that streamed, not the reservation's 500.
    await hangUpAfter(1);
    await eventually('the model\'s answer cut off', async () => s!.fake.closedEarly === 1);
    const cut = await eventually('the cut draft settled', async () => {
      const u = await s!.fixture.storage.aiUsage.get(s!.fixture.workspace.id, month);
      return u.outputTokens > 0 ? u : undefined;
    });
    expect(cut).toMatchObject({ requests: 1, inputTokens: promptTokens });
    expect(cut.outputTokens).toBeLessThan(RESERVED_OUTPUT_TOKENS / 10);
    expect(s.fake.requests).toHaveLength(1);

    // Before the first word (the model stalls): the reservation is given back whole.
    s.fake.next({ kind: 'stall', ms: 10_000 });
    await hangUpAfter(0);
    await eventually('the stalled request cut off', async () => s!.fake.requests.length === 2);
    const released = await eventually('the reservation released', async () => {
      const u = await s!.fixture.storage.aiUsage.get(s!.fixture.workspace.id, month);
      return u.requests === 2 && u.inputTokens === cut.inputTokens ? u : undefined;
    });
    expect(released.outputTokens).toBe(cut.outputTokens);
  });

  it('streams the structured answer\'s text with the facts the model used, and refuses an answer that is not the draft\'s JSON', async () => {
    s = await startDraftingShop(engine);
    const good = await s.draft();
    expect(s.fake.requests[0]!.body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'bayline_draft', strict: true } });
    // The composer gets the words, never the JSON around them.
    expect(draftText(good.lines)).toBe('Hi Zoë, this is Lakeside Collision. Your 2021 Honda Civic is at Body Work. We expect it ready December 11. Parts delayed: we\'ll check and get back to you today.');
    expect(good.lines.filter((l) => l.type === 'delta').length).toBeGreaterThan(3);
    expect(good.lines.at(-1)).toMatchObject({ type: 'done', unsure: true, factsUsed: ['Body Work', '2021 Honda Civic', 'December 11'] });

    s.fake.next({ kind: 'invalid-structured' });
    const bad = await s.draft();
    expect(bad.status).toBe(200);
    expect(bad.lines.at(-1)).toEqual({ type: 'error', code: 'invalid-answer', message: expect.stringMatching(/not a usable draft \(the answer is not JSON\)\. Nothing was sent/) });
  });

  it('lets only one of several drafts asked at the same moment take the last of the month\'s budget', async () => {
    s = await startDraftingShop(engine, { config: { monthlyTokens: 10_000 } });
    const { storage, workspace } = s.fixture;
    const month = monthOf(new Date());
    // The storage's conditional update: ten reservations at once, one token of budget left.
    await storage.aiUsage.add({ workspaceId: workspace.id, month, inputTokens: 5_000, outputTokens: 4_999 });
    const reservations = await Promise.all(Array.from({ length: 10 }, () => storage.aiUsage.reserve({ workspaceId: workspace.id, month, tokens: 700, budget: 10_000 })));
    expect(reservations.filter((r) => r !== null)).toHaveLength(1);
    await storage.aiUsage.settle(reservations.find((r) => r !== null)!, { inputTokens: 0, outputTokens: 0 });
    expect(await storage.aiUsage.get(workspace.id, month)).toMatchObject({ inputTokens: 5_000, outputTokens: 4_999, requests: 2 });

    // Through the relay: six desks' drafts at once; one is written, five are refused as over budget.
    const answers = await Promise.all(Array.from({ length: 6 }, () => s!.draft()));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 402, 402, 402, 402, 402]);
    expect(answers.find((a) => a.status === 200)!.lines.at(-1)).toMatchObject({ type: 'done' });
    expect(answers.filter((a) => a.status === 402).every((a) => /used its drafting allowance/.test((a.lines[0] as unknown as { message: string }).message))).toBe(true);
    expect(s.fake.requests).toHaveLength(1);
    // The draft that passed counts what it really used, not its reservation.
    const done = answers.find((a) => a.status === 200)!.lines.at(-1) as Extract<DraftStreamLine, { type: 'done' }>;
    expect(await storage.aiUsage.get(workspace.id, month)).toMatchObject({ inputTokens: 5_000 + done.usage.inputTokens, outputTokens: 4_999 + done.usage.outputTokens, requests: 3 });
  });

  it('refuses a shop over its monthly budget, a relay without a model, a bad body and an unknown desk', async () => {
    s = await startDraftingShop(engine, { config: { monthlyTokens: 300 } });
    // The first draft fits (the shop was under), and takes it over.
    const first = await s.draft();
    expect(first.lines[first.lines.length - 1]).toMatchObject({ type: 'done' });
    const over = await s.draft();
    expect(over.status).toBe(402);
    expect(over.lines[0]).toMatchObject({ error: 'budget', message: expect.stringMatching(/used its drafting allowance/) });
    expect(s.fake.requests).toHaveLength(1);
    const status = (await (await s.get('/drafting')).json()) as DraftingStatus;
    expect(status.usage.tokens).toBeGreaterThanOrEqual(300);
    expect(status.usage.budgetTokens).toBe(300);

    // A bad body: 400 naming the field.
    const context = sampleContext();
    const bad = async (body: unknown) => {
      const res = await s!.post('/drafting/draft', body);
      return { status: res.status, body: (await res.json()) as { error: string; field: string; message: string } };
    };
    expect(await bad({ channel: 'fax', recipient: 'customer', context })).toMatchObject({ status: 400, body: { error: 'invalid', field: 'channel' } });
    const { stage: _stage, ...noStage } = context.ro;
    const missing = await bad({ channel: 'sms', recipient: 'customer', context: { ...context, ro: noStage } });
    expect(missing).toMatchObject({ status: 400, body: { field: 'context.ro.stage' } });
    expect(missing.body.message).toMatch(/context\.ro\.stage/);
    expect(await bad({ channel: 'email', recipient: 'customer', context })).toMatchObject({ status: 400, body: { field: 'context.channel' } });
    const huge = { ...context, thread: [context.thread[0]!, { ...context.thread[1]!, body: 'x'.repeat(20_001) }] };
    expect(await bad({ channel: 'sms', recipient: 'customer', context: huge })).toMatchObject({ status: 400, body: { field: 'context.thread.1.body', message: expect.stringMatching(/20000/) } });

    // A desk the relay does not know.
    const stranger = bearer('dev_unknown', 'not-a-secret');
    const res = await fetch(`${s.fixture.relay.url}/drafting/draft`, { method: 'POST', headers: { authorization: stranger, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'sms', recipient: 'customer', context }) });
    expect(res.status).toBe(401);
    expect((await fetch(`${s.fixture.relay.url}/drafting`)).status).toBe(401);
    expect(s.fake.requests).toHaveLength(1);
    await s.cleanup();

    // No model on this relay: the status says off, a draft gets 503 "not configured".
    s = await startDraftingShop(engine, { noModel: true });
    expect(await (await s.get('/drafting')).json()).toEqual({ enabled: false, provider: null, model: null, usage: { month: monthOf(new Date()), tokens: 0, budgetTokens: null } });
    const off = await s.draft();
    expect(off.status).toBe(503);
    expect(off.lines[0]).toMatchObject({ error: 'not-configured', message: expect.stringMatching(/BAYLINE_AI_BASE_URL/) });
    expect(s.fake.requests).toHaveLength(0);
  });
});
