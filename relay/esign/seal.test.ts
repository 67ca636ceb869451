// Sealing a signed document, checked the way a shop, a customer or their lawyer would: poppler's
// pdfsig (which shares no code with @signpdf or node-forge) says the signature is valid and covers
// the whole file, and stops saying so after one byte changes; pdftotext reads the original's
// SHA-256 off the certificate page and it is the sha256sum of the file the customer was shown; the
// pages are rendered (test-output/esign-seal/*.png) for a person to look at. The shop's certificate
// lives in the real operator database (SQLite files and a real PostgreSQL), encrypted, the same
// across relay restarts, one per shop even when two relay processes make it at the same moment.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import PDFKit from 'pdfkit';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { pdfText, renderPages } from '../../src-main/printing/printed-pages.js';
import { TokenVault } from '../email/token-vault.js';
import { createTestDatabase, type TestDatabase } from '../testing/postgres.js';
import { openPostgresStorage } from '../storage/postgres.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import type { RelayStorage } from '../storage/types.js';
import { readSealConfig, SealConfigError, type SealConfig } from './config.js';
import { PdfSealer, SealError } from './seal.js';
import type { SealInput } from './seal-types.js';
import { customerWords } from '../../src-shared/i18n/index.js';
import { pdfsig } from './testing.js';

const OUT = path.resolve('test-output/esign-seal');
const folders: string[] = [];
const databases: TestDatabase[] = [];
const opened: RelayStorage[] = [];

afterAll(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await Promise.all(databases.splice(0).map((d) => d.drop()));
  for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bayline-seal-'));
  folders.push(dir);
  return dir;
}

async function open(engine: 'sqlite' | 'postgres', location: string): Promise<RelayStorage> {
  const storage = engine === 'sqlite' ? await openSqliteStorage(location) : await openPostgresStorage(location);
  opened.push(storage);
  return storage;
}

async function close(storage: RelayStorage): Promise<void> {
  opened.splice(opened.indexOf(storage), 1);
  await storage.close();
}

