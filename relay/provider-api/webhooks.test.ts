// Signed webhooks to a work provider on both engines, through the real relay over real HTTP to a
// receiver on 127.0.0.1: the five kinds of event signed (checked with an HMAC computed here), only
// for repairs the provider may see, nothing after revocation; a receiver down for 100 events gets
// all 100 once, in order per repair; a relay killed mid-delivery loses nothing and what comes
// twice carries the same id; several relays on one PostgreSQL create each event once.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import { ProviderAccess } from '../providers/access.js';
import { ProviderIndex } from '../providers/provider-index.js';
import type { WorkProvider } from '../providers/records.js';
import { startRelay, type RunningRelay } from '../server.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage, WorkspaceRecord } from '../storage/types.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { freePort, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { addRepair, grant, moveStage, type ReceivedHook, revokeGrant, shopWrite, startWebhookReceiver, until, type WebhookReceiver } from './testing.js';
import { ProviderWebhooks } from './webhooks.js';

const KEY_HEX = randomBytes(32).toString('hex');
const vault = () => new TokenVault(parseTokenKey(KEY_HEX));
const STAGE_ORDER = ['teardown', 'supplement-sent', 'supplement-approved', 'repair-started', 'completed', 'delivered', 'teardown', 'repair-started', 'completed'];

const folders: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.splice(0).map((d) => d.drop()));
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function newLocation(engine: 'sqlite' | 'postgres'): Promise<string> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-webhooks-'));
    folders.push(dir);
    return dir;
  }
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}
const open = (engine: 'sqlite' | 'postgres', location: string) => (engine === 'sqlite' ? openSqliteStorage(location) : openPostgresStorage(location));

/** The receiver's own check, with node:crypto only (not the relay's code). */
function signedBy(secret: string, hook: ReceivedHook): boolean {
  const header = String(hook.headers['bayline-signature'] ?? '');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  return createHmac('sha256', secret).update(`${m[1]}.${hook.raw}`).digest('hex') === m[2];
}

function inOrderPerRepair(hooks: ReceivedHook[]): boolean {
  const last = new Map<string, number>();
  for (const h of hooks) {
    const k = h.body.repair.roId;
    if ((last.get(k) ?? -1) >= h.body.sequence) return false;
    last.set(k, h.body.sequence);
  }
  return true;
}

