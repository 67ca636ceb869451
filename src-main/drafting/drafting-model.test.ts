// Drafts with a model, end to end: a paired desk asks the real relay (POST /drafting/draft), the
// relay asks the fake OpenAI-compatible model through the openai SDK, and the text streams back to
// the window. The model's invented date and amount are flagged by the fact guard; the draft is saved
// as a draft and nothing is approved; a relay without a model, a failing model, an offline desk and
// drafting switched off each give the template draft with a sentence, and nothing hangs.
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../src-shared/api/contract.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { FakeOpenAI, type FakeBehaviour } from '../../relay/drafting/fake-openai/fake-openai.js';
import { hideDraftingSecrets } from '../../relay/drafting/config.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import type { Desk } from '../desk.js';

let f: RelayFixture | undefined;
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await f?.cleanup();
  await fake?.stop();
  f = undefined;
  fake = undefined;
});

async function shop(options: { model?: boolean; behaviours?: FakeBehaviour[]; language?: 'es' } = {}): Promise<{ desk: Desk; ro: RepairOrderDetail }> {
  fake = new FakeOpenAI({ apiKey: 'sk-fake-desk-test-0000000000' });
  await fake.start();
  if (options.behaviours) fake.next(...options.behaviours);
  const config = hideDraftingSecrets({
    baseUrl: fake.baseUrl,
    apiKey: 'sk-fake-desk-test-0000000000',
    model: 'fake-drafter',
    provider: 'fake-openai',
    monthlyTokens: 2_000_000,
    timeoutMs: 3_000,
    firstTokenMs: 1_000,
    maxRetries: 1,
  });
  f = await startRelayFixture('sqlite', { draftingConfig: options.model === false ? null : config, drafting: { retryBaseMs: 20 } });
  const { desk } = await f.pairNewDesk('Front desk');
  await call(desk, 'workspace-update', { phone: '(512) 555-0100', timeZone: 'America/Chicago' });
  const ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
    customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0147', ...(options.language ? { language: options.language } : {}) },
    vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
    promisedDate: '2037-12-04',
    deductibleCents: 50_000,
  });
  await eventually('the desk online', async () => (await desk.syncStatus()).online);
  return { desk, ro };
}

const outgoing = (desk: Desk) => desk.sqlite.prepare(`SELECT status, approved_by FROM messages WHERE direction = 'out'`).all();

