// The fake OpenAI-compatible server, through the real `openai` SDK: drafts from the prompt's
// facts, streamed or not, JSON when asked, and each misbehaviour it can be told to show once.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDraftMessages } from '../prompt.js';
import { DRAFT_JSON_SCHEMA } from '../structured.js';
import { INJECTION, sampleContext } from '../testing.js';
import { FakeOpenAI } from './fake-openai.js';

describe('the fake OpenAI-compatible server', () => {
  let fake: FakeOpenAI | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  async function start() {
    fake = new FakeOpenAI({ apiKey: 'sk-test-fake-0000000000', chunkMs: 0 });
    await fake.start();
    return new OpenAI({ baseURL: fake.baseUrl, apiKey: 'sk-test-fake-0000000000', maxRetries: 0 });
  }
  const messages = buildDraftMessages(sampleContext());
  const complete = async (client: OpenAI) => (await client.chat.completions.create({ model: 'fake', messages })).choices[0]!.message.content!;

  it('answers from the prompt\'s facts, streamed with usage last or whole, and as JSON when asked', async () => {
    const client = await start();
    const whole = await client.chat.completions.create({ model: 'fake', messages });
    expect(whole.choices[0]!.message.content).toBe('Hi Zoë, this is Lakeside Collision. Your 2021 Honda Civic is at Body Work. We expect it ready December 11. Parts delayed: we\'ll check and get back to you today.');
    expect(whole.usage!.prompt_tokens).toBeGreaterThan(100);

    const stream = await client.chat.completions.create({ model: 'fake', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let pieces = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) pieces += 1;
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(whole.choices[0]!.message.content);
    expect(pieces).toBeGreaterThan(5);
    expect(usage).toMatchObject({ prompt_tokens: whole.usage!.prompt_tokens, completion_tokens: whole.usage!.completion_tokens });

    const json = await client.chat.completions.create({ model: 'fake', messages, response_format: { type: 'json_schema', json_schema: DRAFT_JSON_SCHEMA } });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ body: whole.choices[0]!.message.content, factsUsed: ['Body Work', '2021 Honda Civic', 'December 11'], unsure: true });

    // An adjuster's email: greeting, claim and RO, the signature.
    const email = buildDraftMessages(sampleContext({ channel: 'email', recipient: 'adjuster', to: { name: 'Pat Adjuster', firstName: 'Pat', email: 'pat@insurer.example', mobile: null } }));
    const mail = (await client.chat.completions.create({ model: 'fake', messages: email })).choices[0]!.message.content!;
    expect(mail).toMatch(/^Hello Pat Adjuster,\n\nClaim SF-77-1234, RO 1042: the 2021 Honda Civic is at Body Work\./);
    expect(mail).toMatch(/\n\nDana\nLakeside Collision\n\(512\) 555-0100$/);
  });

  it('misbehaves once when told: a made-up date, a wrong amount, the injected text echoed, 429, 500, a wrong key', async () => {
    const client = await start();
    fake!.next({ kind: 'hallucinated-date' }, { kind: 'wrong-amount' }, { kind: 'echo-injection' });
    expect(await complete(client)).toMatch(/It will be ready on December 24\.$/);
    expect(await complete(client)).toMatch(/Your deductible is \$1,250\.00\.$/);
    expect(await complete(client)).toContain(INJECTION);
    expect(await complete(client)).not.toMatch(/December 24|1,250|Ignore/);

    fake!.next({ kind: 'status', status: 429 }, { kind: 'status', status: 500 });
    await expect(complete(client)).rejects.toMatchObject({ status: 429 });
    await expect(complete(client)).rejects.toMatchObject({ status: 500 });
    const stranger = new OpenAI({ baseURL: fake!.baseUrl, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(complete(stranger)).rejects.toMatchObject({ status: 401 });
    // The refused key's request is not kept: only what the fake accepted.
    expect(fake!.requests.map((r) => r.authorization)).toEqual(Array(6).fill('Bearer sk-test-fake-0000000000'));
  });
});
