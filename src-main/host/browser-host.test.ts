// The browser host as a browser tab meets it: the launch key, the page's origin, calls and
// answers over the WebSocket, push events, bad frames, and the screens it serves.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Desk } from '../desk.js';
import { type BrowserHost, MAX_FRAME_BYTES, startBrowserHost } from './browser-host.js';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; field?: string };
}

/** A WebSocket client speaking the host's frames, as the renderer's transport does. */
class RpcClient {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  readonly events: unknown[] = [];
  private readonly eventWaiters: Array<(event: unknown) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Reply & { event?: unknown };
      if ('event' in frame) {
        this.events.push(frame.event);
        this.eventWaiters.shift()?.(frame.event);
        return;
      }
      this.waiting.get(frame.id)?.(frame);
      this.waiting.delete(frame.id);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  call(method: string, args: unknown = {}): Promise<Reply> {
    const id = this.nextId++;
    return this.sendRaw(JSON.stringify({ id, method, args }), id);
  }

  sendRaw(text: string, id: number): Promise<Reply> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(text);
    });
  }

  nextEvent(): Promise<unknown> {
    return new Promise((resolve) => this.eventWaiters.push(resolve));
  }
}

type Attempt = { opened: true; client: RpcClient } | { opened: false; status: number };

function connect(host: BrowserHost, options: { protocol?: string | null; origin?: string } = {}): Promise<Attempt> {
  const protocol = options.protocol === undefined ? `bayline.${host.secret}` : options.protocol;
  const ws = new WebSocket(
    `ws://127.0.0.1:${host.port}/rpc`,
    protocol === null ? [] : [protocol],
    options.origin ? { origin: options.origin } : {},
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ opened: true, client: new RpcClient(ws) }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

async function open(host: BrowserHost): Promise<RpcClient> {
  const attempt = await connect(host);
  if (!attempt.opened) throw new Error(`connection refused with ${attempt.status}`);
  return attempt.client;
}

function get(host: BrowserHost, requestPath: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: host.port, path: requestPath, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

const SECRET_FILE_TEXT = 'workspace private key: do-not-serve';

describe('browser host', () => {
  let tmp: string;
  let desk: Desk;
  let host: BrowserHost;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-host-'));
    // A built renderer next to a file that must never be reachable through the host.
    const rendererDir = path.join(tmp, 'renderer');
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
    fs.writeFileSync(
      path.join(rendererDir, 'index.html'),
      '<!doctype html><html><head><title>Bayline</title><script type="module" src="./assets/app-1a2b.js"></script></head><body></body></html>',
    );
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app-1a2b.js'), 'console.log("board");');
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app-1a2b.css'), 'body{margin:0}');
    fs.writeFileSync(path.join(tmp, 'private.txt'), SECRET_FILE_TEXT);

    desk = await Desk.open({ dataDir: path.join(tmp, 'data'), workspace: { name: 'Harbor Collision', slug: 'harbor-collision' } });
    host = await startBrowserHost({ desk, port: 0, rendererDir });
  });

  afterAll(async () => {
    await host?.close();
    await desk?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('gives the address to open with a fresh launch key in the fragment', () => {
    expect(host.port).toBeGreaterThan(0);
    expect(host.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#k=${host.secret}`);
  });

  it('turns away a connection without the launch key, or with a wrong one', async () => {
    expect(await connect(host, { protocol: null })).toEqual({ opened: false, status: 401 });
    expect(await connect(host, { protocol: 'bayline.not-the-key' })).toEqual({ opened: false, status: 401 });
    const almost = `bayline.${host.secret.slice(0, -1)}${host.secret.endsWith('A') ? 'B' : 'A'}`;
    expect(await connect(host, { protocol: almost })).toEqual({ opened: false, status: 401 });
  });

  it('turns away a page from another site even when it has the key', async () => {
    expect(await connect(host, { origin: 'https://evil.example' })).toEqual({ opened: false, status: 403 });
    expect(await connect(host, { origin: `http://127.0.0.1:${host.port + 1}` })).toEqual({ opened: false, status: 403 });
    expect(await connect(host, { origin: 'null' })).toEqual({ opened: false, status: 403 });
  });

  it("lets the host's own page in, by either of its names", async () => {
    for (const origin of [`http://127.0.0.1:${host.port}`, `http://localhost:${host.port}`]) {
      const attempt = await connect(host, { origin });
      expect(attempt.opened).toBe(true);
      if (attempt.opened) {
        // The browser insists on hearing its offered protocol back.
        expect(attempt.client.ws.protocol).toBe(`bayline.${host.secret}`);
        attempt.client.ws.close();
      }
    }
  });

  it("answers with the shop's settings and an empty board for a new shop", async () => {
    const client = await open(host);
    const settings = await client.call('workspace-get');
    expect(settings).toMatchObject({ id: 1, ok: true, result: { name: 'Harbor Collision', slug: 'harbor-collision' } });
    expect(await client.call('ro-board', {})).toEqual({ id: 2, ok: true, result: [] });
    client.ws.close();
  });

  it('answers an unknown method or bad arguments with an error code, and keeps the connection', async () => {
    const client = await open(host);
    const unknown = await client.call('ro-teleport', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    const invalid = await client.call('customer-create', { firstName: 'Ana' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid-args', field: 'lastName' } });
    expect(await client.call('ro-board', {})).toMatchObject({ ok: true, result: [] });
    client.ws.close();
  });

  it('answers a frame with an id but no method with invalid-args, and goes on serving', async () => {
    const client = await open(host);
    const reply = await client.sendRaw(JSON.stringify({ id: 41, args: {} }), 41);
    expect(reply).toMatchObject({ id: 41, ok: false, error: { code: 'invalid-args' } });
    expect(await client.call('workspace-get')).toMatchObject({ ok: true, result: { name: 'Harbor Collision' } });
    client.ws.close();
  });

  it('closes a connection that sends something that is not JSON, and still serves everyone else', async () => {
    const bystander = await open(host);
    const sloppy = await open(host);
    sloppy.ws.send('{"id": 1, "method": "workspace-get"');
    expect((await sloppy.closed).code).toBe(1003);
    expect(await bystander.call('workspace-get')).toMatchObject({ ok: true, result: { name: 'Harbor Collision' } });
    const fresh = await open(host);
    expect(await fresh.call('ro-board', {})).toMatchObject({ ok: true, result: [] });
    bystander.ws.close();
    fresh.ws.close();
  });

  it('closes a connection that sends a frame over 1 MiB, and still serves', async () => {
    const greedy = await open(host);
    greedy.ws.send(JSON.stringify({ id: 1, method: 'note-add', args: { body: 'x'.repeat(MAX_FRAME_BYTES) } }));
    expect((await greedy.closed).code).toBe(1009);
    const next = await open(host);
    expect(await next.call('ro-board', {})).toMatchObject({ ok: true });
    next.ws.close();
  });

  it('tells every other open window when a customer is added on one', async () => {
    const frontDesk = await open(host);
    const office = await open(host);
    const heard = office.nextEvent();
    const created = await frontDesk.call('customer-create', { firstName: 'Ana', lastName: 'Silva' });
    expect(created).toMatchObject({ ok: true, result: { firstName: 'Ana', lastName: 'Silva' } });
    const event = (await heard) as { type: string; tables: string[] };
    expect(event.type).toBe('changed');
    expect(event.tables).toContain('customers');
    frontDesk.ws.close();
    office.ws.close();
  });

  it('serves the screens: index.html never cached, assets with their types, unknown screens fall back to the app', async () => {
    const index = await get(host, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.body).toContain('<title>Bayline</title>');
    // Relative asset paths must still resolve from a deep address served by the fallback.
    expect(index.body).toContain('<base href="/">');

    const script = await get(host, '/assets/app-1a2b.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log("board");');
    expect((await get(host, '/assets/app-1a2b.css')).headers['content-type']).toBe('text/css; charset=utf-8');

    const deep = await get(host, '/repair-orders/1042?tab=photos');
    expect(deep.status).toBe(200);
    expect(deep.headers['cache-control']).toBe('no-store');
    expect(deep.body).toContain('<title>Bayline</title>');

    expect((await get(host, '/assets/missing-file.js')).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const attempt of ['/../private.txt', '/..%2fprivate.txt', '/assets/..%2f..%2fprivate.txt', '/%2e%2e/private.txt', '/..\\private.txt']) {
      const res = await get(host, attempt);
      expect(res.body, attempt).not.toContain(SECRET_FILE_TEXT);
      expect(res.status, attempt).toBeGreaterThanOrEqual(400);
    }
    expect((await get(host, '/%E0%A4%A')).status).toBe(400);
  });

  it('refuses requests addressed to another name (DNS rebinding)', async () => {
    const res = await get(host, '/', { Host: `bayline.evil.example:${host.port}` });
    expect(res.status).toBe(421);
    expect(res.body).not.toContain('<title>Bayline</title>');
  });

  it('says how to build the screens when they are missing', async () => {
    const bare = await startBrowserHost({ desk, port: 0, rendererDir: path.join(tmp, 'not-built') });
    try {
      const res = await get(bare, '/');
      expect(res.status).toBe(503);
      expect(res.body).toContain('npm run build:renderer');
    } finally {
      await bare.close();
    }
  });

  it('closes open windows and frees its port when it stops', async () => {
    const second = await startBrowserHost({ desk, port: 0, rendererDir: path.join(tmp, 'renderer') });
    const client = await open(second);
    await second.close();
    expect((await client.closed).code).toBe(1001);
    await expect(get(second, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('reports a port already in use, so the caller can pick another', async () => {
    await expect(startBrowserHost({ desk, port: host.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
