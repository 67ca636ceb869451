// Writing mail from the repair, on both storage engines, against the fake Google through the real
// SDKs: a new mail from a template ("Supplement submitted") with a PDF of the repair goes out once,
// from the shop's address, with the merged subject and text and the file's exact bytes; what the
// desk refuses (no mailbox, no address, a field Bayline does not know, too many megabytes); a
// file still on its way to the relay holds the mail back until it is there; and a person's answer
// to "check needed" (it is in Sent / send it again as a new mail, never the same row twice); a
// reply to all with a template and a document.
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmailTemplate, MailMergePreview, RepairOrderDetail } from '../../src-shared/domain.js';
import { importDeskFile } from '../../src-main/blobs/desk-files.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { ADJUSTER, CLAIM, type MailShop, SHOP_MAILBOX, startMailShop } from './testing.js';
import { loadPortalView } from '../portal/portal-view.js';

describe.each<Engine>(['sqlite', 'postgres'])('writing mail from the repair (%s)', (engine) => {
  let s: MailShop | undefined;
  afterEach(async () => {
    await s?.cleanup();
    s = undefined;
  });

  async function connect(): Promise<void> {
    const started = await s!.post('/mail/gmail/start', { staffId: s!.ownerId });
    const { url } = (await started.json()) as { url: string };
    expect((await fetch(url)).status).toBe(200);
    await eventually('the mailbox at the desk', async () => (await call<Array<{ state: string }>>(s!.desk, 'mail-mailbox-list', {}))[0]?.state === 'connected');
  }

  async function ownerSession() {
    const session = s!.desk.newSession();
    await s!.desk.call('staff-switch', { staffId: s!.ownerId, pin: '2468' }, session);
    return session;
  }

  async function addDocument(fileName: string, bytes: Buffer): Promise<string> {
    const stored = await importDeskFile(s!.dataDir, bytes);
    const ro = await call<RepairOrderDetail>(s!.desk, 'attachment-add', {
      roId: s!.ro.id,
      kind: 'document',
      blobHash: stored.hash,
      fileName,
      mimeType: stored.mimeType,
      sizeBytes: stored.sizeBytes,
      published: false,
    });
    return ro.attachments.find((a) => a.fileName === fileName)!.id;
  }

  const outgoing = async () => (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.filter((m) => m.direction === 'out');

  it('a template and a PDF: one mail in Sent from the shop, subject and text merged, the file byte for byte; refusals name the problem', async () => {
    s = await startMailShop(engine, { blobs: true });
    const session = await ownerSession();
    const templates = await call<EmailTemplate[]>(s.desk, 'email-template-list', {});
    expect(templates.map((t) => t.name)).toEqual(['Photos for the adjuster', 'Supplement submitted', 'Your car is ready']);
    const supplement = templates.find((t) => t.name === 'Supplement submitted')!;

    // Before a mailbox is connected: refused, saying what to do.
    const early = await s.desk.call('mail-compose', { roId: s.ro.id, to: ['adjuster'], subject: 'Hello', body: 'Hi' }, session);
    expect(early).toMatchObject({ ok: false, error: { code: 'not-allowed', message: expect.stringMatching(/No mailbox is connected.*Settings › Email/) } });
    await connect();

    const preview = await call<MailMergePreview>(s.desk, 'mail-merge-preview', { roId: s.ro.id, templateId: supplement.id });
    expect(preview.subject).toBe(`Supplement for claim ${CLAIM} — RO ${s.ro.roNumber}`);
    expect(preview.body).toMatch(/^Hi Pat Adjuster,\n\nTeardown on the 2019 Honda Accord \(claim SF-2291-7734, RO \d+\) found damage/);
    expect(preview).toMatchObject({ audience: 'adjuster', unknownFields: [] });

    // Bad input is refused by name, and nothing is written.
    const bad = await s.desk.call('mail-compose', { roId: s.ro.id, to: ['pat@@statefarm'], subject: 'x', body: 'x' }, session);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-args', message: expect.stringContaining('"pat@@statefarm" is not an email address') } });
    const typo = await s.desk.call('mail-compose', { roId: s.ro.id, to: ['adjuster'], subject: 'Claim {clam_number}', body: 'x' }, session);
    expect(typo).toMatchObject({ ok: false, error: { field: 'subject', message: expect.stringContaining('{clam_number}') } });
    const huge = await addDocument('Teardown video stills.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(21 * 1024 * 1024)]));
    const tooBig = await s.desk.call('mail-compose', { roId: s.ro.id, to: ['adjuster'], subject: 'x', body: 'x', attachmentIds: [huge] }, session);
    expect(tooBig).toMatchObject({ ok: false, error: { field: 'attachmentIds', message: expect.stringMatching(/come to 21\.0 MB; one email can carry at most 20\.0 MB/) } });
    expect(await outgoing()).toEqual([]);

    // 3.5 MB: large enough that Gmail takes it through its upload endpoint.
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3_500_000)]);
    const estimate = await addDocument('Estimate – José.pdf', pdf);
    const sent = await s.desk.call(
      'mail-compose',
      { roId: s.ro.id, to: ['adjuster'], cc: ['customer'], subject: preview.subject, body: preview.body, attachmentIds: [estimate], templateId: supplement.id },
      session,
    );
    expect(sent.ok).toBe(true);
    const out = await eventually('the mail sent', async () => {
      const [m] = await outgoing();
      return m?.status === 'sent' && m;
    }, 20_000);
    expect(out.attachments.map((a) => a.fileName)).toEqual(['Estimate – José.pdf']);
    expect(out.email).toMatchObject({ subject: preview.subject, to: [{ name: 'Pat Adjuster', address: ADJUSTER }], cc: [{ name: 'Zoë Nguyen', address: 'zoe@example.com' }] });
    await s.f.relay.mail!.wake();
    await s.f.relay.mail!.wake();
    expect(s.google.sent).toHaveLength(1);
    expect(s.google.calls.uploads).toBe(1);
    const raw = s.google.sent[0]!.raw;
    expect(raw).not.toMatch(/^In-Reply-To:/m);
    const mail = await simpleParser(raw);
    expect(mail.from?.value).toEqual([{ name: 'Lakeside Collision', address: SHOP_MAILBOX }]);
    expect(mail.subject).toBe(`Supplement for claim ${CLAIM} — RO ${s.ro.roNumber}`);
    expect(mail.text?.trim()).toBe(preview.body);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}\.bayline@example\.com>$/);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ filename: 'Estimate – José.pdf', contentType: 'application/pdf', size: pdf.length });
    expect(mail.attachments[0]!.content.equals(pdf)).toBe(true);
    // The copy in Sent comes back through history: still one row at the desk.
    await s.f.relay.mail!.wake();
    expect(await outgoing()).toHaveLength(1);
    // The customer was on it (Cc): it is on their portal page too.
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    expect((await loadPortalView(relayStore.db, s.ro.id))!.messages.map((m) => m.body)).toEqual([preview.body]);
  }, 60_000);

  it('a file not at the relay yet holds the mail back, approved, with a sentence; it goes once the file arrives', async () => {
    s = await startMailShop(engine, { blobs: true });
    await connect();
    const session = await ownerSession();
    await s.desk.blobSync!.stop();
    const photos = await addDocument('Teardown photos.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000)]));
    expect(
      (await s.desk.call('mail-compose', { roId: s.ro.id, to: ['adjuster'], subject: `Photos — claim ${CLAIM}`, body: 'Photos attached.', attachmentIds: [photos] }, session)).ok,
    ).toBe(true);
    const waiting = await eventually('the waiting sentence at the desk', async () => {
      const [m] = await outgoing();
      return m?.statusDetail ? m : undefined;
    });
    expect(waiting.status).toBe('approved');
    expect(waiting.statusDetail).toBe('Waiting for "Teardown photos.pdf" to reach the relay from the desk that added it; the email goes as soon as the file is there.');
    await s.f.relay.mail!.wake();
    expect(s.google.sent).toHaveLength(0);

    s.desk.blobSync!.start();
    await eventually('the mail sent once the file arrived', async () => (await outgoing())[0]?.status === 'sent', 20_000);
    expect(s.google.sent).toHaveLength(1);
    expect((await simpleParser(s.google.sent[0]!.raw)).attachments.map((a) => a.filename)).toEqual(['Teardown photos.pdf']);
    expect((await outgoing())[0]!.statusDetail).toBeNull();
    // Mail between the shop and the adjuster alone never reaches the customer's portal page.
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    expect((await loadPortalView(relayStore.db, s.ro.id))!.messages).toEqual([]);
  }, 60_000);

  it('"check needed": "it is in Sent" marks it sent; "not in Sent" approves a new mail with a new Message-ID, sent once, and never the old row', async () => {
    s = await startMailShop(engine, { pollMs: 600_000, blobs: true });
    await connect();
    const session = await ownerSession();
    const [box] = await eventually('the mailbox at the relay', async () => {
      const list = await s!.f.storage.mail.connectedAccounts();
      return list.length === 1 && list;
    });
    const relayStore = await s.f.storage.workspaceStore(s.f.workspace.id);
    const longAgo = new Date(Date.now() - 120_000).toISOString();
    // Two mails a relay claimed and then died sending; neither reached Gmail.
    for (const n of ['one', 'two']) {
      await s.f.storage.mail.claimSend({ workspaceId: s.f.workspace.id, messageId: `email:dead-${n}`, by: 'relay-that-died', now: longAgo });
      await relayStore.write({ actor: 'relay', action: 'test-setup' }, (tx) =>
        tx.insert('messages', {
          id: `email:dead-${n}`,
          ro_id: s!.ro.id,
          channel: 'email',
          direction: 'out',
          body: `Photos ${n}`,
          at: longAgo,
          status: 'sending',
          mailbox_id: box!.mailboxId,
          subject: `Photos ${n}`,
          email_from: JSON.stringify({ name: 'Lakeside Collision', address: SHOP_MAILBOX }),
          email_to: JSON.stringify([{ name: 'Pat Adjuster', address: ADJUSTER }]),
          email_message_id: `<dead-${n}.bayline@example.com>`,
        }),
      );
    }
    await (s.f.relay.mail as unknown as { resolveOpenSends(): Promise<void> }).resolveOpenSends();
    await eventually('both need checking at the desk', async () => (await outgoing()).filter((m) => m.status === 'check-needed').length === 2);

    // Nobody switched in: refused.
    const nobody = await s.desk.call('mail-check-resolve', { id: 'email:dead-one', outcome: 'sent' }, s.desk.newSession());
    expect(nobody).toMatchObject({ ok: false, error: { code: 'not-allowed' } });
    expect((await s.desk.call('mail-check-resolve', { id: 'email:dead-one', outcome: 'sent' }, session)).ok).toBe(true);
    expect((await s.desk.call('mail-check-resolve', { id: 'email:dead-two', outcome: 'send-again' }, session)).ok).toBe(true);
    // Answered once: a second answer is refused.
    expect(await s.desk.call('mail-check-resolve', { id: 'email:dead-two', outcome: 'send-again' }, session)).toMatchObject({ ok: false, error: { message: 'That email does not need checking any more.' } });

    const after = await eventually('the new mail sent', async () => {
      const list = await outgoing();
      return list.some((m) => m.body === 'Photos two' && m.status === 'sent') && list;
    });
    const byStatus = after.map((m) => [m.body, m.status, m.statusDetail]);
    expect(byStatus).toEqual(
      expect.arrayContaining([
        ['Photos one', 'sent', 'Found in the Sent folder by Dana Whitfield.'],
        ['Photos two', 'not-sent', 'Not in the Sent folder (checked by Dana Whitfield); sent again as a new email.'],
        ['Photos two', 'sent', null],
      ]),
    );
    await s.f.relay.mail!.wake();
    expect(s.google.sent).toHaveLength(1);
    const again = await simpleParser(s.google.sent[0]!.raw);
    expect(again.subject).toBe('Photos two');
    expect(again.messageId).not.toBe('<dead-two.bayline@example.com>');
    const audit = await call<Array<{ action: string; summary: string }>>(s.desk, 'audit-list', { roId: s.ro.id });
    expect(audit.filter((a) => a.action === 'mail-check-resolve').map((a) => a.summary).sort()).toEqual([
      'Email "Photos one" found in Sent: marked as sent',
      'Email "Photos two" not in Sent: sent again as a new email',
    ]);
  }, 60_000);

  it('reply all with a template and a document: Cc everyone else on the mail (never the shop), in the thread, with the file', async () => {
    s = await startMailShop(engine, { blobs: true });
    await connect();
    const session = await ownerSession();
    const first = s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      to: `${SHOP_MAILBOX}, Claims Desk <claims@statefarm.example>`,
      cc: `Sam Supervisor <sam.supervisor@statefarm.example>, <${SHOP_MAILBOX}>`,
      subject: `Claim ${CLAIM} — need the supplement`,
      text: 'Please send the supplement with photos.',
    });
    const mail = await eventually('the adjuster\'s email on the repair', async () =>
      (await call<RepairOrderDetail>(s!.desk, 'ro-get', { id: s!.ro.id })).messages.find((m) => m.channel === 'email'),
    );
    const doc = await addDocument('Supplement 1.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(30_000)]));
    const supplement = (await call<EmailTemplate[]>(s.desk, 'email-template-list', {})).find((t) => t.name === 'Supplement submitted')!;
    const body = (await call<MailMergePreview>(s.desk, 'mail-merge-preview', { roId: s.ro.id, templateId: supplement.id })).body;
    const replied = await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: mail.id, body, replyAll: true, attachmentIds: [doc], templateId: supplement.id }, session);
    expect(replied.ok).toBe(true);
    await eventually('the reply sent', async () => (await outgoing())[0]?.status === 'sent');
    expect(s.google.sent).toHaveLength(1);
    const out = s.google.sent[0]!;
    expect(out.threadId).toBe(first.threadId);
    const parsed = await simpleParser(out.raw);
    expect(parsed.inReplyTo).toBe(first.messageId);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : null).toEqual([{ name: 'Pat Adjuster', address: ADJUSTER }]);
    expect(parsed.cc && !Array.isArray(parsed.cc) ? parsed.cc.value.map((p) => p.address) : null).toEqual(['claims@statefarm.example', 'sam.supervisor@statefarm.example']);
    expect(parsed.text?.trim()).toBe(body);
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['Supplement 1.pdf']);
  }, 60_000);
});
