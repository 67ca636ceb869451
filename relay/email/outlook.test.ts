// Outlook (Microsoft 365) as a shop meets it, on both storage engines, against the fake Microsoft
// through the real SDKs (MSAL for sign-in and tokens, the Graph client for mail): connecting (PKCE
// checked by the fake, the state used once, "Connected as …" at the desk), an adjuster's mail
// arriving by a change notification with polling slowed to ten minutes, a reply sent once from the
// shop's address in the adjuster's conversation, the answer following the conversation, a forged
// notification refused, a lost send answer resolved in Sent Items, a refresh token Microsoft no
// longer takes shown as "reconnect", and an expired delta link resynced without duplicates.
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { ADJUSTER, CLAIM, type MailShop, PUSH_DEADLINE_MS, SHOP_MAILBOX, startMailShop } from './testing.js';

const SLOW_POLL = 600_000;

describe.each<Engine>(['sqlite', 'postgres'])('Outlook (%s)', (engine) => {
  let s: MailShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  const ms = () => s!.microsoft!;
  const mailboxes = () => s!.desk.db.selectFrom('mailboxes').selectAll().execute();
  const deskMail = async () => s!.desk.db.selectFrom('messages').selectAll().where('channel', '=', 'email').orderBy('at').execute();
  const vault = () => (s!.f.relay.mail as unknown as { options: { config: { vault: { open(sealed: string, bound: string): string } } } }).options.config.vault;
  const roMessages = async () => (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages;

  /** Connects the shop's Outlook mailbox as the owner at the desk; returns the sign-in address. */
  async function connect(): Promise<string> {
    const session = s!.desk.newSession();
    expect(await s!.desk.call('staff-switch', { staffId: s!.ownerId, pin: '2468' }, session)).toMatchObject({ ok: true });
    const started = await s!.desk.call('mail-connect-start', { provider: 'outlook' }, session);
    if (!started.ok) throw new Error(started.error.message);
    const url = (started.result as { url: string }).url;
    // The browser: Microsoft's page approves and sends it back to the relay's callback.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Connected as ${SHOP_MAILBOX} — you can close this tab.`);
    await eventually('"Connected as" at the desk', async () => {
      const list = await call<Array<{ address: string; state: string; provider: string }>>(s!.desk, 'mail-mailbox-list', {});
      return list.length === 1 && list[0]!.state === 'connected' && list;
    });
    // The subscription is made after the first catch-up round (the relay answered the handshake).
    await eventually('the change-notification subscription', async () => ms().subscriptions.size === 1);
    // …and the relay has recorded it (a moment after the fake made it): before that, a
    // notification is refused as coming from an unknown subscription.
    const [made] = [...ms().subscriptions.values()];
    await eventually('the subscription recorded by the relay', async () => (await s!.f.storage.mail.connectedAccounts())[0]?.pushId === made!.id);
    return url;
  }

  it('connects with PKCE and a single-use state, least-privilege scopes, the validation handshake answered; "Connected as …" at the desk', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    const url = await connect();
    const asked = ms().lastAuthorize!;
    expect(asked.code_challenge_method).toBe('S256');
    expect(asked.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.scope!.split(' ').sort()).toEqual(['Calendars.ReadWrite', 'Mail.Read', 'Mail.Send', 'User.Read', 'offline_access', 'openid', 'profile']);
    expect(asked.redirect_uri).toBe(new URL('/mail/outlook/callback', s.f.relay.url).toString());
    expect(ms().calls.codeGrants).toBe(1);
    expect(await mailboxes()).toMatchObject([{ provider: 'outlook', address: SHOP_MAILBOX, state: 'connected', connected_by: `staff:${s.ownerId}` }]);

    // The same answer again (a reload, a replay): the state is used up; Microsoft is not asked.
    const again = await fetch(url);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already used');
    expect(ms().calls.codeGrants).toBe(1);

    // Graph's handshake: the token echoed as text/plain (the subscription exists only because it was).
    expect(ms().calls.validations).toBe(1);
    const [sub] = [...ms().subscriptions.values()];
    expect(sub).toMatchObject({ changeType: 'created', resource: 'me/messages', notificationUrl: new URL('/mail/outlook/notify', s.f.relay.url).toString() });
    expect(Date.parse(sub!.expirationDateTime) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    const echo = await fetch(new URL('/mail/outlook/notify?validationToken=Validation%3A%20Testing%20client%20application%20reachability', s.f.relay.url), { method: 'POST' });
    expect([echo.status, echo.headers.get('content-type'), await echo.text()]).toEqual([200, 'text/plain; charset=utf-8', 'Validation: Testing client application reachability']);
    // What the relay keeps: the clientState sealed, never in clear.
    const [account] = await s.f.storage.mail.connectedAccounts();
    expect(account!.pushId).toBe(sub!.id);
    expect(account!.pushSecret).not.toContain(sub!.clientState!);
  });

  it('an adjuster\'s mail arrives by push (polling is 10 minutes); the reply goes out once from the shop\'s address in the conversation; the answer follows it', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const started = Date.now();
    const first = ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Supplement approved — claim ${CLAIM}`, text: 'Supplement 1 is approved for $1,240.00. Please proceed.' });
    const mail = await eventually('the adjuster\'s email on the repair', async () => (await roMessages()).find((m) => m.channel === 'email'), PUSH_DEADLINE_MS);
    expect(Date.now() - started).toBeLessThan(PUSH_DEADLINE_MS);
    expect(ms().notified).toEqual([{ subscriptionId: [...ms().subscriptions.keys()][0], status: 202 }]);
    expect(mail).toMatchObject({ direction: 'in', body: 'Supplement 1 is approved for $1,240.00. Please proceed.', email: { subject: `Supplement approved — claim ${CLAIM}`, from: { name: 'Pat Adjuster', address: ADJUSTER } } });
    expect((await deskMail())[0]).toMatchObject({ ro_id: s.ro.id, email_thread_id: first.conversationId });

    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    expect(await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Thank you — we start the repair today.\nDana' }, session)).toMatchObject({ ok: true });
    const sent = await eventually('the reply sent', async () => {
      const m = (await roMessages()).find((x) => x.direction === 'out');
      return m?.status === 'sent' && m;
    });
    expect(sent.email).toMatchObject({ subject: `Re: Supplement approved — claim ${CLAIM}`, to: [{ address: ADJUSTER }] });
    // More rounds, and the Sent Items copy notified back: still one message sent, one row.
    await s.f.relay.mail!.wake();
    await ms().settle();
    await s.f.relay.mail!.wake();
    expect(ms().sent).toHaveLength(1);
    const [out] = ms().sent;
    expect(out!.raw).toMatch(new RegExp(`^From: <${SHOP_MAILBOX}>\r$`, 'm'));
    expect(out!.raw).toContain(`In-Reply-To: ${first.messageId}\r\n`);
    expect(out!.raw).toContain(`References: ${first.messageId}\r\n`);
    expect(out!.conversationId).toBe(first.conversationId);
    const ownId = /^Message-ID: (<[^>]+>)\r$/m.exec(out!.raw)![1]!;
    expect(ms().messages().find((m) => m.folder === 'sentitems')?.internetMessageId).toBe(ownId);

    // The adjuster answers in the conversation from another address, no claim number: same repair.
    ms().deliver({ from: `Pat Adjuster <p.adjuster@statefarm.example>`, subject: 'Re: thanks', text: 'Great, keep me posted.', inReplyTo: ownId, references: `${first.messageId} ${ownId}` });
    const answer = await eventually('the answer on the repair', async () => (await roMessages()).find((m) => m.body === 'Great, keep me posted.'), PUSH_DEADLINE_MS);
    expect(answer.email?.subject).toBe('Re: thanks');
    expect((await deskMail()).filter((m) => m.direction === 'out')).toHaveLength(1);
    expect(await deskMail()).toHaveLength(3);
  });

  it('a burst of mail (a notification each) is filed once each, by rounds that never race', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    for (let i = 1; i <= 8; i++) ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — note ${i}`, text: `Note ${i}.` });
    await ms().settle();
    expect(ms().notified.map((n) => n.status)).toEqual(Array(8).fill(202));
    const rows = await eventually('eight emails at the desk', async () => {
      const all = await deskMail();
      return all.length >= 8 && all;
    }, 3000);
    await s.f.relay.mail!.wake();
    expect(await deskMail()).toHaveLength(8);
    expect(new Set(rows.map((r) => r.subject)).size).toBe(8);
    expect(rows.every((r) => r.ro_id === s!.ro.id)).toBe(true);
    // No round read a message another round had filed (rounds racing from the same cursor would).
    expect(s.f.relay.mail!.filed.filter((f) => f.how === 'duplicate')).toEqual([]);
    expect(s.f.relay.mail!.filed).toHaveLength(8);
  });

  it('a notification with a wrong clientState or an unknown subscription is refused and writes nothing', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const [sub] = [...ms().subscriptions.values()];
    // Mail is waiting in the mailbox but Microsoft's notification was lost; a forger knows the subscription id.
    ms().subscriptions.delete(sub!.id);
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'Status?' });
    const deltaBefore = ms().calls.deltaCalls;
    const post = (body: unknown) => fetch(new URL('/mail/outlook/notify', s!.f.relay.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const forged = await post({ value: [{ subscriptionId: sub!.id, clientState: 'guessed-state', changeType: 'created', resource: 'Users/x/Messages/y' }] });
    expect(forged.status).toBe(403);
    const unknown = await post({ value: [{ subscriptionId: '0d9b2d3c-0000-4000-8000-000000000000', clientState: sub!.clientState, changeType: 'created' }] });
    expect(unknown.status).toBe(403);
    const junk = await post({ hello: 'world' });
    expect(junk.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(ms().calls.deltaCalls).toBe(deltaBefore);
    expect(await deskMail()).toHaveLength(0);
    // The real one (its subscription and clientState) is taken.
    const real = await post({ value: [{ subscriptionId: sub!.id, clientState: sub!.clientState, changeType: 'created' }] });
    expect(real.status).toBe(202);
    await eventually('the mail after the real notification', async () => (await deskMail()).length === 1);
  });

  it('Microsoft sends but its answer is lost: found in Sent Items by the Message-ID, marked sent, not sent again', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'Status?' });
    const mail = await eventually('the email on the repair', async () => (await roMessages()).find((m) => m.channel === 'email'));
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    ms().faults.loseNextSendAnswer = true;
    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Painting today.' }, session)).ok).toBe(true);
    // The relay waits out the lost answer, then looks in Sent Items: on a loaded machine that can
    // take longer than the usual wait.
    const out = await eventually('the reply marked sent', async () => {
      const m = (await roMessages()).find((x) => x.direction === 'out');
      return m?.status === 'sent' && m;
    }, 60_000);
    expect(out.statusDetail).toBeNull();
    await s.f.relay.mail!.wake();
    await ms().settle();
    await s.f.relay.mail!.wake();
    expect(ms().sent).toHaveLength(1);
    expect((await deskMail()).filter((m) => m.direction === 'out')).toHaveLength(1);
  }, 90_000);

  it('sends left unfinished by a relay that died: found in Sent Items is sent, not found needs a person; neither is sent again', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const [box] = await s.f.storage.mail.connectedAccounts();
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    const longAgo = new Date(Date.now() - 120_000).toISOString();
    for (const n of ['one', 'two']) {
      await s.f.storage.mail.claimSend({ workspaceId: s.f.workspace.id, messageId: `email:dead-${n}`, by: 'relay-that-died', now: longAgo });
      await relayStore.write({ actor: 'relay', action: 'test-setup' }, (tx) =>
        tx.insert('messages', {
          id: `email:dead-${n}`,
          ro_id: s!.ro.id,
          channel: 'email',
          direction: 'out',
          body: `Reply ${n}`,
          at: longAgo,
          status: 'sending',
          mailbox_id: box!.mailboxId,
          subject: 'Re: photos',
          email_to: JSON.stringify([{ name: 'Pat Adjuster', address: ADJUSTER }]),
          email_message_id: `<dead-${n}.bayline@example.com>`,
        }),
      );
    }
    // Microsoft took the first before the process died: its copy is in Sent Items.
    ms().deliver({ from: `<${SHOP_MAILBOX}>`, to: ADJUSTER, subject: 'Re: photos', text: 'Reply one', messageId: '<dead-one.bayline@example.com>', folder: 'sentitems' });
    await (s.f.relay.mail as unknown as { resolveOpenSends(): Promise<void> }).resolveOpenSends();
    const states = await eventually('both resolved at the desk', async () => {
      const out = (await roMessages()).filter((m) => m.direction === 'out');
      return out.length === 2 && out.every((m) => m.status !== 'sending') && out;
    });
    expect(Object.fromEntries(states.map((m) => [m.body, m.status]))).toEqual({ 'Reply one': 'sent', 'Reply two': 'check-needed' });
    expect(ms().sent).toHaveLength(0);
    // The copy in Sent Items, seen by the next catch-up, is the same row (no second "Reply one").
    await s.f.relay.mail!.wake();
    expect((await deskMail()).filter((m) => m.direction === 'out')).toHaveLength(2);
  });

  it('a refresh token Microsoft no longer takes shows "Reconnect the mailbox" at the desk; reconnecting catches up what arrived', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    ms().invalidateRefreshTokens();
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}: estimate`, text: 'Estimate attached.' });
    await s.f.relay.mail!.wake();
    const [box] = await eventually('the desk to ask for a reconnect', async () => {
      const list = await call<Array<{ state: string; lastError: string | null }>>(s!.desk, 'mail-mailbox-list', {});
      return list[0]?.state === 'reconnect-needed' && list;
    });
    expect(box!.lastError).toMatch(/Outlook no longer lets Bayline read shop@example\.com.*Reconnect the mailbox in Settings › Email/);
    expect(await deskMail()).toHaveLength(0);

    // Connected again: the same mailbox, and the mail that arrived meanwhile is caught up.
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    const started = await s.desk.call('mail-connect-start', { provider: 'outlook' }, session);
    if (!started.ok) throw new Error(started.error.message);
    expect(await (await fetch((started.result as { url: string }).url)).text()).toContain(`Connected as ${SHOP_MAILBOX}`);
    await eventually('the mail that arrived meanwhile', async () => (await deskMail()).length === 1);
    expect(await mailboxes()).toMatchObject([{ state: 'connected', last_error: null }]);
  });

  it('an expired delta link: a full resync of recent mail, nothing twice', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'First.' });
    ms().deliver({ from: 'Parts Depot <sales@parts.example>', subject: 'Weekly specials', text: 'Bumpers 20% off.' });
    await eventually('two emails at the desk', async () => (await deskMail()).length === 2);
    await ms().settle();
    ms().expireDelta();
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: 'Photos received', text: 'Got the teardown photos, thank you.' });
    await eventually('the third email after the resync', async () => (await deskMail()).length === 3);
    await ms().settle();
    await s.f.relay.mail!.wake();
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} again`, text: 'Fourth.' });
    await eventually('the fourth email, from the new delta link', async () => (await deskMail()).length === 4);
    await ms().settle();
    await s.f.relay.mail!.wake();
    const rows = await deskMail();
    expect(rows.map((r) => r.subject)).toEqual([`Claim ${CLAIM}`, 'Weekly specials', 'Photos received', `Claim ${CLAIM} again`]);
    expect(rows.find((r) => r.subject === 'Weekly specials')?.ro_id).toBeNull();
    expect(rows.find((r) => r.subject === 'Photos received')?.ro_id).toBe(s.ro.id);
  });

  it('one access token serves many rounds; the new refresh token Microsoft gives replaces the kept one, sealed', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const grants = ms().calls.refreshGrants;
    expect(grants).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 3; i++) await s.f.relay.mail!.wake();
    expect(ms().calls.refreshGrants).toBe(grants);
    const [account] = await s.f.storage.mail.connectedAccounts();
    const kept = vault().open(account!.sealedToken!, account!.mailboxId);
    // The first refresh token (from the sign-in) was used once; the one kept is Microsoft's newest.
    expect(ms().issuedRefreshTokens.length).toBe(1 + grants);
    expect(kept).toBe(ms().issuedRefreshTokens.at(-1));
    expect(account!.sealedToken).not.toContain(kept);
  });

  it('the subscription is renewed before it lapses (same id, same clientState), and made again when Microsoft dropped it', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const [first] = [...ms().subscriptions.values()];
    const [account] = await s.f.storage.mail.connectedAccounts();
    // Twelve hours left: the next round renews it.
    await s.f.storage.mail.setPush(account!.mailboxId, { id: account!.pushId, expiresAt: new Date(Date.now() + 12 * 3_600_000).toISOString(), sealedSecret: account!.pushSecret });
    // The next round renews it (a round already under way when the expiry was moved may finish first).
    await eventually('the renewal', async () => (await s!.f.relay.mail!.wake(), ms().calls.renewed >= 1));
    const renewals = ms().calls.renewed;
    const [renewed] = await s.f.storage.mail.connectedAccounts();
    expect(renewed!.pushId).toBe(first!.id);
    expect(Date.parse(renewed!.pushExpiresAt!) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    const open = (sealed: string) => vault().open(sealed, `push:${account!.mailboxId}`);
    expect(open(renewed!.pushSecret!)).toBe(first!.clientState);
    // Plenty left: nothing asked of Microsoft.
    await s.f.relay.mail!.wake();
    expect([ms().calls.renewed, ms().calls.subscriptionsCreated]).toEqual([renewals, 1]);

    // Microsoft dropped it (it lapsed while the relay was down): a new one, a new clientState.
    ms().subscriptions.delete(first!.id);
    await s.f.storage.mail.setPush(account!.mailboxId, { id: first!.id, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), sealedSecret: account!.pushSecret });
    await eventually('a new subscription', async () => (await s!.f.relay.mail!.wake(), ms().calls.subscriptionsCreated >= 2));
    expect(ms().calls.subscriptionsCreated).toBe(2);
    const [again] = await s.f.storage.mail.connectedAccounts();
    const [second] = [...ms().subscriptions.values()];
    expect(again!.pushId).toBe(second!.id);
    expect(second!.clientState).not.toBe(first!.clientState);
    // The new one works end to end; the old id is refused.
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'After the renewal.' });
    await eventually('the mail by the new subscription', async () => (await deskMail()).length === 1);
    expect(ms().notified.at(-1)).toEqual({ subscriptionId: second!.id, status: 202 });
    const old = await fetch(new URL('/mail/outlook/notify', s.f.relay.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: [{ subscriptionId: first!.id, clientState: first!.clientState }] }) });
    expect(old.status).toBe(403);
  });

  it('Microsoft removes the subscription and says so (lifecycle notification): a new one is made at once and push goes on', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const [first] = [...ms().subscriptions.values()];
    expect(first!.lifecycleNotificationUrl).toBe(first!.notificationUrl);
    ms().removeSubscription(first!.id);
    await ms().settle();
    const second = await eventually('a new subscription', async () => [...ms().subscriptions.values()][0]);
    expect(second.id).not.toBe(first!.id);
    expect(ms().calls.subscriptionsCreated).toBe(2);
    // The relay records it once Microsoft has answered (a moment after the fake made it).
    await eventually('the new subscription recorded', async () => (await s!.f.storage.mail.connectedAccounts())[0]!.pushId === second.id);
    ms().deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'Still arriving by push.' });
    await eventually('the mail by the new subscription', async () => (await deskMail()).length === 1);
    expect(ms().notified.at(-1)).toEqual({ subscriptionId: second.id, status: 202 });
  });

  it('disconnecting deletes the subscription at Microsoft and the token at the relay', async () => {
    s = await startMailShop(engine, { microsoft: true, pollMs: SLOW_POLL });
    await connect();
    const [box] = await mailboxes();
    const out = await s.post(`/mail/mailboxes/${box!.id}/disconnect`, { staffId: s.ownerId });
    expect(out.status).toBe(200);
    expect(ms().subscriptions.size).toBe(0);
    expect(ms().calls.subscriptionsDeleted).toBe(1);
    expect(await s.f.storage.mail.findAccount(box!.id)).toMatchObject({ state: 'disconnected', sealedToken: null, pushId: null });
    await eventually('the desk to show it disconnected', async () => (await mailboxes())[0]?.state === 'disconnected');
  });
});
