// A plain IMAP/SMTP mailbox as a shop meets it, on both storage engines, against real servers on
// 127.0.0.1: Debian's Dovecot for IMAP and an `smtp-server` that keeps what it was given.
// Connecting (a wrong password or an unreachable server is said plainly and nothing is saved;
// "Connected as …" at the desk), an adjuster's mail pushed by IDLE onto the right repair with
// polling slowed right down, a reply sent over SMTP in the adjuster's thread with a copy
// in Sent, the answer following the thread, a renumbered INBOX (UIDVALIDITY) filed again without
// duplicates, a refused recipient shown with the server's words, and a changed password shown as
// "Reconnect the mailbox".
import { afterEach, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import type { IdleWatchers } from './imap/idle.js';
import { ADJUSTER, CLAIM, type ImapShop, PASSWORD, SHOP, startImapShop } from './imap/testing.js';
import { PUSH_DEADLINE_MS } from './testing.js';
import type { MailService } from './mail-service.js';

let counter = 0;
function adjusterMail(input: { subject: string; text: string; inReplyTo?: string; references?: string; from?: string }): { raw: string; messageId: string } {
  counter += 1;
  const messageId = `<adj-${Date.now()}-${counter}@statefarm.example>`;
  const raw = [
    `From: ${input.from ?? `Pat Adjuster <${ADJUSTER}>`}`,
    `To: <${SHOP}>`,
    `Subject: ${input.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    ...(input.inReplyTo ? [`In-Reply-To: ${input.inReplyTo}`] : []),
    ...(input.references ? [`References: ${input.references}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    input.text,
    '',
  ].join('\r\n');
  return { raw, messageId };
}

describe.each<Engine>(['sqlite', 'postgres'])('IMAP/SMTP mailbox (%s)', (engine) => {
  let s: ImapShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  const service = () => s!.f.relay.mail as MailService;
  const watchers = () => (service() as unknown as { providers: Map<string, { watchers: IdleWatchers }> }).providers.get('imap')!.watchers;
  const form = (over: Record<string, unknown> = {}) => ({
    address: SHOP,
    user: SHOP,
    password: PASSWORD,
    imapHost: '127.0.0.1',
    imapPort: s!.dovecot.port,
    imapSecurity: 'none',
    smtpHost: '127.0.0.1',
    smtpPort: s!.smtp.port,
    smtpSecurity: 'none',
    ...over,
  });
  const deskMail = async () => (await s!.desk.db.selectFrom('messages').selectAll().where('channel', '=', 'email').orderBy('at').execute());

  async function connect(): Promise<void> {
    const res = await s!.desk.call('mail-connect-imap', form(), s!.session);
    expect(res).toMatchObject({ ok: true, result: { address: SHOP } });
    await eventually('"Connected as" at the desk', async () => {
      const list = await call<Array<{ address: string; state: string; provider: string }>>(s!.desk, 'mail-mailbox-list', {});
      return list.length === 1 && list[0]!.state === 'connected' && list;
    });
  }

  it('connects only once both servers take the password; a refusal names what failed and saves nothing', async () => {
    s = await startImapShop(engine);
    const wrong = await s.desk.call('mail-connect-imap', form({ password: 'old-password' }), s.session);
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid-args', message: `The IMAP server refused the password for ${SHOP}. Check the username and password (some hosts want an app password).` } });
    // IMAP right, but nothing listens where SMTP should be.
    const unreachable = await s.desk.call('mail-connect-imap', form({ smtpPort: 9 }), s.session);
    expect(unreachable).toMatchObject({ ok: false, error: { message: 'Cannot reach 127.0.0.1:9: check the SMTP server name and port.' } });
    // A password sent in clear over the internet is refused before anything is tried.
    const plain = await s.post('/mail/imap/connect', { staffId: s.ownerId, ...{ address: SHOP, password: PASSWORD, imap: { host: 'mail.lakeside.example', port: 143, security: 'none' }, smtp: { host: 'mail.lakeside.example', port: 587 } } });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { message: string }).message).toMatch(/must be reached over SSL\/TLS or STARTTLS/);
    expect(await s.f.storage.mail.connectedAccounts()).toEqual([]);
    expect(await call(s.desk, 'mail-mailbox-list', {})).toEqual([]);

    // An advisor may not connect the shop's mailbox, even with the right password.
    await s.desk.call('staff-create', { name: 'Tomás Álvarez', role: 'advisor', pin: '1357' }, s.desk.newSession());
    const advisor = (await call<Array<{ id: string; name: string }>>(s.desk, 'staff-list', {})).find((x) => x.name === 'Tomás Álvarez')!;
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    await eventually('the advisor at the relay', async () => Boolean(await relayStore.db.selectFrom('staff').select('id').where('id', '=', advisor.id).executeTakeFirst()));
    const asAdvisor = await s.post('/mail/imap/connect', { staffId: advisor.id, address: SHOP, password: PASSWORD, imap: { host: '127.0.0.1', port: s.dovecot.port, security: 'none' }, smtp: { host: '127.0.0.1', port: s.smtp.port, security: 'none' } });
    expect(asAdvisor.status).toBe(403);

    await connect();
    expect(await call(s.desk, 'mail-mailbox-list', {})).toMatchObject([{ provider: 'imap', address: SHOP, state: 'connected', lastError: null }]);
    // The password is kept sealed: nowhere in clear in the relay's records.
    const [account] = await s.f.storage.mail.connectedAccounts();
    expect(account!.sealedToken).not.toContain(PASSWORD);
    expect(JSON.stringify(account)).not.toContain(PASSWORD);

    // Disconnecting forgets the password and ends the IDLE connection.
    await eventually('the IDLE connection up', async () => watchers().listening().length === 1);
    const [box] = await call<Array<{ id: string }>>(s.desk, 'mail-mailbox-list', {});
    expect(await s.desk.call('mail-disconnect', { id: box!.id }, s.session)).toMatchObject({ ok: true, result: [{ state: 'disconnected' }] });
    expect(watchers().size).toBe(0);
    expect(await s.f.storage.mail.findAccount(box!.id)).toMatchObject({ state: 'disconnected', sealedToken: null });
  });

  it('IDLE puts the adjuster\'s mail on the repair with polling slowed to minutes; the reply goes out once over SMTP in the thread, with a copy in Sent; the answer follows the thread', async () => {
    s = await startImapShop(engine, 600_000);
    await connect();
    await eventually('the IDLE connection up', async () => watchers().listening().length === 1);
    const first = adjusterMail({ subject: `Supplement approved — claim ${CLAIM}`, text: 'Supplement 1 is approved for $1,240.00.' });
    const arrived = Date.now();
    await s.dovecot.deliver(SHOP, first.raw);
    const mail = await eventually(
      'the adjuster\'s mail on the repair',
      async () => (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.channel === 'email'),
      PUSH_DEADLINE_MS,
    );
    expect(Date.now() - arrived).toBeLessThan(PUSH_DEADLINE_MS);
    expect(mail).toMatchObject({ direction: 'in', body: expect.stringMatching(/^Supplement 1 is approved for \$1,240\.00\.\s*$/), email: { subject: `Supplement approved — claim ${CLAIM}`, from: { address: ADJUSTER } } });

    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Thank you — parts ordered.\nDana' }, s.session)).ok).toBe(true);
    const sent = await eventually('the reply sent', async () => {
      const m = (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((x) => x.direction === 'out');
      return m?.status === 'sent' && m;
    });
    expect(sent.statusDetail).toBeNull();
    await service().wake();
    await service().wake();
    expect(s.smtp.received).toHaveLength(1);
    const [out] = s.smtp.received;
    expect(out).toMatchObject({ from: SHOP, to: [ADJUSTER], user: SHOP });
    expect(out!.raw).toContain(`In-Reply-To: ${first.messageId}\r\n`);
    expect(out!.raw).toContain(`References: ${first.messageId}\r\n`);
    expect(out!.raw).toMatch(new RegExp(`^From: <${SHOP}>\r$`, 'm'));
    const ownId = /^Message-ID: (<[^>]+>)\r$/m.exec(out!.raw)![1]!;
    // The shop's Sent folder holds the same message, read.
    const inSent = await s.dovecot.messages(SHOP, 'Sent');
    expect(inSent).toHaveLength(1);
    expect(inSent[0]!.raw).toContain(`Message-ID: ${ownId}`);
    expect(inSent[0]!.flags).toContain('\\Seen');

    // The adjuster answers in the thread, with no claim number.
    const answer = adjusterMail({ subject: 'Re: Supplement approved', text: 'Great, thanks.', inReplyTo: ownId, references: `${first.messageId} ${ownId}` });
    await s.dovecot.deliver(SHOP, answer.raw);
    await eventually('the answer on the same repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.body?.startsWith('Great, thanks.')),
    );
    // The Sent copy came back through the Sent folder: still one outgoing row, one received by SMTP.
    await service().wake();
    const rows = await deskMail();
    expect(rows.filter((r) => r.direction === 'out')).toHaveLength(1);
    expect(rows.filter((r) => r.direction === 'in').map((r) => r.ro_id)).toEqual([s.ro.id, s.ro.id]);
    expect(new Set(rows.map((r) => r.email_thread_id))).toEqual(new Set([first.messageId]));
    expect(s.smtp.received).toHaveLength(1);

    // The relay stops: its IDLE connection is logged out, nothing left open.
    await service().close();
    expect(watchers().size).toBe(0);
  });

  it('a renumbered INBOX (UIDVALIDITY changed) is looked at again: new mail filed, nothing twice', async () => {
    s = await startImapShop(engine);
    await connect();
    await s.dovecot.deliver(SHOP, adjusterMail({ subject: `Claim ${CLAIM}: photos`, text: 'Please send photos.' }).raw);
    await s.dovecot.deliver(SHOP, adjusterMail({ subject: 'Weekly specials', text: 'Bumpers 20% off.', from: 'Parts <sales@parts.example>' }).raw);
    await eventually('two mails at the desk', async () => (await deskMail()).length === 2);
    const before = await s.dovecot.uidValidity(SHOP);
    await new Promise((r) => setTimeout(r, 1100)); // a new UIDVALIDITY is the time in seconds
    s.dovecot.renumberInbox(SHOP);
    await s.dovecot.deliver(SHOP, adjusterMail({ subject: `Claim ${CLAIM}: estimate`, text: 'Estimate received.' }).raw);
    expect(await s.dovecot.uidValidity(SHOP)).not.toBe(before);
    await eventually('the third mail at the desk', async () => (await deskMail()).length === 3);
    // The two earlier messages were seen again under their new UIDs, and recognised by their Message-ID.
    expect(service().filed.filter((x) => x.how === 'own-send').length).toBeGreaterThanOrEqual(2);
    await service().wake();
    await service().wake();
    const rows = await deskMail();
    expect(rows.map((r) => r.subject)).toEqual([`Claim ${CLAIM}: photos`, 'Weekly specials', `Claim ${CLAIM}: estimate`]);
    expect(rows.map((r) => r.ro_id)).toEqual([s.ro.id, null, s.ro.id]);
  });

  it('mail that arrived while the relay was down is all filed once after it restarts (in batches)', async () => {
    s = await startImapShop(engine);
    await connect();
    await s.f.stop();
    const c = await s.dovecot.client(SHOP);
    for (let i = 1; i <= 60; i += 1) {
      await c.append('INBOX', adjusterMail({ subject: i % 2 ? `Claim ${CLAIM}: note ${i}` : `Newsletter ${i}`, text: `Message ${i}.`, from: i % 2 ? undefined : 'News <news@parts.example>' }).raw);
    }
    await c.logout();
    await s.f.restart();
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    const count = async () => (await relayStore.db.selectFrom('messages').select(['id', 'ro_id', 'subject']).where('channel', '=', 'email').execute());
    await eventually('all 60 filed at the relay', async () => (await count()).length === 60, 30_000);
    await s.f.relay.mail!.wake();
    const rows = await count();
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => r.subject)).size).toBe(60);
    expect(rows.filter((r) => r.ro_id === s!.ro.id)).toHaveLength(30);
    expect(rows.filter((r) => r.ro_id === null)).toHaveLength(30);
  }, 60_000);

  it('a recipient the SMTP server refuses shows its words on the email; nothing is sent twice', async () => {
    s = await startImapShop(engine);
    await connect();
    await s.dovecot.deliver(SHOP, adjusterMail({ subject: `Claim ${CLAIM}`, text: 'Status?' }).raw);
    const mail = await eventually('the mail on the repair', async () => (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.channel === 'email'));
    s.smtp.refuseNext = { code: 550, text: '5.1.1 <pat.adjuster@statefarm.example>: mailbox unavailable' };
    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body: 'Painting today.' }, s.session)).ok).toBe(true);
    const failed = await eventually('the reply marked failed', async () => {
      const m = (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((x) => x.direction === 'out');
      return m?.status === 'failed' && m;
    });
    expect(failed.statusDetail).toBe('The mail server refused this email: 550 5.1.1 <pat.adjuster@statefarm.example>: mailbox unavailable');
    await service().wake();
    expect(s.smtp.received).toHaveLength(0);
    expect(await s.dovecot.messages(SHOP, 'Sent')).toHaveLength(0);
  });

  it('a changed password shows "Reconnect the mailbox"; connecting again with the new one catches up what arrived meanwhile', async () => {
    s = await startImapShop(engine);
    await connect();
    await eventually('the IDLE connection up', async () => watchers().listening().length === 1);
    await s.dovecot.setPassword(SHOP, 'n3w-password');
    s.smtp.setPassword(SHOP, 'n3w-password');
    await s.dovecot.deliver(SHOP, adjusterMail({ subject: `Claim ${CLAIM}: while away`, text: 'Arrived while the password was wrong.' }).raw);
    const box = await eventually('the desk to ask for a reconnect', async () => {
      const [b] = await call<Array<{ state: string; lastError: string | null }>>(s!.desk, 'mail-mailbox-list', {});
      return b?.state === 'reconnect-needed' && b;
    });
    expect(box.lastError).toMatch(/Reconnect the mailbox in Settings › Email/);
    expect(await deskMail()).toHaveLength(0);

    const res = await s.desk.call('mail-connect-imap', form({ password: 'n3w-password' }), s.session);
    expect(res).toMatchObject({ ok: true });
    await eventually('the mail that arrived meanwhile on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.some((m) => m.body?.startsWith('Arrived while the password was wrong.')),
    );
    expect(await call(s.desk, 'mail-mailbox-list', {})).toMatchObject([{ state: 'connected', lastError: null }]);
  });
});
