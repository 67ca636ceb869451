// E-signature at the desk: the documents a customer signs, read back as text and rendered as
// pictures; requests stored with the SHA-256 of the exact bytes; supplements compared with the
// last signed version; newer versions voiding older ones; a withdrawn consent refused with a
// word about paper; bad input refused with a clear message. A real desk on a real SQLite file.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import { DEFAULT_ESIGN_TERMS } from '../../src-shared/esign/desk-args.js';
import { importDeskFile } from '../blobs/desk-files.js';
import { importBlob, localBlobPath } from '../blobs/local-blobs.js';
import { renderPages, pdfText } from '../printing/printed-pages.js';
import { openTestDesk, type TestDesk } from '../testing/temp-desk.js';

const OUT = path.resolve('test-output/esign');

let t: TestDesk;
let ro: RepairOrderDetail;

function text(b64: string): string {
  return pdfText(Buffer.from(b64, 'base64')).replace(/[ \t]+/g, ' ');
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  t = await openTestDesk();
  await t.call('workspace-update', { name: 'Lakeside Collision', address: '100 Lake Rd, Austin TX', phone: '(512) 555-0100', timeZone: 'America/Chicago' });
  ro = await t.call('ro-check-in', {
    customer: { firstName: 'Dana', lastName: 'Reyes', mobile: '(512) 555-0147', email: 'dana@example.com' },
    vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
    insurer: 'State Farm',
    claimNumber: 'SF-88-1234',
    deductibleCents: 50000,
    estimateTotalCents: 432150,
  });
});

afterAll(async () => {
  await t?.close();
});

describe('documents made at the desk', () => {
  it('the repair authorization shows the car, the insurer and claim, the totals and the shop’s own terms', async () => {
    await t.call('esign-terms-save', { ...DEFAULT_ESIGN_TERMS, storageTerms: 'Storage is $45 a day from day three after we call.', expiryDays: 5 });
    const doc = await t.call('esign-render', { roId: ro.id, kind: 'authorization' });
    const words = text(doc.pdfBase64);
    for (const expected of ['REPAIR AUTHORIZATION', `RO ${ro.roNumber}`, 'Dana Reyes', '2019 Blue Honda Accord', '1HGCM82633A004352', 'State Farm', 'SF-88-1234', '$4,321.50', '$500.00', 'Storage is $45 a day from day three after we call.', 'Lakeside Collision']) {
      expect(words).toContain(expected);
    }
    const pngs = renderPages(Buffer.from(doc.pdfBase64, 'base64'), OUT, 'authorization', 60);
    expect(pngs).toHaveLength(doc.pages);
  });

  it('the betterment acknowledgement lists each part with what the customer pays and the total', async () => {
    const doc = await t.call('esign-render', {
      roId: ro.id,
      kind: 'betterment',
      lines: [
        { description: 'Front tires (2), 40% worn', amountCents: 11200 },
        { description: 'Battery, 4 years old', amountCents: 6850 },
      ],
    });
    const words = text(doc.pdfBase64);
    expect(words).toMatch(/BETTERMENT\s+ACKNOWLEDGEMENT/);
    expect(words).toMatch(/Front tires \(2\), 40% worn\s+\$112\.00/);
    expect(words).toMatch(/Battery, 4 years old\s+\$68\.50/);
    expect(words).toMatch(/You pay\s+\$180\.50/);
    renderPages(Buffer.from(doc.pdfBase64, 'base64'), OUT, 'betterment', 60);
  });

  it('the pickup sign-off shows the odometer, the items returned and the acceptance', async () => {
    const doc = await t.call('esign-render', { roId: ro.id, kind: 'pickup', odometer: 48213, itemsReturned: ['Spare key', 'Child seat'] });
    const words = text(doc.pdfBase64);
    expect(words).toContain('48,213 miles');
    expect(words).toContain('Spare key');
    expect(words).toContain('Child seat');
    expect(words).toContain('I have inspected my vehicle');
    renderPages(Buffer.from(doc.pdfBase64, 'base64'), OUT, 'pickup', 60);
  });
});

describe('a long supplement', () => {
  it('flows onto more pages, every line and the totals on them, and the page count is what the PDF holds', async () => {
    const lines = Array.from({ length: 60 }, (_, i) => ({ description: `Line ${i + 1}: replace clip, retainer and molding, driver side`, amountCents: 1000 + i }));
    const doc = await t.call('esign-render', { roId: ro.id, kind: 'supplement', lines });
    const pdf = Buffer.from(doc.pdfBase64, 'base64');
    const pngs = renderPages(pdf, OUT, 'supplement-long', 60);
    expect(doc.pages).toBeGreaterThan(1);
    expect(pngs).toHaveLength(doc.pages);
    const words = text(doc.pdfBase64);
    for (const n of [1, 30, 60]) expect(words).toContain(`Line ${n}: replace clip`);
    expect(words).toMatch(/New total\s+\$4,939\.20/);
    expect(words).toContain(`page ${doc.pages}`);
  });
});

