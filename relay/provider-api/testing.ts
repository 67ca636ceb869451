// Test support for the provider API: a webhook receiver on 127.0.0.1 (can be down, can hang, can
// refuse). The small world of shops, grants and repairs is the work providers' kit
// (relay/providers/testing.ts), re-exported here.
import http from 'node:http';
import type net from 'node:net';
export { addRepair, grant, moveStage, revokeGrant, shopWrite, TestEngines, until } from '../providers/testing.js';

export interface ReceivedHook {
  headers: http.IncomingHttpHeaders;
  /** The body exactly as it arrived (what the signature covers). */
  raw: string;
  body: { id: string; type: string; sequence: number; repair: { shopId: string; roId: string; roNumber: number | null; claimNumber: string | null }; data: Record<string, string | null> };
}

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Every request answered 2xx, in arrival order. */
  received: ReceivedHook[];
  /** Every request that arrived, answered or not. */
  arrived: ReceivedHook[];
  /** Stops listening (the relay gets connection refused) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** The next request that arrives is held open, never answered; resolves when it arrived. */
  holdNext(): Promise<ReceivedHook>;
  /** Answers every request with this status instead of 200 (null: back to 200). */
  answerWith(status: number | null): void;
  /** Waits this long before each answer (0: at once), as a busy receiver does. */
  answerAfter(ms: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const arrived: ReceivedHook[] = [];
  const sockets = new Set<net.Socket>();
  let hold: ((hook: ReceivedHook) => void) | null = null;
  let status: number | null = null;
  let delayMs = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: ReceivedHook['body'];
      try {
        body = JSON.parse(raw) as ReceivedHook['body'];
      } catch {
        res.writeHead(400).end();
        return;
      }
      const hook = { headers: req.headers, raw, body };
      arrived.push(hook);
      if (hold) {
        const h = hold;
        hold = null;
        h(hook);
        return; // never answered
      }
      if (status !== null) {
        res.writeHead(status).end();
        return;
      }
      const answer = () => {
        received.push(hook);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return {
    url: `http://127.0.0.1:${port}/hooks/bayline`,
    port,
    received,
    arrived,
    down: stop,
    up: () => listen(port),
    holdNext: () => new Promise<ReceivedHook>((resolve) => (hold = resolve)),
    answerWith: (s) => void (status = s),
    answerAfter: (ms) => void (delayMs = ms),
    close: async () => {
      if (server.listening) await stop();
    },
  };
}

/** Waits until `check` holds (polling), or fails naming what was awaited. */
