// Sealing a signed document (issue 16): the exact pages the customer was shown, then a signature
// page (the drawn signature or the typed name, who, when in the shop's words, the intent they
// gave, the code check, the document's fingerprint) and a certificate of completion (every event
// with time, IP and browser, the SHA-256 of the original, the consent record, where the code went,
// the sealing certificate), the whole file then signed with a detached CMS signature
// (adbe.pkcs7.detached, SHA-256) by the shop's certificate (./certificates.ts). pdf-lib appends
// pages to a PDF someone else made (pdfkit only writes new ones); @signpdf/placeholder-pdf-lib
// reserves the signature dictionary and @signpdf/signpdf + @signpdf/signer-p12 fill it in, so a
// reader (Acrobat, pdfsig) shows the signature covering the whole file and any later change breaks
// it. Nothing is stored here: the caller files the result.
import { createHash } from 'node:crypto';
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { degrees, type PDFFont, type PDFImage, PDFDocument, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import type { EsignKeyRecords } from '../storage/esign-key-records.js';
import { SealingCertificates, type SigningIdentity } from './certificates.js';
import type { SealConfig } from './config.js';
import { fontFiles, fontkitForPdfLib } from './fonts.js';
import { NodeCmsSigner } from './signer.js';
import type { DocumentSealer, SealedDocument, SealInput } from './seal-types.js';
import { customerWords } from '../../src-shared/i18n/index.js';

const AMERICAN = customerWords('US', 'en', { pseudo: false });

/** A locale named in the reader's language, first letter capital: "Spanish (United States)", "Español (Estados Unidos)". */
function languageLabel(locale: string, intl: string): string {
  try {
    const name = new Intl.DisplayNames([intl], { type: 'language' }).of(locale) ?? locale;
    return name.charAt(0).toLocaleUpperCase(intl) + name.slice(1);
  } catch {
    return locale;
  }
}

export class SealError extends Error {}

/** Room for the CMS signature: an RSA 3072 signature, the certificate (a CA chain when the operator's) and attributes. */
const SIGNATURE_LENGTH = 16_384;
const LETTER: [number, number] = [612, 792];
const MARGIN = 54;
/** Kept clear above the bottom margin for the footer (page number, seal notice). */
const FOOTER_ROOM = 14;

const INK = rgb(0.11, 0.13, 0.16);
const MUTED = rgb(0.38, 0.41, 0.45);
const RULE = rgb(0.8, 0.82, 0.85);
const PANEL = rgb(0.965, 0.97, 0.975);

/**
 * Time where the shop is, as the reader writes it: "Thursday, December 3, 2026 at 2:14:05 PM CST",
 * "Thursday 3 December 2026 at 14:14:05 GMT", "jueves, 3 de diciembre de 2026, 14:14:05 CST".
 */
export function shopTime(iso: string, timeZone: string, style: 'long' | 'short' = 'long', intl = 'en-US'): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions =
    style === 'long'
      ? { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'short' }
      : // The events' column: the year is on the signed date above; "Dec 3, 2:14:05 PM CST" fits one line.
        { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat(intl, { ...options, timeZone }).format(at);
  } catch {
    return new Intl.DateTimeFormat(intl, { ...options, timeZone: 'UTC' }).format(at);
  }
}

/** ASCII for the signature dictionary's text fields (PDFDocEncoding literals): "Peña" → "Pena". */
const ascii = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?');

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
  script: PDFFont;
}

/** Lines of `text` no wider than `width` (words broken only when one alone is wider). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width && rest.length > 1) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/** Writes down a page from the top, starting a new page (of the same size) when one is full. */
class Writer {
  page!: PDFPage;
  y = 0;
  readonly pages: PDFPage[] = [];

  constructor(
    private readonly doc: PDFDocument,
    private readonly size: [number, number],
    private readonly fonts: Fonts,
    private readonly onNewPage: (w: Writer) => void,
  ) {
    this.newPage();
  }

  get width(): number {
    return this.size[0] - 2 * MARGIN;
  }

  newPage(): void {
    this.page = this.doc.addPage(this.size);
    this.pages.push(this.page);
    this.y = this.size[1] - MARGIN;
    this.onNewPage(this);
  }