describe('requests', () => {
  it('stores the document as the request’s file with the SHA-256 of its exact bytes, and the request as pending', async () => {
    const view = await t.call('esign-create', { roId: ro.id, kind: 'authorization' });
    const req = view.requests.find((r) => r.kind === 'authorization')!;
    expect(req.state).toBe('pending');
    expect(req.needsCode).toBe(true);
    expect(req.version).toBe(1);
    const bytes = fs.readFileSync(localBlobPath(t.dataDir, req.documentBlobHash!));
    expect(req.documentSha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(text(bytes.toString('base64'))).toContain('REPAIR AUTHORIZATION');
    const file = t.desk.sqlite.prepare('SELECT * FROM attachments WHERE signature_request_id = ?').get(req.id) as Record<string, unknown>;
    expect(file).toMatchObject({ kind: 'signature-document', blob_hash: req.documentBlobHash, mime_type: 'application/pdf', ro_id: ro.id });
    // Expires after the shop's 5 days.
    expect(Date.parse(req.expiresAt!) - Date.parse(req.createdAt)).toBe(5 * 86_400_000);
    const audit = await t.call('audit-list', { roId: ro.id });
    expect(audit.map((a) => a.summary)).toContain('Repair authorization sent for signature');
  });

  it('a pickup sign-off needs no code; the screen words read in the shop’s terms', async () => {
    const view = await t.call('esign-create', { roId: ro.id, kind: 'pickup', odometer: 48213, itemsReturned: [] });
    const pickup = view.requests.find((r) => r.kind === 'pickup')!;
    expect(pickup.needsCode).toBe(false);
    expect(pickup.stateText).toMatch(/Waiting to go out/);
  });

  it('a supplement shows what changed since the last SIGNED version, line by line, with both totals; a new version voids the older unsigned one', async () => {
    const v1 = (await t.call('esign-create', {
      roId: ro.id,
      kind: 'supplement',
      lines: [
        { description: 'Rear bumper reinforcement', amountCents: 18500 },
        { description: 'Paint blend, quarter panel', amountCents: 24000 },
      ],
    })).requests.find((r) => r.kind === 'supplement' && r.version === 1)!;
    expect(v1.detail).toMatchObject({ comparedWithVersion: null, oldTotalCents: 432150, newTotalCents: 432150 + 42500 });
    // The customer signs version 1 (the relay writes this; it arrives here by sync).
    await t.desk.store.write({ actor: 'customer', action: 'esign-signed', summary: 'Signed', roId: ro.id }, (tx) =>
      tx.update('signature_requests', v1.id, { state: 'signed', signed_at: new Date().toISOString(), signer_name: 'Dana Reyes' }),
    );
    const v2view = await t.call('esign-create', {
      roId: ro.id,
      kind: 'supplement',
      lines: [
        { description: 'Rear bumper reinforcement', amountCents: 21000 },
        { description: 'Paint blend, quarter panel', amountCents: 24000 },
        { description: 'Parking sensor', amountCents: 9900 },
      ],
    });
    const v2 = v2view.requests.find((r) => r.kind === 'supplement' && r.version === 2)!;
    expect(v2.detail).toMatchObject({
      comparedWithVersion: 1,
      oldTotalCents: 474650,
      newTotalCents: 432150 + 54900,
      diff: [
        { description: 'Rear bumper reinforcement', change: 'changed', oldCents: 18500, newCents: 21000 },
        { description: 'Paint blend, quarter panel', change: 'same', oldCents: 24000, newCents: 24000 },
        { description: 'Parking sensor', change: 'added', oldCents: null, newCents: 9900 },
      ],
    });
    const v2pdf = fs.readFileSync(localBlobPath(t.dataDir, v2.documentBlobHash!));
    const words = text(v2pdf.toString('base64'));
    expect(words).toContain('SUPPLEMENT APPROVAL');
    // Section headings are letter-spaced: read without the spaces.
    expect(words.replace(/ /g, '')).toContain('WHATCHANGEDSINCEVERSION1YOUSIGNED');
    expect(words).toMatch(/Rear bumper reinforcement\s+Changed\s+\$185\.00\s+\$210\.00/);
    expect(words).toMatch(/Parking sensor\s+Added\s+—\s+\$99\.00/);
    expect(words).toMatch(/Total you approved before\s+\$4,746\.50/);
    expect(words).toMatch(/New total\s+\$4,870\.50/);
    renderPages(v2pdf, OUT, 'supplement-v2', 60);

    // Version 3 drops a line; version 2 (unsigned) is voided by it, version 1 (signed) stays signed.
    const v3view = await t.call('esign-create', { roId: ro.id, kind: 'supplement', lines: [{ description: 'Rear bumper reinforcement', amountCents: 21000 }] });
    const byVersion = new Map(v3view.requests.filter((r) => r.kind === 'supplement').map((r) => [r.version, r]));
    expect(byVersion.get(1)!.state).toBe('signed');
    expect(byVersion.get(2)!.state).toBe('voided');
    expect(byVersion.get(2)!.voidedBy).toBe(byVersion.get(3)!.id);
    expect(byVersion.get(2)!.stateText).toBe('Voided: replaced by version 3');
    expect(byVersion.get(3)!.detail).toMatchObject({ diff: expect.arrayContaining([{ description: 'Paint blend, quarter panel', change: 'removed', oldCents: 24000, newCents: null }]) });
  });

  it('staff withdraws an unsigned request; a signed one cannot be withdrawn', async () => {
    const view = await t.call('esign-list', { roId: ro.id });
    const pickup = view.requests.find((r) => r.kind === 'pickup')!;
    const after = await t.call('esign-void', { id: pickup.id, reason: 'customer prefers paper' });
    const voided = after.requests.find((r) => r.id === pickup.id)!;
    expect(voided.state).toBe('voided');
    expect(voided.stateDetail).toBe('Withdrawn by the shop: customer prefers paper');
    const signed = after.requests.find((r) => r.state === 'signed')!;
    expect((await refusal(t.call('esign-void', { id: signed.id }))).message).toMatch(/already signed/);
  });

  it('refuses when the customer withdrew consent, telling the desk to use paper; the same document still prints', async () => {
    const agreed = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const withdrawn = new Date(Date.now() - 86_400_000).toISOString();
    // The relay records consent and its withdrawal from the portal; here they arrive by sync.
    await t.desk.store.write({ actor: 'customer', action: 'esign-consent', summary: 'Consent', roId: ro.id }, async (tx) => {
      const id = await tx.insert('signature_consents', { customer_id: ro.customer.id, ro_id: ro.id, disclosure_version: '2026-12', agreed_at: agreed });
      await tx.update('signature_consents', id, { withdrawn_at: withdrawn });
    });
    const view = await t.call('esign-list', { roId: ro.id });
    expect(view.consent).toMatchObject({ state: 'withdrawn', agreedAt: agreed, withdrawnAt: withdrawn });
    const err = await refusal(t.call('esign-create', { roId: ro.id, kind: 'authorization' }));
    expect(err.code).toBe('esign-consent-withdrawn');
    expect(err.message).toMatch(/Dana Reyes withdrew consent to sign electronically on .*: use paper/);
    const paper = await t.call('esign-render', { roId: ro.id, kind: 'authorization' });
    expect(text(paper.pdfBase64)).toContain('Customer signature');
    // Nothing new was stored.
    expect((await t.call('esign-list', { roId: ro.id })).requests.filter((r) => r.kind === 'authorization')).toHaveLength(1);
    // Consent given again at the portal: requests are possible again.
    await t.desk.store.write({ actor: 'customer', action: 'esign-consent', summary: 'Consent', roId: ro.id }, (tx) =>
      tx.insert('signature_consents', { customer_id: ro.customer.id, ro_id: ro.id, disclosure_version: '2026-12', agreed_at: new Date().toISOString() }),
    );
    expect((await t.call('esign-list', { roId: ro.id })).consent.state).toBe('agreed');
  });
});

describe('the shop’s own PDF and bad input', () => {
  it('attaches an exported estimate as a custom document, counting its pages', async () => {
    const mine = await t.call('esign-render', { roId: ro.id, kind: 'pickup', odometer: 1, itemsReturned: [] });
    const { hash } = await importDeskFile(t.dataDir, Buffer.from(mine.pdfBase64, 'base64'));
    const view = await t.call('esign-create', { roId: ro.id, kind: 'custom', blobHash: hash, fileName: 'CCC estimate.pdf', title: 'Estimate from CCC ONE' });
    const custom = view.requests.find((r) => r.kind === 'custom')!;
    expect(custom).toMatchObject({ title: 'Estimate from CCC ONE', documentBlobHash: hash, documentSha256: hash, documentPages: 1, needsCode: false, state: 'pending' });
  });

  it('says what is wrong with each bad request', async () => {
    const messages = async (p: Promise<unknown>) => (await refusal(p)).message;
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'betterment', lines: [{ description: 'Tires', amountCents: -500 }] }))).toBe(
      'esign-create: lines.0.amountCents must not be negative',
    );
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'betterment', lines: [] }))).toBe('esign-create: lines needs at least one part the customer pays for');
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'supplement', lines: [{ description: '   ', amountCents: 100 }] }))).toBe(
      'esign-create: lines.0.description needs a description',
    );
    expect(
      await messages(
        t.call('esign-create', {
          roId: ro.id,
          kind: 'supplement',
          lines: [
            { description: 'Paint', amountCents: 100 },
            { description: 'paint ', amountCents: 200 },
          ],
        }),
      ),
    ).toMatch(/Lines 1 and 2 are both “paint”/);
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'pickup', odometer: -4, itemsReturned: [] }))).toBe('esign-create: odometer must not be negative');
    const png = await importBlob(t.desk, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png');
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'custom', blobHash: png.hash, fileName: 'photo.png', title: 'Estimate' }))).toBe(
      'The shop’s own document must be a PDF (export the estimate as PDF); this file is a PNG picture.',
    );
    const broken = await importBlob(t.desk, Buffer.from('%PDF-1.7\nthis is not really a PDF'), 'application/pdf');
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'custom', blobHash: broken.hash, fileName: 'x.pdf', title: 'Estimate' }))).toMatch(
      /cannot be read \(it may be damaged\)/,
    );
    const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
    big.write('%PDF-1.7\n');
    expect((await refusal(importDeskFile(t.dataDir, big))).message).toBe('The file is larger than 25 MB, the most a photo or PDF may be.');
    expect(await messages(t.call('esign-create', { roId: ro.id, kind: 'custom', blobHash: 'a'.repeat(64), fileName: 'x.pdf', title: 'Estimate' }))).toBe(
      'That file is not at this desk: add it again.',
    );
    expect(await messages(t.call('esign-terms-save', { ...DEFAULT_ESIGN_TERMS, expiryDays: 0 }))).toBe('esign-terms-save: expiryDays must be at least 1 day');
    // Nothing of the refused requests was stored.
    const kinds = (await t.call('esign-list', { roId: ro.id })).requests.map((r) => `${r.kind}${r.version}`);
    expect(kinds.sort()).toEqual(['authorization1', 'custom1', 'pickup1', 'supplement1', 'supplement2', 'supplement3']);
  });
});

