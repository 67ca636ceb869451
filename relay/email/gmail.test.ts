// Gmail as a shop meets it, on both storage engines, against the fake Google through the real
// SDKs: connecting (PKCE checked by the fake, the state used once, "Connected as …" at the desk by
// sync), mail filed on the right repair (claim number; the thread afterwards; nothing twice;
// unassigned when nothing fits), a full resync when Google forgets the history id, a revoked
// token shown as "reconnect", and disconnecting (revoked at Google, the token gone).
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { ADJUSTER, CLAIM, type MailShop, SHOP_MAILBOX, startMailShop } from './testing.js';

interface DeskMail {
  id: string;
  ro_id: string | null;
  channel: string;
  direction: string;
  subject: string | null;
  body: string | null;
  body_html: string | null;
  email_from: string | null;
  email_thread_id: string | null;
}

describe.each<Engine>(['sqlite', 'postgres'])('Gmail (%s)', (engine) => {
  let s: MailShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  const deskMail = async () =>
    (await s!.desk.db.selectFrom('messages').selectAll().where('channel', '=', 'email').orderBy('at').execute()) as unknown as DeskMail[];
  const mailboxes = () => s!.desk.db.selectFrom('mailboxes').selectAll().execute();

  async function connect(): Promise<string> {
    const started = await s!.post('/mail/gmail/start', { staffId: s!.ownerId });
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    const asked = new URL(url);
    expect(asked.searchParams.get('code_challenge_method')).toBe('S256');
    expect(asked.searchParams.get('scope')).toBe('https://www.googleapis.com/auth/gmail.modify https://www.googleapis.com/auth/gmail.send https://www.googleapis.com/auth/calendar.events');
    // The browser: Google's page approves and sends it back to the relay's callback.
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(`Connected as ${SHOP_MAILBOX} — you can close this tab.`);
    expect(s!.google.calls.codeGrants).toBe(1);
    return url;
  }

  it('connects with PKCE and a single-use state; only an owner or manager may; the desk shows "Connected as …"', async () => {
    s = await startMailShop(engine);
    await s.desk.call('staff-create', { name: 'Tomás Álvarez', role: 'advisor', pin: '1357' }, s.desk.newSession());
    const advisor = (await s.desk.db.selectFrom('staff').select(['id', 'name']).execute()).find((x) => x.name === 'Tomás Álvarez')!;
    await eventually('the advisor at the relay', async () =>
      Boolean(await (await s!.f.storage.workspaceStore(s!.f.workspace.id)).db.selectFrom('staff').select('id').where('id', '=', advisor.id).executeTakeFirst()),
    );
    const refused = await s.post('/mail/gmail/start', { staffId: advisor.id });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/owner or a manager/);

    const url = await connect();
    await eventually('the desk to show the connected mailbox', async () => {
      const [box] = await mailboxes();
      return box?.state === 'connected' && box;
    });
    expect(await mailboxes()).toMatchObject([{ provider: 'gmail', address: SHOP_MAILBOX, state: 'connected', connected_by: `staff:${s.ownerId}` }]);

    // The same Google answer again (a reload, or someone replaying it): the state is used up.
    const again = await fetch(url);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already used');
    // A forged callback with a code but a state the relay never issued.
    const forged = await fetch(new URL('/mail/gmail/callback?code=4/abc&state=made-up', s.f.relay.url));
    expect(forged.status).toBe(400);
    expect(s.google.calls.codeGrants).toBe(1);
  });

  it('files mail on the right repair: claim number, then the thread, once each; nothing fitting is unassigned', async () => {
    s = await startMailShop(engine);
    await connect();
    const first = s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      subject: `Supplement approved — claim ${CLAIM}`,
      text: 'Supplement 1 is approved for $1,240.00. Please proceed.',
      html: '<p>Supplement 1 is <b>approved</b> for $1,240.00.</p>',
    });
    const [mail] = await eventually('the adjuster\'s email at the desk', async () => {
      const rows = await deskMail();
      return rows.length === 1 && rows;
    });
    expect(mail).toMatchObject({ ro_id: s.ro.id, direction: 'in', subject: `Supplement approved — claim ${CLAIM}`, email_thread_id: first.threadId });
    expect(mail!.body).toContain('Supplement 1 is approved for $1,240.00.');
    expect(mail!.body_html).toContain('<b>approved</b>');
    expect(JSON.parse(mail!.email_from!)).toEqual({ name: 'Pat Adjuster', address: ADJUSTER });

    // A later message in the same thread, from someone else and with no claim number: follows it.
    s.google.deliver({ from: 'Front Office <office@statefarm.example>', subject: 'Re: your question', text: 'Thanks, noted.', inReplyTo: first.messageId, references: first.messageId });
    // Mail that names nothing the shop knows: unassigned.
    s.google.deliver({ from: 'Parts Depot <sales@parts.example>', subject: 'Weekly specials', text: 'Bumpers 20% off.' });
    const rows = await eventually('three emails at the desk', async () => {
      const all = await deskMail();
      return all.length === 3 && all;
    });
    expect(rows.map((r) => [r.subject, r.ro_id])).toEqual([
      [`Supplement approved — claim ${CLAIM}`, s.ro.id],
      ['Re: your question', s.ro.id],
      ['Weekly specials', null],
    ]);

    // Seen again (Google forgot the cursor: a full look at recent mail): still three rows.
    s.google.expireHistory();
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: 'Photos received', text: 'Got the teardown photos, thank you.' });
    await eventually('the fourth email after the resync', async () => (await deskMail()).length === 4);
    await s.f.relay.mail!.wake();
    await s.f.relay.mail!.wake();
    const after = await deskMail();
    expect(after).toHaveLength(4);
    // The adjuster, with one open repair, and no number in the mail: by the people on it.
    expect(after.find((r) => r.subject === 'Photos received')?.ro_id).toBe(s.ro.id);
    expect(new Set(after.map((r) => r.id)).size).toBe(4);
  });

  it('a token Google no longer accepts shows "reconnect" at the desk; disconnecting revokes at Google and deletes the token', async () => {
    s = await startMailShop(engine);
    await connect();
    const [box] = await eventually('the mailbox at the desk', async () => {
      const list = await mailboxes();
      return list.length === 1 && list;
    });
    // Disconnect: revoked at Google, gone from the relay, "disconnected" at the desk.
    const out = await s.post(`/mail/mailboxes/${box!.id}/disconnect`, { staffId: s.ownerId });
    expect([out.status, await out.text()]).toEqual([200, JSON.stringify({ ok: true })]);
    expect(s.google.calls.revoked).toBe(1);
    expect((await s.f.storage.mail.findAccount(box!.id))).toMatchObject({ state: 'disconnected', sealedToken: null });
    await eventually('the desk to show it disconnected', async () => (await mailboxes())[0]?.state === 'disconnected');

    // Connected again, then the shop removes Bayline's access in its Google account.
    await s.f.relay.mail!.wake();
    const started = await s.post('/mail/gmail/start', { staffId: s.ownerId });
    const page = await fetch(((await started.json()) as { url: string }).url);
    expect(await page.text()).toContain(`Connected as ${SHOP_MAILBOX}`);
    await eventually('connected again', async () => (await mailboxes())[0]?.state === 'connected');
    expect(await mailboxes()).toHaveLength(1);
    const account = (await s.f.storage.mail.connectedAccounts())[0]!;
    const token = s.f.relay.mail!['options'].config.vault.open(account.sealedToken!, account.mailboxId);
    await fetch(new URL(`/revoke?token=${encodeURIComponent(token)}`, s.google.url), { method: 'POST' });
    await s.f.relay.mail!.wake();
    const shown = await eventually('the desk to ask for a reconnect', async () => {
      const [b] = await mailboxes();
      return b?.state === 'reconnect-needed' && b;
    });
    expect(shown.last_error).toMatch(/Reconnect the mailbox in Settings › Email/);
  });

  it('at the desk: the owner gets the sign-in page from the API, the mailbox and the filed mail arrive through sync; an advisor is refused', async () => {
    s = await startMailShop(engine);
    const session = s.desk.newSession();
    const asNobody = await s.desk.call('mail-connect-start', {}, session);
    expect(asNobody).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    expect(await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session)).toMatchObject({ ok: true });
    const started = await s.desk.call('mail-connect-start', {}, session);
    if (!started.ok) throw new Error(started.error.message);
    const page = await fetch((started.result as { url: string }).url);
    expect(await page.text()).toContain(`Connected as ${SHOP_MAILBOX}`);
    const [box] = await eventually('"Connected as" at the desk', async () => {
      const list = await call<Array<{ id: string; address: string; state: string }>>(s!.desk, 'mail-mailbox-list', {});
      return list.length === 1 && list[0]!.state === 'connected' && list;
    });
    expect(box).toMatchObject({ address: SHOP_MAILBOX, state: 'connected', lastError: null });

    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}: photos please`, text: 'Please send the teardown photos.' });
    const mail = await eventually('the email on the repair', async () => {
      const ro = await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id });
      return ro.messages.find((m) => m.channel === 'email');
    });
    expect(mail).toMatchObject({
      direction: 'in',
      body: 'Please send the teardown photos.',
      author: 'Pat Adjuster',
      email: { subject: `Claim ${CLAIM}: photos please`, from: { name: 'Pat Adjuster', address: ADJUSTER }, to: [{ address: SHOP_MAILBOX }] },
    });

    const after = await s.desk.call('mail-disconnect', { id: box!.id }, session);
    expect(after).toMatchObject({ ok: true, result: [{ address: SHOP_MAILBOX, state: 'disconnected' }] });
    expect(s.google.calls.revoked).toBe(1);
  });

  it('a reply from the repair goes out once, from the shop\'s address, in the adjuster\'s thread; the answer follows the thread', async () => {
    s = await startMailShop(engine);
    await connect();
    const first = s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — photos?`, text: 'Can you send the teardown photos?' });
    const mail = await eventually('the adjuster\'s email on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.channel === 'email'),
    );
    const session = s.desk.newSession();
    const refused = await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Sent a moment ago.' }, session);
    expect(refused).toMatchObject({ ok: false, error: { code: 'not-allowed', message: expect.stringMatching(/Switch in/) } });
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    const replied = await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Photos attached to the portal — 14 of them.\nDana' }, session);
    expect(replied.ok).toBe(true);
    const sent = await eventually('the reply sent', async () => {
      const m = (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((x) => x.direction === 'out');
      return m?.status === 'sent' && m;
    });
    expect(sent.email).toMatchObject({ subject: `Re: Claim ${CLAIM} — photos?`, to: [{ address: ADJUSTER }] });
    // Several more rounds: still one message in Google's Sent folder.
    await s.f.relay.mail!.wake();
    await s.f.relay.mail!.wake();
    expect(s.google.sent).toHaveLength(1);
    const [out] = s.google.sent;
    expect(out!.threadId).toBe(first.threadId);
    expect(out!.raw).toMatch(new RegExp(`^From: <${SHOP_MAILBOX}>\r$`, 'm'));
    expect(out!.raw).toMatch(new RegExp(`^To: "Pat Adjuster" <${ADJUSTER}>\r$`, 'm'));
    expect(out!.raw).toContain(`In-Reply-To: ${first.messageId}\r\n`);
    expect(out!.raw).toContain(`References: ${first.messageId}\r\n`);
    expect(out!.raw).toContain('Subject: =?UTF-8?B?');
    const ownId = /^Message-ID: (<[^>]+>)\r$/m.exec(out!.raw)![1]!;

    // The adjuster answers in the thread, no claim number: it attaches to the same repair.
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER.replace('pat.', 'p.')}>`, subject: 'Re: photos', text: 'Got them, thanks.', inReplyTo: ownId, references: `${first.messageId} ${ownId}` });
    const answer = await eventually('the answer on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.body === 'Got them, thanks.'),
    );
    expect(answer.email?.subject).toBe('Re: photos');
    // The shop's own reply came back through Gmail's history (Sent): still one row.
    expect((await deskMail()).filter((m) => m.direction === 'out')).toHaveLength(1);
  });

  it('an approved reply goes out as soon as the desk\'s change reaches the relay, not at the next poll', async () => {
    s = await startMailShop(engine, { pollMs: 600_000 });
    await connect();
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'Status?' });
    await s.f.relay.mail!.wake();
    const mail = await eventually('the email on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.channel === 'email'),
    );
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    const started = Date.now();
    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Painting today.' }, session)).ok).toBe(true);
    await eventually('the reply in Google\'s Sent folder', async () => s!.google.sent.length === 1, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(s.google.sent).toHaveLength(1);
  });

  it('unassigned mail: a person attaches it to the repair and the rest of its thread follows; another is set aside', async () => {
    s = await startMailShop(engine);
    await connect();
    const rental = s.google.deliver({ from: 'Enterprise Rent-A-Car <branch512@enterprise.example>', subject: 'Rental extension', text: 'The renter asked for two more days.' });
    s.google.deliver({ from: 'Parts Depot <sales@parts.example>', subject: 'Weekly specials', text: 'Bumpers 20% off.' });
    const inbox = await eventually('two emails in the inbox', async () => {
      const list = await call<Array<{ id: string; subject: string; from: { address: string } }>>(s!.desk, 'mail-inbox-list', {});
      return list.length === 2 && list;
    });
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    const rentalRow = inbox.find((m) => m.subject === 'Rental extension')!;
    const specials = inbox.find((m) => m.subject === 'Weekly specials')!;
    expect(rentalRow.from.address).toBe('branch512@enterprise.example');
    expect(await s.desk.call('mail-inbox-attach', { id: rentalRow.id, roId: s.ro.id }, session)).toMatchObject({ ok: true, result: [{ subject: 'Weekly specials' }] });
    expect(await s.desk.call('mail-inbox-ignore', { id: specials.id }, session)).toMatchObject({ ok: true, result: [] });
    // The attachment reaches the relay; the branch's next mail in that thread lands on the repair.
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    await eventually('the attachment at the relay', async () =>
      (await relayStore.db.selectFrom('messages').select('ro_id').where('id', '=', rentalRow.id).executeTakeFirst())?.ro_id === s!.ro.id,
    );
    s.google.deliver({ from: 'Enterprise Rent-A-Car <branch512@enterprise.example>', subject: 'Re: Rental extension', text: 'Approved by the insurer.', inReplyTo: rental.messageId });
    await eventually('the follow-up on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.some((m) => m.body === 'Approved by the insurer.'),
    );
    expect(await call(s.desk, 'mail-inbox-list', {})).toEqual([]);
  });

  it('Gmail sends but its answer is lost: the relay finds the mail by its Message-ID in Sent, marks it sent, and never sends it again', async () => {
    s = await startMailShop(engine);
    await connect();
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM}`, text: 'Status?' });
    const mail = await eventually('the email on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.channel === 'email'),
    );
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    s.google.faults.loseNextSendAnswer = true;
    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Painting today.' }, session)).ok).toBe(true);
    const out = await eventually('the reply marked sent', async () => {
      const m = (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((x) => x.direction === 'out');
      return m?.status === 'sent' && m;
    });
    expect(out.statusDetail).toBeNull();
    await s.f.relay.mail!.wake();
    await s.f.relay.mail!.wake();
    expect(s.google.sent).toHaveLength(1);
  });

  it('a send left unfinished by a relay that died: found in Sent is sent, not found needs a person; neither is sent again', async () => {
    s = await startMailShop(engine, { pollMs: 600_000 });
    await connect();
    const [box] = await eventually('the mailbox at the relay', async () => {
      const list = await s!.f.storage.mail.connectedAccounts();
      return list.length === 1 && list;
    });
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    const longAgo = new Date(Date.now() - 120_000).toISOString();
    // What a dead relay left: two claimed replies; Gmail got the first one before the process died
    // (it is in the mailbox, delivered below, and the poll does not file it twice).
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
    s.google.deliver({ from: `<${SHOP_MAILBOX}>`, to: ADJUSTER, subject: 'Re: photos', text: 'Reply one', messageId: '<dead-one.bayline@example.com>' });
    // The next round (called directly: a timer's round may already be under way).
    await (s.f.relay.mail as unknown as { resolveOpenSends(): Promise<void> }).resolveOpenSends();
    const states = await eventually('both resolved at the desk', async () => {
      const out = (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.filter((m) => m.direction === 'out');
      return out.length === 2 && out.every((m) => m.status !== 'sending') && out;
    });
    expect(Object.fromEntries(states.map((m) => [m.body, m.status]))).toEqual({ 'Reply one': 'sent', 'Reply two': 'check-needed' });
    expect(states.find((m) => m.body === 'Reply two')?.statusDetail).toMatch(/Sent folder/);
    expect(s.google.sent).toHaveLength(0);
  });
});
