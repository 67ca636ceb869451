// The demo phone: texting without a Telnyx account, for the demo shop that `npm start` makes.
// It is the fake Telnyx (fake-telnyx.ts) on 127.0.0.1 plus what a customer's phone would do:
// every text the relay sends is kept as received by that number and reported delivered with
// signed webhooks, as Telnyx would; a page at /phone shows each number's texts, and what is
// typed there goes to the relay as a signed inbound webhook, exactly like a customer's reply
// (STOP and START included). No text reaches a real phone: nothing here talks to Telnyx.
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { normalizePhone } from '../../../src-shared/phone.js';
import type { RelayStorage } from '../../storage/types.js';
import { hideSecrets, type TelnyxConfig, telnyxClient } from '../config.js';
import { provisionNumber } from '../numbers.js';
import { type FakeTelnyx, inboundEvent, postWebhook, startFakeTelnyx, statusEvent } from './fake-telnyx.js';
import { placeCall } from './fake-voice.js';
import { DEMO_PHONE_PAGE } from './page.js';

/** The demo shop's texting number (fictional: 555-01xx numbers are reserved for fiction). */
export const DEMO_TEXTING_NUMBER = '+15125550199';
const PROFILE = 'demo-messaging-profile';
const MAX_TEXTS = 5000;

export interface PhoneText {
  id: string;
  /** The customer's number: whose phone this is. */
  phone: string;
  /** The shop's number on the other end. */
  shop: string;
  /** 'in': the phone received it from the shop; 'out': typed on the demo phone page. */
  direction: 'in' | 'out';
  text: string;
  at: string;
}

export interface DemoPhone {
  /** The page showing each number's texts (http://127.0.0.1:PORT/phone). */
  url: string;
  /** What the relay uses as its Telnyx settings. */
  telnyx: TelnyxConfig;
  fake: FakeTelnyx;
  texts(): PhoneText[];
  /** Where delivery reports and replies go; until it is set, replies are refused. */
  connect(relayUrl: string): void;
  /** Texts the phones had before this phone started (the demo shop's past month), oldest first. */
  remember(past: PhoneText[]): void;
  /** Orders the demo number on the fake Telnyx and gives it to the workspace, as `relay number provision` does. */
  provision(storage: RelayStorage, workspaceId: string): Promise<void>;
  close(): Promise<void>;
}

export interface DemoPhoneOptions {
  /** Keeps the phone's texts across restarts (a JSON file). */
  stateFile?: string;
  /** The customer's name for a number, for the page's list (the desk knows it). */
  nameOf?: (phone: string) => Promise<string | null>;
  /** Delay before the delivery reports (ms). */
  reportAfterMs?: number;
}

