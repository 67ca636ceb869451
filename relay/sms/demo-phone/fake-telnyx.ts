// A stand-in for the Telnyx API on 127.0.0.1 that the real SDK talks to (its `baseURL`), and
// webhooks signed with an Ed25519 key made at start that the relay checks with the SDK's own
// verification. Tests use it to record every request, hold a send open (to kill the relay
// mid-call), refuse one with a Telnyx error body, and serve MMS media; the demo phone
// (demo-phone.ts) builds on it so `npm start` texts without a Telnyx account. Nothing it is
// given ever leaves this machine.
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization: string | undefined;
}

export type SendBehaviour =
  | { kind: 'ok' }
  | { kind: 'hold' }
  /** Answers after `ms` with message id `id` (a delivery report can then overtake the answer). */
  | { kind: 'slow'; ms: number; id: string }
  | { kind: 'error'; status: number; code: string; title: string };

export interface FakeTelnyx {
  /** What the relay sets as TELNYX_BASE_URL. */
  baseURL: string;
  /** Base64 of the raw 32-byte Ed25519 public key, as the Telnyx portal shows it. */
  publicKey: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** Bodies of every POST /messages. */
  sends(): Array<{ from: string; to: string; text: string; messaging_profile_id?: string }>;
  /** How the next sends are answered (default ok). */
  sendBehaviour: SendBehaviour;
  /** Resolves when a send arrives (for a held send: the relay is now mid-call). */
  nextSend(): Promise<void>;
  /** Media the fake serves at `${origin}/media/<name>`. */
  media: Map<string, { type: string; bytes: Buffer }>;
  origin: string;
  /** Numbers the search offers, by area code. */
  available: Map<string, string[]>;
  /** 10DLC: number → campaign id, campaign id → status. */
  campaigns: Map<string, string>;
  campaignStatus: Map<string, string>;
  /** How many times an order is looked at before it succeeds. */
  orderPolls: number;
  /** Call Control actions the relay sent (answer, transfer, hangup…), in order; see fake-voice.ts. */
  callActions(): Array<{ callControlId: string; action: string; body: Record<string, unknown> }>;
  /** A signed webhook body and headers (timestamp in seconds; defaults to now). */
  sign(event: unknown, options?: { timestamp?: number; key?: KeyObject }): { body: string; headers: Record<string, string> };
  close(): Promise<void>;
}

export interface FakeTelnyxOptions {
  /** Pages of its own served beside the API (without the API key); true when it answered. */
  handle?: (req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string) => boolean;
  /** Told of every text the relay sends, with the id the fake answered. */
  onSend?: (sent: { from: string; to: string; text: string }, id: string) => void;
}

