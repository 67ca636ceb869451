// A group admin's reports across locations, on both engines: signing in by a mailed single-use link
// (read from a real SMTP server on 127.0.0.1), every location's figures in columns equal to what
// that shop's own desk computes for the same repairs (the hand-worked fixture of
// src-shared/reports/figures.test.ts, checked number by number here too), the group total, the CSV,
// and an admin of one group never seeing another group's locations.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDesk, type TestDesk } from '../../src-main/testing/temp-desk.js';
import { computeFigures } from '../../src-shared/reports/figures.js';
import { reportsFixture } from '../../src-shared/reports/fixtures.js';
import { loadReportFacts } from '../../src-shared/reports/load.js';
import { writeFacts } from '../../src-shared/reports/testing.js';
import { LocalSmtp } from '../email/imap/local-servers.js';
import { CodeClock, csrfOf, FormClient } from '../providers/testing.js';
import type { RelayStorage } from '../storage/types.js';
import { type Engine, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { groupReport } from './group-reports.js';

const PERIOD = { from: '2026-10-26', to: '2026-11-08' };
const PAT = 'pat@lakeside.example';
const RIV = 'riv@rival.example';

async function shop(storage: RelayStorage, slug: string, name: string) {
  const ws = await storage.createWorkspace({ slug, name });
  const store = await storage.workspaceStore(ws.id);
  await writeFacts(store, reportsFixture());
  await store.write({ actor: 'system', action: 'rename', audit: false }, (tx) => tx.update('workspace_settings', 'workspace', { name }));
  return ws;
}

function linkIn(smtp: LocalSmtp, email: string, after: number): string | null {
  const mail = smtp.received.slice(after).find((m) => m.to.includes(email));
  if (!mail) return null;
  return /(https?:\/\/[^\s"<>]+\/g\/[a-z0-9-]+\/admin\/link\/[A-Za-z0-9_-]+)/.exec(mail.raw.replace(/=\r?\n/g, ''))?.[1] ?? null;
}

/** The side-by-side table as { figure: [cells...] }, cells as shown. */
function tableOf(page: string): { columns: string[]; rows: Map<string, string[]> } {
  const head = /<thead>(.*?)<\/thead>/s.exec(page)?.[1] ?? '';
  const columns = [...head.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]!);
  const rows = new Map<string, string[]>();
  for (const m of page.matchAll(/<tr><th scope="row">([^<]*)<\/th>(.*?)<\/tr>/gs)) {
    rows.set(m[1]!, [...m[2]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]!));
  }
  return { columns, rows };
}

describe.each<Engine>(['sqlite', 'postgres'])('group reports across locations (relay on %s)', (engine) => {
  let f: RelayFixture | undefined;
  let smtp: LocalSmtp;
  let desk: TestDesk | undefined;

  beforeEach(async () => {
    smtp = await LocalSmtp.start({ relay: 'relay-pass' });
    f = await startRelayFixture(engine, { providerMail: { smtpUrl: `smtp://relay:relay-pass@127.0.0.1:${smtp.port}`, from: 'Bayline <no-reply@relay.example>' } });
    const { storage } = f;
    const north = await shop(storage, 'lakeside-north', 'Lakeside North');
    const south = await shop(storage, 'lakeside-south', 'Lakeside South');
    const rival = await shop(storage, 'rival-body', 'Rival Body Works');
    await storage.groups.create({ slug: 'lakeside', name: 'Lakeside Collision Group', colorPrimary: '#1f4e79' });
    await storage.groups.addMember('lakeside', north.id);
    await storage.groups.addMember('lakeside', south.id);
    await storage.groups.create({ slug: 'rival', name: 'Rival Group' });
    await storage.groups.addMember('rival', rival.id);
    await storage.groups.addAdminPerson('lakeside', PAT, 'Pat Lee');
    await storage.groups.addAdminPerson('rival', RIV, 'Riv Ode');
  });

  afterEach(async () => {
    await desk?.close();
    desk = undefined;
    await f?.cleanup();
    f = undefined;
    await smtp?.close();
  });

  async function signIn(group: string, email: string): Promise<FormClient> {
    const client = new FormClient(f!.relay.url, new CodeClock());
    const before = smtp.received.length;
    const asked = await client.submit(`/g/${group}/admin/sign-in`, `/g/${group}/admin/sign-in`, { email });
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('a sign-in link is on its way');
    const link = linkIn(smtp, email, before);
    if (!link) throw new Error(`no sign-in link mailed to ${email}`);
    const path = new URL(link).pathname;
    const used = await client.submit(path, path, {});
    expect(used.status).toBe(303);
    expect(used.location).toBe(`/g/${group}/admin`);
    expect(used.setCookie.find((c) => c.startsWith('bayline_group='))).toMatch(new RegExp(`Path=/g/${group}/admin; HttpOnly; Secure; SameSite=Lax`));
    // The link worked once.
    const again = await new FormClient(f!.relay.url, new CodeClock()).submit(path, path, {});
    expect(again.status).toBe(410);
    return client;
  }

  it("shows each location's figures beside the others, equal to the shop's own desk, with the group total and a CSV", async () => {
    const anonymous = new FormClient(f!.relay.url, new CodeClock());
    expect((await anonymous.get('/g/lakeside/admin')).location).toBe('/g/lakeside/admin/sign-in');
    expect((await anonymous.get(`/g/lakeside/admin/report.csv?from=${PERIOD.from}&to=${PERIOD.to}`)).status).toBe(401);

    const pat = await signIn('lakeside', PAT);
    const page = await pat.get(`/g/lakeside/admin?from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(page.status).toBe(200);
    const { columns, rows } = tableOf(page.text);
    expect(columns).toEqual(['Figure', 'Lakeside North', 'Lakeside South', 'Group']);
    // The hand-worked figures of src-shared/reports/figures.test.ts, in each column; the group of two
    // identical shops adds the counts and keeps the averages.
    const expected: Array<[string, string, string]> = [
      ['Repairs delivered', '2', '4'],
      ['Keys to keys, average days', '7.8', '7.8'], // 187 h / 24
      ['Delivered by the promised date', '50%', '50%'],
      ['Pictures, average hours', '4.0', '4.0'],
      ['Estimate, average hours', '24.0', '24.0'],
      ['Completed, average hours', '50.5', '50.5'],
      ['Survey responses', '2', '4'],
      ['Overall satisfaction (1–5)', '3.0', '3.0'],
      ['Net promoter score', '0.0', '0.0'],
      ['Customer messages in', '5', '10'],
      ['Messages sent', '4', '8'],
      ['First response, average minutes', '297', '297'], // (30 + 840 + 20) / 3
      ['Time reclaimed, hours', '1.8', '3.6'], // 27 calls × 4 min = 108 min per shop
    ];
    for (const [label, each, total] of expected) expect(rows.get(label), label).toEqual([each, each, total]);
    const repairRow = [...rows.keys()].find((k) => k.includes('Repair') && k.includes('hours'))!;
    expect(rows.get(repairRow)).toEqual(['108.5', '108.5', '108.5']);
    expect(page.text).not.toContain('Rival');

    // Exactly the desk's numbers: the same fixture on a desk's SQLite, through the same loader and engine.
    desk = await openTestDesk();
    await writeFacts(desk.desk.store, reportsFixture());
    const atTheDesk = computeFigures(await loadReportFacts(desk.desk.db, PERIOD), { ...PERIOD, insurer: null, staffId: null });
    const group = (await f!.storage.groups.find('lakeside'))!;
    const onRelay = await groupReport(f!.storage, group, PERIOD);
    expect(onRelay.locations.map((l) => l.name)).toEqual(['Lakeside North', 'Lakeside South']);
    for (const l of onRelay.locations) expect(l.figures).toEqual(atTheDesk);
    expect(onRelay.total.keysToKeysDays).toBeCloseTo(187 / 24, 9);
    expect(onRelay.total.firstResponseAverageMinutes).toBeCloseTo(890 / 3, 9);

    const csv = await pat.get(`/g/lakeside/admin/report.csv?from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('Lakeside Collision Group: 2026-10-26 to 2026-11-08');
    expect(lines[1]).toBe('Section,Figure,Lakeside North,Lakeside South,Group');
    expect(lines).toContain('Cycle time,"Keys to keys, average days",7.79,7.79,7.79');
    expect(lines).toContain('Messages,"First response, average minutes",296.67,296.67,296.67');
    expect(lines).toContain('Front desk,"Time reclaimed, hours",1.8,1.8,3.6');

    // A period that ends before it starts is refused with what is wrong, nothing computed.
    const bad = await pat.get('/g/lakeside/admin?from=2026-11-08&to=2026-10-26');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The period starts (2026-11-08) after it ends (2026-10-26)');

    // Sign-out is a form with the session's CSRF token: without it nothing happens.
    expect((await pat.post('/g/lakeside/admin/sign-out', {})).status).toBe(403);
    expect((await pat.get('/g/lakeside/admin')).status).toBe(200);
    const out = await pat.post('/g/lakeside/admin/sign-out', { _csrf: csrfOf(page.text) });
    expect(out.location).toBe('/g/lakeside/admin/sign-in');
    expect((await pat.get('/g/lakeside/admin')).location).toBe('/g/lakeside/admin/sign-in');
  });

  it("never shows an admin of one group another group's locations", async () => {
    const pat = await signIn('lakeside', PAT);
    // Pat's session (the client sends every cookie it holds, whatever its path) opens nothing of the rival group.
    const theirs = await pat.get(`/g/rival/admin?from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(theirs.status).toBe(303);
    expect(theirs.location).toBe('/g/rival/admin/sign-in');
    expect((await pat.get(`/g/rival/admin/report.csv?from=${PERIOD.from}&to=${PERIOD.to}`)).status).toBe(401);
    // Asking the rival group for a link for Pat answers the same words but mails nothing.
    const before = smtp.received.length;
    const asked = await pat.submit('/g/rival/admin/sign-in', '/g/rival/admin/sign-in', { email: PAT });
    expect(asked.text).toContain('a sign-in link is on its way');
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.received.length).toBe(before);
    // A link made for one group does not open another.
    const link = linkIn(smtp, PAT, 0)!;
    const token = new URL(link).pathname.split('/').pop()!;
    const used = await pat.submit(`/g/rival/admin/link/${token}`, `/g/rival/admin/link/${token}`, {});
    expect(used.status).toBe(410);

    const riv = await signIn('rival', RIV);
    const page = await riv.get(`/g/rival/admin?from=${PERIOD.from}&to=${PERIOD.to}`);
    expect(tableOf(page.text).columns).toEqual(['Figure', 'Rival Body Works', 'Group']);
    expect(page.text).not.toContain('Lakeside North');
    expect(page.text).not.toContain('Lakeside South');
    expect((await riv.get(`/g/lakeside/admin`)).location).toBe('/g/lakeside/admin/sign-in');

    // Removing Pat ends Pat's session at once.
    expect((await pat.get('/g/lakeside/admin')).status).toBe(200);
    await f!.storage.groups.removeAdminPerson('lakeside', PAT);
    expect((await pat.get('/g/lakeside/admin')).location).toBe('/g/lakeside/admin/sign-in');

    // An anonymous form without its cookie token is refused and mails nothing.
    const bare = await fetch(`${f!.relay.url}/g/lakeside/admin/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=${encodeURIComponent(PAT)}` });
    expect(bare.status).toBe(403);
  });
});
