// Test support for the provider API: a webhook receiver on 127.0.0.1 (can be down, can hang, can
// refuse), and a small world of shops, grants and repairs written the way a desk's push lands.
import http from 'node:http';
import type net from 'node:net';
import type { WriteTx } from '../../src-shared/sync/store.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';

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
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const arrived: ReceivedHook[] = [];
  const sockets = new Set<net.Socket>();
  let hold: ((hook: ReceivedHook) => void) | null = null;
  let status: number | null = null;
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
      received.push(hook);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
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
    close: async () => {
      if (server.listening) await stop();
    },
  };
}

/** Waits until `check` holds (polling), or fails naming what was awaited. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A write by the shop (as its desk's push would land), announced like one. */
export async function shopWrite<T>(storage: RelayStorage, shop: WorkspaceRecord, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
  const store = await storage.workspaceStore(shop.id);
  const out = await store.write({ actor: 'staff:s1', action: 'test' }, fn);
  await storage.announceChanges(shop.id);
  return out;
}

export async function addRepair(
  storage: RelayStorage,
  shop: WorkspaceRecord,
  input: { roNumber: number; insurer: string; claim: string; plate: string },
): Promise<string> {
  return shopWrite(storage, shop, async (tx) => {
    const customerId = await tx.insert('customers', { first_name: 'Maya', last_name: 'Lopez', created_at: '2026-11-20T15:00:00.000Z' });
    const vehicleId = await tx.insert('vehicles', { customer_id: customerId, plate: input.plate, make: 'Honda', model: 'Civic', year: 2019 });
    const roId = await tx.insert('repair_orders', {
      ro_number: input.roNumber,
      customer_id: customerId,
      vehicle_id: vehicleId,
      insurer: input.insurer,
      claim_number: input.claim,
      stage: 'estimate',
      promised_date: '2026-12-10',
      estimate_total_cents: 482_050,
      deductible_cents: 50_000,
      checked_in_at: '2026-11-20T15:00:00.000Z',
      first_notice_at: '2026-11-18T15:00:00.000Z',
    });
    await tx.insert('stage_events', { ro_id: roId, stage: 'estimate', at: '2026-11-20T15:00:00.000Z' });
    return roId;
  });
}

/** The shop grants `provider` (its id or slug) the repairs of these insurers. */
export async function grant(storage: RelayStorage, shop: WorkspaceRecord, provider: string, insurers: string[], share: { amounts?: boolean } = {}): Promise<string> {
  return shopWrite(storage, shop, (tx) =>
    tx.insert('provider_grants', {
      provider_id: provider,
      insurer_names: JSON.stringify(insurers),
      share_photos: 0,
      share_documents: 0,
      share_messages: 0,
      share_amounts: share.amounts ? 1 : 0,
      granted_at: '2026-11-01T00:00:00.000Z',
      granted_by: 's1',
    }),
  );
}

export async function revokeGrant(storage: RelayStorage, shop: WorkspaceRecord, grantId: string): Promise<void> {
  await shopWrite(storage, shop, (tx) => tx.update('provider_grants', grantId, { revoked_at: new Date().toISOString() }));
}

/** The shop moves a repair to a stage (the row the desk writes, and the RO's current stage). */
export async function moveStage(storage: RelayStorage, shop: WorkspaceRecord, roId: string, stage: string, at = new Date().toISOString()): Promise<void> {
  await shopWrite(storage, shop, async (tx) => {
    await tx.insert('stage_events', { ro_id: roId, stage, at });
    await tx.update('repair_orders', roId, { stage });
  });
}
