// Printed documents as the shop and the customer hold them: every kind on every paper rendered
// to an image, each QR code read back by an independent decoder and opened on the relay, the
// names spelled right, and the longest values the desk accepts kept inside the page.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepairOrderDetail, StaffMember } from '../../src-shared/domain.js';
import { mm, PAPERS, PAPERS_FOR, PRINT_KINDS, type Paper, type PrintKind, type RenderedPrint } from '../../src-shared/printing.js';
import { call, eventually, type RelayFixture, startRelayFixture } from '../../relay/testing/sync-fixture.js';
import { importBlob } from '../blobs/local-blobs.js';
import type { Desk } from '../desk.js';
import { openTestDesk, tempDir } from '../testing/temp-desk.js';
import { renderPrintDocument } from './documents.js';
import { gatherPrintData } from './print-data.js';
import { decodeQrCodes, overlappingWords, pdfPages, pdfText, renderPages } from './printed-pages.js';

const OUT = path.resolve('test-output/printing');

const normalCar = {
  customer: { firstName: 'José', lastName: 'Nguyễn Thị Hương', mobile: '(512) 555-0147', email: 'jose@example.com' },
  vehicle: { vin: '1HGCM82633A004352', plate: 'KLM 456', year: 2019, make: 'Honda', model: 'Accord', color: 'Blue' },
  insurer: 'State Farm',
  claimNumber: 'SF-88-1234',
  adjusterName: 'Øyvind Ås',
  adjusterPhone: '(512) 555-0199',
  deductibleCents: 50000,
  promisedDate: '2026-12-04',
  courtesyCar: 'Enterprise, Kia Rio',
};

// Every text at the longest the API allows, in wide letters that wrap badly.
const W = (n: number, word = 'Wéźłą') => Array.from({ length: Math.ceil(n / (word.length + 1)) }, () => word).join(' ').slice(0, n).trim();
const longestCar = {
  customer: { firstName: W(100, 'Zoë'), lastName: W(100, 'Øyvindsdóttir-Nguyễn'), mobile: '+1 512 555 0148', email: `${'w'.repeat(240)}@example.com` },
  vehicle: { vin: '1M8GDM9AXKP042788', plate: 'WWWWWWWWWWWWWWWWWWWW', year: 2024, make: W(60, 'Mercedes-Benz'), model: W(60, 'Sprinter'), color: W(40, 'Midnight') },
  insurer: W(120, 'Württembergische'),
  claimNumber: 'W'.repeat(60),
  adjusterName: W(120, 'Bartholomew'),
  adjusterPhone: '+1 (512) 555-0100 ext. 12345678901234',
  deductibleCents: 1_000_000_000,
  promisedDate: '2026-12-31',
  courtesyCar: W(200, 'Enterprise'),
};

let f: RelayFixture;
let desk: Desk;
let normal: RepairOrderDetail;
let longest: RepairOrderDetail;

async function render(roId: string, kind: PrintKind, paper?: Paper): Promise<RenderedPrint> {
  return call<RenderedPrint>(desk, 'print-render', { roId, kind, paper });
}

beforeAll(async () => {
  f = await startRelayFixture('sqlite', { blobs: true });
  ({ desk } = await f.pairNewDesk('Front desk'));
  const logo = await sharp({ create: { width: 400, height: 160, channels: 3, background: '#b3261e' } }).png().toBuffer();
  const { hash } = await importBlob(desk, logo, 'image/png');
  await call(desk, 'workspace-update', {
    name: 'Lakeside Collision & Paint — Østre Åsgårdstrand Autohaus',
    address: `${W(280, 'Boulevard')}, Austin TX`,
    phone: '(512) 555-0100',
    email: 'desk@lakeside.example',
    logoHash: hash,
    timeZone: 'America/Chicago',
  });
  normal = await call<RepairOrderDetail>(desk, 'ro-check-in', normalCar);
  longest = await call<RepairOrderDetail>(desk, 'ro-check-in', longestCar);
  await relayHasEverything();
}, 60_000);

/** Links a desk issued work on the relay once the desk has pushed them. */
async function relayHasEverything() {
  await eventually('the desk to push everything', async () => (await call<{ changesWaiting: number }>(desk, 'sync-status', {})).changesWaiting === 0);
}

afterAll(async () => {
  await f?.cleanup();
});

