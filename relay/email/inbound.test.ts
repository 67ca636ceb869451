// Mail that arrives, as the shop meets it, on both storage engines, through the fake Google and
// the real SDK: an adjuster's estimate and photos become the repair's documents (the desk holds
// the very bytes that were sent), a file Bayline does not keep is named with the reason, a mail no
// repair fits keeps its files until a person attaches it, a bounce marks the shop's sent mail
// "Not delivered" on the repair, and damaged or odd mail (broken MIME, unknown charsets, a 40 MB
// file, 500 recipients, an emoji subject, an empty mail, HTML only) is filed with what could be read.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, RepairOrderDetail } from '../../src-shared/domain.js';
import { readDeskFile } from '../../src-main/blobs/desk-files.js';
import { BlobStore } from '../blobs/blob-store.js';
import { call, type Engine, eventually } from '../testing/sync-fixture.js';
import { bounceWords } from './bounces.js';
import { fileMail, MAX_LISTED_PEOPLE, mailRowId } from './inbound.js';
import { ADJUSTER, CLAIM, connectGmail, deliveryFailure, type MailShop, SHOP_MAILBOX, startMailShop } from './testing.js';

const pdf = (label: string) => Buffer.concat([Buffer.from(`%PDF-1.4\n% ${label}\n`), randomBytes(3000), Buffer.from('\n%%EOF\n')]);

async function jpeg(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 40 } } })
    .jpeg()
    .withMetadata({ exif: { IFD0: { Make: 'Adjuster phone' } } })
    .toBuffer();
}