  /** Makes sure `height` fits above the footer, else goes on a new page. */
  need(height: number): void {
    if (this.y - height < MARGIN + FOOTER_ROOM) this.newPage();
  }

  text(text: string, options: { size?: number; font?: PDFFont; color?: ReturnType<typeof rgb>; x?: number; width?: number; gap?: number } = {}): void {
    const size = options.size ?? 10;
    const font = options.font ?? this.fonts.regular;
    const x = options.x ?? MARGIN;
    const width = options.width ?? this.width - (x - MARGIN);
    const lineHeight = size * 1.35;
    for (const line of wrap(text, font, size, width)) {
      this.need(lineHeight);
      this.y -= lineHeight;
      this.page.drawText(line, { x, y: this.y + size * 0.3, size, font, color: options.color ?? INK });
    }
    this.y -= options.gap ?? 0;
  }

  rule(gap = 10): void {
    this.y -= gap / 2;
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: this.size[0] - MARGIN, y: this.y }, thickness: 0.75, color: RULE });
    this.y -= gap / 2;
  }

  /** A section's heading, kept on the same page as the first lines after it. */
  heading(text: string): void {
    this.need(12 * 1.35 + 4 + 36);
    this.text(text, { size: 12, font: this.fonts.bold, gap: 4 });
  }

  /** A label on the left and its value wrapped on the right, kept together on one page. */
  fact(label: string, value: string, valueFont?: PDFFont, valueSize = 9.5): void {
    const labelWidth = 132;
    const font = valueFont ?? this.fonts.regular;
    const lines = wrap(value, font, valueSize, this.width - labelWidth);
    const height = lines.length * valueSize * 1.35 + 4;
    this.need(height);
    const top = this.y;
    this.page.drawText(label, { x: MARGIN, y: top - 10 * 1.35 + 3, size: 9, font: this.fonts.bold, color: MUTED });
    let y = top;
    for (const line of lines) {
      y -= valueSize * 1.35;
      this.page.drawText(line, { x: MARGIN + labelWidth, y: y + valueSize * 0.3, size: valueSize, font, color: INK });
    }
    this.y = y - 4;
  }
}

/** The typed name in the signature box: Times Bold Italic when it can write the name, else Noto Sans slanted. */
function drawTypedName(page: PDFPage, name: string, fonts: Fonts, box: { x: number; y: number; width: number; height: number }): void {
  let font = fonts.script;
  let slant = 0;
  try {
    font.widthOfTextAtSize(name, 10);
  } catch {
    font = fonts.regular;
    slant = 12;
  }
  let size = 38;
  while (size > 14 && font.widthOfTextAtSize(name, size) > box.width - 40) size -= 2;
  page.drawText(name, {
    x: box.x + 20,
    y: box.y + box.height / 2 - size * 0.3,
    size,
    font,
    color: rgb(0.05, 0.15, 0.45),
    ...(slant ? { xSkew: degrees(0), ySkew: degrees(slant) } : {}),
  });
}

function drawSignatureImage(page: PDFPage, image: PDFImage, box: { x: number; y: number; width: number; height: number }): void {
  const scale = Math.min((box.width - 24) / image.width, (box.height - 16) / image.height, 1.5);
  const width = image.width * scale;
  const height = image.height * scale;
  page.drawImage(image, { x: box.x + 12, y: box.y + (box.height - height) / 2, width, height });
}

function checkInput(input: SealInput): void {
  if (!Buffer.isBuffer(input.document) || input.document.length === 0) throw new SealError('There is no document to seal (no bytes were given).');
  const actual = createHash('sha256').update(input.document).digest('hex');
  if (actual !== input.documentSha256.toLowerCase()) {
    throw new SealError(
      `The document given for "${input.title}" is not the one the customer was shown: its SHA-256 is ${actual}, the request fixed ${input.documentSha256}. Nothing was sealed.`,
    );
  }
  if (input.signerName.trim() === '') throw new SealError('The signer\'s name is empty: a signature page needs who signed.');
  if (Number.isNaN(new Date(input.signedAt).getTime())) throw new SealError(`The signing time "${input.signedAt}" is not a time.`);
}

