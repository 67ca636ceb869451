// A fake OpenAI-compatible chat server on 127.0.0.1, for tests, the bench and trying drafts
// without a provider: POST /v1/chat/completions, streamed (server-sent `data: {chunk}` lines, then
// `data: [DONE]`, with the usage in a last chunk when `stream_options.include_usage` is set) or
// not, and `response_format` JSON answers. It writes a plausible draft from the FACTS block of the
// prompt (relay/drafting/prompt.ts), and can be told to misbehave for the next requests: a
// hallucinated date, a wrong amount, an echo of a customer's injected instruction, a stall (no
// answer, or one word then nothing), a 429, a 500. It keeps every request it got, so a test can
// check what a provider would have seen.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FACTS_END, FACTS_START, QUOTED_END, QUOTED_START } from '../prompt.js';

export type FakeBehaviour =
  | { kind: 'good' }
  /** The draft promises the car for a date the facts do not hold. */
  | { kind: 'hallucinated-date'; date?: string }
  /** The draft gives an amount the facts do not hold. */
  | { kind: 'wrong-amount'; amount?: string }
  /** The draft repeats the last untrusted quoted message as the shop's own words. */
  | { kind: 'echo-injection' }
  /** Nothing at all for `ms` (not even headers). */
  | { kind: 'stall'; ms: number }
  /** The first words, then nothing for `ms`. */
  | { kind: 'stall-after-first'; ms: number }
  /** Asked for the structured answer, it answers JSON that is not the draft's (no "body", not closed). */
  | { kind: 'invalid-structured' }
  /** An error answer with this status (429, 500…), with a `retry-after-ms` header when given. */
  | { kind: 'status'; status: number; retryAfterMs?: number };

export interface FakeRequest {
  at: number;
  authorization: string | null;
  body: {
    model: string;
    messages: Array<{ role: string; content: string }>;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    response_format?: { type: string };
    [key: string]: unknown;
  };
}

export interface FakeOpenAIOptions {
  /** Refuse requests without this bearer key (401); null: any key. */
  apiKey?: string | null;
  /** Pause between streamed pieces (ms). */
  chunkMs?: number;
  /** Words per streamed piece. */
  wordsPerChunk?: number;
}

interface Facts {
  today?: string;
  shop?: { name?: string; phone?: string | null };
  recipient?: { kind?: string; name?: string; firstName?: string };
  reader?: { language?: string; country?: string };
  repair?: {
    roNumber?: string;
    claimNumber?: string | null;
    vehicle?: string | null;
    stage?: string;
    promisedDate?: string | null;
    openExceptions?: Array<{ reason: string }>;
    amounts?: { estimateTotal?: string | null; deductible?: string | null } | string;
  };
}

