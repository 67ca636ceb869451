// The relay is the authority on capacity, also with several relays on one PostgreSQL: two relay
// processes (relay/cli.ts serve) behind an imagined load balancer get 50 booking requests for the
// same 3 places at once, half each; exactly 3 are stored. And two relays on one database looking
// for decisions to text at the same moment, again and again, text each one once.
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../src-main/testing/temp-desk.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { freePort, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { countRows, estimateHours, offeredSlots, openBooking } from './testing.js';
import type { Availability } from '../../src-shared/scheduling/types.js';
import { startRelay } from '../server.js';
import { assignNumber } from '../sms/numbers.js';
import { startFakeTelnyx } from '../testing/fake-telnyx.js';

const ALL_DAY: Availability['weeklyHours'] = { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']], wed: [['00:00', '24:00']], thu: [['00:00', '24:00']], fri: [['00:00', '24:00']], sat: [['00:00', '24:00']], sun: [['00:00', '24:00']] };

describe('booking the last places through two relays on one PostgreSQL', () => {
  let database: TestDatabase | null = null;
  const relays: RelayProcess[] = [];

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.kill()));
    await database?.drop();
    database = null;
  });

  it('50 concurrent requests for 3 places, split over two relay processes: exactly 3 succeed', async () => {
    database = await createTestDatabase();
    const setup = await openPostgresStorage(database.url);
    const workspace = await setup.createWorkspace({ slug: 'twin-bays', name: 'Twin Bays Auto Body' });
    await openBooking(setup, workspace.id, { timeZone: 'America/New_York', availability: [estimateHours({ weeklyHours: ALL_DAY, capacity: 3, leadMinutes: 120, horizonDays: 3 })] });
    await setup.close();

    const blobs = tempDir('bayline-blobs-');
    const env = { BAYLINE_BOOKINGS_PER_15_MINUTES: '1000' };
    relays.push(await spawnRelay(database.url, await freePort(), { extraArgs: ['--blobs', blobs], env }));
    relays.push(await spawnRelay(database.url, await freePort(), { extraArgs: ['--blobs', blobs], env }));
    const [a, b] = relays as [RelayProcess, RelayProcess];

    const slot = offeredSlots(await (await fetch(`${a.url}/p/twin-bays/book`)).text())[0]!;
    expect(offeredSlots(await (await fetch(`${b.url}/p/twin-bays/book`)).text())[0]).toBe(slot);

    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const relay = i % 2 === 0 ? a : b;
        const body = new URLSearchParams({ name: `Caller ${i}`, mobile: `(512) 555-${1000 + i}`, vehicle: '2018 Ford F-150', description: 'Dent in the door', slot });
        const res = await fetch(`${relay.url}/p/twin-bays/book`, { method: 'POST', body });
        return { status: res.status, page: await res.text(), relay: relay === a ? 'a' : 'b' };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.map((r) => r.status)).toEqual(Array(47).fill(409));
    for (const r of refused) {
      expect(r.page).toContain('That time was just taken. Please choose another time.');
      expect(offeredSlots(r.page)).not.toContain(slot);
      expect(offeredSlots(r.page).length).toBeGreaterThan(0);
    }
    // Both relays answered some of the requests.
    expect(new Set(results.map((r) => r.relay))).toEqual(new Set(['a', 'b']));

    const check = await openPostgresStorage(database.url);
    try {
      expect(await countRows(check, workspace.id)).toEqual({ appointments: 3, customers: 3, attachments: 0 });
      const db = (await check.workspaceStore(workspace.id)).db;
      const rows = await db.selectFrom('appointments').select(['starts_at', 'state']).execute();
      expect(rows).toEqual(Array(3).fill({ starts_at: slot, state: 'requested' }));
    } finally {
      await check.close();
    }
  }, 120_000);

  it('two relays on one PostgreSQL, sweeping at once and again: each decision and each reminder is texted once', async () => {
    database = await createTestDatabase();
    const fake = await startFakeTelnyx();
    const now = new Date('2026-06-01T16:00:00Z'); // Monday noon in New York
    const storages = [await openPostgresStorage(database.url), await openPostgresStorage(database.url)];
    const workspace = await storages[0]!.createWorkspace({ slug: 'twin-bays', name: 'Twin Bays Auto Body' });
    await assignNumber(storages[0]!, { workspaceId: workspace.id, phoneNumber: '+15125550100', orderId: null, messagingProfileId: 'p' });
    await openBooking(storages[0]!, workspace.id, { timeZone: 'America/New_York', availability: [estimateHours()] });
    const store = await storages[0]!.workspaceStore(workspace.id);
    await store.write({ actor: 'staff', action: 'decide', audit: false }, async (tx) => {
      await tx.insert('appointments', { kind: 'estimate', state: 'confirmed', starts_at: '2026-06-02T13:00:00.000Z', ends_at: '2026-06-02T14:00:00.000Z', time_zone: 'America/New_York', mobile: '+15125550199', name: 'Maya Ortiz' });
      await tx.insert('appointments', { kind: 'estimate', state: 'declined', decline_reason: 'No hail work', starts_at: '2026-06-02T14:00:00.000Z', ends_at: '2026-06-02T15:00:00.000Z', time_zone: 'America/New_York', mobile: '+15125550188', name: 'Sam Lee' });
    });
    const relays = await Promise.all(
      storages.map((storage) =>
        startRelay({ storage, port: 0, logger: false, scheduling: { clock: () => now, pollMs: 3_600_000 }, telnyx: { apiKey: fake.apiKey, publicKey: fake.publicKey, baseURL: fake.baseURL, messagingProfileId: 'p', timeoutMs: 5000 }, sms: { pollMs: 100, clock: () => now } }),
      ),
    );
    try {
      for (let round = 0; round < 3; round++) {
        await Promise.all(relays.map((r) => r.scheduling.sweep(workspace.id)));
      }
      await Promise.all(relays.map((r) => r.scheduling.idle()));
      const texts = await store.db.selectFrom('messages').select(['template_id', 'peer_number']).where('channel', '=', 'sms').execute();
      expect(texts.map((t) => `${t.template_id} ${t.peer_number}`).sort()).toEqual([
        'appointment-confirmed +15125550199',
        'appointment-declined +15125550188',
        'appointment-reminder +15125550199',
      ]);
    } finally {
      await Promise.all(relays.map((r) => r.close()));
      await Promise.all(storages.map((s) => s.close()));
      await fake.close();
    }
  }, 60_000);
});
