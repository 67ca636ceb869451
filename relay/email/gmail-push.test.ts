// Gmail push on both storage engines, against the fake Google through the real SDKs
// (googleapis' users.watch / users.stop, google-auth-library's verifyIdToken against the fake's
// certificates), with polling as good as off (every 10 minutes): connecting registers a watch on
// the operator's topic; an adjuster's email is on the right repair at the desk by push alone
// (how fast: `npm run bench`, part mail); the watch is renewed once less than a day is left, also after a relay
// restart; forged pushes are refused and change nothing; disconnecting stops the watch.
import { afterEach, describe, expect, it } from 'vitest';
import { type Engine, eventually } from '../testing/sync-fixture.js';
import { newPushSigningKey } from './fake-google/fake-google.js';
import { ADJUSTER, CLAIM, type MailShop, PUSH_DEADLINE_MS, PUSH_TOPIC, SHOP_MAILBOX, startMailShop } from './testing.js';

const TEN_MINUTES = 600_000;
const DAY = 24 * 3600_000;

describe.each<Engine>(['sqlite', 'postgres'])('Gmail push (%s)', (engine) => {
  let s: MailShop | undefined;
  afterEach(async () => {
    await s?.google.pushesSettled();
    await s?.cleanup();
    s = undefined;
  });

  const deskMail = async () =>
    (await s!.desk.db.selectFrom('messages').select(['id', 'ro_id', 'subject', 'direction']).where('channel', '=', 'email').orderBy('at').execute());
  const relayMailCount = async () => {
    const store = await s!.f.storage.workspaceStore(s!.f.workspace.id);
    return (await store.db.selectFrom('messages').select('id').where('channel', '=', 'email').execute()).length;
  };
  const pushUrl = () => `${s!.f.relay.url}/mail/gmail/push`;
  const watches = () => s!.google.watchCalls.filter((c) => c.call === 'watch');

  async function connect(): Promise<string> {
    const started = await s!.post('/mail/gmail/start', { staffId: s!.ownerId });
    expect(started.status).toBe(200);
    const page = await fetch(((await started.json()) as { url: string }).url);
    expect(await page.text()).toContain(`Connected as ${SHOP_MAILBOX}`);
    const box = await eventually('the mailbox at the desk', async () => (await s!.desk.db.selectFrom('mailboxes').selectAll().executeTakeFirst()) ?? false);
    return box.id;
  }

  it('connect → watch on the topic → an adjuster\'s mail is on the repair at the desk by push (polling is 10 minutes) → renewed near expiry (also after a restart) → disconnect stops it', async () => {
    s = await startMailShop(engine, { push: true, pollMs: TEN_MINUTES });
    const mailboxId = await connect();

    // The watch Gmail was asked for: the operator's topic, inbox and sent only.
    await eventually('the watch at Google', async () => s!.google.watches.get(SHOP_MAILBOX));
    expect(watches()).toEqual([{ account: SHOP_MAILBOX, call: 'watch', topic: PUSH_TOPIC, labelIds: ['INBOX', 'SENT'], labelFilterBehavior: 'include' }]);
    const stored = await eventually('the watch kept by the relay', async () => {
      const a = await s!.f.storage.mail.findAccount(mailboxId);
      return a?.pushExpiresAt ? a : false;
    });
    expect(Date.parse(stored.pushExpiresAt!)).toBe(s.google.watches.get(SHOP_MAILBOX)!.expiration);
    const historyCallsBefore = s.google.calls.historyList;

    // The adjuster writes; nothing polls for 10 minutes: only the push can bring it in.
    const t0 = Date.now();
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Supplement approved — claim ${CLAIM}`, text: 'Supplement 1 is approved for $1,240.00.' });
    const [mail] = await eventually('the adjuster\'s mail at the desk', async () => {
      const rows = await deskMail();
      return rows.length === 1 && rows;
    }, PUSH_DEADLINE_MS);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(PUSH_DEADLINE_MS);
    expect(mail).toMatchObject({ ro_id: s.ro.id, direction: 'in', subject: `Supplement approved — claim ${CLAIM}` });
    await s.google.pushesSettled();
    expect(s.google.pushes.map((p) => p.status)).toEqual([204]);
    expect(s.google.calls.historyList).toBeGreaterThan(historyCallsBefore);

    // Still more than a day left: a round keeps the watch as it is.
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Re: claim ${CLAIM}`, text: 'Photos attached later today.' });
    await eventually('the second mail at the desk', async () => (await deskMail()).length === 2, PUSH_DEADLINE_MS);
    expect(watches()).toHaveLength(1);

    // Less than a day left (as 6 days later): the next round renews it for another 7 days.
    await s.f.storage.mail.setPush(mailboxId, { id: stored.pushId, expiresAt: new Date(Date.now() + DAY - 60_000).toISOString(), sealedSecret: null });
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Rental extension — claim ${CLAIM}`, text: 'Rental is extended by 3 days.' });
    await eventually('the renewal', async () => watches().length === 2, PUSH_DEADLINE_MS);
    await eventually('the renewed expiry kept', async () => {
      const a = await s!.f.storage.mail.findAccount(mailboxId);
      return Date.parse(a!.pushExpiresAt!) > Date.now() + 6 * DAY;
    });
    await eventually('the third mail at the desk', async () => (await deskMail()).length === 3, PUSH_DEADLINE_MS);

    // After a restart the relay goes by the stored expiry: far enough, no new watch…
    await s.f.restart();
    await s.f.relay.mail!.wake();
    expect(watches()).toHaveLength(2);
    // …near, one renewal at the first round.
    const kept = (await s.f.storage.mail.findAccount(mailboxId))!;
    await s.f.storage.mail.setPush(mailboxId, { id: kept.pushId, expiresAt: new Date(Date.now() + 3600_000).toISOString(), sealedSecret: null });
    await s.f.restart();
    await eventually('the renewal after the restart', async () => watches().length === 3);
    // Pushes reach the restarted relay too.
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Final invoice — claim ${CLAIM}`, text: 'Please send the final invoice.' });
    await eventually('the fourth mail at the desk after the restart', async () => (await deskMail()).length === 4, 5_000);
    expect((await deskMail()).every((m) => m.ro_id === s!.ro.id)).toBe(true);

    // Disconnect: the watch is stopped at Google; mail after it pushes nothing.
    const out = await s.post(`/mail/mailboxes/${mailboxId}/disconnect`, { staffId: s.ownerId });
    expect(out.status).toBe(200);
    expect(s.google.watchCalls.at(-1)).toEqual({ account: SHOP_MAILBOX, call: 'stop' });
    expect(s.google.watches.has(SHOP_MAILBOX)).toBe(false);
    expect(await s.f.storage.mail.findAccount(mailboxId)).toMatchObject({ pushId: null, pushExpiresAt: null });
    await s.google.pushesSettled();
    const pushed = s.google.pushes.length;
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: 'After disconnect', text: 'Anyone there?' });
    await s.google.pushesSettled();
    expect(s.google.pushes).toHaveLength(pushed);
  });

  it('refuses forged pushes (no token, another key, wrong audience, issuer or signer, expired) and changes nothing; a real one then brings the mail in', async () => {
    const logLines: string[] = [];
    s = await startMailShop(engine, { push: true, pollMs: TEN_MINUTES, logLines });
    const mailboxId = await connect();
    await eventually('the watch at Google', async () => s!.google.watches.get(SHOP_MAILBOX));

    // A mail sits in Gmail that no push announced (the subscription was paused): any push the
    // relay accepted would bring it in.
    const subscription = s.google.pushSubscription;
    s.google.pushTo(null);
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Estimate review — claim ${CLAIM}`, text: 'Please call me about the estimate.' });
    s.google.pushTo(subscription);
    const historyId = s.google.mailbox().historyId;
    const cursor = (await s.f.storage.mail.findAccount(mailboxId))!.cursor;
    const historyCalls = s.google.calls.historyList;
    const body = JSON.stringify(s.google.pushBody(SHOP_MAILBOX, historyId));
    const send = (authorization: string | null, payload = body) =>
      fetch(pushUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: payload });

    const now = Math.floor(Date.now() / 1000);
    const otherKey = newPushSigningKey();
    const forged: Array<[string, string | null, number]> = [
      ['no header', null, 401],
      ['not a token', 'Bearer not-a-jwt', 401],
      ['another key under Google\'s key id', `Bearer ${s.google.pushToken({}, { ...otherKey, kid: s.google.signingKey.kid })}`, 401],
      ['another key of its own', `Bearer ${s.google.pushToken({}, otherKey)}`, 401],
      ['wrong audience', `Bearer ${s.google.pushToken({ aud: 'https://evil.example/mail/gmail/push' })}`, 401],
      ['wrong issuer', `Bearer ${s.google.pushToken({ iss: 'https://evil.example' })}`, 401],
      ['expired an hour ago', `Bearer ${s.google.pushToken({ iat: now - 7200, exp: now - 3600 })}`, 401],
      ['another service account', `Bearer ${s.google.pushToken({ email: 'someone@evil-project.iam.gserviceaccount.com' })}`, 403],
      ['an unverified address', `Bearer ${s.google.pushToken({ email_verified: false })}`, 403],
      ['no address', `Bearer ${s.google.pushToken({}, undefined, ['email'])}`, 403],
    ];
    const tokens = forged.map(([, auth]) => auth?.replace('Bearer ', '')).filter((t): t is string => Boolean(t && t.length > 20));
    for (const [what, authorization, status] of forged) {
      const res = await send(authorization);
      expect({ what, status: res.status }).toEqual({ what, status });
    }
    // Nothing was looked up, written or moved.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.google.calls.historyList).toBe(historyCalls);
    expect(await relayMailCount()).toBe(0);
    expect(await deskMail()).toHaveLength(0);
    expect((await s.f.storage.mail.findAccount(mailboxId))!.cursor).toBe(cursor);

    // A real push whose data is not Gmail's: refused as such.
    expect((await send(`Bearer ${s.google.pushToken()}`, JSON.stringify({ message: { data: Buffer.from('hello').toString('base64') } }))).status).toBe(400);
    // A real push for an address no shop connected: acknowledged, nothing to do.
    expect((await send(`Bearer ${s.google.pushToken()}`, JSON.stringify(s.google.pushBody('someone-else@example.com', historyId)))).status).toBe(204);
    expect(await relayMailCount()).toBe(0);

    // The real push for the shop's mailbox: the waiting mail lands on the repair.
    const t0 = Date.now();
    expect((await send(`Bearer ${s.google.pushToken()}`)).status).toBe(204);
    const [mail] = await eventually('the waiting mail at the desk', async () => {
      const rows = await deskMail();
      return rows.length === 1 && rows;
    }, PUSH_DEADLINE_MS);
    expect(Date.now() - t0).toBeLessThan(PUSH_DEADLINE_MS);
    expect(mail).toMatchObject({ ro_id: s.ro.id, subject: `Estimate review — claim ${CLAIM}` });
    // The round saves its cursor just after filing the mail (the row can reach the desk first).
    await eventually('the cursor moved on', async () => (await s!.f.storage.mail.findAccount(mailboxId))!.cursor !== cursor);

    // The log says why each was refused, and holds no token.
    const log = logLines.join('');
    for (const reason of ['no token', 'bad signature', 'wrong audience', 'wrong issuer', 'expired', 'wrong service account']) expect(log).toContain(`"reason":"${reason}"`);
    for (const token of tokens) expect(log).not.toContain(token.split('.')[2]!);
  });

  it('several shops with the same address: one push catches up each', async () => {
    s = await startMailShop(engine, { push: true, pollMs: TEN_MINUTES });
    await connect();
    // A second shop on the same relay connected the same Gmail address.
    const other = await s.f.storage.createWorkspace({ slug: 'eastside', name: 'Eastside Auto Body' });
    const { secret } = await s.f.relay.mail!.provider('gmail').signIn!.finish(await fakeSignIn(s));
    const second = await s.f.relay.mail!.saveConnected({ provider: s.f.relay.mail!.provider('gmail'), workspaceId: other.id, staffId: 'staff-e', address: SHOP_MAILBOX, secret });
    await eventually('both mailboxes watched', async () => Boolean((await s!.f.storage.mail.findAccount(second.mailboxId))?.pushExpiresAt));

    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'One for both.' });
    await eventually('the mail at the first shop\'s desk', async () => (await deskMail()).length === 1, PUSH_DEADLINE_MS);
    const otherStore = await s.f.storage.workspaceStore(other.id);
    await eventually('the mail at the second shop', async () =>
      (await otherStore.db.selectFrom('messages').select('id').where('channel', '=', 'email').execute()).length === 1, PUSH_DEADLINE_MS);
  });
});

/** A sign-in at the fake Google, as a browser would do it, for a code the provider can finish. */
async function fakeSignIn(s: MailShop): Promise<{ code: string; codeVerifier: string; redirectUri: string }> {
  const { createHash, randomBytes } = await import('node:crypto');
  const codeVerifier = randomBytes(48).toString('base64url');
  const redirectUri = 'http://127.0.0.1:9/mail/gmail/callback';
  const url = new URL(`${s.google.url}/o/oauth2/v2/auth`);
  url.search = new URLSearchParams({
    client_id: s.google.options.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope: 'https://www.googleapis.com/auth/gmail.modify',
  }).toString();
  const res = await fetch(url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  return { code, codeVerifier, redirectUri };
}
