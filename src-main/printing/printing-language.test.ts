// Printed papers in the customer's language on the shop's paper (issue 22): a Spanish reader of a
// US shop gets a Letter work order whose customer part is Spanish (the notes area and the printed
// line stay the staff's) and a Spanish receipt; a UK bodyshop's English customer reads
// "Registration", "Excess", day-first dates and £ on A4. Each page is rendered to PNG with
// pdftoppm (copies in /tmp/langdesk-print-*.png to look at) and its QR code read back with zbarimg.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail } from '../../src-shared/domain.js';
import type { Paper, PrintKind, RenderedPrint } from '../../src-shared/printing.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import type { Desk } from '../desk.js';
import { decodeQrCodes, overlappingWords, pdfPages, pdfText, renderPages } from './printed-pages.js';

const OUT = path.resolve('test-output/printing-language');

let f: RelayFixture;
let desk: Desk;
let marisol: RepairOrderDetail;
let amy: RepairOrderDetail;

beforeAll(async () => {
  f = await startRelayFixture('sqlite');
  ({ desk } = await f.pairNewDesk('Front desk'));
  await call(desk, 'workspace-update', { name: 'Lakeside Collision', phone: '(512) 555-0100', timeZone: 'America/Chicago' });
  marisol = await call<RepairOrderDetail>(desk, 'ro-check-in', {
    customer: { firstName: 'Marisol', lastName: 'Gutiérrez', mobile: '(512) 555-0147', email: 'marisol@example.com', language: 'es' },
    vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord' },
    insurer: 'State Farm',
    claimNumber: 'SF-88-1234',
    adjusterName: 'Pat Adjuster',
    deductibleCents: 50000,
    promisedDate: '2037-12-04',
    courtesyCar: 'Enterprise, Kia Rio',
  });
  amy = await call<RepairOrderDetail>(desk, 'ro-check-in', {
    customer: { firstName: 'Amy', lastName: 'Hart', mobile: '(512) 555-0148', language: 'en' },
    vehicle: { plate: 'AB12 CDE', year: 2020, make: 'Ford', model: 'Focus' },
    insurer: 'Aviva',
    deductibleCents: 25000,
    promisedDate: '2037-12-04',
  });
}, 120_000);

afterAll(async () => {
  await f?.cleanup();
});

async function printed(ro: RepairOrderDetail, kind: PrintKind, paper?: Paper) {
  const r = await call<RenderedPrint>(desk, 'print-render', { roId: ro.id, kind, ...(paper ? { paper } : {}) });
  await eventually('the desk to push the link', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
  const pdf = Buffer.from(r.pdfBase64, 'base64');
  const name = `${kind}-${r.paper}-${ro.customer.firstName.toLowerCase()}`;
  const pages = renderPages(pdf, OUT, name, 110);
  expect(pages).toHaveLength(1);
  fs.copyFileSync(pages[0]!, `/tmp/langdesk-print-${name}.png`);
  const [page] = pdfPages(pdf);
  expect(overlappingWords(page!.words).map(([a, b]) => `"${a.text}" × "${b.text}"`)).toEqual([]);
  // The QR still reads back as this repair's portal link, and the relay opens it.
  expect(decodeQrCodes(pages[0]!)).toEqual([r.customerUrl]);
  expect((await fetch(r.customerUrl!)).status).toBe(200);
  const text = pdfText(pdf).replace(/\s+/g, ' ');
  // Headings are letter-spaced and labels set in capitals: `has` compares without spaces or case.
  const squash = (s: string) => s.replace(/\s+/g, '').toUpperCase();
  return { paper: r.paper, text, has: (words: string) => squash(text).includes(squash(words)) };
}

describe('printed papers in the customer language', () => {
  it('a Spanish reader of a US shop: Letter work order in Spanish, the notes heading and printed line too', async () => {
    const p = await printed(marisol, 'work-order');
    expect(p.paper).toBe('letter');
    for (const words of ['ORDEN DE REPARACIÓN', 'CLIENTE', 'Celular', 'VEHÍCULO', 'Placa', 'SEGURO', 'Aseguradora', 'Número de reclamo', 'Deducible', 'Listo para el', 'Siga su reparación', 'Firma del cliente']) {
      expect(p.has(words), words).toBe(true);
    }
    // Spanish dates and money in the US Spanish locale.
    expect(p.text).toMatch(/vie, 4 de dic(\.)? de 2037/);
    expect(p.text).toContain('$500.00');
    expect(p.text).toContain(`mencione la orden ${marisol.roNumber}`);
    // The sheet is the customer's: the notes area (what they point out at the counter) and the printed line read Spanish too.
    expect(p.has('NOTAS AL RECIBIR EL VEHÍCULO')).toBe(true);
    expect(p.text).toMatch(/Impreso el \d+ (de )?[a-z]+\.?( de)? \d{4}/);
    expect(p.has('NOTES AT CHECK-IN')).toBe(false);
    expect(p.text).not.toMatch(/Printed /);
    expect(p.has('Promised for')).toBe(false);
    expect(p.has('CUSTOMER')).toBe(false);
  }, 60_000);

  it('a Spanish reader gets a Spanish receipt', async () => {
    const p = await printed(marisol, 'receipt', 'receipt-80mm');
    for (const words of ['VEHÍCULO RECIBIDO', `Orden ${marisol.roNumber}`, 'RECIBIDO POR', 'Placa', 'Listo para el', '¿No puede escanear? Escriba:', 'Impreso el']) {
      expect(p.has(words), words).toBe(true);
    }
    expect(p.has('VEHICLE RECEIVED')).toBe(false);
  }, 60_000);

  it('a UK bodyshop: A4, registration, excess, day-first dates and £ for English readers', async () => {
    await call(desk, 'workspace-update', { country: 'GB', timeZone: 'Europe/London' });
    const wo = await printed(amy, 'work-order');
    expect(wo.paper).toBe('a4');
    for (const words of ['REPAIR ORDER', 'Registration', 'Work provider', 'Excess', '£250.00', 'Fri, 4 Dec 2037']) expect(wo.has(words), words).toBe(true);
    expect(wo.has('Plate')).toBe(false);
    expect(wo.has('Deductible')).toBe(false);
    const receipt = await printed(amy, 'receipt', 'a4');
    expect(receipt.paper).toBe('a4');
    expect(receipt.has('Registration')).toBe(true);
    // A Spanish reader of the UK shop: Spanish words on A4 with Spain's formats and pounds.
    const es = await printed(marisol, 'work-order');
    expect(es.paper).toBe('a4');
    expect(es.has('Placa')).toBe(true);
    expect(es.text).toMatch(/500,00 £/);
    await call(desk, 'workspace-update', { country: 'US', timeZone: 'America/Chicago' });
  }, 90_000);
});
