// Two relay processes sharing one PostgreSQL database, as behind a load balancer: a desk on each.
// An edit on one desk reaches the other promptly through LISTEN/NOTIFY (the hub has no polling),
// and after one relay is SIGKILLed and started again its desk reconnects and edits flow both ways.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, RepairOrderSummary, SyncStatus } from '../../src-shared/domain.js';
import { SYNCED_TABLES } from '../../src-shared/sync/tables.js';
import { Desk } from '../../src-main/desk.js';
import { pairDesk } from '../../src-main/sync/pair.js';
import { dumpSyncedTables, tempDir } from '../../src-main/testing/temp-desk.js';
import { issuePairingCode } from '../pairing.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { freePort, RELAY_START_MS, type RelayProcess, spawnRelay } from '../testing/relay-process.js';
import { call, eventually } from '../testing/sync-fixture.js';

/** How soon an edit must show up on the desk of the other relay. */
const PROMPT_MS = 3000;
const TABLES = Object.keys(SYNCED_TABLES);

const checkIn = (firstName: string, plate: string) => ({
  customer: { firstName, lastName: 'Relayed', mobile: '(512) 555-0142' },
  vehicle: { plate, make: 'Mazda', model: 'CX-5', year: 2022 },
});

const board = (desk: Desk) => call<RepairOrderSummary[]>(desk, 'ro-board', {});
const status = (desk: Desk) => call<SyncStatus>(desk, 'sync-status', {});

/** Checks in a car on `from` and waits until `to` shows it; returns how long that took after the write. */
async function crosses(from: Desk, to: Desk, name: string, plate: string, within = PROMPT_MS): Promise<number> {
  const ro = await call<RepairOrderDetail>(from, 'ro-check-in', checkIn(name, plate));
  const t0 = Date.now();
  await eventually(`${plate} to reach the other desk within ${within} ms`, async () => (await board(to)).some((r) => r.id === ro.id), within);
  return Date.now() - t0;
}

async function health(url: string): Promise<{ ok: boolean; engine: string; desksConnected: number }> {
  const res = await fetch(`${url}/healthz`);
  return (await res.json()) as { ok: boolean; engine: string; desksConnected: number };
}