/** A 3-page repair authorization as the desk prints it (pdfkit). */
async function threePageDocument(): Promise<Buffer> {
  const doc = new PDFKit({ size: 'LETTER', margin: 54, info: { Title: 'Repair authorization' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  for (let page = 1; page <= 3; page++) {
    if (page > 1) doc.addPage();
    doc.fontSize(18).text(`Repair authorization — page ${page} of 3`);
    doc.moveDown().fontSize(11).text('2021 Honda Civic EX · VIN 2HGFC2F59MH512345 · Claim 44-1290-77 (State Farm)');
    doc.moveDown().text('I authorize Harbor Collision to repair the vehicle described above as written in the estimate. '.repeat(12));
  }
  doc.end();
  return done;
}

/** A drawn signature as the portal's canvas sends it: a PNG with a transparent background. */
async function drawnSignature(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><path d="M20 150 C 60 20, 90 20, 110 140 S 160 40, 190 120 S 250 170, 280 80 S 340 60, 360 130 L 420 100 C 460 80, 500 150, 580 90" fill="none" stroke="#111" stroke-width="5" stroke-linecap="round"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function sealInput(workspaceId: string, document: Buffer, overrides: Partial<SealInput> = {}): SealInput {
  return {
    workspaceId,
    shopName: 'Harbor Collision',
    document,
    documentSha256: sha256(document),
    title: 'Repair authorization',
    roNumber: 1042,
    signerName: 'Dana Whitfield',
    signaturePng: null,
    signedAt: '2026-12-03T20:14:05.000Z',
    intentText: 'I agree to sign this repair authorization electronically',
    consent: { disclosureVersion: '2026-12-01', agreedAt: '2026-12-03T20:12:40.000Z' },
    codeSentTo: 'text to (512) ***-0147',
    timeZone: 'America/Chicago',
    events: [
      { at: '2026-12-03T20:10:00.000Z', what: 'Sent by text to (512) ***-0147' },
      { at: '2026-12-03T20:12:02.000Z', what: 'Document opened', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1' },
      { at: '2026-12-03T20:12:40.000Z', what: 'Consent to sign electronically given (disclosure 2026-12-01)', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone)' },
      { at: '2026-12-03T20:13:10.000Z', what: 'Code sent by text to (512) ***-0147', ip: '203.0.113.7' },
      { at: '2026-12-03T20:14:00.000Z', what: 'Code entered correctly', ip: '203.0.113.7' },
      { at: '2026-12-03T20:14:05.000Z', what: 'Signed: “I agree to sign this repair authorization electronically”', ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone)' },
    ],
    ...overrides,
  };
}

/** The text of one page (1-based) as pdftotext reads it. */
function pageText(pdf: Buffer, page: number): string {
  return execFileSync('pdftotext', ['-layout', '-f', String(page), '-l', String(page), '-', '-'], { input: pdf, encoding: 'utf8' });
}

const keyConfig = (key = randomBytes(32)): SealConfig => ({ vault: new TokenVault(key), operator: null });

describe('sealing a signed document', () => {
  it('appends a signature page and a certificate to the 3 pages and seals the whole file: pdfsig says valid, and invalid after one byte changes', async () => {
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const sealer = new PdfSealer({ storage, config: keyConfig() });
    const original = await threePageDocument();
    const sealed = await sealer.seal(sealInput(ws.id, original, { signaturePng: await drawnSignature() }));

    expect(sealed.pageCount).toBe(5);
    expect(sealed.sha256).toBe(sha256(sealed.pdf));
    const check = pdfsig(sealed.pdf);
    expect(check.output).toContain('adbe.pkcs7.detached');
    expect(check.valid).toBe(true);
    expect(check.wholeDocument).toBe(true);
    expect(check.commonName).toBe('Harbor Collision');

    // The original's pages are there, as they were; then the signature page and the certificate.
    for (const page of [1, 2, 3]) expect(pageText(sealed.pdf, page)).toContain(`Repair authorization — page ${page} of 3`);
    const signaturePage = pageText(sealed.pdf, 4);
    expect(signaturePage).toContain('Electronic signature');
    expect(signaturePage).toContain('Dana Whitfield');
    expect(signaturePage).toContain('Signed Thursday, December 3, 2026 at 2:14:05 PM CST');
    expect(signaturePage).toContain('I agree to sign this repair authorization electronically');
    expect(signaturePage).toContain('RO 1042');
    const certificate = pageText(sealed.pdf, 5);
    expect(certificate).toContain('Certificate of completion');
    for (const what of ['Document opened', 'Code entered correctly', '203.0.113.7', 'iPhone OS 17_4', 'Consumer disclosure version 2026-12-01', 'Sent by text to (512) ***-0147']) {
      expect(certificate).toContain(what);
    }
    renderPages(sealed.pdf, OUT, 'drawn', 60);

    // One byte of the certificate page's text changed, inside the signed range: the seal breaks.
    const tampered = Buffer.from(sealed.pdf);
    const byteRange = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(tampered.toString('latin1'))!.slice(1).map(Number);
    const [, firstLength, secondStart] = byteRange as [number, number, number, number];
    const at = tampered.indexOf('Certificate of completion', 0, 'latin1');
    const target = at > 0 && (at < firstLength || at > secondStart) ? at : firstLength - 200;
    tampered[target] = tampered[target]! ^ 0x01;
    const broken = pdfsig(tampered);
    expect(broken.valid).toBe(false);
    expect(broken.output).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  });

  it('prints on the certificate the same SHA-256 that sha256sum gives for the original document', async () => {
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const sealer = new PdfSealer({ storage, config: keyConfig() });
    const dir = tempDir();
    const original = await threePageDocument();
    fs.writeFileSync(path.join(dir, 'original.pdf'), original);
    const sha256sum = execFileSync('sha256sum', [path.join(dir, 'original.pdf')], { encoding: 'utf8' }).split(/\s+/)[0]!;
    expect(sha256sum).toBe(sha256(original));

    const sealed = await sealer.seal(sealInput(ws.id, original));
    const certificateHashes = [...pageText(sealed.pdf, 5).matchAll(/Original SHA-256\s+([0-9a-f]{64})/g)].map((m) => m[1]);
    expect(certificateHashes).toEqual([sha256sum]);
    expect(pageText(sealed.pdf, 4)).toMatch(new RegExp(`Document SHA-256\\s+${sha256sum}`));
  });

  it('writes a typed name in a script face, and names in any alphabet as written (Nguyễn, Peña)', async () => {
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'pena', name: 'Peña Auto Body' });
    const sealer = new PdfSealer({ storage, config: keyConfig() });
    const original = await threePageDocument();
    const typed = await sealer.seal(sealInput(ws.id, original, { shopName: 'Peña Auto Body', signerName: 'Dana Whitfield', codeSentTo: null }));
    expect(pdfsig(typed.pdf)).toMatchObject({ valid: true, wholeDocument: true, commonName: 'Peña Auto Body' });
    expect(pageText(typed.pdf, 4)).toContain('Name typed by the signer as their signature');
    expect(pageText(typed.pdf, 4)).toContain('No one-time code was required for this document.');
    renderPages(typed.pdf, OUT, 'typed', 60);

    const vietnamese = await sealer.seal(sealInput(ws.id, original, { shopName: 'Peña Auto Body', signerName: 'Nguyễn Thị Hương' }));
    expect(pdfsig(vietnamese.pdf).valid).toBe(true);
    expect(pdfText(vietnamese.pdf)).toContain('Nguyễn Thị Hương');
    renderPages(vietnamese.pdf, OUT, 'typed-vietnamese', 60);
  });

  it('runs the certificate of completion onto more pages when there are many events', async () => {
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const sealer = new PdfSealer({ storage, config: keyConfig() });
    const events = Array.from({ length: 60 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 11, 3, 20, 0, i)).toISOString(),
      what: i % 2 ? `Wrong code entered (attempt ${i})` : 'Document opened',
      ip: '198.51.100.23',
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
    }));
    const sealed = await sealer.seal(sealInput(ws.id, await threePageDocument(), { events }));
    expect(sealed.pageCount).toBeGreaterThan(5);
    const text = pdfText(sealed.pdf);
    expect(text).toContain('Wrong code entered (attempt 59)');
    expect(text).toContain(`Page ${sealed.pageCount} of ${sealed.pageCount}`);
    expect(pdfsig(sealed.pdf)).toMatchObject({ valid: true, wholeDocument: true });
    renderPages(sealed.pdf, OUT, 'many-events', 60);
  });

  it('writes the signature page and certificate in the signer’s words (Spanish, en-GB), and a whole signing’s certificate fits one page', async () => {
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const sealer = new PdfSealer({ storage, config: keyConfig() });
    const original = await threePageDocument();
    const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
    const cases = [
      { name: 'es', words: customerWords('US', 'es'), zone: 'America/Chicago', signed: 'Firmado el jueves, 3 de diciembre de 2026, 2:14:05 p.m. CST', heading: 'Certificado de finalización', language: 'Español (Estados Unidos)', page: 'Página 5 de 5', english: 'Certificate of completion' },
      { name: 'gb', words: customerWords('GB', 'en', { pseudo: false }), zone: 'Europe/London', signed: '3 December 2026 at 20:14:05 GMT', heading: 'Certificate of completion', language: 'British English', page: 'Page 5 of 5', english: 'PM' },
      { name: 'us', words: customerWords('US', 'en', { pseudo: false }), zone: 'America/Chicago', signed: 'Signed Thursday, December 3, 2026 at 2:14:05 PM CST', heading: 'Certificate of completion', language: 'American English', page: 'Page 5 of 5', english: 'Certificado' },
    ];
    for (const c of cases) {
      const t = c.words.t;
      const at = (minute: number, second = 0) => `2026-12-03T20:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000Z`;
      const to = t('sealCert.byText', { number: '(512) ***-0147' });
      // Every event a real signing records (relay/esign/signing-service.ts), with a phone's long user agent.
      const sealed = await sealer.seal(
        sealInput(ws.id, original, {
          title: t('signDoc.kindAuthorization'),
          intentText: t('esign.intentAuthorization'),
          codeSentTo: to,
          timeZone: c.zone,
          words: c.words,
          documentLocale: c.words.locale.intl,
          events: [
            { at: at(10), what: t('sealCert.eventRequest', { title: t('signDoc.kindAuthorization'), version: 1 }) },
            { at: at(10, 1), what: t('sealCert.eventSent') },
            { at: at(12, 40), what: t('sealCert.eventConsent', { version: 'bayline-esign-disclosure-2026-12/es' }), ip: '203.0.113.7', userAgent: UA },
            { at: at(12, 41), what: t('sealCert.eventOpened') },
            { at: at(13, 10), what: t('sealCert.eventCodeSent', { to }) },
            { at: at(14), what: t('sealCert.eventCodeVerified') },
            { at: at(14, 5), what: t('sealCert.eventSignedDrawn', { name: 'Dana Whitfield' }), ip: '203.0.113.7', userAgent: UA },
          ],
        }),
      );
      // 3 pages shown, the signature page, and the certificate on one page: nothing spills.
      expect(sealed.pageCount, c.name).toBe(5);
      expect(pdfsig(sealed.pdf).valid).toBe(true);
      const signature = pageText(sealed.pdf, 4).replace(/\s+/g, ' ');
      expect(signature).toContain(c.signed);
      expect(signature).toContain(c.language);
      const certificate = pageText(sealed.pdf, 5).replace(/\s+/g, ' ');
      for (const expected of [c.heading, c.language, t('sealCert.eventOpened'), t('sealCert.eventCodeVerified'), c.page, sha256(original)]) expect(certificate, c.name).toContain(expected);
      expect(certificate, c.name).not.toContain(c.english);
      renderPages(sealed.pdf, OUT, `words-${c.name}`, 60);
    }
  });

  it('refuses bytes that are not the document the customer was shown, a file that is not a PDF, and a drawing that is not a PNG', async () => {
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const sealer = new PdfSealer({ storage, config: keyConfig() });
    const original = await threePageDocument();
    const other = Buffer.concat([original, Buffer.from('\n% changed after the request was made\n')]);
    await expect(sealer.seal({ ...sealInput(ws.id, original), document: other })).rejects.toThrow(SealError);
    await expect(sealer.seal({ ...sealInput(ws.id, original), document: other })).rejects.toThrow(/not the one the customer was shown/);
    const notPdf = Buffer.from('this is an estimate as text, not a PDF');
    await expect(sealer.seal(sealInput(ws.id, notPdf))).rejects.toThrow(/not a PDF this relay can read/);
    await expect(sealer.seal(sealInput(ws.id, original, { signaturePng: Buffer.from('GIF89a…') }))).rejects.toThrow(/not a PNG image/);
  });
});