describe('documents in the customer’s words and the shop’s country', () => {
  it('a Spanish-reading customer’s documents are in Spanish (untouched default terms too), and the request records the language', async () => {
    await t.call('esign-terms-save', { ...DEFAULT_ESIGN_TERMS });
    const es = await t.call('ro-check-in', {
      customer: { firstName: 'Ana', lastName: 'Peña', mobile: '(512) 555-0199', language: 'es' },
      vehicle: { vin: '2HGFC2F52MH512345', plate: 'RST 789', year: 2021, make: 'Honda', model: 'Civic', color: 'Red' },
      insurer: 'State Farm',
      claimNumber: 'SF-99-4321',
      deductibleCents: 50000,
      estimateTotalCents: 432150,
    });
    const squash = (s: string) => s.replace(/\s+/g, '');
    const auth = text((await t.call('esign-render', { roId: es.id, kind: 'authorization' })).pdfBase64);
    for (const expected of ['AUTORIZACIÓN DE REPARACIÓN', `Orden ${es.roNumber}`, 'Ana Peña', '$4,321.50', '$500.00', 'Se cobra un almacenaje de $40.00 por día', 'Autorizo al taller', 'Firma del cliente']) {
      expect(auth).toContain(expected);
    }
    for (const heading of ['CLIENTEYVEHÍCULO', 'ASEGURADORA', 'DEDUCIBLE', 'ALMACENAJE', 'PAGO']) expect(squash(auth)).toContain(heading);
    for (const english of ['REPAIRAUTHORIZATION', 'INSURER', 'Iauthorize', 'Storageof']) expect(squash(auth)).not.toContain(english);

    const supplement = await t.call('esign-render', { roId: es.id, kind: 'supplement', lines: [{ description: 'Sensor de estacionamiento', amountCents: 9900 }] });
    const sw = text(supplement.pdfBase64);
    for (const expected of ['APROBACIÓN DE SUPLEMENTO', 'Agregado', 'Nuevo total', 'Aumento: $99.00', 'Apruebo el suplemento']) expect(sw).toContain(expected);
    renderPages(Buffer.from(supplement.pdfBase64, 'base64'), OUT, 'es-supplement', 60);

    const pickup = await t.call('esign-render', { roId: es.id, kind: 'pickup', odometer: 48210, itemsReturned: ['Control del portón'] });
    const pw = text(pickup.pdfBase64);
    for (const expected of ['CONFORMIDAD DE ENTREGA DEL VEHÍCULO', '48,210 millas', 'Control del portón', 'Revisé mi vehículo']) expect(pw).toContain(expected);
    expect(squash(pw)).toContain('ODÓMETRO');
    renderPages(Buffer.from(pickup.pdfBase64, 'base64'), OUT, 'es-pickup', 60);

    // The request keeps the language of the words drawn; the PDF names it too.
    const made = await t.call('esign-create', { roId: es.id, kind: 'authorization' });
    const row = await t.desk.db.selectFrom('signature_requests').select(['document_detail', 'document_blob_hash', 'document_sha256']).where('id', '=', made.requests[0]!.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.document_detail!)).toMatchObject({ language: 'es', locale: 'es-US', storageTerms: expect.stringContaining('Se cobra un almacenaje') });
    const bytes = fs.readFileSync(localBlobPath(t.dataDir, row.document_blob_hash!));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(row.document_sha256);
    expect(bytes.toString('latin1')).toContain('/Lang (es-US)');
    // An English reader of the same shop keeps American English.
    const english = await t.call('esign-create', { roId: ro.id, kind: 'pickup', odometer: 1, itemsReturned: [] });
    const enRow = await t.desk.db.selectFrom('signature_requests').select('document_detail').where('id', '=', english.requests.find((r) => r.kind === 'pickup')!.id).executeTakeFirstOrThrow();
    expect(JSON.parse(enRow.document_detail!)).toMatchObject({ language: 'en', locale: 'en-US' });
  });

  it('a UK bodyshop’s customer reads en-GB wording, day-first dates and £ on A4', async () => {
    const uk = await openTestDesk();
    try {
      await uk.call('workspace-update', { name: 'Kingsway Bodyshop', phone: '020 7946 0000', timeZone: 'Europe/London', country: 'GB' });
      const car = await uk.call('ro-check-in', {
        customer: { firstName: 'Olivia', lastName: 'Hughes', mobile: '07911 123456' },
        vehicle: { vin: '1HGCM82633A004352', plate: 'AB12 CDE', year: 2019, make: 'Ford', model: 'Focus', color: 'Grey' },
        insurer: 'Aviva',
        claimNumber: 'AV-2026-118',
        deductibleCents: 25000,
        estimateTotalCents: 184500,
      });
      const auth = await uk.call('esign-render', { roId: car.id, kind: 'authorization' });
      const aw = text(auth.pdfBase64);
      const squash = (s: string) => s.replace(/\s+/g, '');
      for (const expected of ['REPAIR AUTHORISATION', '£1,845.00', '£250.00', 'Storage of £40.00 a day', 'third working day', 'I authorise the bodyshop']) expect(aw).toContain(expected);
      for (const label of ['WORKPROVIDER', 'EXCESS', 'AUTHORISATION']) expect(squash(aw)).toContain(label);
      for (const us of ['$', 'DEDUCTIBLE', 'INSURER', 'check.']) expect(squash(aw)).not.toContain(us);
      // Day first, 24-hour clock: "5 Dec 2026, 14:15".
      expect(aw).toMatch(/\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d{1,2}:\d{2}\b/);
      expect(aw).not.toMatch(/\b[AP]M\b/);
      expect(aw).not.toMatch(/\b[A-Z][a-z]{2} \d{1,2}, \d{4}/);
      const pdf = Buffer.from(auth.pdfBase64, 'base64');
      const { PDFDocument } = await import('pdf-lib');
      const size = (await PDFDocument.load(pdf)).getPage(0).getSize();
      expect([Math.round(size.width), Math.round(size.height)]).toEqual([595, 842]);
      expect(pdf.toString('latin1')).toContain('/Lang (en-GB)');
      renderPages(pdf, OUT, 'gb-authorization', 60);

      const pickup = text((await uk.call('esign-render', { roId: car.id, kind: 'pickup', odometer: 48210, itemsReturned: [] })).pdfBase64);
      for (const expected of ['VEHICLE COLLECTION SIGN-OFF', '48,210 miles', 'No items were held by the bodyshop.']) expect(pickup).toContain(expected);
      for (const label of ['ATCOLLECTION', 'MILEAGE']) expect(squash(pickup)).toContain(label);
    } finally {
      await uk.close();
    }
  });
});
