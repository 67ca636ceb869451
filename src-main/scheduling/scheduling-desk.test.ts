// Scheduling at the front desk on a real SQLite file: the shop sets its appointment hours (and
// is told exactly what is wrong with bad ones), closes a day, sees requests on the calendar with
// the places they use, confirms, declines with a reason, proposes another free time, asks a
// customer for a drop-off time from the repair, and checks in a new customer's estimate request.
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArgsOf } from '../../src-shared/api/contract.js';
import { localToInstant } from '../../src-shared/scheduling/slots.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

const ZONE = 'America/New_York';
let t: TestDesk | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A Wednesday 8 to 14 days ahead in the shop, as YYYY-MM-DD. */
function nextWednesday(): string {
  let d = DateTime.now().setZone(ZONE).plus({ days: 8 });
  while (d.weekday !== 3) d = d.plus({ days: 1 });
  return d.toISODate()!;
}

const at = (date: string, time: string) => new Date(localToInstant(date, time, ZONE)!).toISOString();

const estimateHours: ArgsOf<'schedule-availability-save'> = {
  kind: 'estimate',
  active: true,
  weeklyHours: { mon: [['09:00', '12:00']], tue: [['09:00', '12:00']], wed: [['09:00', '12:00'], ['13:00', '15:00']], thu: [['09:00', '12:00']], fri: [['09:00', '12:00']], sat: [], sun: [] },
  slotMinutes: 30,
  capacity: 2,
  leadMinutes: 0,
  horizonDays: 30,
  holdMinutes: 240,
};

async function shop(): Promise<TestDesk> {
  t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
  await t.call('workspace-update', { timeZone: ZONE });
  await t.call('schedule-availability-save', estimateHours);
  return t;
}

async function errorOf(t: TestDesk, method: string, args: unknown) {
  const o = await t.desk.call(method, args, t.session);
  if (o.ok) throw new Error(`${method} should have failed`);
  return o.error;
}

/** A customer's request as the relay stores it (the relay is where customers book). */
async function relayBooks(t: TestDesk, fields: { kind?: string; startsAt: string; name?: string; mobile?: string; vehicle?: string; roId?: string; customerId?: string; source?: string }) {
  return t.desk.store.write({ actor: 'relay', action: 'appointment-request' }, (tx) =>
    tx.insert('appointments', {
      kind: fields.kind ?? 'estimate',
      state: 'requested',
      starts_at: fields.startsAt,
      ends_at: new Date(Date.parse(fields.startsAt) + 30 * 60_000).toISOString(),
      time_zone: ZONE,
      source: fields.source ?? 'shop-page',
      requested_at: new Date().toISOString(),
      hold_until: new Date(Date.now() + 4 * 3_600_000).toISOString(),
      name: fields.name ?? 'Priya Raman',
      mobile: fields.mobile ?? '+15125550177',
      vehicle: fields.vehicle ?? '2021 Subaru Outback',
      description: 'Dent in the rear door',
      ro_id: fields.roId ?? null,
      customer_id: fields.customerId ?? null,
    }),
  );
}