/** Builds the unsigned file: the original pages, the signature page, the certificate, and the empty signature field. */
async function composeDocument(input: SealInput, identity: SigningIdentity, sealedAt: Date): Promise<{ pdf: Uint8Array; pageCount: number }> {
  const timeZone = input.timeZone ?? 'UTC';
  const words = input.words ?? AMERICAN;
  const { t } = words;
  const intl = words.locale.intl;
  const when = (iso: string, style: 'long' | 'short' = 'long') => shopTime(iso, timeZone, style, intl);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(input.document, { updateMetadata: false });
  } catch (err) {
    const message = (err as Error).message;
    if (/encrypt/i.test(message)) throw new SealError(`"${input.title}" is a password-protected PDF: it cannot be sealed. Attach a copy without a password.`);
    throw new SealError(`"${input.title}" is not a PDF this relay can read (${message.slice(0, 120)}). Nothing was sealed.`);
  }
  const originalPages = doc.getPageCount();
  if (originalPages === 0) throw new SealError(`"${input.title}" has no pages.`);
  doc.registerFontkit(fontkitForPdfLib);
  const files = fontFiles();
  const fonts: Fonts = {
    regular: await doc.embedFont(files.regular, { subset: true }),
    bold: await doc.embedFont(files.bold, { subset: true }),
    mono: await doc.embedFont(StandardFonts.Courier),
    script: await doc.embedFont(StandardFonts.TimesRomanBoldItalic),
  };
  const first = doc.getPage(0).getSize();
  // Letter or A4 like the original (landscape pages would squeeze the certificate: portrait then).
  const size: [number, number] = first.width > 500 && first.width < first.height ? [first.width, first.height] : LETTER;
  const ro = input.roNumber === null ? null : t('sealCert.roNumber', { number: input.roNumber });
  const signedWords = when(input.signedAt);
  // The language of the words signed, named in the reader's: "Spanish (United States)", "español (Estados Unidos)".
  const language = input.documentLocale ? languageLabel(input.documentLocale, intl) : null;

  const header = (label: string) => (w: Writer) => {
    w.page.drawText(input.shopName, { x: MARGIN, y: size[1] - 34, size: 9, font: fonts.bold, color: MUTED });
    const width = fonts.regular.widthOfTextAtSize(label, 9);
    w.page.drawText(label, { x: size[0] - MARGIN - width, y: size[1] - 34, size: 9, font: fonts.regular, color: MUTED });
  };

  // ---- The signature page.
  const sig = new Writer(doc, size, fonts, header(ro ? `${input.title} · ${ro}` : input.title));
  sig.text(t('sealCert.signatureHeading'), { size: 20, font: fonts.bold, gap: 2 });
  sig.text(ro ? `${input.title} · ${ro}` : input.title, { size: 12, color: MUTED, gap: 14 });
  const box = { x: MARGIN, y: sig.y - 130, width: sig.width, height: 130 };
  sig.page.drawRectangle({ ...box, color: PANEL, borderColor: RULE, borderWidth: 0.75 });
  if (input.signaturePng) {
    let image: PDFImage;
    try {
      image = await doc.embedPng(input.signaturePng);
    } catch {
      throw new SealError('The drawn signature is not a PNG image this relay can read. Nothing was sealed.');
    }
    drawSignatureImage(sig.page, image, box);
  } else {
    drawTypedName(sig.page, input.signerName, fonts, box);
  }
  sig.page.drawLine({ start: { x: box.x + 16, y: box.y + 22 }, end: { x: box.x + box.width - 16, y: box.y + 22 }, thickness: 0.75, color: MUTED });
  sig.page.drawText(input.signaturePng ? t('sealCert.drawnCaption') : t('sealCert.typedCaption'), { x: box.x + 16, y: box.y + 8, size: 8, font: fonts.regular, color: MUTED });
  sig.y = box.y - 14;
  sig.text(input.signerName, { size: 14, font: fonts.bold });
  sig.text(t('sealCert.signedAt', { when: signedWords }), { size: 10, color: MUTED, gap: 12 });
  sig.rule(12);
  sig.fact(t('sealCert.document'), input.title);
  if (language) sig.fact(t('sealCert.language'), language);
  if (ro) sig.fact(t('sealCert.repairOrder'), ro);
  sig.fact(t('sealCert.intent'), t('sealCert.intentStated', { intent: input.intentText }));
  sig.fact(t('sealCert.identity'), input.codeSentTo ? t('sealCert.codeChecked', { to: input.codeSentTo }) : t('sealCert.noCodeNeeded'));
  sig.fact(t('sealCert.consent'), t('sealCert.consentAgreed', { version: input.consent.disclosureVersion, when: when(input.consent.agreedAt) }));
  sig.fact(t('sealCert.documentSha'), input.documentSha256.toLowerCase(), fonts.mono, 8.5);
  sig.fact(t('sealCert.pagesSigned'), t('sealCert.pagesBefore', { count: originalPages }));
  sig.rule(14);
  sig.text(t('sealCert.addedNote', { shop: input.shopName }), { size: 9, color: MUTED });

  // ---- The certificate of completion.
  const certificateHeading = t('sealCert.certificateHeading');
  const cert = new Writer(doc, size, fonts, header(certificateHeading));
  cert.text(certificateHeading, { size: 20, font: fonts.bold, gap: 2 });
  cert.text(`${input.shopName} · ${ro ? `${input.title} · ${ro}` : input.title}`, { size: 12, color: MUTED, gap: 10 });

  cert.heading(t('sealCert.document'));
  cert.fact(t('sealCert.title'), input.title);
  if (language) cert.fact(t('sealCert.language'), language);
  if (ro) cert.fact(t('sealCert.repairOrder'), ro);
  cert.fact(t('sealCert.pages'), t('sealCert.pagesShown', { count: originalPages }));
  cert.fact(t('sealCert.originalSha'), input.documentSha256.toLowerCase(), fonts.mono, 8.5);
  cert.rule(12);

  cert.heading(t('sealCert.signer'));
  cert.fact(t('sealCert.name'), input.signerName);
  cert.fact(t('sealCert.signed'), signedWords);
  cert.fact(t('sealCert.signature'), input.signaturePng ? t('sealCert.drawn') : t('sealCert.typed'));
  cert.fact(t('sealCert.intentShort'), t('sealCert.quoted', { text: input.intentText }));
  cert.fact(t('sealCert.code'), input.codeSentTo ? t('sealCert.codeEntered', { to: input.codeSentTo }) : t('sealCert.codeNotRequired'));
  cert.fact(t('sealCert.consent'), t('sealCert.consentLine', { version: input.consent.disclosureVersion, when: when(input.consent.agreedAt) }));
  cert.rule(12);

  cert.heading(t('sealCert.events'));
  // The browser's long user agent gets the widest column, so each event takes few lines.
  const cols = { time: 128, what: 164 };
  const eventHeader = () => {
    cert.need(16);
    cert.y -= 12;
    cert.page.drawText(t('sealCert.time'), { x: MARGIN, y: cert.y, size: 8.5, font: fonts.bold, color: MUTED });
    cert.page.drawText(t('sealCert.what'), { x: MARGIN + cols.time, y: cert.y, size: 8.5, font: fonts.bold, color: MUTED });
    cert.page.drawText(t('sealCert.from'), { x: MARGIN + cols.time + cols.what, y: cert.y, size: 8.5, font: fonts.bold, color: MUTED });
    cert.y -= 5;
  };
  eventHeader();
  const events = [...input.events].sort((a, b) => a.at.localeCompare(b.at));
  if (events.length === 0) cert.text(t('sealCert.noEvents'), { size: 9, color: MUTED });
  for (const event of events) {
    const type = 8.5;
    const lineHeight = type * 1.35;
    const timeLines = wrap(when(event.at, 'short'), fonts.regular, type, cols.time - 8);
    const whatLines = wrap(event.what, fonts.regular, type, cols.what - 8);
    const from = [event.ip ? t('sealCert.ip', { ip: event.ip }) : null, event.userAgent ?? null].filter((v): v is string => v !== null).join('\n') || '—';
    const fromLines = wrap(from, fonts.regular, type - 1, cert.width - cols.time - cols.what);
    const rows = Math.max(timeLines.length, whatLines.length, fromLines.length);
    const height = rows * lineHeight + 4;
    const pageBefore = cert.page;
    cert.need(height);
    if (cert.page !== pageBefore) eventHeader();
    const top = cert.y;
    timeLines.forEach((l, i) => cert.page.drawText(l, { x: MARGIN, y: top - (i + 1) * lineHeight + 3, size: type, font: fonts.regular, color: INK }));
    whatLines.forEach((l, i) => cert.page.drawText(l, { x: MARGIN + cols.time, y: top - (i + 1) * lineHeight + 3, size: type, font: fonts.regular, color: INK }));
    fromLines.forEach((l, i) => cert.page.drawText(l, { x: MARGIN + cols.time + cols.what, y: top - (i + 1) * lineHeight + 3, size: type - 1, font: fonts.regular, color: MUTED }));
    cert.y = top - height;
    cert.page.drawLine({ start: { x: MARGIN, y: cert.y + 2 }, end: { x: size[0] - MARGIN, y: cert.y + 2 }, thickness: 0.4, color: RULE });
  }
  cert.rule(12);

  cert.heading(t('sealCert.seal'));
  cert.fact(t('sealCert.sealed'), t('sealCert.sealedText', { when: when(sealedAt.toISOString()) }));
  const until = words.day(identity.notAfter.slice(0, 10));
  cert.fact(t('sealCert.certificate'), t(identity.source === 'operator' ? 'sealCert.certificateOperator' : 'sealCert.certificateOwn', { subject: identity.subject, date: until }));
  cert.fact(t('sealCert.certificateSha'), identity.fingerprintSha256, fonts.mono, 8.5);

  // Footers with page numbers, now that the count is known.
  const added = [...sig.pages, ...cert.pages];
  const total = originalPages + added.length;
  added.forEach((page, i) => {
    const label = t('sealCert.pageOf', { n: originalPages + i + 1, total });
    page.drawText(label, { x: size[0] - MARGIN - fonts.regular.widthOfTextAtSize(label, 8), y: 30, size: 8, font: fonts.regular, color: MUTED });
    page.drawText(t('sealCert.footer'), { x: MARGIN, y: 30, size: 8, font: fonts.regular, color: MUTED });
  });

  pdflibAddPlaceholder({
    pdfDoc: doc,
    pdfPage: sig.pages[0]!,
    reason: ascii(`${input.signerName} signed ${input.title}${ro ? ` (${ro})` : ''}`),
    contactInfo: '',
    name: ascii(input.shopName),
    location: ascii(input.shopName),
    signingTime: sealedAt,
    signatureLength: SIGNATURE_LENGTH,
    subFilter: 'adbe.pkcs7.detached',
    widgetRect: [0, 0, 0, 0],
    appName: 'Bayline',
  });
  return { pdf: await doc.save({ useObjectStreams: false }), pageCount: total };
}