describe.each(['sqlite', 'postgres'] as const)('the shop\'s sealing certificate (%s)', (engine) => {
  async function location(): Promise<string> {
    if (engine === 'sqlite') return tempDir();
    const db = await createTestDatabase();
    databases.push(db);
    return db.url;
  }

  it('is made on first use, kept encrypted, the same after a relay restart, and different for another shop', async () => {
    const where = await location();
    const key = randomBytes(32);
    const first = await open(engine, where);
    const harbor = await first.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const lakeside = await first.createWorkspace({ slug: 'lakeside', name: 'Lakeside Auto Body' });
    expect(await first.esignKeys.find(harbor.id)).toBeNull();
    const original = await threePageDocument();
    const before = await new PdfSealer({ storage: first, config: keyConfig(key) }).certificates.forWorkspace(harbor.id, 'Harbor Collision');
    const row = (await first.esignKeys.find(harbor.id))!;
    expect(row.fingerprintSha256).toBe(before.fingerprintSha256);
    expect(row.subject).toBe('CN=Harbor Collision, O=Harbor Collision, OU=Electronic signatures');
    // Not the plain PKCS#12, nor its passphrase: neither reads as one without the relay's key.
    const plainP12 = before.p12.toString('base64');
    expect(row.sealedP12).not.toContain(plainP12.slice(0, 40));
    expect(row.sealedP12.startsWith('v1.')).toBe(true);
    expect(row.sealedPassphrase).not.toContain(before.passphrase);
    expect(() => forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(row.sealedP12, 'base64').toString('binary')))).toThrow();
    await close(first);

    // The relay restarts: the same certificate seals Harbor's documents; Lakeside gets its own.
    const again = await open(engine, where);
    const sealer = new PdfSealer({ storage: again, config: keyConfig(key) });
    const after = await sealer.certificates.forWorkspace(harbor.id, 'Harbor Collision');
    expect(after.fingerprintSha256).toBe(before.fingerprintSha256);
    const sealed = await sealer.seal(sealInput(harbor.id, original));
    expect(pdfsig(sealed.pdf)).toMatchObject({ valid: true, wholeDocument: true, commonName: 'Harbor Collision' });
    expect(pageText(sealed.pdf, 5).replace(/\s+/g, ' ')).toContain(before.fingerprintSha256);
    const other = await sealer.seal(sealInput(lakeside.id, original, { shopName: 'Lakeside Auto Body' }));
    expect(pdfsig(other.pdf).commonName).toBe('Lakeside Auto Body');
    expect((await again.esignKeys.find(lakeside.id))!.fingerprintSha256).not.toBe(before.fingerprintSha256);
    expect(await again.esignKeys.list()).toHaveLength(2);

    // Another key (the operator replaced BAYLINE_ESIGN_KEY): a clear refusal, and the row is kept.
    const wrongKey = new PdfSealer({ storage: again, config: keyConfig(randomBytes(32)) });
    await expect(wrongKey.seal(sealInput(harbor.id, original))).rejects.toThrow(/does not open with this relay's key/);
    expect((await again.esignKeys.find(harbor.id))!.fingerprintSha256).toBe(before.fingerprintSha256);
  });

  it('is one certificate when two relay processes make it at the same moment', async () => {
    const where = await location();
    const key = randomBytes(32);
    const a = await open(engine, where);
    const ws = await a.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const b = await open(engine, where);
    const [fromA, fromB] = await Promise.all([
      new PdfSealer({ storage: a, config: keyConfig(key) }).certificates.forWorkspace(ws.id, 'Harbor Collision'),
      new PdfSealer({ storage: b, config: keyConfig(key) }).certificates.forWorkspace(ws.id, 'Harbor Collision'),
    ]);
    expect(fromA.fingerprintSha256).toBe(fromB.fingerprintSha256);
    expect(await a.esignKeys.list()).toHaveLength(1);
    expect((await b.esignKeys.find(ws.id))!.fingerprintSha256).toBe(fromA.fingerprintSha256);
  });
});

