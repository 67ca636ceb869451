// Draft with a model through the relay, at a real desk: a stand-in for the relay's drafting
// endpoint on 127.0.0.1 streams what a model wrote (here: a hallucinated date and a wrong amount,
// as a prompt-injected model would). The window sees the text as it comes, the draft is saved as a
// draft and nothing else, and the fact guard flags both facts. A relay without a model gives the
// template draft with a notice.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../src-shared/api/contract.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

let t: TestDesk | undefined;
let server: http.Server | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = undefined;
});

async function shopWithRelay(reply: (res: http.ServerResponse) => void) {
  t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  await t.call('workspace-update', { phone: '(512) 555-0100', timeZone: 'America/Chicago' });
  const ro = await t.call('ro-check-in', {
    customer: { firstName: 'Zoe', lastName: 'Nguyen', mobile: '(512) 555-0147' },
    vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
    promisedDate: '2037-12-04',
    deductibleCents: 50_000,
  });
  const posted: unknown[] = [];
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      posted.push({ url: req.url, method: req.method, body: raw ? JSON.parse(raw) : null });
      reply(res);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  // Paired with the stand-in (the credential file), and sync says the relay is reachable.
  fs.writeFileSync(
    path.join(t.dataDir, 'device.json'),
    JSON.stringify({ relayUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, deviceId: 'dev-1', secret: 's3cret', workspace: { id: 'w1', slug: 'lakeside', name: 'Lakeside' }, pairedAt: new Date().toISOString() }),
  );
  const real = t.desk.syncStatus.bind(t.desk);
  t.desk.syncStatus = async () => ({ ...(await real()), paired: true, online: true });
  return { t, ro, posted };
}

const line = (x: unknown) => `${JSON.stringify(x)}\n`;

describe('a model draft through the relay', () => {
  it('streams to the window, is saved only as a draft, and has its invented facts flagged', async () => {
    const { t, ro, posted } = await shopWithRelay((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(line({ type: 'delta', text: 'Hi Zoe, good news: ' }));
      setTimeout(() => {
        res.write(line({ type: 'delta', text: 'your Accord is ready Dec 14 and the repair is free, $0.' }));
        res.end(line({ type: 'done', provider: 'openai', model: 'fake-model', usage: { inputTokens: 100, outputTokens: 20 } }));
      }, 20);
    });
    const events: PushEvent[] = [];
    t.desk.onEvent((e) => events.push(e));
    const d = await t.call('draft-create', { roId: ro.id, channel: 'sms', requestId: 'req-1' });
    expect(d).toMatchObject({ source: 'model', provider: 'openai', model: 'fake-model', notice: null, body: 'Hi Zoe, good news: your Accord is ready Dec 14 and the repair is free, $0.' });
    expect(d.flags.map((f) => [f.kind, f.text])).toEqual([
      ['date', 'Dec 14'],
      ['amount', 'free'],
      ['amount', '$0'],
    ]);
    const progress = events.filter((e) => e.type === 'draft-progress');
    expect(progress.map((e) => (e as { text: string }).text)).toEqual(['Hi Zoe, good news: ', d.body, d.body]);
    expect(progress.every((e) => (e as { requestId: string }).requestId === 'req-1')).toBe(true);
    // What went to the relay: the repair's facts, never internal notes; the deductible is not shared by default.
    expect(posted).toHaveLength(1);
    const sent = posted[0] as { url: string; body: { context: { ro: { amounts: unknown } } } };
    expect(sent.url).toBe('/drafting/draft');
    expect(sent.body.context.ro.amounts).toBeNull();
    // Saved as a draft, approved by nobody; the audit names the model, not the text.
    const rows = t.desk.sqlite.prepare(`SELECT status, approved_by FROM messages WHERE direction = 'out'`).all();
    expect(rows).toEqual([{ status: 'draft', approved_by: null }]);
    const audit = await t.call('audit-list', { roId: ro.id });
    expect(audit.map((a) => a.summary)).toContain('Draft made by openai/fake-model');
  });

  it('a relay with no model set up (503) gives the template draft and says so', async () => {
    const { t, ro } = await shopWithRelay((res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"No model"}'));
    const d = await t.call('draft-create', { roId: ro.id, channel: 'email' });
    expect(d).toMatchObject({ source: 'template', notice: 'No model is set up for drafts; this one is from your templates.', draftId: null, flags: [] });
    expect(t.desk.sqlite.prepare(`SELECT COUNT(*) AS n FROM messages`).get()).toEqual({ n: 0 });
  });

  it('with drafting switched off, nothing is sent to the relay at all', async () => {
    const { t, ro, posted } = await shopWithRelay((res) => res.end());
    await t.call('drafting-settings-save', { enabled: false, tone: '', examples: [], signature: '', shareAmountsWithCustomer: false });
    const d = await t.call('draft-create', { roId: ro.id, channel: 'sms' });
    expect(d.source).toBe('template');
    expect(posted).toEqual([]);
  });
});
