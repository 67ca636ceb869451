// A fake Anthropic Messages API on 127.0.0.1, for tests and trying the Anthropic provider without
// an account: POST /v1/messages with the key (`x-api-key` or a bearer token), streamed as the real API streams (message_start
// with the input tokens, text deltas, message_delta with the output tokens, message_stop) or
// whole. It writes its draft from the prompt's FACTS block with the OpenAI fake's writer, so both
// providers draft the same words; it can answer 429 or 500 for the next requests, and keeps what
// it was sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeDraft, type FakeBehaviour } from '../fake-openai/fake-openai.js';

export interface FakeAnthropicRequest {
  apiKey: string | null;
  version: string | null;
  body: { model: string; system?: string; max_tokens: number; stream?: boolean; messages: Array<{ role: string; content: string }> };
}

export class FakeAnthropic {
  readonly requests: FakeAnthropicRequest[] = [];
  private readonly script: FakeBehaviour[] = [];
  private server: http.Server | null = null;
  url = '';

  constructor(readonly options: { apiKey: string; chunkMs?: number }) {}

  next(...behaviours: FakeBehaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const error = (status: number, type: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type, message } }));
    };
    if (req.method !== 'POST' || req.url?.replace(/\?.*$/, '') !== '/v1/messages') return error(404, 'not_found_error', 'Not found');
    // The key as `x-api-key`, or as a bearer token (what the installed SDK sends).
    const apiKey = (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, '') ?? null;
    if (apiKey !== this.options.apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
    let body: FakeAnthropicRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeAnthropicRequest['body'];
    } catch {
      return error(400, 'invalid_request_error', 'The body is not JSON.');
    }
    if (!body.model || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') return error(400, 'invalid_request_error', 'model, max_tokens and messages are required.');
    this.requests.push({ apiKey, version: (req.headers['anthropic-version'] as string | undefined) ?? null, body });
    const behaviour = this.script.shift() ?? { kind: 'good' };
    if (behaviour.kind === 'status') return error(behaviour.status, behaviour.status === 429 ? 'rate_limit_error' : 'api_error', behaviour.status === 429 ? 'Rate limited.' : 'Internal server error.');

    const messages = [...(body.system ? [{ role: 'system', content: body.system }] : []), ...body.messages];
    const text = composeDraft(messages, behaviour);
    const inputTokens = Math.ceil(messages.map((m) => m.content).join('').length / 4);
    const outputTokens = Math.ceil(text.length / 4);
    const id = `msg_fake${this.requests.length}`;
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model: body.model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: outputTokens } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } } });
    send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    const words = text.split(/(?<=\s)/);
    for (let i = 0; i < words.length; i += 3) {
      if (res.destroyed) return;
      send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: words.slice(i, i + 3).join('') } });
      await new Promise((r) => setTimeout(r, this.options.chunkMs ?? 2));
    }
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: outputTokens } });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }
}