describe('the operator\'s own certificate', () => {
  /** A PKCS#12 as an operator makes one with openssl (or exports from a CA's portal). */
  function operatorP12(dir: string, passphrase: string): string {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const p12 = path.join(dir, 'seal.p12');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '365', '-subj', '/CN=Bayline Relay Operator/O=Example Hosting LLC'], { stdio: 'ignore' });
    execFileSync('openssl', ['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', p12, '-passout', `pass:${passphrase}`], { stdio: 'ignore' });
    return p12;
  }

  it('seals every shop\'s documents when BAYLINE_ESIGN_P12 is given, and stores no shop certificate', async () => {
    const dir = tempDir();
    const p12 = operatorP12(dir, 'correct horse');
    const config = readSealConfig({ BAYLINE_ESIGN_P12: p12, BAYLINE_ESIGN_P12_PASSPHRASE: 'correct horse' })!;
    expect(config.operator?.subject).toContain('CN=Bayline Relay Operator');
    const storage = await open('sqlite', tempDir());
    const ws = await storage.createWorkspace({ slug: 'harbor', name: 'Harbor Collision' });
    const sealed = await new PdfSealer({ storage, config }).seal(sealInput(ws.id, await threePageDocument()));
    expect(pdfsig(sealed.pdf)).toMatchObject({ valid: true, wholeDocument: true, commonName: 'Bayline Relay Operator' });
    expect(await storage.esignKeys.list()).toEqual([]);
  });

  it('says what is wrong with the settings: a wrong passphrase, a missing file, a passphrase without a file, a short key', () => {
    const dir = tempDir();
    const p12 = operatorP12(dir, 'correct horse');
    expect(() => readSealConfig({ BAYLINE_ESIGN_P12: p12, BAYLINE_ESIGN_P12_PASSPHRASE: 'wrong' })).toThrow(/does not open with the given passphrase/);
    expect(() => readSealConfig({ BAYLINE_ESIGN_P12: path.join(dir, 'nope.p12') })).toThrow(/Cannot read the sealing certificate .*ENOENT/);
    expect(() => readSealConfig({ BAYLINE_ESIGN_P12_PASSPHRASE: 'x' })).toThrow(SealConfigError);
    expect(() => readSealConfig({ BAYLINE_ESIGN_KEY: 'abcd' })).toThrow(/BAYLINE_ESIGN_KEY: .*32 bytes/);
    expect(readSealConfig({})).toBeNull();
    // One relay secret is enough: the mail token key seals certificates when no sealing key is set.
    expect(readSealConfig({ BAYLINE_MAIL_TOKEN_KEY: randomBytes(32).toString('hex') })?.vault).toBeInstanceOf(TokenVault);
  });
});

