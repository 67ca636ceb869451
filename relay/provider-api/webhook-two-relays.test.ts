// Two relay processes on one PostgreSQL share webhook deliveries through the job queue (relay/jobs,
// pg-boss): 100 deliveries (10 events to each of 10 endpoints), one relay killed with SIGKILL
// halfway. A relay works 4 endpoints at a time, so the second relay takes endpoints the first has
// not got to, and the first's when it is dead. Every delivery must reach its endpoint, each repair's events in order; the only ones
// that may come twice are those the dead relay had on the wire (same id and body, as the receiver
// de-duplicates by id), and nothing is left in the queue.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import { ProviderAccess } from '../providers/access.js';
import { ProviderIndex } from '../providers/provider-index.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { createTestDatabase } from '../testing/postgres.js';
import { freePort, type RelayProcess, RELAY_START_MS, spawnRelay } from '../testing/relay-process.js';
import { addRepair, grant, moveStage, startWebhookReceiver, until, type WebhookReceiver } from './testing.js';
import { DELIVER_QUEUE, ProviderWebhooks } from './webhooks.js';

const KEY_HEX = randomBytes(32).toString('hex');
const ENDPOINTS = 10;
const REPAIRS = 2;
const STAGES = ['teardown', 'supplement-sent', 'repair-started', 'completed'];
const EVENTS = REPAIRS * (1 + STAGES.length); // the check-in, then each move
const TOTAL = EVENTS * ENDPOINTS;

describe('provider webhooks with two relays on one PostgreSQL', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  });

  it(`${TOTAL} deliveries reach their endpoints once each while one relay is killed with SIGKILL halfway`, { timeout: 2 * RELAY_START_MS + 300_000 }, async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const receivers: WebhookReceiver[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const r = await startWebhookReceiver();
      cleanups.push(() => r.close());
      // Slow receivers while the second relay starts (however long the machine takes to start it,
      // the first relay alone cannot finish: 100 × 6 s / 4 at a time = 150 s > RELAY_START_MS);
      // quicker once both run, so the kill lands mid-way.
      r.answerAfter(6000);
      receivers.push(r);
    }

    // The outbox filled while no relay runs: a shop's day of moves for a provider with 4 endpoints.
    const storage = await openPostgresStorage(database.url);
    cleanups.push(() => storage.close());
    const harbor = await storage.providers.createProvider({ id: randomUUID(), slug: 'harbor-mutual', name: 'Harbor Mutual', now: new Date().toISOString() });
    const shop = await storage.createWorkspace({ slug: 'eastside', name: 'Eastside Collision' });
    const setup = new ProviderWebhooks(storage, new ProviderAccess(storage), new ProviderIndex(storage), console, { vault: new TokenVault(parseTokenKey(KEY_HEX)) });
    for (const r of receivers) await setup.addEndpoint({ providerId: harbor.id, url: r.url, createdBy: 'test' });
    await grant(storage, shop, harbor.id, ['Harbor Mutual']);
    const repairs: string[] = [];
    for (let i = 0; i < REPAIRS; i++) repairs.push(await addRepair(storage, shop, { roNumber: 2001 + i, insurer: 'Harbor Mutual', claim: `HM-${i}`, plate: `8DEF20${i}` }));
    for (const stage of STAGES) for (const roId of repairs) await moveStage(storage, shop, roId, stage);

    const env = {
      BAYLINE_WEBHOOK_KEY: KEY_HEX,
      BAYLINE_WEBHOOK_POLL_MS: '200',
      BAYLINE_WEBHOOK_LEASE_MS: '2000',
      BAYLINE_WEBHOOK_RETRY_BASE_MS: '100',
      BAYLINE_WEBHOOK_RETRY_MAX_MS: '400',
      BAYLINE_WEBHOOK_TIMEOUT_MS: '10000',
      BAYLINE_JOBS_MAINTENANCE_SECONDS: '2',
    };
    const received = () => receivers.reduce((n, r) => n + r.received.length, 0);
    // Which processes hold endpoint leases (each relay process has an owner id of its own).
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    cleanups.push(() => client.end());
    const owners = new Set<string>();
    const noteOwners = async () => {
      for (const r of (await client.query<{ o: string }>('SELECT lease_owner AS o FROM provider_webhook_endpoints WHERE lease_owner IS NOT NULL')).rows) owners.add(r.o);
    };

    // The first relay takes what it can work at once (4 endpoints); the rest waits in the queue.
    const doomed = await spawnRelay(database.url, await freePort(), { env });
    cleanups.push(() => doomed.kill());
    await until('the first relay to work 4 endpoints', async () => (await noteOwners(), owners.size === 1) && (await client.query('SELECT 1 FROM provider_webhook_endpoints WHERE lease_owner IS NOT NULL')).rowCount === 4, RELAY_START_MS);
    const doomedOwner = [...owners][0]!;
    const survivor = await spawnRelay(database.url, await freePort(), { env });
    cleanups.push(() => survivor.kill());
    for (const r of receivers) r.answerAfter(1500);
    await until(
      'half of the deliveries answered, with both relays at work',
      async () => {
        await noteOwners();
        return received() >= TOTAL / 2 && owners.size >= 2;
      },
      120_000,
    );
    await doomed.kill();
    const atKill = received();
    const arrivedBeforeKill = receivers.map((r) => new Set(r.arrived.map((h) => h.body.id)));
    expect(atKill).toBeLessThan(TOTAL);

    await until('every delivery answered', async () => (await noteOwners(), receivers.every((r) => new Set(r.received.map((h) => h.body.id)).size === EVENTS)), 120_000);
    await until('the outbox shows every delivery done', async () => (await storage.providerApi.deliveryLog(harbor.id, { limit: 1000 })).filter((d) => d.status === 'delivered').length === TOTAL, 30_000);

    let twice = 0;
    for (const [i, r] of receivers.entries()) {
      const byId = new Map<string, string>();
      for (const h of r.arrived) {
        if (byId.has(h.body.id)) {
          // Sent again: the same event, and one the dead relay had on the wire when it died.
          expect(h.raw).toBe(byId.get(h.body.id));
          expect(arrivedBeforeKill[i]!.has(h.body.id)).toBe(true);
          twice += 1;
        }
        byId.set(h.body.id, h.raw);
      }
      // Each repair's events in the shop's order (first arrivals).
      const first = r.received.filter((h, k) => r.received.findIndex((x) => x.body.id === h.body.id) === k);
      for (const roId of repairs) {
        const seqs = first.filter((h) => h.body.repair.roId === roId).map((h) => h.body.sequence);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(seqs).toHaveLength(1 + STAGES.length);
      }
    }
    // At most what the dead relay could have had on the wire: its 4 endpoints, each repair's next event.
    expect(twice).toBeLessThanOrEqual(4 * REPAIRS);
    // Both processes delivered; the work went through the queue and nothing is left in it.
    expect(owners.has(doomedOwner)).toBe(true);
    expect(owners.size).toBe(2);
    await until(
      'the job queue to be empty',
      async () => {
        const c = await storage.jobs.counts(DELIVER_QUEUE);
        return !c.created && !c.retry && !c.active && (c.completed ?? 0) > 0;
      },
      90_000,
    );
    console.log(`two relays, SIGKILL after ${atKill} of ${TOTAL} deliveries answered: ${receivers.reduce((n, r) => n + r.arrived.length, 0)} requests in all, ${twice} sent again (on the wire at the kill)`);
  });
});