describe('Settings › Appointments', () => {
  it('starts switched off with default hours, in the shop’s time zone, and keeps what the shop saves', async () => {
    t = await openTestDesk({ workspace: { name: 'Lakeside Collision', slug: 'lakeside' } });
    await t.call('workspace-update', { timeZone: ZONE });
    const first = await t.call('schedule-settings-get', {});
    expect(first.timeZone).toBe(ZONE);
    expect(first.kinds.map((k) => [k.kind, k.active, k.saved])).toEqual([
      ['estimate', false, false],
      ['drop-off', false, false],
      ['pickup', false, false],
    ]);
    const saved = await t.call('schedule-availability-save', estimateHours);
    expect(saved.kinds[0]).toMatchObject({ kind: 'estimate', active: true, saved: true, capacity: 2, weeklyHours: { wed: [['09:00', '12:00'], ['13:00', '15:00']] } });
  });

  it('refuses hours that end before they start, overlap, or are shorter than a slot — naming the day', async () => {
    t = await shop();
    const backwards = await errorOf(t, 'schedule-availability-save', { ...estimateHours, weeklyHours: { ...estimateHours.weeklyHours, mon: [['12:00', '09:00']] } });
    expect(backwards).toMatchObject({ field: 'weeklyHours.mon.0', message: 'Estimate, Monday: 12:00–09:00 ends before it starts.' });
    const overlap = await errorOf(t, 'schedule-availability-save', { ...estimateHours, weeklyHours: { ...estimateHours.weeklyHours, tue: [['09:00', '12:00'], ['11:30', '14:00']] } });
    expect(overlap).toMatchObject({ field: 'weeklyHours.tue.1', message: 'Estimate, Tuesday: 11:30–14:00 overlaps 09:00–12:00.' });
    const short = await errorOf(t, 'schedule-availability-save', { ...estimateHours, slotMinutes: 90, weeklyHours: { ...estimateHours.weeklyHours, fri: [['09:00', '10:00']] } });
    expect(short.message).toBe('Estimate, Friday: 09:00–10:00 is shorter than one 90-minute slot.');
    const zero = await errorOf(t, 'schedule-availability-save', { ...estimateHours, capacity: 0 });
    expect(zero).toMatchObject({ field: 'capacity', message: 'Estimate: how many at once must be between 1 and 50 appointments.' });
    // Nothing of the refused saves stayed.
    expect((await t.call('schedule-settings-get', {})).kinds[0]!.weeklyHours.mon).toEqual([['09:00', '12:00']]);
  });

  it('closes a day for every kind, gives another day its own hours, refuses a past date, and removes a closure', async () => {
    t = await shop();
    const wed = nextWednesday();
    const past = DateTime.now().setZone(ZONE).minus({ days: 3 }).toISODate()!;
    expect((await errorOf(t, 'schedule-exception-save', { date: past, kind: null, closed: true, reason: 'Inventory' })).message).toBe(`${past} has already passed.`);
    expect((await errorOf(t, 'schedule-exception-save', { date: wed, kind: 'estimate', closed: false, hours: [] })).message).toBe('Give the hours of that day, or mark it closed.');
    let s = await t.call('schedule-exception-save', { date: wed, kind: null, closed: true, reason: 'Staff training' });
    expect(s.exceptions).toEqual([expect.objectContaining({ date: wed, kind: null, closed: true, reason: 'Staff training' })]);
    const free = await t.call('appointment-free-slots', { kind: 'estimate', from: wed, days: 1 });
    expect(free).toEqual([]);
    s = await t.call('schedule-exception-remove', { id: s.exceptions[0]!.id });
    expect(s.exceptions).toEqual([]);
    expect((await t.call('appointment-free-slots', { kind: 'estimate', from: wed, days: 1 })).map((x) => x.localTime)).toEqual([
      '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30',
    ]);
  });
});