const signers = new WeakMap<SigningIdentity, NodeCmsSigner>();

/** The CMS signer of an identity, its PKCS#12 opened once. */
function signerFor(identity: SigningIdentity): NodeCmsSigner {
  let signer = signers.get(identity);
  if (!signer) {
    signer = new NodeCmsSigner(identity);
    signers.set(identity, signer);
  }
  return signer;
}

/** Appends a signature page and certificate to a document and seals it with the shop's certificate. */
export async function sealDocument(input: SealInput, identity: SigningIdentity, now = new Date()): Promise<SealedDocument> {
  checkInput(input);
  const { pdf, pageCount } = await composeDocument(input, identity, now);
  const signed = await new SignPdf().sign(Buffer.from(pdf), signerFor(identity), now);
  return { pdf: signed, sha256: createHash('sha256').update(signed).digest('hex'), pageCount };
}

/**
 * The relay's sealer: each shop's certificate from the operator database (made on first use,
 * sealed with the relay's key) or the operator's certificate for all.
 */
export class PdfSealer implements DocumentSealer {
  readonly certificates: SealingCertificates;

  constructor(options: { storage: { esignKeys: EsignKeyRecords }; config: SealConfig }) {
    this.certificates = new SealingCertificates({ records: options.storage.esignKeys, vault: options.config.vault, operator: options.config.operator });
  }

  async seal(input: SealInput): Promise<SealedDocument> {
    const identity = await this.certificates.forWorkspace(input.workspaceId, input.shopName);
    return sealDocument(input, identity);
  }
}