describe('printed documents', () => {
  const cases = PRINT_KINDS.flatMap((kind) => PAPERS_FOR[kind].map((paper) => [kind, paper] as const));

  it.each(cases)('%s on %s: the QR reads back as the portal link and opens this repair on the relay', async (kind, paper) => {
    const printed = await render(normal.id, kind, paper);
    expect(printed.paper).toBe(paper);
    await relayHasEverything();
    const pdf = Buffer.from(printed.pdfBase64, 'base64');
    const pages = renderPages(pdf, OUT, `${kind}-${paper}-normal`);
    expect(pages).toHaveLength(1);
    const decoded = decodeQrCodes(pages[0]!);

    const marker = { 'work-order': 'qr-work-order', tag: 'qr-tag', receipt: 'qr-receipt' }[kind];
    expect(printed.customerUrl).toBe(`${f.relay.url}/t/${new URL(printed.customerUrl!).pathname.split('/')[2]}?s=${marker}`);
    expect(decoded).toContain(printed.customerUrl);
    expect(decoded).toHaveLength(kind === 'tag' ? 2 : 1);

    const page = await fetch(printed.customerUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`Repair order ${normal.roNumber}`);

    if (kind === 'tag') {
      const bay = decoded.find((url) => url !== printed.customerUrl)!;
      expect(bay).toMatch(new RegExp(`^${f.relay.url}/b/[A-Za-z0-9_-]{46}$`));
      const bayPage = await fetch(bay);
      expect(bayPage.status).toBe(200);
      expect(await bayPage.text()).toContain(`RO ${normal.roNumber}`);
    }

    const text = pdfText(pdf);
    for (const expected of [String(normal.roNumber), 'KLM 456', 'Nguyễn Thị Hương']) expect(text).toContain(expected);
    if (kind !== 'tag') expect(text).toContain('José Nguyễn Thị Hương');
    if (kind === 'work-order') expect(text).toContain('Øyvind Ås');
    expect(text).toContain(kind === 'receipt' ? 'RECEIVED BY' : kind === 'tag' ? 'Promised: Fri, Dec 4, 2026' : 'PROMISED FOR');
  });

  it.each(cases)('%s on %s with the longest values stays inside the page, nothing overlapping', async (kind, paper) => {
    const data = await gatherPrintData({ desk, session: desk.newSession() }, longest.id, kind);
    const printed = await renderPrintDocument(kind, paper, data);
    renderPages(printed.pdf, OUT, `${kind}-${paper}-longest`);
    const [page, ...more] = pdfPages(printed.pdf);
    expect(more).toHaveLength(0);
    const edge = paper === 'receipt-80mm' ? mm(3) : mm(6);
    expect(page!.width).toBeCloseTo(PAPERS[paper].width, 1);
    for (const word of page!.words) {
      expect(word.xMin, `"${word.text}" starts left of the margin`).toBeGreaterThanOrEqual(edge);
      expect(word.xMax, `"${word.text}" runs past the right margin`).toBeLessThanOrEqual(page!.width - edge);
      expect(word.yMin, `"${word.text}" is above the margin`).toBeGreaterThanOrEqual(edge - 2);
      expect(word.yMax, `"${word.text}" is below the margin`).toBeLessThanOrEqual(page!.height - edge + 2);
    }
    expect(overlappingWords(page!.words).map(([a, b]) => `"${a.text}" × "${b.text}"`)).toEqual([]);
    for (const qr of printed.qrCodes) {
      const onCode = page!.words.filter(
        (w) => w.xMax > qr.box.x + 1 && w.xMin < qr.box.x + qr.box.width - 1 && w.yMax > qr.box.y + 1 && w.yMin < qr.box.y + qr.box.height - 1,
      );
      expect(onCode.map((w) => w.text), 'text printed over a QR code').toEqual([]);
      // Large enough for a phone at arm's length: 25 mm on sheets, 20 mm on the thermal roll.
      expect(qr.box.width).toBeGreaterThanOrEqual(paper === 'receipt-80mm' ? mm(20) : mm(25));
    }
    // The wrapped and shrunk texts are still all there (cut ones end in an ellipsis).
    const text = page!.words.map((w) => w.text).join(' ');
    expect(text).toContain(String(longest.roNumber));
    expect(text).toContain('WWWWWWWWWWWWWWWWWWWW');
  });

  it('reprints carry the same customer link; the tag keeps the bay link that already hangs in the car', async () => {
    const first = await render(normal.id, 'tag');
    const second = await render(normal.id, 'tag');
    const decode = (r: RenderedPrint, name: string) =>
      decodeQrCodes(renderPages(Buffer.from(r.pdfBase64, 'base64'), OUT, name)[0]!).sort();
    expect(decode(second, 'tag-reprint-2')).toEqual(decode(first, 'tag-reprint-1'));
    const detail = await call<RepairOrderDetail>(desk, 'ro-get', { id: normal.id });
    expect(first.customerUrl).toBe(`${detail.portal.url}?s=qr-tag`);
  });

  it('a desk that holds no link for the repair issues one when it prints, attributed in the audit trail', async () => {
    const revoked = await call<RepairOrderDetail>(desk, 'ro-check-in', { ...normalCar, allowDuplicate: true });
    await call(desk, 'portal-link-revoke', { roId: revoked.id });
    const printed = await render(revoked.id, 'work-order');
    expect(printed.customerUrl).toMatch(/\?s=qr-work-order$/);
    await relayHasEverything();
    const res = await fetch(printed.customerUrl!);
    expect(res.status).toBe(200);
    const audit = await call<Array<{ action: string; summary: string }>>(desk, 'audit-list', { roId: revoked.id });
    expect(audit.map((a) => a.summary)).toContain('Portal link issued for printing');
  });

  it('paper that does not suit the document is refused by name; the choice per kind is remembered on this PC', async () => {
    const outcome = await desk.call('print-render', { roId: normal.id, kind: 'work-order', paper: 'receipt-80mm' }, desk.newSession());
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.field).toBe('paper');
      expect(outcome.error.message).toBe('A work order prints on US Letter, A4, not 80 mm receipt roll.');
    }
    const saved = await call<Record<PrintKind, { paper: Paper; printer: string | null }>>(desk, 'print-settings-save', {
      kind: 'work-order',
      paper: 'a4',
      printer: 'Front desk laser',
    });
    expect(saved['work-order']).toEqual({ paper: 'a4', printer: 'Front desk laser' });
    expect(saved.tag.paper).toBe('half-letter');
    const printed = await render(normal.id, 'work-order');
    expect(printed.paper).toBe('a4');
    expect(pdfPages(Buffer.from(printed.pdfBase64, 'base64'))[0]!.width).toBeCloseTo(PAPERS.a4.width, 1);
    await call(desk, 'print-settings-save', { kind: 'work-order', paper: 'letter' });
  });
});