describe('the operator\'s command `esign certificate`', () => {
  const cli = (args: string[], env: Record<string, string>) => {
    const clean = { ...process.env };
    for (const k of Object.keys(clean)) if (k.startsWith('BAYLINE_')) delete clean[k];
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('relay/cli.ts'), ...args], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 150_000 });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };

  it('shows the shop\'s certificate (made on first use, the same after), and refuses another key or no key clearly', { timeout: 400_000 }, async () => {
    const dir = tempDir();
    expect(cli(['workspace', 'create', '--data', dir, '--slug', 'pena', '--name', 'Peña Auto Body'], {}).code).toBe(0);
    const key = randomBytes(32).toString('hex');
    const first = cli(['esign', 'certificate', '--data', dir, '--workspace', 'pena'], { BAYLINE_ESIGN_KEY: key });
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain("Peña Auto Body (pena) seals signed documents with the shop's own certificate, made now:");
    expect(first.out).toContain('CN=Peña Auto Body, O=Peña Auto Body');
    const fingerprint = /SHA-256\s+([0-9a-f]{64})/.exec(first.out)?.[1];
    expect(fingerprint).toBeDefined();
    const again = cli(['esign', 'certificate', '--data', dir, '--workspace', 'pena'], { BAYLINE_ESIGN_KEY: key });
    expect(again.out).toContain("with the shop's own certificate:");
    expect(again.out).toContain(fingerprint);

    const otherKey = cli(['esign', 'certificate', '--data', dir, '--workspace', 'pena'], { BAYLINE_ESIGN_KEY: randomBytes(32).toString('hex') });
    expect(otherKey.code).toBe(1);
    expect(otherKey.err).toContain("does not open with this relay's key");
    const noKey = cli(['esign', 'certificate', '--data', dir, '--workspace', 'pena'], {});
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('Sealing is not configured: set BAYLINE_ESIGN_KEY');
  });
});
