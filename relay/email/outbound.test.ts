// The raw MIME Bayline builds for a mail with the repair's documents, read back by mailparser (as
// a recipient's mail program would): the text, and each file with its name (also one with an en
// dash and an accent, and one so long its name needs several header sections), type and exact bytes.
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMime, mimeParameter } from './outbound.js';

const base = {
  from: { name: 'Lakeside Collision', address: 'shop@example.com' },
  to: [{ name: 'Pat Adjuster', address: 'pat.adjuster@statefarm.example' }],
  cc: [{ name: 'Zoë Martínez', address: 'zoe@example.net' }],
  subject: 'Supplement for claim SF-2291-7734 — RO 1042',
  text: 'Hi Pat,\n\nThe supplement and photos are attached.\n\nThank you,\nLakeside Collision',
  messageId: '<0b7e2c1a.bayline@example.com>',
  inReplyTo: null,
  references: null,
  date: new Date('2026-12-04T15:00:00Z'),
};

describe('buildMime with documents', () => {
  it('is multipart/mixed: the text in UTF-8, then each file with its name, type and exact bytes', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(150_000)]);
    const photo = randomBytes(40_000);
    const longName = `Teardown photos of the rear bumper, quarter panel and trunk lid — RO 1042 (Zoë’s Accord).jpg`;
    const raw = buildMime({
      ...base,
      attachments: [
        { fileName: 'Estimate – José.pdf', contentType: 'application/pdf', content: pdf },
        { fileName: longName, contentType: 'image/jpeg', content: photo },
        { fileName: 'plain.pdf', contentType: 'not a type', content: Buffer.from('%PDF-1.4 tiny') },
      ],
    });
    // Every line is short and plain ASCII (7-bit safe for any mail server).
    expect(raw.split('\r\n').every((l) => l.length <= 78 && /^[\x20-\x7e]*$/.test(l))).toBe(true);
    expect(raw).toMatch(/^Content-Type: multipart\/mixed; boundary="=_bayline_[0-9a-f]+"\r$/m);
    expect(raw).toContain(`filename*=UTF-8''Estimate%20%E2%80%93%20Jos%C3%A9.pdf`);

    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(base.subject);
    expect(mail.from?.value).toEqual([{ name: 'Lakeside Collision', address: 'shop@example.com' }]);
    expect(mail.cc && !Array.isArray(mail.cc) ? mail.cc.value : null).toEqual([{ name: 'Zoë Martínez', address: 'zoe@example.net' }]);
    expect(mail.text?.trim()).toBe(base.text);
    expect(mail.messageId).toBe(base.messageId);
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['Estimate – José.pdf', 'application/pdf', pdf.length],
      [longName, 'image/jpeg', photo.length],
      ['plain.pdf', 'application/pdf', 13],
    ]);
    // A type that is not a type is sent as application/octet-stream (the reader then goes by the name).
    expect(raw).toContain('Content-Type: application/octet-stream;\r\n name="plain.pdf"');
    expect(mail.attachments[0]!.content.equals(pdf)).toBe(true);
    expect(mail.attachments[1]!.content.equals(photo)).toBe(true);
    expect(mail.attachments.every((a) => a.contentDisposition === 'attachment')).toBe(true);
  });

  it('without documents it stays one text/plain part (as replies always were)', async () => {
    const raw = buildMime(base);
    expect(raw).toContain('Content-Type: text/plain; charset=utf-8\r\n');
    expect(raw).not.toContain('multipart');
    const mail = await simpleParser(raw);
    expect(mail.attachments).toEqual([]);
    expect(mail.text?.trim()).toBe(base.text);
  });

  it('file names: plain ASCII quoted, anything else RFC 2231, split into sections when long, never a broken %XX', () => {
    expect(mimeParameter('filename', 'Estimate 1042.pdf')).toBe('filename="Estimate 1042.pdf"');
    expect(mimeParameter('filename', 'say "hi".pdf')).toBe(`filename*=UTF-8''say%20%22hi%22.pdf`);
    const long = mimeParameter('filename', 'é'.repeat(40) + '.pdf');
    const sections = long.split(';\r\n ');
    expect(sections.length).toBeGreaterThan(1);
    expect(sections[0]).toMatch(/^filename\*0\*=UTF-8''/);
    for (const s of sections) expect(s.replace(/^filename\*\d+\*=(UTF-8'')?/, '')).toMatch(/^(?:%[0-9A-F]{2}|[^%])*$/);
  });
});