function between(text: string, start: string, end: string): string | null {
  const a = text.indexOf(start);
  const b = text.indexOf(end, a + start.length);
  return a < 0 || b < 0 ? null : text.slice(a + start.length, b);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** "December 4", or "December 4, 2037" when the date is months from `today` (as a careful writer would). */
const longDate = (iso: string, today: string | undefined) => {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  const from = Date.parse(today ?? '');
  const far = !Number.isNaN(from) && Math.abs(Date.parse(`${iso}T12:00:00Z`) - from) > 150 * 86_400_000;
  return `${MONTHS[m - 1]} ${d}${far ? `, ${y}` : ''}`;
};

/** The draft a careful model would write from the prompt's facts. */
export function composeDraft(messages: FakeRequest['body']['messages'], behaviour: FakeBehaviour): string {
  const all = messages.map((m) => m.content).join('\n');
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  let facts: Facts = {};
  try {
    facts = JSON.parse(between(all, FACTS_START, FACTS_END) ?? '{}') as Facts;
  } catch {
    facts = {};
  }
  const email = /This is an email/.test(system);
  const adjuster = facts.recipient?.kind === 'adjuster';
  const r = facts.repair ?? {};
  const shop = facts.shop?.name ?? 'the shop';
  const car = r.vehicle ?? 'car';
  const parts: string[] = [];
  const spanish = !adjuster && facts.reader?.language === 'es';
  const british = facts.reader?.country === 'GB';
  /** The date as this reader writes it: "December 16", "16 December", "miércoles, 16 de diciembre". */
  const dateFor = (iso: string) => {
    if (!spanish && !british) return longDate(iso, facts.today);
    const far = Math.abs(Date.parse(`${iso}T12:00:00Z`) - Date.parse(facts.today ?? '')) > 150 * 86_400_000;
    const options: Intl.DateTimeFormatOptions = { month: 'long', day: 'numeric', timeZone: 'UTC', ...(spanish ? { weekday: 'long' } : {}), ...(far ? { year: 'numeric' } : {}) };
    return new Intl.DateTimeFormat(spanish ? 'es-US' : 'en-GB', options).format(new Date(`${iso}T12:00:00Z`));
  };
  if (spanish) {
    parts.push(`Hola, ${facts.recipient?.firstName ?? ''}: le escribimos de ${shop}. Su ${car} está en la etapa ${r.stage ?? 'de revisión'}.`);
    if (r.promisedDate) parts.push(`Esperamos tenerlo listo el ${dateFor(r.promisedDate)}.`);
  } else if (adjuster) {
    parts.push(`Claim ${r.claimNumber ?? ''}, RO ${r.roNumber ?? ''}: the ${car} is at ${r.stage ?? 'the shop'}.`.replace(/ ,/g, ','));
    if (r.promisedDate) parts.push(`We expect to deliver it on ${dateFor(r.promisedDate)}.`);
  } else {
    parts.push(`Hi ${facts.recipient?.firstName ?? 'there'}, this is ${shop}. Your ${car} is at ${r.stage ?? 'our shop'}.`);
    if (r.promisedDate) parts.push(`We expect it ready ${british ? 'on ' : ''}${dateFor(r.promisedDate)}.`);
  }
  const exception = r.openExceptions?.[0];
  if (exception) parts.push(spanish ? `${exception.reason}: vamos a revisarlo y le respondemos hoy.` : `${exception.reason}: we'll check and get back to you today.`);
  if (behaviour.kind === 'hallucinated-date') parts.push(`It will be ready on ${behaviour.date ?? 'December 24'}.`);
  if (behaviour.kind === 'wrong-amount') parts.push(`Your deductible is ${behaviour.amount ?? '$1,250.00'}.`);
  if (behaviour.kind === 'echo-injection') {
    // The rules name the markers too: the thread is in the last user message.
    const quoted = between(messages.filter((m) => m.role === 'user').pop()?.content ?? '', QUOTED_START, QUOTED_END) ?? '';
    const untrusted = [...quoted.matchAll(/<<<MESSAGE \d+ from [^>\n]*\(untrusted\)[^\n]*\n([\s\S]*?)\n>>>END MESSAGE/g)].pop()?.[1];
    if (untrusted) parts.push(untrusted.replace(/^Subject:.*\n/, ''));
  }
  if (!email) return parts.join(' ');
  const signature = /Signature:\n([\s\S]*?)\nAnswer with/.exec(system)?.[1] ?? shop;
  const greeting = adjuster ? `Hello ${facts.recipient?.name ?? ''},` : spanish ? `Hola, ${facts.recipient?.firstName ?? ''}:` : `Hi ${facts.recipient?.firstName ?? 'there'},`;
  return `${greeting}\n\n${parts.join(' ')}\n\n${signature}`;
}

/** The structured answer (relay/drafting/structured.ts): the draft, the facts it states, unsure. */
function structuredAnswer(messages: FakeRequest['body']['messages'], draft: string, behaviour: FakeBehaviour): string {
  if (behaviour.kind === 'invalid-structured') return `{"text": ${JSON.stringify(draft)}, "unsure": "maybe"`;
  let facts: Facts = {};
  try {
    facts = JSON.parse(between(messages.map((m) => m.content).join('\n'), FACTS_START, FACTS_END) ?? '{}') as Facts;
  } catch {
    facts = {};
  }
  const r = facts.repair ?? {};
  const used = [r.stage, r.vehicle, r.promisedDate ? longDate(r.promisedDate, facts.today) : null, r.roNumber, r.claimNumber].filter((f): f is string => typeof f === 'string' && draft.includes(f));
  return JSON.stringify({ body: draft, factsUsed: used, unsure: /check and get back/.test(draft) });
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export class FakeOpenAI {
  readonly requests: FakeRequest[] = [];
  /** Streamed answers the client hung up on before the end. */
  closedEarly = 0;
  private readonly script: FakeBehaviour[] = [];
  private server: http.Server | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  url = '';

  constructor(readonly options: FakeOpenAIOptions = {}) {}

  /** Behaviours for the next requests, in order; after them, good drafts. */
  next(...behaviours: FakeBehaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  /** The base URL to give the SDK or the relay (BAYLINE_AI_BASE_URL). */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  async start(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private wait(ms: number, res: http.ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const closed = () => {
        clearTimeout(t);
        this.timers.delete(t);
        resolve(false);
      };
      const t = setTimeout(() => {
        this.timers.delete(t);
        res.off('close', closed);
        resolve(!res.destroyed);
      }, ms);
      this.timers.add(t);
      res.once('close', closed);
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url?.replace(/\?.*$/, '') !== '/v1/chat/completions') return json(404, { error: { message: 'Unknown path', type: 'invalid_request_error' } });
    const authorization = req.headers.authorization ?? null;
    if (this.options.apiKey && authorization !== `Bearer ${this.options.apiKey}`) return json(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
    let body: FakeRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeRequest['body'];
    } catch {
      return json(400, { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error' } });
    }
    if (!body.model || !Array.isArray(body.messages)) return json(400, { error: { message: "Missing required parameter: 'model' or 'messages'.", type: 'invalid_request_error' } });
    this.requests.push({ at: Date.now(), authorization, body });
    const behaviour = this.script.shift() ?? { kind: 'good' };

    if (behaviour.kind === 'status') {
      const type = behaviour.status === 429 ? 'rate_limit_exceeded' : 'server_error';
      if (behaviour.retryAfterMs !== undefined) res.setHeader('retry-after-ms', String(behaviour.retryAfterMs));
      return json(behaviour.status, { error: { message: behaviour.status === 429 ? 'Rate limit reached for requests.' : 'The server had an error while processing your request.', type, code: type } });
    }
    if (behaviour.kind === 'stall' && !(await this.wait(behaviour.ms, res))) return;

    let content = composeDraft(body.messages, behaviour);
    if (body.response_format?.type === 'json_schema' || body.response_format?.type === 'json_object') content = structuredAnswer(body.messages, content, behaviour);
    const usage = { prompt_tokens: tokens(body.messages.map((m) => m.content).join('')), completion_tokens: tokens(content) };
    const id = `chatcmpl-fake${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      return json(200, {
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    const base = { id, object: 'chat.completion.chunk', created, model: body.model };
    send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    const words = content.split(/(?<=\s)/);
    const per = this.options.wordsPerChunk ?? 3;
    res.once('close', () => {
      if (!res.writableFinished) this.closedEarly += 1;
    });
    for (let i = 0; i < words.length; i += per) {
      if (res.destroyed) return;
      send({ ...base, choices: [{ index: 0, delta: { content: words.slice(i, i + per).join('') }, finish_reason: null }] });
      if (i === 0 && behaviour.kind === 'stall-after-first') {
        if (!(await this.wait(behaviour.ms, res))) return;
      } else if ((this.options.chunkMs ?? 2) > 0 && !(await this.wait(this.options.chunkMs ?? 2, res))) return;
    }
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    if (body.stream_options?.include_usage) send({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
    res.end('data: [DONE]\n\n');
  }
}