describe.each(['sqlite', 'postgres'] as const)('provider webhooks on %s', (engine) => {
  let storage: RelayStorage;
  let relay: RunningRelay;
  let harbor: WorkProvider;
  let summit: WorkProvider;
  let granting: WorkspaceRecord;
  let other: WorkspaceRecord;
  let silent: WorkspaceRecord;
  let receiver: WebhookReceiver;
  let summitReceiver: WebhookReceiver;

  beforeEach(async () => {
    storage = await open(engine, await newLocation(engine));
    // Retries every 0.1–0.4 s here (an hour apart at most in service), so no giving up while the receiver is down.
    relay = await startRelay({ storage, port: 0, logger: false, providerApi: { webhooks: { vault: vault(), pollMs: 100, retryBaseMs: 100, retryMaxMs: 400, maxAttempts: 10_000, leaseMs: 5_000 } } });
    const now = new Date().toISOString();
    harbor = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now });
    summit = await storage.providers.createProvider({ id: randomUUID(), slug: 'summit-insurance', name: 'Summit Insurance', now });
    granting = await storage.createWorkspace({ slug: 'eastside', name: 'Eastside Collision' });
    other = await storage.createWorkspace({ slug: 'northgate', name: 'Northgate Body' });
    silent = await storage.createWorkspace({ slug: 'westend', name: 'Westend Auto Body' });
    receiver = await startWebhookReceiver();
    summitReceiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await relay.close();
    await storage.close();
    await receiver.close();
    await summitReceiver.close();
  });

  it('signs each kind of event for the provider\'s own repairs only, and sends nothing more once the shop revokes its grant', async () => {
    const { secret } = await relay.webhooks.addEndpoint({ providerId: harbor.id, url: receiver.url, createdBy: 'test' });
    const summitHook = await relay.webhooks.addEndpoint({ providerId: summit.id, url: summitReceiver.url, createdBy: 'test' });
    const grantId = await grant(storage, granting, harbor.id, ['Harbor Mutual']);
    await grant(storage, granting, summit.id, ['Summit Insurance']);
    await grant(storage, other, harbor.id, ['Harbor Mutual']);
    const mine = await addRepair(storage, granting, { roNumber: 1001, insurer: 'Harbor Mutual', claim: 'HM-1', plate: '7ABC123' });
    const summits = await addRepair(storage, granting, { roNumber: 1002, insurer: 'Summit Insurance', claim: 'SI-1', plate: '8XYZ999' });
    const elsewhere = await addRepair(storage, other, { roNumber: 2001, insurer: 'Harbor Mutual', claim: 'HM-2', plate: '1AAA111' });
    const ungranted = await addRepair(storage, silent, { roNumber: 3001, insurer: 'Harbor Mutual', claim: 'HM-3', plate: '2BBB222' });

    await moveStage(storage, granting, mine, 'teardown');
    await shopWrite(storage, granting, async (tx) => {
      await tx.insert('promised_date_changes', { ro_id: mine, from_date: '2026-12-10', to_date: '2026-12-14', reason: 'Parts back-ordered', at: new Date().toISOString() });
      await tx.update('repair_orders', mine, { promised_date: '2026-12-14' });
    });
    const exceptionId = await shopWrite(storage, granting, (tx) => tx.insert('ro_exceptions', { ro_id: mine, tag: '#partsdelay', reason: 'parts-delay', opened_at: new Date().toISOString() }));
    await shopWrite(storage, granting, (tx) => tx.update('ro_exceptions', exceptionId, { resolved_at: new Date().toISOString() }));
    await moveStage(storage, granting, mine, 'delivered');
    await shopWrite(storage, granting, (tx) => tx.update('repair_orders', mine, { closed_at: new Date().toISOString() }));
    await moveStage(storage, granting, summits, 'teardown');
    await moveStage(storage, silent, ungranted, 'teardown');

    const typesOf = (roId: string) => receiver.received.filter((h) => h.body.repair.roId === roId).map((h) => h.body.type);
    await until('every event of the provider\'s repair arrived', () => typesOf(mine).includes('repair.delivered'));
    expect(typesOf(mine)).toEqual([
      'repair.stage-changed',
      'repair.stage-changed',
      'repair.promised-date-revised',
      'repair.exception-opened',
      'repair.exception-closed',
      'repair.stage-changed',
      'repair.delivered',
    ]);
    const revised = receiver.received.find((h) => h.body.type === 'repair.promised-date-revised')!;
    expect(revised.body.data).toEqual({ from: '2026-12-10', to: '2026-12-14', reason: 'Parts back-ordered' });
    expect(revised.body.repair).toEqual({ shopId: granting.id, roId: mine, roNumber: 1001, claimNumber: 'HM-1' });
    for (const hook of receiver.received) {
      expect(signedBy(secret, hook)).toBe(true);
      expect(hook.headers['bayline-event-id']).toBe(hook.body.id);
      // Someone else's secret, or one byte changed, does not verify.
      expect(signedBy(summitHook.secret, hook)).toBe(false);
      expect(signedBy(secret, { ...hook, raw: hook.raw.replace('"repair', ' "repair') })).toBe(false);
    }
    await until('Summit got its own repair', () => summitReceiver.received.some((h) => h.body.repair.roId === summits));
    expect(summitReceiver.received.every((h) => h.body.repair.roId === summits && signedBy(summitHook.secret, h))).toBe(true);
    expect(receiver.received.some((h) => h.body.repair.roId === summits || h.body.repair.roId === ungranted)).toBe(false);

    // Revoked: the next change of that shop's repair is not sent; another shop's still is.
    const before = typesOf(mine).length;
    await revokeGrant(storage, granting, grantId);
    await moveStage(storage, granting, mine, 'completed');
    await moveStage(storage, other, elsewhere, 'teardown');
    await until('the other shop\'s change arrived', () => typesOf(elsewhere).length === 2);
    await relay.providers.index.idle();
    await relay.webhooks.idle();
    expect(typesOf(mine)).toHaveLength(before);
    const log = await storage.providerApi.deliveryLog(harbor.id);
    expect(log.every((d) => d.status === 'delivered')).toBe(true);
    expect(log.filter((d) => d.roId === mine)).toHaveLength(before);
  }, 60_000);

  it('a receiver down for 100 events gets all 100 once it is back, once each, in order per repair', async () => {
    const { secret } = await relay.webhooks.addEndpoint({ providerId: harbor.id, url: receiver.url, createdBy: 'test' });
    await grant(storage, granting, harbor.id, ['Harbor Mutual']);
    await receiver.down();
    const repairs: string[] = [];
    for (let i = 0; i < 10; i++) repairs.push(await addRepair(storage, granting, { roNumber: 1001 + i, insurer: 'Harbor Mutual', claim: `HM-${i}`, plate: `7ABC10${i}` }));
    // Moves interleaved across repairs, as a busy shop makes them.
    for (const stage of STAGE_ORDER) for (const roId of repairs) await moveStage(storage, granting, roId, stage);
    await until('100 events in the outbox', async () => (await storage.providerApi.countEvents(harbor.id)) === 100);
    await until('the relay tried and failed', async () => (await storage.providerApi.deliveryLog(harbor.id, { limit: 1000 })).filter((d) => d.attempts >= 2).length >= 10);
    expect(receiver.received).toHaveLength(0);

    await receiver.up();
    await until('all 100 arrived', () => receiver.received.length >= 100, 60_000);
    await new Promise((r) => setTimeout(r, 600)); // a few more polls: nothing comes twice
    expect(receiver.received).toHaveLength(100);
    expect(new Set(receiver.received.map((h) => h.body.id)).size).toBe(100);
    expect(inOrderPerRepair(receiver.received)).toBe(true);
    for (const roId of repairs) {
      const stages = receiver.received.filter((h) => h.body.repair.roId === roId).map((h) => h.body.data.stage);
      expect(stages).toEqual(['estimate', ...STAGE_ORDER]);
    }
    expect(receiver.received.every((h) => signedBy(secret, h))).toBe(true);
    const log = await storage.providerApi.deliveryLog(harbor.id, { limit: 1000 });
    expect(log.filter((d) => d.status === 'delivered')).toHaveLength(100);
    const head = log.find((d) => d.attempts >= 2)!;
    const attempts = await storage.providerApi.attemptsOf(head.endpointId, head.eventId);
    expect(attempts[0]!.error).toMatch(/Could not reach the endpoint/);
    expect(attempts.at(-1)!.statusCode).toBe(200);
  }, 120_000);
});