export async function startFakeTelnyx(options: FakeTelnyxOptions = {}): Promise<FakeTelnyx> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const requests: RecordedRequest[] = [];
  const held: http.ServerResponse[] = [];
  let sendWaiters: Array<() => void> = [];
  const orders = new Map<string, { numbers: string[]; polls: number; profile: string | undefined }>();

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const path = url.pathname;
      if (options.handle?.(req, res, url, text)) return;
      if (path.startsWith('/media/')) {
        const m = fake.media.get(path.slice('/media/'.length));
        if (!m) return json(res, 404, { errors: [{ code: '404' }] });
        res.writeHead(200, { 'content-type': m.type, 'content-length': String(m.bytes.length) });
        return res.end(m.bytes);
      }
      requests.push({ method: req.method ?? '', path, query: url.searchParams, body, authorization: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${fake.apiKey}`) return json(res, 401, { errors: [{ code: '10009', title: 'Authentication failed' }] });

      if (req.method === 'POST' && path === '/v2/messages') {
        const waiters = sendWaiters;
        sendWaiters = [];
        for (const w of waiters) w();
        const b = fake.sendBehaviour;
        if (b.kind === 'hold') {
          held.push(res);
          return;
        }
        if (b.kind === 'error') return json(res, b.status, { errors: [{ code: b.code, title: b.title, detail: b.title }] });
        const sent = body as { from: string; to: string; text: string };
        const answer = (id: string) => {
          options.onSend?.(sent, id);
          json(res, 200, {
            data: { id, record_type: 'message', direction: 'outbound', type: 'SMS', text: sent.text, from: { phone_number: sent.from }, to: [{ phone_number: sent.to, status: 'queued' }] },
          });
        };
        if (b.kind === 'slow') {
          setTimeout(() => answer(b.id), b.ms);
          return;
        }
        return answer(randomUUID());
      }
      if (req.method === 'GET' && path === '/v2/available_phone_numbers') {
        let area = '';
        for (const [k, v] of url.searchParams) if (k.includes('national_destination_code')) area = v;
        const numbers = fake.available.get(area) ?? [];
        return json(res, 200, {
          data: numbers.map((n) => ({ phone_number: n, record_type: 'available_phone_number', features: [{ name: 'sms' }, { name: 'mms' }, { name: 'voice' }], region_information: [{ region_type: 'rate_center', region_name: 'AUSTIN' }] })),
          metadata: { total_results: numbers.length },
        });
      }
      if (req.method === 'POST' && path === '/v2/number_orders') {
        const b = body as { phone_numbers?: Array<{ phone_number: string }>; messaging_profile_id?: string };
        const id = randomUUID();
        const numbers = (b.phone_numbers ?? []).map((p) => p.phone_number);
        orders.set(id, { numbers, polls: 0, profile: b.messaging_profile_id });
        return json(res, 200, { data: { id, status: 'pending', messaging_profile_id: b.messaging_profile_id, phone_numbers: numbers.map((n) => ({ phone_number: n, status: 'pending' })) } });
      }
      const order = /^\/v2\/number_orders\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && order) {
        const o = orders.get(order[1]!);
        if (!o) return json(res, 404, { errors: [{ code: '10005', title: 'Resource not found' }] });
        o.polls += 1;
        const status = o.polls > fake.orderPolls ? 'success' : 'pending';
        return json(res, 200, { data: { id: order[1], status, messaging_profile_id: o.profile, phone_numbers: o.numbers.map((n) => ({ phone_number: n, status })) } });
      }
      const action = /^\/v2\/calls\/([^/]+)\/actions\/([a-z_]+)$/.exec(path);
      if (req.method === 'POST' && action) return json(res, 200, { data: { result: 'ok' } });
      const assignment = /^\/v2\/10dlc\/phone_number_campaigns\/(.+)$/.exec(path);
      if (req.method === 'GET' && assignment) {
        const number = decodeURIComponent(assignment[1]!);
        const campaignId = fake.campaigns.get(number);
        if (!campaignId) return json(res, 404, { errors: [{ code: '10005', title: 'Resource not found' }] });
        return json(res, 200, { campaignId, phoneNumber: number, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
      }
      const campaign = /^\/v2\/10dlc\/campaign\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && campaign) {
        const status = fake.campaignStatus.get(campaign[1]!);
        if (!status) return json(res, 404, { errors: [{ code: '10005', title: 'Resource not found' }] });
        return json(res, 200, { campaignId: campaign[1], brandId: 'B123', campaignStatus: status });
      }
      return json(res, 404, { errors: [{ code: '10005', title: `No fake for ${req.method} ${path}` }] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeTelnyx = {
    baseURL: `${origin}/v2`,
    publicKey: Buffer.from(raw).toString('base64'),
    apiKey: `KEY${randomUUID().replace(/-/g, '')}`,
    requests,
    sends: () => requests.filter((r) => r.method === 'POST' && r.path === '/v2/messages').map((r) => r.body as never),
    callActions: () =>
      requests.flatMap((r) => {
        const m = r.method === 'POST' ? /^\/v2\/calls\/([^/]+)\/actions\/([a-z_]+)$/.exec(r.path) : null;
        return m ? [{ callControlId: decodeURIComponent(m[1]!), action: m[2]!, body: (r.body ?? {}) as Record<string, unknown> }] : [];
      }),
    sendBehaviour: { kind: 'ok' },
    nextSend: () => new Promise<void>((resolve) => sendWaiters.push(resolve)),
    media: new Map(),
    origin,
    available: new Map(),
    campaigns: new Map(),
    campaignStatus: new Map(),
    orderPolls: 1,
    sign(event, options = {}) {
      const body = JSON.stringify(event);
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const signature = sign(null, Buffer.from(`${timestamp}|${body}`), options.key ?? privateKey).toString('base64');
      return { body, headers: { 'content-type': 'application/json', 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp } };
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** A `message.received` event as Telnyx sends it. */
export function inboundEvent(input: { from: string; to: string; text: string; media?: Array<{ url: string; content_type: string }>; occurredAt?: string; eventId?: string; messageId?: string }) {
  return {
    data: {
      event_type: 'message.received',
      id: input.eventId ?? randomUUID(),
      occurred_at: input.occurredAt ?? new Date().toISOString(),
      payload: {
        id: input.messageId ?? randomUUID(),
        direction: 'inbound',
        type: input.media?.length ? 'MMS' : 'SMS',
        text: input.text,
        from: { phone_number: input.from, carrier: 'T-Mobile', line_type: 'Wireless' },
        to: [{ phone_number: input.to, status: 'webhook_delivered' }],
        media: input.media ?? [],
        record_type: 'message',
      },
      record_type: 'event',
    },
    meta: { attempt: 1, delivered_to: 'https://relay.example/webhooks/telnyx' },
  };
}

/** A `message.sent` or `message.finalized` event for a message the relay sent. */
export function statusEvent(input: { type: 'message.sent' | 'message.finalized'; messageId: string; to: string; status: string; errors?: Array<{ code: string; title: string }>; eventId?: string; from?: string; text?: string }) {
  return {
    data: {
      event_type: input.type,
      id: input.eventId ?? randomUUID(),
      occurred_at: new Date().toISOString(),
      payload: {
        id: input.messageId,
        direction: 'outbound',
        to: [{ phone_number: input.to, status: input.status }],
        errors: input.errors ?? [],
        record_type: 'message',
        // Telnyx's reports carry the sender and the words too (optional here, as older tests send without).
        ...(input.from ? { from: { phone_number: input.from } } : {}),
        ...(input.text !== undefined ? { text: input.text } : {}),
      },
      record_type: 'event',
    },
    meta: { attempt: 1 },
  };
}

export async function postWebhook(relayUrl: string, signed: { body: string; headers: Record<string, string> }): Promise<number> {
  const res = await fetch(`${relayUrl}/webhooks/telnyx`, { method: 'POST', headers: signed.headers, body: signed.body });
  await res.text();
  return res.status;
}
