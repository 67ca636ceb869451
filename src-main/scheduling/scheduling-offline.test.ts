// Two desks on a real relay over real WebSockets: the front desk confirms a request while it is
// offline; meanwhile the office desk closes that day. On reconnect the confirmation reaches the
// relay and the office desk, the closure reaches the front desk, and both desks show the notice on
// the appointment ("The shop is now closed on …") instead of a confirmation nobody can keep.
// The same with places: two desks confirm one request each, then the places are cut to one.
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { type RelayFixture, call, eventually, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import type { AppointmentEntry } from '../../src-shared/scheduling/desk-api.js';
import { localToInstant } from '../../src-shared/scheduling/slots.js';
import { hashToken } from '../../src-shared/portal/token.js';
import { Desk } from '../desk.js';

const ZONE = 'America/New_York';
let fixture: RelayFixture | undefined;
const opened: Desk[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close().catch(() => undefined)));
  await fixture?.cleanup();
  fixture = undefined;
});

function nextWednesday(): string {
  let d = DateTime.now().setZone(ZONE).plus({ days: 8 });
  while (d.weekday !== 3) d = d.plus({ days: 1 });
  return d.toISODate()!;
}

async function request(desk: Desk, startsAt: string, name: string): Promise<string> {
  // Stored as the relay stores a customer's booking (its booking pages are not the subject here).
  return desk.store.write({ actor: 'relay', action: 'appointment-request' }, (tx) =>
    tx.insert('appointments', {
      kind: 'estimate',
      state: 'requested',
      starts_at: startsAt,
      ends_at: new Date(Date.parse(startsAt) + 30 * 60_000).toISOString(),
      time_zone: ZONE,
      source: 'shop-page',
      requested_at: new Date().toISOString(),
      hold_until: new Date(Date.now() + 86_400_000).toISOString(),
      name,
      mobile: '+15125550177',
    }),
  );
}

async function twoDesks() {
  fixture = await startRelayFixture('sqlite');
  const front = await fixture.pairNewDesk('Front desk');
  const office = await fixture.pairNewDesk('Office');
  await call(front.desk, 'workspace-update', { timeZone: ZONE });
  const hours = [['09:00', '12:00']];
  await call(front.desk, 'schedule-availability-save', {
    kind: 'estimate',
    active: true,
    weeklyHours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: [], sun: [] },
    slotMinutes: 30,
    capacity: 1,
    leadMinutes: 0,
    horizonDays: 30,
    holdMinutes: 240,
  });
  await eventually('the hours at the office', async () => (await call<{ kinds: Array<{ active: boolean }> }>(office.desk, 'schedule-settings-get', {})).kinds[0]!.active);
  return { front, office };
}

/** Closes a desk and opens its folder without syncing: the PC lost its line. */
async function goOffline(desk: Desk, dataDir: string): Promise<Desk> {
  await desk.syncClient!.whenCaughtUp();
  await desk.close();
  const offline = await Desk.open({ dataDir, sync: false });
  opened.push(offline);
  return offline;
}

async function comeBack(desk: Desk, dataDir: string): Promise<Desk> {
  await desk.close();
  const online = await Desk.open({ dataDir, syncOptions: { minBackoffMs: 20, maxBackoffMs: 200, heartbeatMs: 1000, clockCheckMs: 100 } });
  opened.push(online);
  await online.syncClient!.whenCaughtUp();
  return online;
}