describe('a model draft through the real relay', () => {
  it('streams to the window, is saved only as a draft, and has the model\'s invented date flagged', async () => {
    const { desk, ro } = await shop({ behaviours: [{ kind: 'hallucinated-date', date: 'December 24' }] });
    const events: PushEvent[] = [];
    desk.onEvent((e) => events.push(e));
    const d = await call<{ source: string; provider: string; model: string; body: string; notice: string | null; flags: Array<{ kind: string; text: string }> }>(desk, 'draft-create', {
      roId: ro.id,
      channel: 'sms',
      requestId: 'req-1',
    });
    expect(d).toMatchObject({ source: 'model', provider: 'fake-openai', model: 'fake-drafter', notice: null });
    expect(d.body).toContain('December 24');
    expect(d.flags.map((x) => [x.kind, x.text])).toContainEqual(['date', 'December 24']);
    const progress = events.filter((e) => e.type === 'draft-progress') as Array<{ requestId: string; text: string }>;
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((e) => e.requestId === 'req-1')).toBe(true);
    expect(progress.at(-1)!.text).toBe(d.body);
    // What reached the model: the repair's facts; the deductible is not shared with a customer by default.
    expect(fake!.requests).toHaveLength(1);
    expect(JSON.stringify(fake!.requests[0]!.body.messages)).not.toContain('500.00');
    expect(outgoing(desk)).toEqual([{ status: 'draft', approved_by: null }]);
  });

  it('a Spanish-reading customer gets a Spanish draft from the model, and from the templates without one', async () => {
    const { desk, ro } = await shop({ language: 'es' });
    const d = await call<{ source: string; body: string; flags: unknown[] }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(d.source).toBe('model');
    // The model was told who reads it, and wrote Spanish with the promised date in Spanish words.
    const asked = JSON.stringify(fake!.requests[0]!.body.messages);
    expect(asked).toContain('Write the whole message in Spanish');
    expect(asked).toContain('\\"language\\": \\"es\\"');
    expect(d.body).toContain('Esperamos tenerlo listo el viernes, 4 de diciembre de 2037.');
    expect(d.flags).toEqual([]);
    await f!.relay.close();
    await eventually('the desk offline', async () => !(await desk.syncStatus()).online);
    const offline = await call<{ source: string; body: string; flags: unknown[] }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(offline.source).toBe('template');
    expect(offline.body).toMatch(/^Hola, Zoe: su 2019 Honda Accord está en la etapa de Fotos\. Esperamos tenerlo listo el viernes, 4 de diciembre de 2037\./);
    expect(offline.flags).toEqual([]);
  });

  it('a wrong amount from the model is flagged too', async () => {
    const { desk, ro } = await shop({ behaviours: [{ kind: 'wrong-amount', amount: '$1,250.00' }] });
    const d = await call<{ flags: Array<{ kind: string; text: string }> }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(d.flags.map((x) => [x.kind, x.text])).toContainEqual(['amount', '$1,250.00']);
    expect(outgoing(desk)).toEqual([{ status: 'draft', approved_by: null }]);
  });

  it("carries the model's own word on its draft: unsure when it says the shop will check, and the facts it used", async () => {
    const { desk, ro } = await shop();
    await call(desk, 'exception-add', { roId: ro.id, tag: '#partsdelay' });
    const d = await call<{ source: string; body: string; unsure?: boolean; factsUsed?: string[] }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(d.source).toBe('model');
    expect(d.body).toMatch(/check and get back/);
    expect(d.unsure).toBe(true);
    expect(d.factsUsed?.length).toBeGreaterThan(0);
    for (const fact of d.factsUsed ?? []) expect(d.body).toContain(fact);
  });

  it('a relay with no model gives the template draft and says so', async () => {
    const { desk, ro } = await shop({ model: false });
    const d = await call<{ source: string; notice: string | null; flags: unknown[] }>(desk, 'draft-create', { roId: ro.id, channel: 'email' });
    expect(d).toMatchObject({ source: 'template', notice: 'No model is set up for drafts; this one is from your templates.', flags: [] });
    expect(fake!.requests).toHaveLength(0);
  });

  it('a model that fails (500) or stalls gives the template draft with a sentence, quickly', async () => {
    const { desk, ro } = await shop({ behaviours: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'stall', ms: 10_000 }] });
    const started = performance.now();
    const failed = await call<{ source: string; notice: string | null }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(failed.source).toBe('template');
    expect(failed.notice).toBeTruthy();
    const stalled = await call<{ source: string; notice: string | null }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(stalled.source).toBe('template');
    expect(stalled.notice).toBeTruthy();
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((outgoing(desk) as Array<{ status: string }>).every((m) => m.status === 'draft')).toBe(true);
  });

  it('offline (the relay stopped), Draft still gives the template draft at once; switched off, nothing reaches the model', async () => {
    const { desk, ro } = await shop();
    await call(desk, 'drafting-settings-save', { enabled: false, tone: '', examples: [], signature: '', shareAmountsWithCustomer: false });
    const off = await call<{ source: string }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    expect(off.source).toBe('template');
    expect(fake!.requests).toHaveLength(0);
    await call(desk, 'drafting-settings-save', { enabled: true, tone: '', examples: [], signature: '', shareAmountsWithCustomer: false });
    await f!.relay.close();
    await eventually('the desk offline', async () => !(await desk.syncStatus()).online);
    const started = performance.now();
    const d = await call<{ source: string }>(desk, 'draft-create', { roId: ro.id, channel: 'sms' });
    // "At once": not after the relay's first-line timeout (8 s); the bound is loose for a loaded machine.
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(d.source).toBe('template');
  });
});