export async function startDemoPhone(options: DemoPhoneOptions = {}): Promise<DemoPhone> {
  const texts: PhoneText[] = loadState(options.stateFile);
  let relayUrl: string | null = null;
  const timers = new Set<NodeJS.Timeout>();
  const save = () => {
    if (!options.stateFile) return;
    if (texts.length > MAX_TEXTS) texts.splice(0, texts.length - MAX_TEXTS);
    fs.mkdirSync(path.dirname(options.stateFile), { recursive: true });
    fs.writeFileSync(`${options.stateFile}.tmp`, JSON.stringify({ texts }, null, 1));
    fs.renameSync(`${options.stateFile}.tmp`, options.stateFile);
  };
  if (options.stateFile && !fs.existsSync(options.stateFile)) save();
  const later = (ms: number, fn: () => Promise<unknown>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn().catch((err: unknown) => console.warn(`Demo phone: a delivery report did not reach the relay (${(err as Error).message}).`));
    }, ms);
    timers.add(t);
  };

  const fake: FakeTelnyx = await startFakeTelnyx({
    onSend(sent, id) {
      const phone = normalizePhone(sent.to) ?? sent.to;
      texts.push({ id, phone, shop: sent.from, direction: 'in', text: sent.text, at: new Date().toISOString() });
      save();
      // The carrier takes it, then the phone has it: the two reports Telnyx sends.
      const after = options.reportAfterMs ?? 300;
      const report = (type: 'message.sent' | 'message.finalized', status: string) => async () => {
        if (relayUrl) await postWebhook(relayUrl, fake.sign(statusEvent({ type, messageId: id, to: phone, status })));
      };
      later(after, report('message.sent', 'sent'));
      later(after * 3, report('message.finalized', 'delivered'));
    },
    handle(req, res, url, body) {
      if (url.pathname !== '/phone' && !url.pathname.startsWith('/phone/')) return false;
      // Only as 127.0.0.1 (a page on another name resolving here must not read the customers' texts).
      if (req.headers.host !== new URL(fake.origin).host) {
        answer(res, 421, { error: 'Open the demo phone at the address npm start printed.' });
        return true;
      }
      void page(req, res, url, body).catch((err: unknown) => answer(res, 500, { error: `The demo phone failed: ${(err as Error).message}` }));
      return true;
    },
  });
  fake.orderPolls = 0;
  fake.campaigns.set(DEMO_TEXTING_NUMBER, 'CDEMO01');
  fake.campaignStatus.set('CDEMO01', 'MNO_PROVISIONED');

  async function page(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: string): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/phone') {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      });
      res.end(DEMO_PHONE_PAGE);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/phone/texts') {
      const numbers = [...new Set(texts.map((t) => t.phone))];
      const names = new Map(await Promise.all(numbers.map(async (n) => [n, (await options.nameOf?.(n).catch(() => null)) ?? null] as const)));
      answer(res, 200, { connected: relayUrl !== null, phones: numbers.map((n) => ({ phone: n, name: names.get(n) ?? null, texts: texts.filter((t) => t.phone === n) })) });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/phone/reply') {
      // Only this page may post here (a JSON body cannot come from another site's form).
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return answer(res, 415, { error: 'Send the reply as JSON.' });
      let input: { phone?: unknown; text?: unknown };
      try {
        input = JSON.parse(body) as typeof input;
      } catch {
        return answer(res, 400, { error: 'That reply could not be read.' });
      }
      const phone = typeof input.phone === 'string' ? normalizePhone(input.phone) : null;
      const text = typeof input.text === 'string' ? input.text.trim() : '';
      if (!phone) return answer(res, 400, { error: 'Pick a phone first.' });
      if (text === '' || text.length > 1600) return answer(res, 400, { error: 'Write a text of 1 to 1600 characters.' });
      if (!relayUrl) return answer(res, 503, { error: 'The relay is not running yet; try again in a moment.' });
      const shop = texts.findLast((t) => t.phone === phone)?.shop ?? DEMO_TEXTING_NUMBER;
      const messageId = randomUUID();
      const status = await postWebhook(relayUrl, fake.sign(inboundEvent({ from: phone, to: shop, text, messageId })));
      if (status !== 200) return answer(res, 502, { error: `The relay did not take the text (it answered ${status}).` });
      texts.push({ id: messageId, phone, shop, direction: 'out', text, at: new Date().toISOString() });
      save();
      return answer(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/phone/call') {
      // A call from this phone to the shop's number, played as Telnyx Call Control would (fake-voice.ts).
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return answer(res, 415, { error: 'Send the call as JSON.' });
      let input: { phone?: unknown; answered?: unknown };
      try {
        input = JSON.parse(body) as typeof input;
      } catch {
        return answer(res, 400, { error: 'That call could not be read.' });
      }
      const phone = typeof input.phone === 'string' ? normalizePhone(input.phone) : null;
      if (!phone) return answer(res, 400, { error: 'Pick a phone first.' });
      if (!relayUrl) return answer(res, 503, { error: 'The relay is not running yet; try again in a moment.' });
      const shop = texts.findLast((t) => t.phone === phone)?.shop ?? DEMO_TEXTING_NUMBER;
      const played = await placeCall(fake, { relayUrl, from: phone, to: shop, answeredBy: input.answered === false ? 'nobody' : 'shop', ringSeconds: 7, talkSeconds: 95 });
      if (played.statuses.some((s) => s !== 200)) return answer(res, 502, { error: `The relay did not take the call (it answered ${played.statuses.join(', ')}).` });
      return answer(res, 200, { ok: true, forwardedTo: played.forwardedTo, answered: input.answered !== false && played.forwardedTo !== null });
    }
    answer(res, 404, { error: 'Nothing here.' });
  }

  const telnyx = hideSecrets({ apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: PROFILE, timeoutMs: 5000 });
  return {
    url: `${fake.origin}/phone`,
    telnyx,
    fake,
    texts: () => [...texts],
    connect(url) {
      relayUrl = url;
    },
    remember(past) {
      texts.unshift(...[...past].sort((a, b) => a.at.localeCompare(b.at)));
      save();
    },
    async provision(storage, workspaceId) {
      await provisionNumber(await telnyxClient(telnyx), storage, { workspaceId, phoneNumber: DEMO_TEXTING_NUMBER, messagingProfileId: PROFILE, pollMs: 20 });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      await fake.close();
    },
  };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function loadState(file: string | undefined): PhoneText[] {
  if (!file || !fs.existsSync(file)) return [];
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { texts?: PhoneText[] };
    return Array.isArray(parsed.texts) ? parsed.texts : [];
  } catch {
    return [];
  }
}