describe('a desk confirming offline', () => {
  it('is applied on reconnect, and both desks are told when another desk closed that day meanwhile', async () => {
    const { front, office } = await twoDesks();
    const wed = nextWednesday();
    const id = await request(office.desk, new Date(localToInstant(wed, '10:00', ZONE)!).toISOString(), 'Priya Raman');
    await eventually('the request at the front desk', async () => (await call<AppointmentEntry[]>(front.desk, 'appointment-pending', {})).length === 1);

    let frontDesk = await goOffline(front.desk, front.dataDir);
    const confirmed = await call<AppointmentEntry>(frontDesk, 'appointment-confirm', { id });
    expect(confirmed).toMatchObject({ state: 'confirmed', problem: null });
    await call(office.desk, 'schedule-exception-save', { date: wed, kind: null, closed: true, reason: 'Flooded parking lot' });

    frontDesk = await comeBack(frontDesk, front.dataDir);
    const notice = `The shop is now closed on ${DateTime.fromISO(wed).toFormat('cccc d LLLL')} (Flooded parking lot).`;
    const atFront = await call<AppointmentEntry>(frontDesk, 'appointment-get', { id });
    expect(atFront).toMatchObject({ state: 'confirmed', problem: notice });
    const atOffice = await eventually('the confirmation at the office', async () => {
      const a = await call<AppointmentEntry>(office.desk, 'appointment-get', { id });
      return a.state === 'confirmed' ? a : undefined;
    });
    expect(atOffice.problem).toBe(notice);
    // And the relay holds the confirmation (what it texts the customer from).
    const relayStore = await fixture!.storage.workspaceStore(fixture!.workspace.id);
    const rows = await relayStore.db.selectFrom('appointments').select(['state']).where('id', '=', id).execute();
    expect(rows).toEqual([{ state: 'confirmed' }]);
  });

  it('creates the private calendar feed (only its hash reaches the relay), replaces it, and revokes it', async () => {
    const { front, office } = await twoDesks();
    const feed = await call<{ url: string; active: boolean }>(front.desk, 'calendar-feed-issue', {});
    expect(feed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/c\/[A-Za-z0-9_-]{46}\/calendar\.ics$/);
    const token = feed.url.split('/c/')[1]!.replace('/calendar.ics', '');
    const relayStore = await fixture!.storage.workspaceStore(fixture!.workspace.id);
    const held = async () => relayStore.db.selectFrom('portal_tokens').select(['kind', 'token_hash', 'revoked_at']).where('kind', '=', 'calendar').execute();
    const first = await eventually('the feed on the relay', async () => ((await held()).length === 1 ? await held() : undefined));
    // Google Calendar or Outlook subscribing to the address gets the shop's calendar from the relay.
    const served = await fetch(feed.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toContain('text/calendar');
    expect(await served.text()).toContain('BEGIN:VCALENDAR');
    expect(first[0]!.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(first)).not.toContain(token);
    // The office sees that a feed exists but not its address (only the desk that made it holds it).
    expect(await eventually('the feed at the office', async () => {
      const f = await call<{ url: string | null; active: boolean }>(office.desk, 'calendar-feed-get', {});
      return f.active ? f : undefined;
    })).toMatchObject({ url: null, active: true });
    const second = await call<{ url: string }>(front.desk, 'calendar-feed-issue', {});
    expect(second.url).not.toBe(feed.url);
    expect(await call(front.desk, 'calendar-feed-revoke', {})).toMatchObject({ url: null, active: false });
    await eventually('both feeds revoked on the relay', async () => (await held()).length === 2 && (await held()).every((r) => r.revoked_at !== null));
    expect((await fetch(feed.url)).status).toBe(404);
    expect((await fetch(second.url)).status).toBe(404);
  });

  it('two desks confirm one request each while one is offline and the office cuts the places to one: the later is flagged on both', async () => {
    const { front, office } = await twoDesks();
    const settings = await call<{ kinds: Array<Record<string, unknown>> }>(office.desk, 'schedule-settings-get', {});
    const { saved: _saved, ...estimate } = settings.kinds[0]!;
    await call(office.desk, 'schedule-availability-save', { ...estimate, capacity: 2 });
    const wed = nextWednesday();
    const at = new Date(localToInstant(wed, '09:30', ZONE)!).toISOString();
    const first = await request(office.desk, at, 'Tom Becker');
    const second = await request(office.desk, at, 'Ana Silva');
    await eventually('both requests at the front desk', async () => (await call<AppointmentEntry[]>(front.desk, 'appointment-pending', {})).length === 2);

    let frontDesk = await goOffline(front.desk, front.dataDir);
    await call(office.desk, 'appointment-confirm', { id: first });
    await new Promise((r) => setTimeout(r, 5));
    await call(frontDesk, 'appointment-confirm', { id: second });
    // One estimator is off sick: the office cuts the places at once to one.
    await call(office.desk, 'schedule-availability-save', { ...estimate, capacity: 1 });
    frontDesk = await comeBack(frontDesk, front.dataDir);

    const flagged = await eventually('the clash at the office', async () => {
      const a = await call<AppointmentEntry>(office.desk, 'appointment-get', { id: second });
      return a.state === 'confirmed' ? a : undefined;
    });
    const notice = '2 estimate appointments are confirmed at this time for 1 place: another desk confirmed one first.';
    expect(flagged.problem).toBe(notice);
    expect((await call<AppointmentEntry>(frontDesk, 'appointment-get', { id: second })).problem).toBe(notice);
    expect((await call<AppointmentEntry>(frontDesk, 'appointment-get', { id: first })).problem).toBeNull();
  });
});