describe('two relay processes on one PostgreSQL database', () => {
  let database: TestDatabase | null = null;
  const relays: RelayProcess[] = [];
  const desks: Desk[] = [];

  afterEach(async () => {
    await Promise.all(desks.splice(0).map((d) => d.close().catch(() => undefined)));
    await Promise.all(relays.splice(0).map((r) => r.kill()));
    await database?.drop();
    database = null;
  });

  it('an edit on a desk of one relay reaches the desk of the other via LISTEN/NOTIFY, before and after a SIGKILL', async () => {
    database = await createTestDatabase();
    const setup = await openPostgresStorage(database.url);
    const workspace = await setup.createWorkspace({ slug: 'twin-bays', name: 'Twin Bays Auto Body' });
    const codes = [await issuePairingCode(setup, workspace.id), await issuePairingCode(setup, workspace.id)];
    await setup.close();

    const blobs = tempDir('bayline-blobs-');
    const [port1, port2] = [await freePort(), await freePort()];
    const start = (port: number) => spawnRelay(database!.url, port, { extraArgs: ['--blobs', blobs] });
    let relay1 = await start(port1);
    relays.push(relay1);
    const relay2 = await start(port2);
    relays.push(relay2);

    // Desk A talks only to relay 1, desk B only to relay 2: each is paired through its own relay.
    const open = async (relay: RelayProcess, code: string, name: string) => {
      const dataDir = tempDir();
      await pairDesk({ dataDir, relayUrl: relay.url, code, deviceName: name });
      const desk = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 } });
      desks.push(desk);
      await desk.syncClient!.whenCaughtUp();
      return desk;
    };
    const a = await open(relay1, codes[0]!.code, 'Desk A');
    const b = await open(relay2, codes[1]!.code, 'Desk B');
    expect((await status(a)).relayUrl).toBe(relay1.url);
    expect((await status(b)).relayUrl).toBe(relay2.url);
    await eventually('each relay to serve its one desk', async () => {
      const [h1, h2] = await Promise.all([health(relay1.url), health(relay2.url)]);
      return h1.ok && h2.ok && h1.engine === 'postgres' && h1.desksConnected === 1 && h2.desksConnected === 1;
    });

    const timings: Record<string, number> = {};
    timings['A→B'] = await crosses(a, b, 'Ada', 'MR 1');
    timings['B→A'] = await crosses(b, a, 'Bea', 'MR 2');

    // Relay 1 dies the hard way. Desk A goes offline; desk B (on relay 2) works on.
    await relay1.kill();
    await eventually('desk A to notice relay 1 is gone', async () => !(await status(a)).online);
    const offlineA = await call<RepairOrderDetail>(a, 'ro-check-in', checkIn('Otto', 'MR OFF A'));
    const offlineB = await call<RepairOrderDetail>(b, 'ro-check-in', checkIn('Bodil', 'MR OFF B'));
    await eventually('B to push through relay 2 while relay 1 is down', async () => (await status(b)).changesWaiting === 0);
    expect((await board(a)).some((r) => r.id === offlineB.id)).toBe(false);

    relay1 = await start(port1);
    relays.push(relay1);
    await eventually('desk A to reconnect to relay 1', async () => {
      const s = await status(a);
      return s.online && s.changesWaiting === 0;
    });
    await eventually('the edit A made offline to reach B', async () => (await board(b)).some((r) => r.id === offlineA.id));
    await eventually('the edit B made meanwhile to reach A', async () => (await board(a)).some((r) => r.id === offlineB.id));

    timings['A→B after restart'] = await crosses(a, b, 'Ada', 'MR 3');
    timings['B→A after restart'] = await crosses(b, a, 'Bea', 'MR 4');
    for (let i = 0; i < 5; i++) {
      timings[`A→B #${i}`] = await crosses(a, b, `Alt${i}`, `MR A${i}`);
      timings[`B→A #${i}`] = await crosses(b, a, `Alt${i}`, `MR B${i}`);
    }
    console.log(`multi-relay: ms from write to the other desk: ${JSON.stringify(timings)}`);

    // Both desks end with the same workspace, and neither relay logged an error.
    await eventually('both desks to hold the same tables', async () => {
      const [sa, sb] = await Promise.all([status(a), status(b)]);
      return sa.changesWaiting === 0 && sb.changesWaiting === 0 && JSON.stringify(dumpSyncedTables(a, TABLES)) === JSON.stringify(dumpSyncedTables(b, TABLES));
    });
    for (const r of [relay1, relay2]) expect(r.output()).not.toMatch(/"level":(50|60)/);
  }, 3 * RELAY_START_MS + 120_000);

  it('the portal on one relay follows a desk on the other: live stage, message back, revocation', async () => {
    database = await createTestDatabase();
    const setup = await openPostgresStorage(database.url);
    const workspace = await setup.createWorkspace({ slug: 'twin-portal', name: 'Twin Portal Body Shop' });
    const code = await issuePairingCode(setup, workspace.id);
    await setup.close();
    const blobs = tempDir('bayline-blobs-');
    const [port1, port2] = [await freePort(), await freePort()];
    const relay1 = await spawnRelay(database.url, port1, { extraArgs: ['--blobs', blobs] });
    relays.push(relay1);
    const relay2 = await spawnRelay(database.url, port2, { extraArgs: ['--blobs', blobs] });
    relays.push(relay2);
    const dataDir = tempDir();
    await pairDesk({ dataDir, relayUrl: relay1.url, code: code.code, deviceName: 'Desk A' });
    const a = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000 } });
    desks.push(a);
    await a.syncClient!.whenCaughtUp();

    const ro = await call<RepairOrderDetail>(a, 'ro-check-in', checkIn('Pia', 'MR P1'));
    await eventually('A to push', async () => (await status(a)).changesWaiting === 0);
    // The same link, answered by the other relay process (as a load balancer would send it).
    const onRelay2 = ro.portal.url!.replace(relay1.url, relay2.url);
    await eventually('relay 2 to serve the page', async () => (await fetch(onRelay2)).status === 200);

    const events = await fetch(`${onRelay2}/events`);
    const reader = events.body!.getReader();
    const decoder = new TextDecoder();
    let stream = '';
    const nextChange = async (after: string) => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('event stream ended');
        stream += decoder.decode(value);
        const versions = [...stream.matchAll(/event: changed\ndata: (.*)\n/g)].map((m) => m[1]!);
        const last = versions[versions.length - 1];
        if (last !== undefined && last !== after) return last;
      }
    };
    const first = await nextChange('');
    const t0 = Date.now();
    await call(a, 'ro-move-stage', { id: ro.id, stage: 'estimate' });
    await nextChange(first);
    expect(Date.now() - t0).toBeLessThan(PROMPT_MS);
    await reader.cancel();
    expect(await (await fetch(onRelay2)).text()).toContain('<p class="stage">Estimate</p>');

    const form = new FormData();
    form.set('body', 'Sent through relay 2');
    expect((await fetch(`${onRelay2}/messages`, { method: 'POST', body: form, headers: { accept: 'application/json' } })).status).toBe(200);
    await eventually('the message on desk A (relay 1)', async () =>
      (await call<RepairOrderDetail>(a, 'ro-get', { id: ro.id })).messages.some((m) => m.body === 'Sent through relay 2'),
    );

    await call(a, 'portal-link-revoke', { roId: ro.id });
    await eventually('relay 2 to refuse the revoked link', async () => (await fetch(onRelay2)).status === 404, PROMPT_MS);
    for (const r of [relay1, relay2]) expect(r.output()).not.toMatch(/"level":(50|60)/);
  }, 2 * RELAY_START_MS + 60_000);
});