describe('printing on a desk that is not connected to a relay', () => {
  it('prints the work order with its facts and says why there is no QR code', async () => {
    const alone = await openTestDesk();
    try {
      const staff = await alone.call('staff-create', { name: 'María-José Castañeda', role: 'advisor', pin: '4821' });
      await alone.call('staff-switch', { staffId: (staff as StaffMember).id, pin: '4821' });
      const ro = await alone.call('ro-check-in', normalCar);
      const printed = await alone.call('print-render', { roId: ro.id, kind: 'receipt' });
      expect(printed.customerUrl).toBeNull();
      const pdf = Buffer.from(printed.pdfBase64, 'base64');
      expect(decodeQrCodes(renderPages(pdf, OUT, 'receipt-unpaired')[0]!)).toEqual([]);
      const text = pdfText(pdf).replace(/\s+/g, ' ');
      expect(text).toContain('Not connected to the shop’s relay yet');
      expect(text).toContain('María-José Castañeda');
      expect(text).toContain(`RO ${ro.roNumber}`);
    } finally {
      await alone.close();
    }
  });
});

describe('npm run desk -- print', () => {
  it('writes the PDF of a repair order found by its number', async () => {
    const dataDir = tempDir();
    const seeded = await openTestDesk({ dataDir });
    const ro = await seeded.call('ro-check-in', normalCar);
    await seeded.close();
    const out = path.join(dataDir, 'out', 'wo.pdf');
    const run = promisify(execFile);
    const { stdout } = await run('npx', ['tsx', 'src-main/cli.ts', 'print', 'work-order', '--data', dataDir, '--ro', String(ro.roNumber), '--out', out]);
    expect(stdout).toContain(`Work order for RO ${ro.roNumber}`);
    expect(pdfText(fs.readFileSync(out))).toContain('Nguyễn Thị Hương');

    const wrong = await run('npx', ['tsx', 'src-main/cli.ts', 'print', 'work-order', '--data', dataDir, '--ro', '99999', '--out', out]).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((wrong as { code: number }).code).toBe(1);
    expect((wrong as { stderr: string }).stderr).toContain('No repair order 99999');
  }, 60_000);
});