describe.each(['sqlite', 'postgres'] as const)('provider webhooks when a relay is killed mid-delivery on %s', (engine) => {
  const relays: RelayProcess[] = [];
  let receiver: WebhookReceiver;
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.kill()));
    await receiver?.close();
  });

  it('loses no event, sends what was cut again with the same id, and creates each event once with several relays on one database', async () => {
    const location = await newLocation(engine);
    receiver = await startWebhookReceiver();
    let storage = await open(engine, location);
    const harbor = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now: new Date().toISOString() });
    const shop = await storage.createWorkspace({ slug: 'eastside', name: 'Eastside Collision' });
    const setup = new ProviderWebhooks(storage, new ProviderAccess(storage), new ProviderIndex(storage), console, { vault: vault() });
    const { secret } = await setup.addEndpoint({ providerId: harbor.id, url: receiver.url, createdBy: 'test' });
    await grant(storage, shop, harbor.id, ['Harbor Mutual']);
    const repairs: string[] = [];
    for (let i = 0; i < 3; i++) repairs.push(await addRepair(storage, shop, { roNumber: 1001 + i, insurer: 'Harbor Mutual', claim: `HM-${i}`, plate: `7ABC10${i}` }));
    for (const stage of STAGE_ORDER.slice(0, 4)) for (const roId of repairs) await moveStage(storage, shop, roId, stage);
    await storage.close();

    const env = {
      BAYLINE_WEBHOOK_KEY: KEY_HEX,
      BAYLINE_WEBHOOK_POLL_MS: '100',
      BAYLINE_WEBHOOK_LEASE_MS: '1500',
      BAYLINE_WEBHOOK_RETRY_BASE_MS: '100',
      BAYLINE_WEBHOOK_RETRY_MAX_MS: '400',
      BAYLINE_WEBHOOK_TIMEOUT_MS: '120000',
    };
    const held = receiver.holdNext();
    const first = await spawnRelay(location, await freePort(), { env });
    relays.push(first);
    const cut = await held; // the relay is waiting for this answer…
    await first.kill(); // …and dies.

    // One relay again (SQLite), or two sharing the database (PostgreSQL) while the shop keeps working.
    const next = [await spawnRelay(location, await freePort(), { env })];
    if (engine === 'postgres') next.push(await spawnRelay(location, await freePort(), { env }));
    relays.push(...next);
    let expected = 3 * 5;
    if (engine === 'postgres') {
      storage = await open(engine, location);
      for (const roId of repairs) await moveStage(storage, shop, roId, 'completed');
      await storage.close();
      expected += 3;
    }
    storage = await open(engine, location);
    try {
      await until('every event delivered', async () => new Set(receiver.received.map((h) => h.body.id)).size === expected, 60_000);
      expect(await storage.providerApi.countEvents(harbor.id)).toBe(expected);
      // The cut delivery came again, with the same id and body.
      const again = receiver.received.filter((h) => h.body.id === cut.body.id);
      expect(again.length).toBeGreaterThanOrEqual(1);
      expect(again[0]!.raw).toBe(cut.raw);
      // Whatever came twice is the same event (same id, same body); nothing lost, each repair in order.
      const byId = new Map<string, string>();
      for (const h of receiver.arrived) {
        if (byId.has(h.body.id)) expect(h.raw).toBe(byId.get(h.body.id));
        byId.set(h.body.id, h.raw);
      }
      expect(receiver.received.every((h) => signedBy(secret, h))).toBe(true);
      const firstArrivals = receiver.received.filter((h, i) => receiver.received.findIndex((x) => x.body.id === h.body.id) === i);
      expect(inOrderPerRepair(firstArrivals)).toBe(true);
      await until('the log shows every delivery done', async () => (await storage.providerApi.deliveryLog(harbor.id, { limit: 1000 })).every((d) => d.status === 'delivered'));
    } finally {
      await storage.close();
    }
  }, 120_000);
});
