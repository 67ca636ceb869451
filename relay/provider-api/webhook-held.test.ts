// A webhook given up on holds its repair's later events back (on both engines): the provider's
// systems never get a repair's events out of order, other repairs keep flowing meanwhile, and the
// admin's retry sends the failed one and then the held ones, in order.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import type { WorkProvider } from '../providers/records.js';
import { startRelay, type RunningRelay } from '../server.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { addRepair, grant, moveStage, startWebhookReceiver, until, type WebhookReceiver } from './testing.js';

const vault = () => new TokenVault(parseTokenKey(randomBytes(32).toString('hex')));
const folders: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.splice(0).map((d) => d.drop()));
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openStorage(engine: 'sqlite' | 'postgres'): Promise<RelayStorage> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-webhook-held-'));
    folders.push(dir);
    return openSqliteStorage(dir);
  }
  const db = await createTestDatabase();
  databases.push(db);
  return openPostgresStorage(db.url);
}

describe.each(['sqlite', 'postgres'] as const)('a webhook given up on, on %s', (engine) => {
  let storage: RelayStorage;
  let relay: RunningRelay;
  let harbor: WorkProvider;
  let shop: WorkspaceRecord;
  let receiver: WebhookReceiver;

  beforeEach(async () => {
    storage = await openStorage(engine);
    // Two tries, 50–100 ms apart, then given up on (about three days of tries in service).
    relay = await startRelay({ storage, port: 0, logger: false, providerApi: { webhooks: { vault: vault(), pollMs: 100, retryBaseMs: 100, retryMaxMs: 100, maxAttempts: 2, leaseMs: 5_000 } } });
    harbor = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now: new Date().toISOString() });
    shop = await storage.createWorkspace({ slug: 'eastside', name: 'Eastside Collision' });
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await relay.close();
    await storage.close();
    await receiver.close();
  });

  it('holds the rest of that repair until the admin retries it, while other repairs go on', async () => {
    const { endpoint } = await relay.webhooks.addEndpoint({ providerId: harbor.id, url: receiver.url, createdBy: 'test' });
    await grant(storage, shop, harbor.id, ['Harbor Mutual']);
    const stuck = await addRepair(storage, shop, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: '7ABC123' });
    const flowing = await addRepair(storage, shop, { roNumber: 1002, insurer: 'Harbor Mutual', claim: 'HM-2', plate: '8XYZ999' });
    const log = () => storage.providerApi.deliveryLog(harbor.id);
    // Each check-in is an event of its own, delivered while the receiver is well.
    await until('both check-ins arrived', () => new Set(receiver.received.map((h) => h.body.repair.roId)).size === 2);
    const before = receiver.received.length;

    receiver.answerWith(500);
    await moveStage(storage, shop, stuck, 'teardown');
        await until('the stage change was given up on', async () => (await log()).some((d) => d.roId === stuck && d.status === 'failed'));
    const failed = (await log()).find((d) => d.roId === stuck && d.status === 'failed')!;
    expect(failed.attempts).toBe(2);

    // The receiver is fine again: the stuck repair's next event waits; the other repair's goes.
    receiver.answerWith(null);
    await moveStage(storage, shop, stuck, 'repair-started');
    await moveStage(storage, shop, flowing, 'teardown');
    await until('the other repair\'s event arrived', () => receiver.received.slice(before).some((h) => h.body.repair.roId === flowing));
    await relay.webhooks.idle();
    expect(receiver.arrived.filter((h) => h.body.repair.roId === stuck && JSON.stringify(h.body.data).includes('repair-started'))).toHaveLength(0);
    const waiting = (await log()).find((d) => d.roId === stuck && d.status === 'pending');
    expect(waiting?.attempts).toBe(0);

    // The admin retries the failed one: it goes, then the held one, in the shop's order.
    expect(await storage.providerApi.retryDelivery(harbor.id, endpoint.id, failed.eventId, new Date().toISOString())).toBe(true);
    relay.webhooks.wake();
    const stuckHooks = () => receiver.received.slice(before).filter((h) => h.body.repair.roId === stuck);
    await until('the stuck repair\'s two events arrived', () => stuckHooks().length === 2);
    const [first, second] = stuckHooks();
    expect(first!.body.id).toBe(failed.eventId);
    expect(JSON.stringify(first!.body.data)).toContain('teardown');
    expect(JSON.stringify(second!.body.data)).toContain('repair-started');
    expect(first!.body.sequence).toBeLessThan(second!.body.sequence);
  });
});
