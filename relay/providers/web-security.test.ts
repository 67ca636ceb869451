// The work-provider sign-in's security, over HTTP against a real relay (SQLite and PostgreSQL) with a real desk
// and a real SMTP server: invitations by mail (single use), CSRF refused without the token, no
// session fixation, 20 wrong passwords lock, sign out everywhere, an admin inviting and removing
// their own people, each view of a repair in that RO's audit trail on the shop's desk, and the
// TOTP secret kept sealed in the database (one kept in clear from before still works, and is sealed).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Desk } from '../../src-main/desk.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { LocalSmtp } from '../email/imap/local-servers.js';
import { parseTokenKey, TokenVault } from '../email/token-vault.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../testing/sync-fixture.js';
import { addProvider, CodeClock, csrfOf, FormClient, inviteByMail, linkFromMail, PASSWORD } from './testing.js';
import type { WorkProvider } from './records.js';

describe.each(['sqlite', 'postgres'] as const)('work-provider sign-in security on %s', (engine) => {
  let smtp: LocalSmtp;
  let f: RelayFixture;
  let desk: Desk;
  let harbor: WorkProvider;
  let ro: RepairOrderDetail;
  let adminSecret: string;
  const ADMIN = 'ana.ruiz@harbor.example';
  const clock = new CodeClock();

  beforeAll(async () => {
    smtp = await LocalSmtp.start({ relay: 'relay-pass' });
    f = await startRelayFixture(engine, {
      providerClock: clock.now,
      providerMail: { smtpUrl: `smtp://relay:relay-pass@127.0.0.1:${smtp.port}`, from: 'Bayline <no-reply@relay.example>' },
      providerApi: { webhooks: { vault: new TokenVault(parseTokenKey(randomBytes(32).toString('hex'))) } },
    });
    desk = (await f.pairNewDesk('Front desk')).desk;
    harbor = await addProvider(f.storage, 'harbor-mutual', 'Harbor Mutual');
    ro = await call<RepairOrderDetail>(desk, 'ro-check-in', {
      customer: { firstName: 'Maya', lastName: 'Lopez', mobile: '(512) 555-0147' },
      vehicle: { plate: '7ABC123', year: 2019, make: 'Honda', model: 'Civic' },
      insurer: 'Harbor Mutual',
      claimNumber: 'HM-2291-7734',
    });
    await desk.store.write({ actor: 'staff:test', action: 'provider-grant-save' }, (tx) =>
      tx.insert('provider_grants', { provider_id: harbor.id, provider_name: harbor.name, insurer_names: JSON.stringify(['Harbor Mutual']), share_photos: 0, share_documents: 0, share_messages: 0, share_amounts: 0, granted_at: new Date().toISOString() }),
    );
    await eventually('the desk to push', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
    const admin = new FormClient(f.relay.url, clock);
    adminSecret = await admin.acceptInvitation(await inviteByMail(f.relay, smtp, harbor, ADMIN, 'Ana Ruiz'));
  }, 60_000);

  afterAll(async () => {
    await f?.cleanup();
    await smtp?.close();
  });

  it('mails a single-use invitation link', async () => {
    const link = await inviteByMail(f.relay, smtp, harbor, 'lee@harbor.example', 'Lee Park', 'member');
    const mail = smtp.received.find((m) => m.to.includes('lee@harbor.example'))!;
    expect(mail.raw).toContain('Your Harbor Mutual repair-tracking account');
    const lee = new FormClient(f.relay.url, clock);
    await lee.acceptInvitation(link);
    const again = await new FormClient(f.relay.url, clock).get(new URL(link).pathname);
    expect(again.status).toBe(404);
    expect(again.text).toContain('This invitation cannot be used');
  });

  it('refuses a state change without the CSRF token, and changes nothing', async () => {
    const client = new FormClient(f.relay.url, clock);
    expect((await client.signIn(ADMIN, adminSecret)).location).toBe('/provider');
    const home = await client.get('/provider');
    expect(home.status).toBe(200);
    const forged = await client.post('/provider/sign-out-everywhere', {});
    expect(forged.status).toBe(403);
    const wrong = await client.post('/provider/sla', { _csrf: 'x'.repeat(43), cycleDays: '1' });
    expect(wrong.status).toBe(403);
    expect((await f.storage.providers.findProvider(harbor.id))!.slaTargets).toEqual({});
    expect((await client.get('/provider')).status).toBe(200); // still signed in
    // The sign-in form itself needs its token too.
    const anonymous = new FormClient(f.relay.url, clock);
    expect((await anonymous.post('/provider/sign-in', { email: ADMIN, password: PASSWORD })).status).toBe(403);
    // With the token, the same change goes through.
    const saved = await client.submit('/provider/sla', '/provider/sla', { cycleDays: '9', firstNoticeToStartDays: '2', overduePercent: '10' });
    expect(saved.status).toBe(303);
    expect((await f.storage.providers.findProvider(harbor.id))!.slaTargets).toEqual({ cycleDays: 9, firstNoticeToStartDays: 2, overduePercent: 10 });
  });

  it('never keeps a session id the browser brought: a new one after the password and another after the code', async () => {
    const victim = new FormClient(f.relay.url, clock);
    const planted = 'A'.repeat(43);
    victim.cookies.set('bayline_provider', planted);
    const password = await victim.submit('/provider/sign-in', '/provider/sign-in', { email: ADMIN, password: PASSWORD });
    expect(password.status).toBe(303);
    const afterPassword = victim.cookies.get('bayline_provider')!;
    expect(afterPassword).not.toBe(planted);
    expect(password.setCookie.join(';')).toMatch(/HttpOnly/);
    expect(password.setCookie.join(';')).toMatch(/Secure/);
    expect(password.setCookie.join(';')).toMatch(/SameSite=Lax/);
    const code = await victim.submit('/provider/sign-in/code', '/provider/sign-in/code', { code: await clock.next(adminSecret) });
    expect(code.location).toBe('/provider');
    const signedIn = victim.cookies.get('bayline_provider')!;
    expect(signedIn).not.toBe(afterPassword);
    expect((await victim.get('/provider')).status).toBe(200);
    // Neither the planted id nor the half-way one opens anything.
    for (const old of [planted, afterPassword]) {
      const attacker = new FormClient(f.relay.url, clock);
      attacker.cookies.set('bayline_provider', old);
      expect((await attacker.get('/provider')).location).toBe('/provider/sign-in');
    }
    // A code is good once: the same code again is refused.
    const replay = new FormClient(f.relay.url, clock);
    await replay.submit('/provider/sign-in', '/provider/sign-in', { email: ADMIN, password: PASSWORD });
    expect((await replay.submit('/provider/sign-in/code', '/provider/sign-in/code', { code: await clock.current(adminSecret) })).status).toBe(401);
  });

  it('locks the account after 20 wrong passwords, even to the right one, until an admin unlocks it', async () => {
    const link = await inviteByMail(f.relay, smtp, harbor, 'sam@harbor.example', 'Sam Ode', 'member');
    const sam = new FormClient(f.relay.url, clock);
    const samSecret = await sam.acceptInvitation(link);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) statuses.push((await sam.submit('/provider/sign-in', '/provider/sign-in', { email: 'sam@harbor.example', password: `wrong guess ${i}` })).status);
    expect(statuses.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(statuses[19]).toBe(423);
    const right = await sam.submit('/provider/sign-in', '/provider/sign-in', { email: 'sam@harbor.example', password: PASSWORD });
    expect(right.status).toBe(423);
    expect(right.text).toContain('locked after 20 wrong passwords');
    // The admin sees it locked on the team page and unlocks it.
    const admin = new FormClient(f.relay.url, clock);
    await admin.signIn(ADMIN, adminSecret);
    const team = await admin.get('/provider/team');
    expect(team.text).toMatch(/Sam Ode<\/td>.*?locked/s);
    const samId = (await f.storage.providers.findUserByEmail('sam@harbor.example'))!.id;
    expect((await admin.post(`/provider/team/${samId}/unlock`, { _csrf: csrfOf(team.text) })).status).toBe(200);
    expect((await sam.signIn('sam@harbor.example', samSecret)).location).toBe('/provider');
  });

  it('an admin invites and removes their own people; a member cannot; removal and "sign out everywhere" end sessions at once', async () => {
    const admin = new FormClient(f.relay.url, clock);
    await admin.signIn(ADMIN, adminSecret);
    const invited = await admin.submit('/provider/team', '/provider/team/invite', { name: 'Kim Vo', email: 'kim@harbor.example', role: 'member' });
    expect(invited.text).toContain('Invitation sent to kim@harbor.example');
    const kim = new FormClient(f.relay.url, clock);
    const kimSecret = await kim.acceptInvitation(linkFromMail(smtp, 'kim@harbor.example'));
    expect((await kim.get('/provider')).status).toBe(200);
    expect((await kim.get('/provider/team')).status).toBe(403);
    const kimOnPhone = new FormClient(f.relay.url, clock);
    await kimOnPhone.signIn('kim@harbor.example', kimSecret);
    // Sign out everywhere from one browser ends the other too.
    await kim.submit('/provider/account', '/provider/sign-out-everywhere', {});
    expect((await kimOnPhone.get('/provider')).location).toBe('/provider/sign-in');
    expect((await kim.get('/provider')).location).toBe('/provider/sign-in');
    // Removed: signed out, and the password no longer works.
    const kimAgain = new FormClient(f.relay.url, clock);
    const kimId = (await f.storage.providers.findUserByEmail('kim@harbor.example'))!.id;
    const removed = await admin.submit('/provider/team', `/provider/team/${kimId}/remove`, {});
    expect(removed.text).toContain('Kim Vo was removed');
    expect((await kimAgain.submit('/provider/sign-in', '/provider/sign-in', { email: 'kim@harbor.example', password: PASSWORD })).status).toBe(401);
  });

  it('writes each view of a repair to its audit trail, which the shop sees on its desk', async () => {
    const admin = new FormClient(f.relay.url, clock);
    await admin.signIn(ADMIN, adminSecret);
    const found = await admin.get('/provider/find?q=7abc%20123');
    expect(found.location).toMatch(/^\/provider\/r\//);
    expect((await admin.get(found.location!)).status).toBe(200);
    expect((await admin.get(found.location!)).status).toBe(200);
    const views = await eventually('the views to reach the desk', async () => {
      const entries = await call<Array<{ summary: string }>>(desk, 'audit-list', { roId: ro.id, limit: 50 });
      const seen = entries.filter((e) => e.summary.includes('viewed by Ana Ruiz of Harbor Mutual'));
      return seen.length === 2 ? seen : undefined;
    });
    expect(views).toHaveLength(2);
  });

  it('keeps the sign-in code secret sealed in the database; a secret kept in clear from before still signs in and is sealed then', async () => {
    const stored = (await f.storage.providers.findUserByEmail(ADMIN))!;
    expect(stored.totpSecret).not.toContain(adminSecret);
    expect(stored.totpSecret).toMatch(/^v1\./);
    // A person whose secret was written before sealing (in clear, as an older relay left it).
    const link = await inviteByMail(f.relay, smtp, harbor, 'old@harbor.example', 'Olga Tran', 'member');
    const olga = new FormClient(f.relay.url, clock);
    const olgaSecret = await olga.acceptInvitation(link);
    const olgaId = (await f.storage.providers.findUserByEmail('old@harbor.example'))!.id;
    await f.storage.providers.replaceTotpSecret(olgaId, (await f.storage.providers.findUser(olgaId))!.totpSecret!, olgaSecret);
    expect((await f.storage.providers.findUser(olgaId))!.totpSecret).toBe(olgaSecret);
    expect((await new FormClient(f.relay.url, clock).signIn('old@harbor.example', olgaSecret)).location).toBe('/provider');
    const after = (await f.storage.providers.findUser(olgaId))!.totpSecret!;
    expect(after).not.toContain(olgaSecret);
    expect(after).toMatch(/^v1\./);
    // And it still opens: the next sign-in works with the same app.
    expect((await new FormClient(f.relay.url, clock).signIn('old@harbor.example', olgaSecret)).location).toBe('/provider');
  });
});
