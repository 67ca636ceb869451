// A Spanish-reading customer signs the repair authorization the desk really draws (not a test
// PDF): the document on the relay is the desk's, in Spanish, and names its language; the signing
// page names the document in Spanish; the sealed copy's signature page and certificate are in
// Spanish with Spanish dates, name the language signed, and the seal still covers the whole file.
// Real relay (SQLite), real paired desk, fake Telnyx; the PDFs are read with pdftotext and
// rendered with pdftoppm (test-output/esign-language/) for a person to look at.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeskFile } from '../../src-main/blobs/desk-files.js';
import { launchChromium, watchedPage } from '../../src-main/testing/browser-kit.js';
import { pdfText, renderPages } from '../../src-main/printing/printed-pages.js';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { SignaturesView } from '../../src-shared/esign/desk.js';
import { checkIn, settle } from '../sms/testing.js';
import { call, eventually } from '../testing/sync-fixture.js';
import { deskRequest, deskSees, linkFor, pdfsig, startSigningShop, type SigningShop } from './testing.js';

const OUT = path.resolve('test-output/esign-language');
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

async function post(url: string, body: Record<string, unknown> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': UA }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: string; message: string } };
}

async function page(url: string): Promise<string> {
  const res = await fetch(url, { headers: { 'user-agent': UA } });
  expect(res.status).toBe(200);
  return res.text();
}

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('a Spanish-reading customer signs the desk’s own repair authorization', () => {
  let s: SigningShop;
  let ro: RepairOrderDetail;

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    s = await startSigningShop('sqlite');
    ro = await call<RepairOrderDetail>(
      s.desk,
      'ro-check-in',
      checkIn({
        customer: { firstName: 'Ana', lastName: 'Peña', mobile: '(512) 555-0199', email: 'ana@example.com', language: 'es' },
        vehicle: { vin: '2HGFC2F52MH512345', plate: 'RST 789', year: 2021, make: 'Honda', model: 'Civic', color: 'Red' },
        claimNumber: 'SF-88-1234',
        deductibleCents: 50000,
        estimateTotalCents: 432150,
      }),
    );
    await settle(s.desk);
  }, 60_000);
  afterAll(async () => {
    await s?.cleanup();
  });

  it('reads the document, the page and the sealed certificate in Spanish, and the record keeps which words were signed', async () => {
    const made = await call<SignaturesView>(s.desk, 'esign-create', { roId: ro.id, kind: 'authorization' });
    const request = made.requests.find((r) => r.kind === 'authorization')!;
    // The record names the language of the words drawn.
    const row = await deskRequest(s.desk, request.id);
    expect(JSON.parse(row!.document_detail!)).toMatchObject({ kind: 'authorization', language: 'es', locale: 'es-US' });

    const link = await linkFor(s.fake, request.id);
    expect(link.text).toMatch(/^Harbor Collision le pide firmar la autorización de reparación de la orden \d+: http/);

    // The document the customer reads is the desk's bytes (the fixed SHA-256), in Spanish, and says so (/Lang).
    const document = await eventually('the document on the relay', async () => {
      const res = await fetch(`${link.url}/document.pdf`);
      return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : undefined;
    });
    expect(createHash('sha256').update(document).digest('hex')).toBe(row!.document_sha256);
    expect(document.toString('latin1')).toContain('/Lang (es-US)');
    const words = flat(pdfText(document));
    // Section headings are letter-spaced and field labels in capitals: compare those without spaces.
    const squashed = words.replace(/\s+/g, '');
    for (const heading of ['CLIENTEYVEHÍCULO', 'SEGUROYPRESUPUESTO', 'ALMACENAJE', 'AUTORIZACIÓN', 'ASEGURADORA', 'NÚMERODERECLAMO', 'TOTALDELPRESUPUESTO', 'DEDUCIBLE']) {
      expect(squashed).toContain(heading);
    }
    for (const expected of [
      'AUTORIZACIÓN DE REPARACIÓN',
      'State Farm',
      '$4,321.50',
      'Se cobra un almacenaje de $40.00 por día',
      'Autorizo al taller a reparar mi vehículo',
      'Firme en su teléfono',
      'elija «Para firmar»',
      'Firma del cliente',
      'Autorización de reparación · página 1',
    ]) {
      expect(words).toContain(expected);
    }
    for (const english of ['REPAIRAUTHORIZATION', 'INSURER', 'ESTIMATETOTAL', 'Iauthorize', 'Customersignature', 'Signonyourphone', 'page1']) expect(squashed).not.toContain(english);
    renderPages(document, OUT, 'es-document', 70);

    // The portal and the signing page name the document in Spanish.
    expect(await page(link.url.replace(/\/sign\/.*$/, ''))).toContain('Leer y firmar: Autorización de reparación');
    const consent = await page(link.url);
    expect(consent).toContain('le pide firmar <strong>la autorización de reparación</strong>');
    expect(consent).not.toContain('Repair authorization');
    expect((await post(`${link.url}/consent`)).status).toBe(200);
    const signing = await page(link.url);
    expect(signing).toContain('<h2 id="doc-h">Autorización de reparación</h2>');
    expect(signing).toContain(`<title>Harbor Collision: Autorización de reparación</title>`);
    expect(signing).not.toContain('Repair authorization');
    expect(signing).not.toContain('Este documento está escrito en');
    // A phone switched to English reads the page in English, and is told the document is in Spanish.
    const english = await (await fetch(link.url, { headers: { 'user-agent': UA, cookie: 'bayline_lang=en' } })).text();
    expect(english).toContain('<h2 id="doc-h">Repair authorization</h2>');
    expect(english).toContain('This document is written in Spanish, the language it was prepared in for you.');

    // On a phone (Chromium, 390×844): the Spanish document's whole pages, no sideways scrolling.
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const { page: phone, errors } = await watchedPage(context);
      await phone.goto(link.url);
      await phone.locator(`#pages[data-rendered="${request.documentPages}"]`).waitFor({ timeout: 20_000 });
      await phone.getByRole('heading', { name: 'Autorización de reparación' }).waitFor();
      const overflow = await phone.evaluate(() => ({
        page: window.document.documentElement.scrollWidth - window.document.documentElement.clientWidth,
        frames: [...window.document.querySelectorAll('#pages figure')].map((f) => f.scrollWidth - f.clientWidth),
      }));
      expect(overflow.page).toBeLessThanOrEqual(0);
      expect(overflow.frames.every((o) => o === 0)).toBe(true);
      await phone.locator('#pages figure').first().scrollIntoViewIfNeeded();
      await phone.screenshot({ path: `${OUT}/es-signing-390.png`, fullPage: false });
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }

    const before = s.fake.sends().length;
    expect((await post(`${link.url}/code`)).status).toBe(200);
    const codeText = await eventually('the Spanish code text', async () => s.fake.sends().slice(before).find((m) => m.text.includes('código para firmar'))?.text);
    const code = /\b(\d{6})\b/.exec(codeText)![1]!;
    const signed = await post(`${link.url}/sign`, { intent: 'Acepto firmar electrónicamente esta autorización de reparación', code, signerName: 'Ana Peña', method: 'typed' });
    expect(signed).toMatchObject({ status: 200, body: { ok: true } });

    const done = await deskSees(s.desk, request.id, 'signed');
    expect(done.intent_text).toBe('Acepto firmar electrónicamente esta autorización de reparación');
    const consentRow = await s.desk.store.db.selectFrom('signature_consents').selectAll().where('id', '=', done.consent_id!).executeTakeFirstOrThrow();
    expect(consentRow.disclosure_version).toMatch(/\/es$/);
    const sealed = await eventually('the sealed PDF in the desk folder', async () => (await readDeskFile(s.dataDir, done.sealed_blob_hash!)) ?? undefined);
    const check = pdfsig(sealed);
    expect(check.valid, check.output).toBe(true);
    expect(check.wholeDocument, check.output).toBe(true);

    renderPages(sealed, OUT, 'es-sealed', 70);
    // The original's pages, then one signature page and a one-page certificate: nothing spills.
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', ['-'], { input: sealed, encoding: 'utf8' }))![1]);
    expect(pages).toBe(request.documentPages + 2);
    const sealedText = flat(pdfText(sealed));
    const zone = (await call<{ timeZone: string }>(s.desk, 'workspace-get', {})).timeZone;
    const signedDay = new Intl.DateTimeFormat('es-US', { day: 'numeric', month: 'long', year: 'numeric', timeZone: zone }).format(new Date(done.signed_at!));
    for (const expected of [
      'Firma electrónica',
      'Firmado el',
      signedDay,
      'Certificado de finalización',
      'Autorización de reparación · Orden',
      'Idioma Español (Estados Unidos)',
      '«Acepto firmar electrónicamente esta autorización de reparación»',
      'mensaje de texto al (512) ***-0199',
      'Eventos',
      'Documento abierto',
      'Firmado por Ana Peña',
      row!.document_sha256!,
      `Página ${pages} de ${pages}`,
    ]) {
      expect(sealedText).toContain(expected);
    }
    for (const english of ['Certificate of completion', 'Pages signed', 'Document opened', 'Repair authorization', 'What happened']) expect(sealedText).not.toContain(english);
  }, 120_000);
});
