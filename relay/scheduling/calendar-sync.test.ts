// Calendar write-through against the fake Google through the real SDKs (google-auth-library's
// sign-in with PKCE, googleapis' Calendar v3), on a real relay workspace store (SQLite): a
// confirmed appointment becomes one event at the same instant, a second round writes nothing, a
// moved appointment moves its event, a cancelled one removes it; a mailbox connected without
// calendar permission is marked so the desk asks for a reconnect, and the event follows once it is.
import { CodeChallengeMethod } from 'google-auth-library';
import { afterEach, describe, expect, it } from 'vitest';
import { CALENDAR_PERMISSION_MISSING } from '../../src-shared/scheduling/desk-api.js';
import type { WorkspaceStore } from '../../src-shared/sync/store.js';
import type { GoogleApp } from '../email/config.js';
import { FakeGoogle } from '../email/fake-google/fake-google.js';
import { oauthClient } from '../email/gmail/sdk.js';
import type { RelayStorage } from '../storage/types.js';
import { newStorageLocation, openStorage } from '../testing/sync-fixture.js';
import { createHash, randomBytes } from 'node:crypto';
import type { MicrosoftApp } from '../email/config.js';
import { FakeMicrosoft } from '../email/fake-microsoft/fake-microsoft.js';
import { msalApp, type TokenSource } from '../email/outlook/sdk.js';
import { GOOGLE_CALENDAR_SCOPE, GRAPH_CALENDAR_SCOPE, googleCalendarWriter, graphCalendarWriter, syncAppointmentCalendars } from './calendar-sync.js';

const SHOP = { name: 'Lakeside Collision', address: '12 Shore Rd, Austin TX', timeZone: 'America/Chicago' };
let google: FakeGoogle | undefined;
let storage: RelayStorage | undefined;
let microsoft: FakeMicrosoft | undefined;
afterEach(async () => {
  await microsoft?.close();
  microsoft = undefined;
  await google?.close();
  await storage?.close();
  google = undefined;
  storage = undefined;
});

/** The shop's owner signs in at the (fake) Google through the SDK, as Settings › Email does. */
async function signIn(app: GoogleApp): Promise<string> {
  const redirectUri = 'http://127.0.0.1:9/mail/gmail/callback';
  const client = oauthClient(app, redirectUri);
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({ access_type: 'offline', scope: [GOOGLE_CALENDAR_SCOPE], code_challenge: codeChallenge, code_challenge_method: CodeChallengeMethod.S256 });
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const { tokens } = await client.getToken({ code, codeVerifier });
  return tokens.refresh_token!;
}

async function setUp(): Promise<{ store: WorkspaceStore; app: GoogleApp; refresh: string }> {
  google = new FakeGoogle({ clientId: 'client-1', clientSecret: 'secret-1', account: 'shop@example.com' });
  await google.start();
  const app: GoogleApp = { clientId: 'client-1', clientSecret: 'secret-1', ...google.endpoints };
  const { location } = await newStorageLocation('sqlite');
  storage = await openStorage('sqlite', location);
  const ws = await storage.createWorkspace({ slug: 'lakeside', name: SHOP.name });
  return { store: await storage.workspaceStore(ws.id), app, refresh: await signIn(app) };
}

async function confirmed(store: WorkspaceStore, startsAt: string, name: string): Promise<string> {
  return store.write({ actor: 'relay', action: 'test' }, (tx) =>
    tx.insert('appointments', {
      kind: 'drop-off',
      state: 'confirmed',
      starts_at: startsAt,
      ends_at: new Date(Date.parse(startsAt) + 30 * 60_000).toISOString(),
      time_zone: SHOP.timeZone,
      name,
      mobile: '+15125550177',
      vehicle: '2019 Honda Accord',
      description: 'Rear bumper',
    }),
  );
}

const eventsOf = async (store: WorkspaceStore, id: string) =>
  JSON.parse((await store.db.selectFrom('appointments').select('calendar_events').where('id', '=', id).executeTakeFirstOrThrow()).calendar_events ?? 'null') as Record<string, string> | null;

