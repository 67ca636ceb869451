// The desk's drafting client against a small relay stand-in on 127.0.0.1 speaking the protocol:
// POST /drafting/draft with the device credential, NDJSON lines back. Deltas arrive as the text
// so far; every failure comes back as a reason in the shop's words, and nothing hangs.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeskContext } from '../api/desk-context.js';
import { baseContext } from '../../src-shared/drafting/eval/base-context.js';
import { tempDir } from '../testing/temp-desk.js';
import { draftThroughRelay } from './relay-drafter.js';

type Reply = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => void;
let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(null));
  server = undefined;
});

async function relay(reply: Reply): Promise<{ desk: DeskContext; seen: Array<{ auth: string | undefined; body: unknown; url: string | undefined }> }> {
  const seen: Array<{ auth: string | undefined; body: unknown; url: string | undefined }> = [];
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : null;
      seen.push({ auth: req.headers.authorization, body, url: req.url });
      reply(req, res, body);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const dataDir = tempDir();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fs.writeFileSync(
    path.join(dataDir, 'device.json'),
    JSON.stringify({ relayUrl: url, deviceId: 'dev-1', secret: 's3cret', workspace: { id: 'w1', slug: 'lakeside', name: 'Lakeside' }, pairedAt: new Date().toISOString() }),
  );
  const desk = { dataDir, syncStatus: async () => ({ online: true }) } as unknown as DeskContext;
  return { desk, seen };
}

const request = { channel: 'sms' as const, recipient: 'customer' as const, context: baseContext(), staffId: 'staff-1' };
const lines = (...l: unknown[]) => l.map((x) => `${JSON.stringify(x)}\n`).join('');

describe('asking the relay for a draft', () => {
  it('posts the context with the device credential and streams the text as it comes', async () => {
    const { desk, seen } = await relay((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(lines({ type: 'delta', text: 'Hi Zoë, ' }));
      setTimeout(() => {
        // A line split across two chunks still reads as one.
        res.write('{"type":"delta","te');
        res.end(`xt":"ready Dec 16."}\n${lines({ type: 'done', provider: 'openai', model: 'gpt-test', usage: { inputTokens: 10, outputTokens: 5 } })}`);
      }, 30);
    });
    const texts: string[] = [];
    const answer = await draftThroughRelay(desk, request, (t) => texts.push(t));
    expect(answer).toEqual({ ok: true, text: 'Hi Zoë, ready Dec 16.', provider: 'openai', model: 'gpt-test' });
    expect(texts).toEqual(['Hi Zoë, ', 'Hi Zoë, ready Dec 16.']);
    expect(seen[0]!.url).toBe('/drafting/draft');
    expect(seen[0]!.auth).toMatch(/^Bearer /);
    expect(seen[0]!.body).toMatchObject({ channel: 'sms', recipient: 'customer', staffId: 'staff-1', context: { ro: { roNumber: '1042' } } });
  });

  it('says no model is set up when the relay answers 404 or 503', async () => {
    for (const status of [404, 503]) {
      const { desk } = await relay((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end('{"message":"no model"}'));
      expect(await draftThroughRelay(desk, request, () => undefined)).toEqual({ ok: false, reason: 'not-configured', notice: 'No model is set up for drafts; this one is from your templates.' });
      server?.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = undefined;
    }
  });

  it('passes on an error line, even after some text', async () => {
    const { desk } = await relay((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(lines({ type: 'delta', text: 'Hi' }, { type: 'error', code: 'rate-limited', message: '429 from the provider' }));
    });
    expect(await draftThroughRelay(desk, request, () => undefined)).toMatchObject({ ok: false, reason: 'rate-limited', notice: expect.stringContaining('busy') });
  });

  it('gives up when the first line is too slow, and when the whole draft is', async () => {
    const silent = await relay((_req, res) => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).flushHeaders());
    let started = performance.now();
    expect(await draftThroughRelay(silent.desk, request, () => undefined, { firstLineTimeoutMs: 150 })).toMatchObject({ ok: false, reason: 'timeout', notice: expect.stringContaining('did not answer in time') });
    expect(performance.now() - started).toBeLessThan(1000);
    server?.closeAllConnections();
    await new Promise((r) => server!.close(r));

    const dribbling = await relay((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const timer = setInterval(() => res.write(lines({ type: 'delta', text: '.' })), 40);
      res.on('close', () => clearInterval(timer));
    });
    started = performance.now();
    const texts: string[] = [];
    expect(await draftThroughRelay(dribbling.desk, request, (t) => texts.push(t), { firstLineTimeoutMs: 150, overallTimeoutMs: 400 })).toMatchObject({ ok: false, reason: 'timeout' });
    expect(texts.length).toBeGreaterThan(2);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('does not even try when sync says the desk is offline, or when it is not paired', async () => {
    const { desk, seen } = await relay((_req, res) => res.end());
    const offline = { dataDir: desk.dataDir, syncStatus: async () => ({ online: false }) } as unknown as DeskContext;
    const started = performance.now();
    expect(await draftThroughRelay(offline, request, () => undefined)).toMatchObject({ ok: false, reason: 'offline' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(seen).toEqual([]);
    const unpaired = { dataDir: tempDir(), syncStatus: async () => ({ online: true }) } as unknown as DeskContext;
    expect(await draftThroughRelay(unpaired, request, () => undefined)).toMatchObject({ ok: false, reason: 'not-paired' });
  });

  it('treats a stream that ends without "done" as a failure, not as a draft', async () => {
    const { desk } = await relay((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(lines({ type: 'delta', text: 'Hi Zoë, your car' }));
    });
    expect(await draftThroughRelay(desk, request, () => undefined)).toMatchObject({ ok: false, reason: 'provider-error' });
  });
});