const b64 = (b: Buffer | string) => (Buffer.from(b).toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
const encodedWord = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;

describe.each<Engine>(['sqlite', 'postgres'])('Mail that arrives (%s)', (engine) => {
  let s: MailShop;
  let mailboxId: string;

  beforeAll(async () => {
    s = await startMailShop(engine, { blobs: true });
    mailboxId = await connectGmail(s);
  }, 60_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  const repair = () => call<RepairOrderDetail>(s.desk, 'ro-get', { id: s.ro.id });
  const onRepair = (pick: (m: Message) => boolean, what: string) =>
    eventually(what, async () => (await repair()).messages.find(pick));
  /** A raw delivery, and its row once it reached the desk. */
  async function deliverRaw(raw: Buffer | string) {
    const { id } = s.google.deliverRaw(raw);
    const rowId = mailRowId('gmail', mailboxId, id);
    return eventually(`mail ${id} at the desk`, async () => s.desk.db.selectFrom('messages').selectAll().where('id', '=', rowId).executeTakeFirst());
  }

  it('an adjuster\'s estimate and photo become the repair\'s documents, byte for byte at the desk; an .exe is named as not kept', async () => {
    const estimate = pdf('estimate');
    const photo = await jpeg();
    const logo = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    s.google.deliver({
      from: `Pat Adjuster <${ADJUSTER}>`,
      subject: `Claim ${CLAIM}: estimate and photo`,
      text: 'Estimate and one photo attached.',
      html: '<p>Estimate and one photo attached.</p><img src="cid:logo@statefarm.example" alt="State Farm">',
      attachments: [
        { filename: 'Estimate SF-2291.pdf', contentType: 'application/pdf', content: estimate },
        { filename: 'IMG_0412.JPG', contentType: 'image/jpeg', content: photo },
        { filename: 'setup.exe', contentType: 'application/octet-stream', content: Buffer.concat([Buffer.from('MZ'), randomBytes(500)]) },
        { filename: 'logo.png', contentType: 'image/png', content: logo, cid: 'logo@statefarm.example' },
        { filename: 'IMG_0413.HEIC', contentType: 'image/heic', content: await fsp.readFile(new URL('../uploads/fixtures/iphone-rotated-gps.heic', import.meta.url)) },
      ],
    });
    const mail = await onRepair((m) => m.email?.subject === `Claim ${CLAIM}: estimate and photo` && m.attachments.length === 4, 'the mail and its files on the repair');
    const byName = new Map(mail.attachments.map((a) => [a.fileName, a]));
    expect(byName.get('Estimate SF-2291.pdf')).toMatchObject({ kind: 'document', mimeType: 'application/pdf', sizeBytes: estimate.length, source: 'email', published: false, messageId: mail.id });
    expect(byName.get('IMG_0412.JPG')).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg', sizeBytes: photo.length, source: 'email', published: false });
    expect(byName.get('logo.png')).toMatchObject({ kind: 'photo', caption: 'cid:logo@statefarm.example' });
    // An iPhone photo (HEIC) is kept as a JPEG, upright, which every screen can show.
    expect(byName.get('IMG_0413.jpg')).toMatchObject({ kind: 'photo', mimeType: 'image/jpeg', source: 'email' });
    const iphone = await eventually('the iPhone photo at the desk', async () => (await readDeskFile(s.dataDir, byName.get('IMG_0413.jpg')!.blobHash)) ?? undefined);
    expect(await sharp(iphone).metadata()).toMatchObject({ format: 'jpeg', width: 240, height: 320 });
    expect(mail.statusDetail).toContain('Not kept: setup.exe, 1 KB (not a PDF or a photo (JPEG, PNG, WebP, HEIC))');
    expect(mail.statusDetail).toContain(`Files not kept are still in the mailbox ${SHOP_MAILBOX}.`);
    // The desk holds the very bytes the adjuster sent (through the relay's blob store and blob sync).
    for (const [name, bytes] of [['Estimate SF-2291.pdf', estimate], ['IMG_0412.JPG', photo], ['logo.png', logo]] as const) {
      const held = await eventually(`${name} at the desk`, async () => (await readDeskFile(s.dataDir, byName.get(name)!.blobHash)) ?? undefined);
      expect(held.equals(bytes)).toBe(true);
    }
    // The estimate and the photo are the repair's documents and photos too; the logo is only the mail's.
    const ro = await repair();
    expect(ro.attachments.map((a) => a.fileName).sort()).toEqual(['Estimate SF-2291.pdf', 'IMG_0412.JPG', 'IMG_0413.jpg']);
    // The portal shows none of them until a person publishes.
    expect(ro.attachments.every((a) => !a.published)).toBe(true);
  });

  it('a mail no repair fits keeps its files; attaching it gives them to the repair', async () => {
    const supplement = pdf('supplement');
    s.google.deliver({ from: 'Someone <someone@elsewhere.example>', subject: 'Supplement', text: 'See attached.', attachments: [{ filename: 'supplement.pdf', contentType: 'application/pdf', content: supplement }] });
    const inbox = await eventually('the mail in the unassigned inbox', async () => (await call<Array<{ id: string; subject: string }>>(s.desk, 'mail-inbox-list', {})).find((m) => m.subject === 'Supplement'));
    const waiting = await s.desk.db.selectFrom('attachments').selectAll().where('message_id', '=', inbox.id).execute();
    expect(waiting).toMatchObject([{ ro_id: null, file_name: 'supplement.pdf', source: 'email' }]);
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    expect((await s.desk.call('mail-inbox-attach', { id: inbox.id, roId: s.ro.id }, session)).ok).toBe(true);
    const mail = (await repair()).messages.find((m) => m.id === inbox.id)!;
    expect(mail.attachments.map((a) => a.fileName)).toEqual(['supplement.pdf']);
    expect((await repair()).attachments.map((a) => a.fileName)).toContain('supplement.pdf');
  });

  it('a bounce marks the shop\'s sent mail "Not delivered" with why, and is filed on the same repair', async () => {
    s.google.deliver({ from: `Pat Adjuster <${ADJUSTER}>`, subject: `Claim ${CLAIM} — teardown`, text: 'When is teardown?' });
    const asked = await onRepair((m) => m.email?.subject === `Claim ${CLAIM} — teardown`, 'the question on the repair');
    const session = s.desk.newSession();
    await s.desk.call('staff-switch', { staffId: s.ownerId, pin: '2468' }, session);
    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: asked.id, body: 'Thursday.' }, session)).ok).toBe(true);
    const sent = await onRepair((m) => m.direction === 'out' && m.body === 'Thursday.' && m.status === 'sent', 'the reply sent');
    const ownId = /^Message-ID: (<[^>]+>)\r$/m.exec(s.google.sent.at(-1)!.raw)![1]!;
    const dsn = deliveryFailure({ to: SHOP_MAILBOX, failedAddress: ADJUSTER, originalMessageId: ownId, originalSubject: `Re: Claim ${CLAIM} — teardown` });
    await deliverRaw(dsn);
    const words = `${ADJUSTER} does not exist (550 5.1.1). Check the address and send again.`;
    const failed = await onRepair((m) => m.id === sent.id && m.status === 'failed', 'the reply marked failed at the desk');
    expect(failed.statusDetail).toBe(words);
    const bounce = (await repair()).messages.find((m) => m.status === 'bounce')!;
    expect(bounce.email?.subject).toBe('Delivery Status Notification (Failure)');
    expect(bounce.statusDetail).toBe(`Not delivered: ${words}`);
    // The returned copy is not a file of the repair.
    expect(bounce.attachments).toEqual([]);

    // Outlook's kind: no machine-readable part, the returned headers as text/rfc822-headers.
    expect((await s.desk.call('mail-reply', { roId: s.ro.id, replyToId: asked.id, body: 'Friday, then.' }, session)).ok).toBe(true);
    const friday = await onRepair((m) => m.direction === 'out' && m.body === 'Friday, then.' && m.status === 'sent', 'the second reply sent');
    const fridayId = /^Message-ID: (<[^>]+>)\r$/m.exec(s.google.sent.at(-1)!.raw)![1]!;
    // First a delay: nothing changes.
    const delay = await deliverRaw(deliveryFailure({ to: SHOP_MAILBOX, failedAddress: ADJUSTER, originalMessageId: fridayId, originalSubject: 'Re: teardown', action: 'delayed', status: '4.4.7', diagnostic: '451 4.4.7 still trying' }));
    expect(delay).toMatchObject({ ro_id: s.ro.id, status: 'received', status_detail: null });
    expect((await repair()).messages.find((m) => m.id === friday.id)?.status).toBe('sent');
    const ob = 'ndr_b';
    await deliverRaw(
      [
        'From: Microsoft Outlook <postmaster@outlook.com>',
        `To: ${SHOP_MAILBOX}`,
        'Subject: Undeliverable: Re: teardown',
        `Message-ID: <ndr-${randomBytes(4).toString('hex')}@outlook.com>`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${ob}"`,
        '',
        `--${ob}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Your message to ${ADJUSTER} couldn't be delivered.`,
        'Remote server returned 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
        '',
        `--${ob}`,
        'Content-Type: text/rfc822-headers',
        '',
        `From: <${SHOP_MAILBOX}>`,
        `Message-ID: ${fridayId}`,
        'Subject: Re: teardown',
        '',
        `--${ob}--`,
        '',
      ].join('\r\n'),
    );
    const fridayFailed = await onRepair((m) => m.id === friday.id && m.status === 'failed', 'the second reply marked failed');
    expect(fridayFailed.statusDetail).toBe(`${ADJUSTER} does not exist (550 5.1.10). Check the address and send again.`);

    // Other reasons read as the shop would say them.
    expect(bounceWords('pat@insurer.example', '552 5.2.2')).toBe("pat@insurer.example's mailbox is full (552 5.2.2). Send it again later, or reach them another way.");
    expect(bounceWords('pat@insurer.exmaple', '5.1.2')).toMatch(/^insurer.exmaple does not take mail \(5.1.2\): the address is probably misspelt/);
  });

  it('damaged and odd mail is filed with what could be read', async () => {
    const head = (subject: string, extra: string[] = []) => [`From: Pat Adjuster <${ADJUSTER}>`, ...(extra.some((l) => l.startsWith('To:')) ? [] : [`To: ${SHOP_MAILBOX}`]), `Subject: ${subject}`, `Message-ID: <${randomBytes(6).toString('hex')}@odd.example>`, 'MIME-Version: 1.0', ...extra];

    // Broken boundaries: the declared boundary never appears, nor does a closing one.
    const broken = await deliverRaw([...head('Broken boundaries', ['Content-Type: multipart/mixed; boundary="declared"']), '', '--other', 'Content-Type: text/plain', '', 'Bumper cover is on back order.', '--other'].join('\r\n'));
    expect(broken.subject).toBe('Broken boundaries');
    expect(broken.body).toContain('Bumper cover is on back order.');

    // Headers and no body at all (no blank line).
    const headerOnly = await deliverRaw(head('Only a header').join('\r\n'));
    expect(headerOnly).toMatchObject({ subject: 'Only a header', body: '' });

    // An empty mail: no header, no body, only the blank line between them.
    const empty = await deliverRaw('\r\n');
    expect(empty).toMatchObject({ subject: '', body: '', channel: 'email', direction: 'in' });

    // Charsets: unknown, rare and Japanese, in 8-bit and ISO-2022-JP.
    const unknown = await deliverRaw(Buffer.concat([Buffer.from([...head('Unknown charset', ['Content-Type: text/plain; charset=x-unknown', 'Content-Transfer-Encoding: 8bit']), '', 'Caf'].join('\r\n')), Buffer.from([0xe9]), Buffer.from(' closed at 5')]));
    expect(unknown.body).toMatch(/^Caf.{1,2} closed at 5$/u);
    const vietnamese = await deliverRaw(Buffer.concat([Buffer.from([...head('Windows-1258', ['Content-Type: text/plain; charset=windows-1258', 'Content-Transfer-Encoding: 8bit']), '', 'Vi'].join('\r\n')), Buffer.from([0xea]), Buffer.from('t')]));
    expect(vietnamese.body).toBe('Viêt');
    const japanese = await deliverRaw(Buffer.concat([Buffer.from([...head('ISO-2022-JP', ['Content-Type: text/plain; charset=iso-2022-jp', 'Content-Transfer-Encoding: 7bit']), '', ''].join('\r\n')), Buffer.from('1b244224332473244b2441244f1b2842', 'hex')]));
    expect(japanese.body).toBe('こんにちは');

    // 500 recipients: filed, the first 100 listed, the rest counted.
    const many = Array.from({ length: 500 }, (_, i) => `person${i}@fleet.example`).join(', ');
    const crowd = await deliverRaw([...head('To everyone', [`To: ${many}`, 'Content-Type: text/plain']), '', 'Holiday hours.'].join('\r\n'));
    expect(JSON.parse(crowd.email_to!)).toHaveLength(MAX_LISTED_PEOPLE);
    expect(crowd.status_detail).toContain('Sent to 500 people; the first 100 are listed.');

    // A subject of emoji only, kept and shown intact.
    const emoji = '🚗💥🔧✅👍🏽';
    const emojiMail = await deliverRaw([...head(encodedWord(emoji), ['Content-Type: text/plain; charset=utf-8']), '', 'ok'].join('\r\n'));
    expect(emojiMail.subject).toBe(emoji);

    // HTML only: text made from it, and the claim number in it still finds the repair.
    const htmlOnly = await deliverRaw([...head('Re: your question', ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64']), '', b64(`<div><b>Claim ${CLAIM}</b>: approved&nbsp;supplement <script>x()</script></div>`)].join('\r\n'));
    expect(htmlOnly.ro_id).toBe(s.ro.id);
    expect(htmlOnly.body).toMatch(new RegExp(`Claim ${CLAIM}:? approved\\s+supplement`, 'i'));
    expect(htmlOnly.body_html).toContain('<b>');
  });

  it('a 40 MB attachment: the mail and its other file are filed, the big file is named as not kept, nothing is left on disk', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x41);
    const small = pdf('authorisation');
    const b = 'big_b';
    const raw = Buffer.from(
      [
        `From: Pat Adjuster <${ADJUSTER}>`,
        `To: ${SHOP_MAILBOX}`,
        `Subject: Claim ${CLAIM} video`,
        'MIME-Version: 1.0',
        `Content-Type: multipart/mixed; boundary="${b}"`,
        '',
        `--${b}`,
        'Content-Type: text/plain',
        '',
        'The walk-around video and the authorisation.',
        `--${b}`,
        'Content-Type: video/mp4; name="walkaround.mp4"',
        'Content-Disposition: attachment; filename="walkaround.mp4"',
        'Content-Transfer-Encoding: base64',
        '',
        b64(big),
        `--${b}`,
        'Content-Type: application/pdf; name="authorisation.pdf"',
        'Content-Disposition: attachment; filename="authorisation.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        b64(small),
        `--${b}--`,
        '',
      ].join('\r\n'),
    );
    const blobs = new BlobStore(s.f.blobDir!);
    const store = await s.f.storage.workspaceStore(s.f.workspace.id);
    // Memory: the file is streamed to disk and counted, never gathered; peak growth of Node's
    // buffers while filing stays well under the file's 40 MB.
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 2);
    const filed = await fileMail({
      store,
      provider: 'gmail',
      mailboxId,
      mailboxAddress: SHOP_MAILBOX,
      providerId: `big-${randomBytes(4).toString('hex')}`,
      threadId: 'big-thread',
      sent: false,
      raw,
      receivedAt: Date.now(),
      files: { blobs, workspaceId: s.f.workspace.id, record: (blob) => s.f.storage.recordBlob(blob) },
    }).finally(() => clearInterval(sampler));
    // (Feeding the whole mail at once measured 55 MB here; gathering the file would add 40 MB.)
    expect((peak - before) / (1024 * 1024)).toBeLessThan(20);
    expect(filed).toMatchObject({ roId: s.ro.id, how: 'claim-number', kept: 1, notKept: ['Not kept: walkaround.mp4, 40 MB (larger than 25 MB)'] });
    const row = await store.db.selectFrom('messages').selectAll().where('id', '=', filed.id).executeTakeFirstOrThrow();
    expect(row.status_detail).toContain('Not kept: walkaround.mp4, 40 MB (larger than 25 MB)');
    const files = await store.db.selectFrom('attachments').select(['file_name', 'size_bytes']).where('message_id', '=', filed.id).execute();
    expect(files).toEqual([{ file_name: 'authorisation.pdf', size_bytes: small.length }]);
    // Nothing half-read is left behind in the blob folder's temp space.
    const left = await fsp.readdir(path.join(blobs.incomingDir, 'mail')).catch(() => []);
    expect(left).toEqual([]);
  }, 60_000);
});
