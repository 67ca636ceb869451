// The texting records' once-only decisions, with two relay processes on one PostgreSQL database
// (and the same rules on SQLite): a send is claimed by one, a webhook event is recorded once,
// and every queued event is taken by exactly one worker at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, newStorageLocation, openStorage } from '../testing/sync-fixture.js';
import type { RelayStorage } from './types.js';

describe.each<Engine>(['sqlite', 'postgres'])('texting records (%s)', (engine) => {
  let a: RelayStorage;
  let b: RelayStorage;
  let drop: () => Promise<void>;
  let workspaceId: string;
  beforeAll(async () => {
    const place = await newStorageLocation(engine);
    drop = place.drop;
    a = await openStorage(engine, place.location);
    // SQLite belongs to one relay process; PostgreSQL is shared by several.
    b = engine === 'postgres' ? await openStorage(engine, place.location) : a;
    workspaceId = (await a.createWorkspace({ slug: 'lakeside', name: 'Lakeside Collision' })).id;
  });
  afterAll(async () => {
    if (b !== a) await b.close();
    await a.close();
    await drop();
  });

  it('a send is claimed once, whichever process asks first', async () => {
    const now = new Date().toISOString();
    const tries = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).sms.claimSend({ workspaceId, messageId: 'm1', by: `p${i}`, now })),
    );
    expect(tries.filter(Boolean)).toHaveLength(1);
    expect(await a.sms.isClaimed(workspaceId, 'm1')).toBe(true);
    expect(await b.sms.openClaims(new Date(Date.now() + 1000).toISOString())).toMatchObject([{ workspaceId, messageId: 'm1' }]);
    expect(await a.sms.closeOpenClaim(workspaceId, 'm1', now)).toBe(true);
    expect(await b.sms.closeOpenClaim(workspaceId, 'm1', now)).toBe(false);
  });

  it('a webhook event is recorded once, and each queued event is taken by one worker', async () => {
    const now = new Date().toISOString();
    const same = await Promise.all([a, b, a, b].map((s) => s.sms.enqueueEvent({ eventId: 'evt-1', eventType: 'message.received', body: '{}', now })));
    expect(same.filter(Boolean)).toHaveLength(1);
    for (let i = 2; i <= 20; i++) await a.sms.enqueueEvent({ eventId: `evt-${i}`, eventType: 'message.received', body: '{}', now });
    const lease = new Date(Date.now() + 60_000).toISOString();
    const taken: string[] = [];
    await Promise.all(
      [a, b, a, b].map(async (s) => {
        for (;;) {
          const e = await s.sms.takeEvent(new Date().toISOString(), lease);
          if (!e) return;
          taken.push(e.eventId);
          await s.sms.finishEvent(e.seq, 'ok', new Date().toISOString());
        }
      }),
    );
    expect(taken.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `evt-${i + 1}`).sort());
    expect(await a.sms.eventCounts()).toEqual({ total: 20, pending: 0 });
  });

  it('an opt-out holds per shop and number until START', async () => {
    const now = new Date().toISOString();
    await a.sms.setOptOut(workspaceId, '+15125550147', true, now);
    expect(await b.sms.isOptedOut(workspaceId, '+15125550147')).toBe(true);
    expect(await b.sms.isOptedOut(workspaceId, '+15125550148')).toBe(false);
    await b.sms.setOptOut(workspaceId, '+15125550147', false, now);
    expect(await a.sms.isOptedOut(workspaceId, '+15125550147')).toBe(false);
  });
});
