// Calls logged at the front desk: on a repair in one move, or from a number typed in search
// (matched to the customer and their open repair), with clear refusals; and a call logged at one
// desk showing on the repair, in its audit trail and in the day's counts at another desk, through
// the real relay.
import { afterEach, describe, expect, it } from 'vitest';
import type { CallCounts } from '../../src-shared/calls/counts.js';
import type { CallEntry, CallerMatch, CallSettings } from '../../src-shared/calls/words.js';
import type { AuditEntry, RepairOrderDetail } from '../../src-shared/domain.js';
import { shopToday } from '../../src-shared/shop-day.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

const zoe = {
  customer: { firstName: 'Zoë', lastName: 'Nguyen', mobile: '(512) 555-0147' },
  vehicle: { year: 2019, make: 'Honda', model: 'Accord' },
  promisedDate: '2037-12-04',
};

let t: TestDesk | undefined;
let f: RelayFixture | undefined;
afterEach(async () => {
  await t?.close();
  await f?.cleanup();
  t = undefined;
  f = undefined;
});

async function errorOf(desk: TestDesk, method: string, args: unknown) {
  const o = await desk.desk.call(method, args, desk.session);
  if (o.ok) throw new Error(`${method} should have failed`);
  return o.error;
}

describe('logging a call at the desk', () => {
  it('a number typed in search finds the customer and their open repair; the call lands there, an unknown one unassigned', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    const ro: RepairOrderDetail = await t.call('ro-check-in', zoe);
    const match: CallerMatch = await t.call('call-match', { number: '512.555.0147' });
    expect(match).toMatchObject({ number: '+15125550147', roId: ro.id, customers: [{ name: 'Zoë Nguyen' }], openRos: [{ roNumber: ro.roNumber, vehicle: '2019 Honda Accord' }] });

    const logged: CallEntry = await t.call('call-log', { number: '(512) 555-0147', direction: 'in', party: 'customer', reason: 'status', outcome: 'Told her Friday', note: 'Asked about the paint' });
    expect(logged).toMatchObject({ roId: ro.id, roNumber: ro.roNumber, customerName: 'Zoë Nguyen', reason: 'status', state: 'logged', source: 'desk', peerNumber: '+15125550147' });
    const stranger: CallEntry = await t.call('call-log', { number: '512 555 0999', direction: 'in', party: 'other', reason: 'other', note: 'Asked for a quote' });
    expect(stranger).toMatchObject({ roId: null, peerNumber: '+15125550999' });
    expect((await t.call('call-list', { unassigned: true })).map((c: CallEntry) => c.id)).toEqual([stranger.id]);

    expect(await errorOf(t, 'call-log', { number: '555-01', direction: 'in', party: 'customer', reason: 'status' })).toMatchObject({
      code: 'invalid-args',
      field: 'number',
      message: expect.stringContaining('“555-01” is not a phone number'),
    });
    expect(await errorOf(t, 'call-log', { direction: 'in', party: 'customer', reason: 'status' })).toMatchObject({ field: 'number', message: expect.stringContaining('which repair') });
    expect(await errorOf(t, 'call-log', { roId: ro.id, direction: 'in', party: 'customer', reason: 'gossip' })).toMatchObject({ code: 'invalid-args', field: 'reason' });
    // Nothing of the refused ones was written.
    expect(await t.call('call-list', {})).toHaveLength(2);
  });

  it('Settings › Calls takes the forward number as E.164, refuses a bad one by name, and keeps the portal links date', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    expect(await errorOf(t, 'call-settings-update', { enabled: true, forwardNumber: '12345' })).toMatchObject({ field: 'forwardNumber', message: expect.stringContaining('“12345” is not a phone number') });
    expect(await errorOf(t, 'call-settings-update', { enabled: true })).toMatchObject({ field: 'forwardNumber', message: expect.stringContaining('shop line') });
    expect(await errorOf(t, 'call-settings-update', { portalLinksSince: '1 Oct' })).toMatchObject({ field: 'portalLinksSince' });
    const saved: CallSettings = await t.call('call-settings-update', { enabled: true, forwardNumber: '(512) 555-0111', portalLinksSince: '2026-10-01' });
    expect(saved).toMatchObject({ enabled: true, forwardNumber: '+15125550111', portalLinksSince: '2026-10-01' });
    const audit: AuditEntry[] = await t.call('audit-list', {});
    expect(audit[0]!.summary).toBe('Calls to the Bayline number forwarded to (512) 555-0111');
  });
});

describe('a call logged at one desk, seen at another', () => {
  it('appears on the repair, in its audit trail and in the day’s counts on desk B', async () => {
    f = await startRelayFixture('sqlite');
    const a = (await f.pairNewDesk('Front desk')).desk;
    const b = (await f.pairNewDesk('Office')).desk;
    const ro = await call<RepairOrderDetail>(a, 'ro-check-in', zoe);
    const logged = await call<CallEntry>(a, 'call-log', { roId: ro.id, direction: 'in', party: 'customer', reason: 'status', outcome: 'Told her Friday', note: 'Wanted to know about the paint', durationMinutes: 3 });
    expect(logged).toMatchObject({ peerNumber: '+15125550147', durationSeconds: 180 });

    const onB = await eventually('the call on desk B', async () => {
      const list = await call<CallEntry[]>(b, 'call-list', { roId: ro.id });
      return list.length === 1 && list[0];
    });
    expect(onB).toMatchObject({ id: logged.id, reason: 'status', outcome: 'Told her Friday', note: 'Wanted to know about the paint', direction: 'in', party: 'customer' });
    const audit = await eventually('the audit entry on desk B', async () => {
      const entries = await call<AuditEntry[]>(b, 'audit-list', { roId: ro.id });
      return entries.find((e) => e.action === 'call-log');
    });
    expect(audit.summary).toBe('Call logged: status check, from the customer — Told her Friday');
    const zone = (await call<{ timeZone: string }>(b, 'workspace-get', {})).timeZone;
    const today = shopToday(zone, new Date());
    const counts = await call<CallCounts>(b, 'call-counts', {});
    const day = counts.days.find((d) => d.date === today);
    expect(day).toMatchObject({ total: 1, byReason: { status: 1 }, openRos: 1 });
    expect(counts.statusByRo).toEqual([{ roId: ro.id, statusCalls: 1 }]);
    expect(counts.days).toHaveLength(60);
  });
});