describe('calendar write-through (Google)', () => {
  it('writes a confirmed appointment once, moves it with the appointment, and removes it when cancelled', async () => {
    const { store, app, refresh } = await setUp();
    const writers = new Map([['mbx-1', googleCalendarWriter(app, refresh)]]);
    const id = await confirmed(store, '2026-12-09T15:00:00.000Z', 'Zoë Nguyen');

    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 1, moved: 0, removed: 0, failed: 0 });
    const events = [...google!.calendarEvents.values()];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      account: 'shop@example.com',
      summary: 'Drop-off: Zoë Nguyen (2019 Honda Accord)',
      location: SHOP.address,
      start: { dateTime: '2026-12-09T15:00:00.000Z', timeZone: 'America/Chicago' },
      end: { dateTime: '2026-12-09T15:30:00.000Z' },
      status: 'confirmed',
    });
    expect(await eventsOf(store, id)).toEqual({ 'mbx-1': events[0]!.id, '_at:mbx-1': '2026-12-09T15:00:00.000Z' });

    // Nothing changed: nothing is written again.
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 0, moved: 0, removed: 0 });
    expect(google!.calendarEvents.size).toBe(1);

    await store.write({ actor: 'relay', action: 'test' }, (tx) => tx.update('appointments', id, { starts_at: '2026-12-10T16:00:00.000Z', ends_at: '2026-12-10T16:30:00.000Z' }));
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ moved: 1, created: 0 });
    expect(google!.calendarEvents.get(events[0]!.id)).toMatchObject({ start: { dateTime: '2026-12-10T16:00:00.000Z' }, status: 'confirmed' });

    await store.write({ actor: 'relay', action: 'test' }, (tx) => tx.update('appointments', id, { state: 'cancelled' }));
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ removed: 1 });
    expect(google!.calendarEvents.get(events[0]!.id)!.status).toBe('cancelled');
    expect(await eventsOf(store, id)).toBeNull();
  });

  it('marks a mailbox without calendar permission for the desk, and writes the event after the reconnect', async () => {
    const { store, app, refresh } = await setUp();
    google!.calendarAccess = false;
    const writers = new Map([['mbx-1', googleCalendarWriter(app, refresh)]]);
    const id = await confirmed(store, '2026-12-11T14:00:00.000Z', 'Tom Becker');
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 0, permissionMissing: ['mbx-1'], failed: 0 });
    expect(await eventsOf(store, id)).toEqual({ 'mbx-1': CALENDAR_PERMISSION_MISSING });
    expect(google!.calendarEvents.size).toBe(0);

    google!.calendarAccess = true;
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 1, permissionMissing: [] });
    const [event] = [...google!.calendarEvents.values()];
    expect(await eventsOf(store, id)).toEqual({ 'mbx-1': event!.id, '_at:mbx-1': '2026-12-11T14:00:00.000Z' });
  });
});

/** The shop's owner signs in at the (fake) Microsoft through MSAL with PKCE; Graph calls take its access token. */
async function microsoftSignIn(app: MicrosoftApp): Promise<TokenSource> {
  const redirectUri = 'http://127.0.0.1:9/mail/outlook/callback';
  const cca = await msalApp(app);
  const codeVerifier = randomBytes(32).toString('base64url');
  const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const scopes = [GRAPH_CALENDAR_SCOPE, 'offline_access'];
  const url = await cca.getAuthCodeUrl({ scopes, redirectUri, codeChallenge, codeChallengeMethod: 'S256' });
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const result = await cca.acquireTokenByCode({ code, codeVerifier, redirectUri, scopes });
  return { get: async () => result.accessToken, drop: () => undefined };
}

describe('calendar write-through (Outlook)', () => {
  it('writes, moves and removes Graph events with the appointment, and marks a mailbox without calendar permission', async () => {
    microsoft = new FakeMicrosoft({ clientId: 'ms-client', clientSecret: 'ms-secret', account: 'shop@example.com' });
    await microsoft.start();
    const app: MicrosoftApp = { clientId: 'ms-client', clientSecret: 'ms-secret', tenant: 'common', ...microsoft.endpoints };
    const { location } = await newStorageLocation('sqlite');
    storage = await openStorage('sqlite', location);
    const ws = await storage.createWorkspace({ slug: 'lakeside', name: SHOP.name });
    const store = await storage.workspaceStore(ws.id);
    const writers = new Map([['mbx-o', graphCalendarWriter(app, await microsoftSignIn(app))]]);
    const id = await confirmed(store, '2026-12-09T15:00:00.000Z', 'Zoë Nguyen');

    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 1, failed: 0 });
    const [event] = [...microsoft.calendarEvents.values()];
    expect(event).toMatchObject({ subject: 'Drop-off: Zoë Nguyen (2019 Honda Accord)', start: { dateTime: '2026-12-09T15:00:00.000', timeZone: 'UTC' }, location: { displayName: SHOP.address }, isCancelled: false });
    expect(await eventsOf(store, id)).toEqual({ 'mbx-o': event!.id, '_at:mbx-o': '2026-12-09T15:00:00.000Z' });
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 0, moved: 0 });

    await store.write({ actor: 'relay', action: 'test' }, (tx) => tx.update('appointments', id, { starts_at: '2026-12-10T16:00:00.000Z', ends_at: '2026-12-10T16:30:00.000Z' }));
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ moved: 1 });
    expect(microsoft.calendarEvents.get(event!.id)!.start.dateTime).toBe('2026-12-10T16:00:00.000');
    await store.write({ actor: 'relay', action: 'test' }, (tx) => tx.update('appointments', id, { state: 'declined' }));
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ removed: 1 });
    expect(microsoft.calendarEvents.get(event!.id)!.isCancelled).toBe(true);

    microsoft.calendarAccess = false;
    const other = await confirmed(store, '2026-12-11T14:00:00.000Z', 'Tom Becker');
    expect(await syncAppointmentCalendars(store, writers, SHOP)).toMatchObject({ created: 0, permissionMissing: ['mbx-o'] });
    expect(await eventsOf(store, other)).toEqual({ 'mbx-o': CALENDAR_PERMISSION_MISSING });
  });
});