describe('the calendar and its decisions', () => {
  it('shows requests with the places they use; confirm, decline with a reason, propose a free time', async () => {
    t = await shop();
    const wed = nextWednesday();
    const a = await relayBooks(t, { startsAt: at(wed, '09:00'), name: 'Priya Raman' });
    const b = await relayBooks(t, { startsAt: at(wed, '09:00'), name: 'Tom Becker', mobile: '+15125550188' });
    expect((await t.call('appointment-pending', {})).map((x) => x.name)).toEqual(['Priya Raman', 'Tom Becker']);

    const week = await t.call('appointment-calendar', { from: wed, days: 1 });
    const nine = week.slots.find((s) => s.localTime === '09:00')!;
    expect(nine).toMatchObject({ localDate: wed, capacity: 2, used: 2, free: 0 });
    expect(week.slots.find((s) => s.localTime === '09:30')).toMatchObject({ used: 0, free: 2 });
    expect(week.appointments.map((x) => [x.name, x.localTime, x.state, x.lead]).sort()).toEqual([
      ['Priya Raman', '09:00', 'requested', true],
      ['Tom Becker', '09:00', 'requested', true],
    ]);

    const confirmed = await t.call('appointment-confirm', { id: a });
    expect(confirmed).toMatchObject({ state: 'confirmed', problem: null });
    expect(confirmed.decidedAt).not.toBeNull();

    expect((await errorOf(t, 'appointment-decline', { id: b, reason: '' })).field).toBe('reason');
    const proposals = await t.call('appointment-free-slots', { kind: 'estimate', from: wed, days: 1 });
    // 09:00 still has a place only for Tom's own request, so it is not offered to him as "another" time.
    expect(proposals[0]!.localTime).toBe('09:30');
    const proposed = await t.call('appointment-propose', { id: b, startsAt: proposals[0]!.startsAt });
    expect(proposed).toMatchObject({ state: 'proposed', localTime: '09:30', proposedStartsAt: proposals[0]!.startsAt });
    const outside = await errorOf(t, 'appointment-propose', { id: b, startsAt: at(wed, '12:30') });
    expect(outside.message).toContain('outside the hours');

    const c = await relayBooks(t, { startsAt: at(wed, '10:00'), name: 'Ana Silva' });
    const declined = await t.call('appointment-decline', { id: c, reason: 'We do not repair glass' });
    expect(declined).toMatchObject({ state: 'declined', declineReason: 'We do not repair glass' });
    expect(await t.call('appointment-pending', {})).toEqual([]);

    const rows = t.desk.sqlite.prepare('SELECT name, state, decline_reason, proposed_starts_at FROM appointments ORDER BY name').all();
    expect(rows).toEqual([
      { name: 'Ana Silva', state: 'declined', decline_reason: 'We do not repair glass', proposed_starts_at: null },
      { name: 'Priya Raman', state: 'confirmed', decline_reason: null, proposed_starts_at: null },
      { name: 'Tom Becker', state: 'proposed', decline_reason: null, proposed_starts_at: at(wed, '09:30') },
    ]);
  });

  it('refuses to confirm into a full slot, and tells the desk when a confirmed time meets a closure added later', async () => {
    t = await shop();
    await t.call('schedule-availability-save', { ...estimateHours, capacity: 1 });
    const wed = nextWednesday();
    const a = await relayBooks(t, { startsAt: at(wed, '10:00'), name: 'Priya Raman' });
    await t.call('appointment-confirm', { id: a });
    // A second request for the same time, stored before the shop lowered capacity elsewhere.
    const b = await relayBooks(t, { startsAt: at(wed, '10:00'), name: 'Tom Becker' });
    expect((await errorOf(t, 'appointment-confirm', { id: b })).message).toBe('That time is full: 1 of 1 place is taken. Propose another time or decline.');

    // Another desk closes the day (here: the same desk's data, as sync would bring it).
    await t.call('schedule-exception-save', { date: wed, kind: null, closed: true, reason: 'Flooded parking lot' });
    const entry = await t.call('appointment-get', { id: a });
    expect(entry.problem).toBe(`The shop is now closed on ${DateTime.fromISO(wed).toFormat('cccc d LLLL')} (Flooded parking lot).`);
  });

  it('asks the customer of a repair for a drop-off time once, and lists the repair’s appointments', async () => {
    t = await shop();
    const ro = await t.call('ro-check-in', { customer: { firstName: 'Zoë', lastName: 'Nguyen', mobile: '(512) 555-0147' }, vehicle: { year: 2019, make: 'Honda', model: 'Accord' } });
    expect((await errorOf(t, 'appointment-invite', { roId: ro.id, kind: 'drop-off' })).message).toBe('Drop-off appointments are switched off. Turn them on in Settings › Appointments first.');
    await t.call('schedule-availability-save', { ...estimateHours, kind: 'drop-off' });
    const list = await t.call('appointment-invite', { roId: ro.id, kind: 'drop-off' });
    expect(list).toEqual([expect.objectContaining({ kind: 'drop-off', state: 'invited', roId: ro.id, roNumber: ro.roNumber, name: 'Zoë Nguyen', mobile: '+15125550147' })]);
    // Asking again while the first ask is open adds nothing.
    expect(await t.call('appointment-invite', { roId: ro.id, kind: 'drop-off' })).toHaveLength(1);
    expect(await t.call('appointment-for-ro', { roId: ro.id })).toHaveLength(1);
    const noMobile = await t.call('ro-check-in', { customer: { firstName: 'Sam', lastName: 'Ortiz' }, vehicle: { make: 'Ford' } });
    expect((await errorOf(t, 'appointment-invite', { roId: noMobile.id, kind: 'drop-off' })).message).toContain('no mobile number');
  });

  it('turns a new customer’s estimate request into a repair order', async () => {
    t = await shop();
    const wed = nextWednesday();
    const lead = await relayBooks(t, { startsAt: at(wed, '11:00'), name: 'Priya Raman', vehicle: '2021 Subaru Outback' });
    expect((await t.call('appointment-leads', {})).map((x) => x.name)).toEqual(['Priya Raman']);
    const ro = await t.call('ro-check-in', { customer: { firstName: 'Priya', lastName: 'Raman', mobile: '+15125550177' }, vehicle: { year: 2021, make: 'Subaru', model: 'Outback' } });
    const attached = await t.call('appointment-attach-ro', { id: lead, roId: ro.id });
    expect(attached).toMatchObject({ roId: ro.id, roNumber: ro.roNumber, lead: false, customerId: ro.customer.id });
    expect(await t.call('appointment-leads', {})).toEqual([]);
    expect((await t.call('appointment-for-ro', { roId: ro.id })).map((x) => x.id)).toEqual([lead]);
  });

  it('creates, replaces and revokes the private calendar feed only when paired', async () => {
    t = await shop();
    const feed = await t.call('calendar-feed-get', {});
    expect(feed).toEqual({ url: null, active: false, issuedAt: null, paired: false });
    expect((await errorOf(t, 'calendar-feed-issue', {})).code).toBe('not-paired');
  });
});
